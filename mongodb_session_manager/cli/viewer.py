"""``msm viewer``: serve the session viewer (API and page on one port)."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from mongodb_session_manager._defaults import DEFAULT_COLLECTION, DEFAULT_DATABASE
from mongodb_session_manager.cli._options import (
    AllowedHostOption,
    CollectionOption,
    DatabaseOption,
    DataDirOption,
    UriOption,
)
from mongodb_session_manager.cli._serve import (
    page_url,
    refuse_no_auth_off_loopback,
    require_web_extra,
    token_url,
    warn_exposed,
)

logger = logging.getLogger(__name__)


def _start_demo(database: str) -> tuple[str, Any]:
    """An embedded server with demo sessions; returns its URI and the server."""
    from mongodb_session_manager._redact import redact_uri
    from mongodb_session_manager.demo.seeds import seed_demo_sessions
    from mongodb_session_manager.errors import LocalServerUnavailableError
    from mongodb_session_manager.local import LocalMongoServer
    from mongodb_session_manager.manager import MongoDBSessionManagerFactory

    try:
        server = LocalMongoServer()
        uri = server.start()
    except LocalServerUnavailableError as exc:
        typer.echo(f"--demo cannot start the embedded server: {exc}", err=True)
        raise typer.Exit(1) from exc
    factory = MongoDBSessionManagerFactory(uri, database_name=database)
    try:
        made = seed_demo_sessions(factory)
    finally:
        factory.close()
    typer.echo(f"Demo: {len(made)} sessions in an embedded in-memory server ({redact_uri(uri)}).")
    return uri, server


def _session_link(settings: Any, session_id: str, password: str, url: str) -> str:
    """The read-only link of one session, once its viewer password is checked."""
    from urllib.parse import quote

    from mongodb_session_manager.services.viewer_password import (
        check_password,
        session_credential,
    )
    from mongodb_session_manager.store.pool import MongoDBConnectionPool

    pool = MongoDBConnectionPool.acquire(settings.connection_string, client=settings.client)
    try:
        ok = pool.run(
            check_password(
                pool, settings.database_name, settings.collection_name, session_id, password
            )
        )
    finally:
        pool.release()
    if not ok:
        typer.echo(f"--session-password does not open session {session_id!r}", err=True)
        raise typer.Exit(2)
    credential = session_credential(session_id, password)
    return f"{url}?session={quote(session_id, safe='')}#token={credential}"


def register(app: typer.Typer) -> None:
    """Add the ``viewer`` command to ``app``."""

    @app.command("viewer")
    def viewer(
        uri: UriOption = None,
        data_dir: DataDirOption = None,
        database: DatabaseOption = DEFAULT_DATABASE,
        collection: CollectionOption = DEFAULT_COLLECTION,
        host: Annotated[
            str, typer.Option(help="Interface to bind; anything but loopback exposes the viewer.")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port of the page and the API.")] = 8882,
        token: Annotated[
            str | None,
            typer.Option(
                envvar="MSM_VIEWER_TOKEN",
                help="Access token (16+ characters). Generated and printed once if not given.",
                show_default=False,
            ),
        ] = None,
        no_auth: Annotated[
            bool,
            typer.Option("--no-auth", help="No token at all (loopback only, trusted machines)."),
        ] = False,
        allow_delete: Annotated[
            bool, typer.Option("--allow-delete", help="Allow deleting sessions from the viewer.")
        ] = False,
        allowed_host: AllowedHostOption = None,
        cors_origin: Annotated[
            list[str] | None,
            typer.Option("--cors-origin", help="Origin allowed to call the API (repeatable)."),
        ] = None,
        metadata_field: Annotated[
            list[str] | None,
            typer.Option(
                "--metadata-field", help="Metadata field always offered as a filter (repeatable)."
            ),
        ] = None,
        session: Annotated[
            str | None,
            typer.Option(
                "--session", help="With --session-password: print a read-only link to it."
            ),
        ] = None,
        session_password: Annotated[
            str | None,
            typer.Option(
                "--session-password",
                envvar="MSM_SESSION_PASSWORD",
                help="The session's viewer password (get_session_viewer_password()).",
                show_default=False,
            ),
        ] = None,
        demo: Annotated[
            bool,
            typer.Option(
                "--demo", help="Serve demo sessions from an embedded in-memory server (no MongoDB)."
            ),
        ] = False,
        memory_collection: Annotated[
            str,
            typer.Option(
                "--memory-collection", help="The MongoDBMemoryStore collection (Memory view)."
            ),
        ] = "strands_memory",
        storage_collection: Annotated[
            str,
            typer.Option(
                "--storage-collection",
                help="The MongoDBStorage collection of snapshot sessions (Snapshots view).",
            ),
        ] = "strands_storage",
        storage_namespace: Annotated[
            str | None,
            typer.Option("--storage-namespace", help="That MongoDBStorage's namespace= (if any)."),
        ] = None,
    ) -> None:
        """Browse, search and read stored sessions in a web page."""
        require_web_extra(
            "msm viewer needs the 'viewer' extra: pip install 'mongodb-session-manager[viewer]'"
        )
        refuse_no_auth_off_loopback(
            no_auth, host, "--no-auth is only allowed when binding a loopback address"
        )
        with contextlib.ExitStack() as stack:
            if demo:
                uri, server = _start_demo(database)
                stack.callback(server.stop)
            else:
                uri = _resolve(stack, data_dir, uri)
            _serve(
                uri,
                database=database,
                collection=collection,
                host=host,
                port=port,
                token=token,
                no_auth=no_auth,
                allow_delete=allow_delete,
                allowed_host=allowed_host,
                cors_origin=cors_origin,
                metadata_field=metadata_field,
                session=session,
                session_password=session_password,
                memory_collection=memory_collection,
                storage_collection=storage_collection,
                storage_namespace=storage_namespace,
            )


def _resolve(stack: contextlib.ExitStack, data_dir: Path | None, uri: str | None) -> str:
    """The database the viewer reads, found like every msm command finds it."""
    from mongodb_session_manager.errors import LocalServerUnavailableError
    from mongodb_session_manager.local.data_dir import open_database

    try:
        db = stack.enter_context(open_database(data_dir, uri, command="msm viewer"))
    except LocalServerUnavailableError as exc:
        typer.echo(f"msm viewer: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Database: {db.describe()}")
    return db.uri


def _serve(
    uri: str,
    *,
    database: str,
    collection: str,
    host: str,
    port: int,
    token: str | None,
    no_auth: bool,
    allow_delete: bool,
    allowed_host: list[str] | None,
    cors_origin: list[str] | None,
    metadata_field: list[str] | None,
    session: str | None,
    session_password: str | None,
    memory_collection: str = "strands_memory",
    storage_collection: str = "strands_storage",
    storage_namespace: str | None = None,
) -> None:
    import uvicorn
    from strands.types.exceptions import StorageError

    from mongodb_session_manager.errors import InvalidInputError
    from mongodb_session_manager.viewer import ViewerSettings, create_app

    settings = ViewerSettings(
        connection_string=uri,
        database_name=database,
        collection_name=collection,
        host=host,
        port=port,
        token=token,
        require_auth=not no_auth,
        allow_delete=allow_delete,
        allowed_hosts=tuple(allowed_host or ()),
        cors_origins=tuple(cors_origin or ()),
        metadata_fields=tuple(metadata_field or ()),
        memory_collection=memory_collection,
        storage_collection=storage_collection,
        storage_namespace=storage_namespace,
    )
    try:
        generated = settings.ensure_token()
    except InvalidInputError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    url = page_url(host, port)
    typer.echo(f"Session viewer for {database}.{collection} on {url}")
    warn_exposed(
        not settings.binds_loopback,
        f"WARNING: bound to {host}: reachable from other machines. "
        "Put it behind TLS (a reverse proxy) and keep the token secret.",
        no_auth=no_auth,
    )
    if not no_auth:
        _print_token(settings.token, url, generated=generated)
    if allow_delete:
        typer.echo("Deleting sessions is ENABLED (--allow-delete).")
    if (session is None) != (session_password is None):
        typer.echo("--session and --session-password go together", err=True)
        raise typer.Exit(2)
    if session is not None and session_password is not None:
        link = _session_link(settings, session, session_password, url)
        typer.echo(f"Read-only link to session {session!r} (that session only): {link}")
    try:
        viewer_app = create_app(settings)
    except StorageError as exc:  # a --storage-namespace MongoDBStorage refuses
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    uvicorn.run(viewer_app, host=host, port=port, log_level="warning")


def _print_token(token: str | None, url: str, *, generated: bool) -> None:
    """The access token, once, when it was generated (else where it came from)."""
    if generated:
        # Shown once, here only; the fragment is never sent to the server.
        typer.echo(f"Access token (not shown again): {token}")
        typer.echo(f"Open: {token_url(url, token)}")
    else:
        typer.echo("Access token: the one you set (--token / MSM_VIEWER_TOKEN).")
