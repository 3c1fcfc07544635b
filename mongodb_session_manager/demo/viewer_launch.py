"""The one place the demo and the playground meet the session viewer.

The viewer (``mongodb_session_manager.viewer``) is an optional part of the
package; it is imported lazily so the demo runs without it.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from typing import Any, TypedDict, Unpack
from urllib.parse import quote

from rich.console import Console
from rich.text import Text

logger = logging.getLogger(__name__)

VIEWER_MODULE = "mongodb_session_manager.viewer"
DEFAULT_VIEWER_HOST = "127.0.0.1"
DEFAULT_VIEWER_PORT = 8882


class ViewerOptions(TypedDict, total=False):
    """Where and how the demo's viewer is served (every key optional).

    Attributes:
        host: Interface to bind (default ``127.0.0.1``).
        port: Port (default 8882).
        token: Access token (default ``$MSM_VIEWER_TOKEN``, else a generated one).
        console: Where notes are printed (default a new ``rich`` console).
    """

    host: str
    port: int
    token: str | None
    console: Console | None


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
    uri: str, database: str, collection: str, **options: Unpack[ViewerOptions]
) -> tuple[Any, Any] | None:
    """The viewer's ASGI app and settings on ``uri``; ``None`` (with a note) if unavailable.

    Args:
        uri: The MongoDB URI.
        database: Database of the sessions collection.
        collection: The sessions collection.
        **options: See :class:`ViewerOptions`; the token is ``token``, else
            ``$MSM_VIEWER_TOKEN``, else a generated one.

    Returns:
        ``(app, settings)``, or ``None`` when the viewer is not installed.
    """
    viewer = _load_viewer(options.get("console") or Console())
    if viewer is None:
        return None
    settings = viewer.ViewerSettings.from_env(
        connection_string=uri,
        database_name=database,
        collection_name=collection,
        host=options.get("host", DEFAULT_VIEWER_HOST),
        port=options.get("port", DEFAULT_VIEWER_PORT),
        token=options.get("token"),
    )
    settings.ensure_token()
    return viewer.create_app(settings), settings


def serve_viewer(
    uri: str,
    database: str,
    collection: str,
    *,
    session_id: str | None = None,
    **options: Unpack[ViewerOptions],
) -> bool:
    """Serve the session viewer on ``uri`` until Ctrl-C; ``False`` if it is not available.

    Prints the URL (with the session and the access token) before serving.

    Args:
        uri: The MongoDB URI.
        database: Database of the sessions collection.
        collection: The sessions collection.
        session_id: The session the printed URL opens.
        **options: See :class:`ViewerOptions`.

    Returns:
        Whether the viewer was served.
    """
    console = options.get("console") or Console()
    host = options.get("host", DEFAULT_VIEWER_HOST)
    port = options.get("port", DEFAULT_VIEWER_PORT)
    with_console: ViewerOptions = {**options, "console": console}
    built = build_viewer_app(uri, database, collection, **with_console)
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


class BackgroundViewer:
    """The session viewer served by a uvicorn thread of this process.

    ``msm playground`` starts one so its "open in the viewer" link works out of
    the box, on the same database, without a second command.

    Attributes:
        base_url: ``http://host:port/`` of the viewer.
        token: Its access token (for the link's ``#token=`` fragment).
    """

    def __init__(self, app: Any, settings: Any, host: str, port: int) -> None:
        import uvicorn

        self.base_url = viewer_base_url(host, port)
        self.token: str | None = settings.token
        self._server = uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        )
        self._thread = threading.Thread(target=self._server.run, name="msm-viewer", daemon=True)

    def start(self, timeout: float = 60.0) -> None:
        """Serve; returns once the viewer accepts connections.

        Raises:
            RuntimeError: The server stopped before it started (port taken, ...).
        """
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the session viewer did not start on {self.base_url}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Ask the server to finish and wait for its thread."""
        self._server.should_exit = True
        self._thread.join(30)


def start_background_viewer(
    uri: str,
    database: str,
    collection: str,
    *,
    host: str = DEFAULT_VIEWER_HOST,
    port: int = DEFAULT_VIEWER_PORT,
    console: Console | None = None,
) -> BackgroundViewer | None:
    """A viewer on ``uri`` in this process, on ``port`` or the next free one.

    ``None`` (with a note on ``console``) when the viewer cannot run here.
    """
    from mongodb_session_manager.local.data_dir import free_port

    console = console or Console()
    try:
        chosen = free_port(host, port)
    except Exception as exc:
        console.print(Text(f"No session viewer: {exc}", style="yellow"))
        return None
    built = build_viewer_app(uri, database, collection, host=host, port=chosen, console=console)
    if built is None:
        return None
    viewer = BackgroundViewer(*built, host=host, port=chosen)
    try:
        viewer.start()
    except RuntimeError as exc:
        console.print(Text(f"No session viewer: {exc}", style="yellow"))
        return None
    logger.info("playground.viewer.serving | url=%s", viewer.base_url)
    return viewer
