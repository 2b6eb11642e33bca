"""Declarative commands: one dataclass and one handler per verb, the same on every platform.

`spec` declares commands (maubot-style), `parser` turns a text line (Matrix, console) into a
command object, `bus` runs it in a unit of work. Discord builds the same objects from slash
options through `CommandSpec.build`.
"""
