"""Outbound effects to and from JSON for the outbox, checked against the core's types."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from core.effects import OutboundEffect

_ADAPTER: TypeAdapter[OutboundEffect] = TypeAdapter(OutboundEffect)


def dump(effect: OutboundEffect) -> dict[str, Any]:
    data: dict[str, Any] = _ADAPTER.dump_python(effect, mode="json")
    return data


def load(data: dict[str, Any]) -> OutboundEffect:
    return _ADAPTER.validate_python(data)
