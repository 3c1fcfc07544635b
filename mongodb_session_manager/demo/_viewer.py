"""The one place the demo and the playground meet the session viewer.

The viewer (``mongodb_session_manager.viewer``) is an optional part of the
package; it is imported lazily so the demo runs without it.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any
from urllib.parse import quote

from rich.console import Console
from rich.text import Text

logger = logging.getLogger(__name__)

VIEWER_MODULE = "mongodb_session_manager.viewer"
DEFAULT_VIEWER_HOST = "127.0.0.1"
DEFAULT_VIEWER_PORT = 8882


def viewer_base_url(host: str = DEFAULT_VIEWER_HOST, port: int = DEFAULT_VIEWER_PORT) -> str:
    """``http://host:port/`` (IPv6 hosts bracketed)."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def viewer_session_url(base_url: str, session_id: str, token: str | None = None) -> str:
    """The viewer page showing ``session_id``.

    The viewer opens the session named by the ``session`` query parameter and
    takes an access token from the ``#token=`` fragment (a fragment is never
    sent to a server, so the token stays out of logs).
    """
    url = f"{base_url.rstrip('/')}/?session={quote(session_id, safe='')}"
    return f"{url}#token={quote(token, safe='')}" if token else url


def _load_viewer(console: Console) -> Any | None:
    try:
        return importlib.import_module(VIEWER_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name is not None and not VIEWER_MODULE.startswith(exc.name):
            missing = exc.name  # a dependency of the viewer (fastapi / uvicorn) is missing
            console.print(
                Text(
                    f"The session viewer needs {missing}: "
                    "pip install 'mongodb-session-manager[viewer]'",
                    style="yellow",
                )
            )
        else:
            console.print(
                Text("The session viewer is not part of this installation.", style="yellow")
            )
        return None


def build_viewer_app(
    uri: str,
    database: str,
    collection: str,
    *,
    host: str = DEFAULT_VIEWER_HOST,
    port: int = DEFAULT_VIEWER_PORT,
    token: str | None = None,
    console: Console | None = None,
) -> tuple[Any, Any] | None:
    """The viewer's ASGI app and settings on ``uri``; ``None`` (with a note) if unavailable.

    The token is ``token``, else ``$MSM_VIEWER_TOKEN``, else a generated one.
    """
    viewer = _load_viewer(console or Console())
    if viewer is None:
        return None
    settings = viewer.ViewerSettings.from_env(
        connection_string=uri,
        database_name=database,
        collection_name=collection,
        host=host,
        port=port,
        token=token,
    )
    settings.ensure_token()
    return viewer.create_app(settings), settings


def serve_viewer(
    uri: str,
    database: str,
    collection: str,
    *,
    host: str = DEFAULT_VIEWER_HOST,
    port: int = DEFAULT_VIEWER_PORT,
    token: str | None = None,
    session_id: str | None = None,
    console: Console | None = None,
) -> bool:
    """Serve the session viewer on ``uri`` until Ctrl-C; ``False`` if it is not available.

    Prints the URL (with the session and the access token) before serving.
    """
    console = console or Console()
    built = build_viewer_app(
        uri, database, collection, host=host, port=port, token=token, console=console
    )
    if built is None:
        return False
    import uvicorn

    app, settings = built
    base = viewer_base_url(host, port)
    url = viewer_session_url(base, session_id, settings.token) if session_id else base
    console.print()
    console.print(Text("Session viewer: ", style="bold").append(url, style="link " + url))
    console.print(Text(f"Access token: {settings.token}   (Ctrl-C to stop)"))
    logger.info("demo.viewer.serving | host=%s port=%s", host, port)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return True
