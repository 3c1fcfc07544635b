"""``msm playground``: a chat page over a persisted agent (streaming, feedback, metadata)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mongodb_session_manager._defaults import DEFAULT_COLLECTION, DEFAULT_DATABASE
from mongodb_session_manager.cli._options import (
    AllowedHostOption,
    CollectionOption,
    DatabaseOption,
    DataDirOption,
    ModelOption,
    UriOption,
)
from mongodb_session_manager.cli._serve import (
    page_url,
    refuse_no_auth_off_loopback,
    require_web_extra,
    token_url,
    warn_exposed,
)


def _serve_viewer(uri: str, database: str, collection: str, port: int) -> Any:
    """The session viewer in this process, so the page's viewer links work as they are."""
    from mongodb_session_manager.demo.viewer_launch import start_background_viewer

    return start_background_viewer(uri, database, collection, port=port)


def register(app: typer.Typer) -> None:
    """Add the ``playground`` command to ``app``."""

    @app.command("playground")
    def playground(
        uri: UriOption = None,
        data_dir: DataDirOption = None,
        database: DatabaseOption = DEFAULT_DATABASE,
        collection: CollectionOption = DEFAULT_COLLECTION,
        model: ModelOption = None,
        host: Annotated[
            str | None,
            typer.Option(
                "--host",
                help="Interface to bind. Default 127.0.0.1; anything else exposes the "
                "playground to other machines and must be asked for explicitly.",
                show_default=False,
            ),
        ] = None,
        port: Annotated[int, typer.Option("--port", help="Port of the page and the API.")] = 8881,
        token: Annotated[
            str | None,
            typer.Option(
                "--token",
                envvar="MSM_PLAYGROUND_TOKEN",
                help="Access token (16+ characters). Generated and printed if not given.",
                show_default=False,
            ),
        ] = None,
        no_auth: Annotated[
            bool,
            typer.Option("--no-auth", help="No token at all (loopback only)."),
        ] = False,
        allowed_host: AllowedHostOption = None,
        viewer_url: Annotated[
            str | None,
            typer.Option(
                "--viewer-url",
                help="Session viewer base URL for 'open in the viewer'. Default: serve the "
                "viewer from this process on 127.0.0.1:--viewer-port; '' for no link.",
                show_default=False,
            ),
        ] = None,
        viewer_port: Annotated[
            int,
            typer.Option("--viewer-port", help="Port of the viewer served with the playground."),
        ] = 8882,
    ) -> None:
        """Chat with a persisted agent in the browser: streaming, tools, feedback, metadata.

        Offline by default (a scripted model that echoes, calls a calculator and
        remembers your name); --model bedrock:<model-id> talks to Amazon Bedrock.
        Binds 127.0.0.1 and requires the printed access token.
        """
        require_web_extra(
            "msm playground needs FastAPI and uvicorn: "
            "pip install 'mongodb-session-manager[viewer]'"
        )
        import uvicorn

        from mongodb_session_manager.errors import (
            InvalidInputError,
            LocalServerUnavailableError,
            ModelUnavailableError,
        )
        from mongodb_session_manager.local.data_dir import open_database
        from mongodb_session_manager.playground import PlaygroundSettings, create_app
        from mongodb_session_manager.playground.settings import DEFAULT_HOST
        from mongodb_session_manager.web import is_loopback

        bind = host or DEFAULT_HOST
        refuse_no_auth_off_loopback(
            no_auth, bind, "msm playground: --no-auth is only allowed on a loopback address"
        )
        try:
            with open_database(data_dir, uri, command="msm playground") as db:
                viewer = None
                if viewer_url is None:
                    viewer = _serve_viewer(db.uri, database, collection, viewer_port)
                settings = PlaygroundSettings(
                    connection_string=db.uri,
                    database_name=database,
                    collection_name=collection,
                    host=bind,
                    port=port,
                    allowed_hosts=tuple(allowed_host or ()),
                    model=model,
                    token=token,
                    require_auth=not no_auth,
                    viewer_url=viewer.base_url if viewer else (viewer_url or None),
                    viewer_token=viewer.token if viewer else None,
                )
                app = create_app(settings)
                url = page_url(bind, port)
                typer.echo(f"Database: {db.describe()}")
                typer.echo(f"Model:    {app.state.service.spec}")
                warn_exposed(
                    not is_loopback(bind),
                    f"WARNING: bound to {bind}: other machines can reach the playground. "
                    "Keep the token secret and put TLS in front of it.",
                    no_auth=no_auth,
                )
                # The token travels in the fragment: browsers never send it to a server.
                typer.echo(f"Playground: {url if no_auth else token_url(url, settings.token)}")
                if viewer is not None:
                    typer.echo(f"Viewer:     {viewer.base_url} (linked from the page)")
                typer.echo("Press Ctrl-C to stop.")
                try:
                    uvicorn.run(app, host=bind, port=port, log_level="warning")
                finally:
                    if viewer is not None:
                        viewer.stop()
        except (ModelUnavailableError, LocalServerUnavailableError, InvalidInputError) as exc:
            typer.echo(f"msm playground: {exc}", err=True)
            raise typer.Exit(1) from exc
