"""The Discord adapter (discord.py): slash commands generated from the core's command specs,
buttons for reply actions, outbound delivery of DMs, posts and role changes.

Thin on purpose: parse what Discord sends, run it through the core, render the result.
"""
