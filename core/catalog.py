"""Imports every feature's commands so they register. Adapters import this, not features."""

from __future__ import annotations

import core.community.commands
import core.help
import core.linking.commands
import core.membership.commands
import core.questions.commands
import core.questions.digest
import core.questions.ladder
import core.questions.leaders
import core.questions.settings
import core.questions.suggest
import core.resources.commands
import core.resources.review
import core.resources.settings
import core.resources.suggest
import core.rules.commands
import core.votes.check
import core.votes.commands
import core.votes.suggest  # noqa: F401
