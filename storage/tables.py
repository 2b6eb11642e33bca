"""Every table module, imported so the metadata is complete (Alembic, create_all in tests)."""

from __future__ import annotations

import storage.codes
import storage.community
import storage.discord_state
import storage.matrix
import storage.membership
import storage.outbox
import storage.questions
import storage.resources
import storage.rules
import storage.timers
import storage.votes  # noqa: F401
