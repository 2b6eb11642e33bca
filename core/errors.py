"""Errors whose message is meant for the person who typed the command.

A `UserError` rolls back the unit of work and is shown to the user as is, so its text must
be short, friendly and free of internals. Anything else is a bug: the user gets a generic
apology and the log gets the traceback (never the message body).
"""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(UserError):
    """The command was malformed; the message includes how to use it."""


class PermissionDenied(UserError):
    pass


class NotFound(UserError):
    pass


class Conflict(UserError):
    pass


class InvalidInput(UserError):
    pass


class ConcurrentUpdate(Exception):
    """Storage lost a race (a unique key was taken meanwhile); the whole command is retried."""


class DeliveryError(Exception):
    """A platform could not deliver an outbound effect.

    `permanent` errors (unknown user, missing permission) are not retried; others are, after
    `retry_after` seconds when the platform said so (rate limits) or with backoff.
    """

    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
