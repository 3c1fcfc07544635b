"""The chat playground: a page and a streaming FastAPI endpoint over a persisted agent.

Start it with ``msm playground`` or build the app yourself::

    from mongodb_session_manager.playground import PlaygroundSettings, create_app

    app = create_app(PlaygroundSettings(connection_string="mongodb://...", token="..."))

Needs the ``viewer`` extra (FastAPI, uvicorn).
"""

from mongodb_session_manager.playground.app import create_app
from mongodb_session_manager.playground.settings import PlaygroundSettings

__all__ = ["PlaygroundSettings", "create_app"]
