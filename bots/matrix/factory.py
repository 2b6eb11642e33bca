from __future__ import annotations

import logging

from bots.bootstrap import App
from bots.matrix.platform import MatrixPlatform


def make_matrix(app: App) -> MatrixPlatform:
    # nio logs every event it handles at INFO, room ids and all: keep it to warnings.
    logging.getLogger("nio").setLevel(max(logging.WARNING, logging.getLogger().level))
    # nio checks every error answer against the success schema first and warns about it.
    logging.getLogger("nio.responses").setLevel(logging.ERROR)
    return MatrixPlatform(app, app.settings.matrix)
