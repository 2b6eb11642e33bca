"""The platform-neutral heart of Carpool CoP.

Nothing in this package imports a chat platform, the ORM, the scheduler or the outer
layers (`bots`, `storage`, `config`); tests/unit/test_architecture.py enforces it.
"""
