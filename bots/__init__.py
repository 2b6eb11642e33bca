"""The outer layer: composition root, runtime, outbox dispatcher, scheduler and platform adapters."""
