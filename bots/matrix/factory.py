from __future__ import annotations

from bots.bootstrap import App
from bots.matrix.platform import MatrixPlatform


def make_matrix(app: App) -> MatrixPlatform:
    return MatrixPlatform(app, app.settings.matrix)
