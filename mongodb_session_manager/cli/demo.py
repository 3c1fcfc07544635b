"""``msm demo``: the whole product working on a fresh machine, then the viewer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mongodb_session_manager.local.data_dir import DATA_DIR_ENV
from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""

    @app.command("demo")
    def demo(
        uri: Annotated[
            str | None,
            typer.Option(
                "--uri",
                envvar="MONGODB_URI",
                help="MongoDB connection string. Default: the local database in --data-dir.",
                show_default=False,
            ),
        ] = None,
        data_dir: Annotated[
            Path | None,
            typer.Option(
                "--data-dir",
                envvar=DATA_DIR_ENV,
                help="Directory of the local database (local.sqlite3). Default: ./.msm",
                show_default=False,
            ),
        ] = None,
        database: Annotated[
            str, typer.Option("--database", "-d", help="Database of the sessions.")
        ] = DEFAULT_DATABASE,
        collection: Annotated[
            str, typer.Option("--collection", "-c", help="Collection of the sessions.")
        ] = DEFAULT_COLLECTION,
        model: Annotated[
            str | None,
            typer.Option(
                "--model",
                envvar="MSM_MODEL",
                help="'scripted' (offline, default) or 'bedrock:<model-id>'.",
                show_default=False,
            ),
        ] = None,
        session_id: Annotated[
            str | None,
            typer.Option("--session-id", help="Session to write. Default: a new demo-... id."),
        ] = None,
        no_viewer: Annotated[
            bool, typer.Option("--no-viewer", help="Stop after the summary (CI).")
        ] = False,
        viewer_host: Annotated[
            str, typer.Option("--viewer-host", help="Interface of the session viewer.")
        ] = "127.0.0.1",
        viewer_port: Annotated[
            int, typer.Option("--viewer-port", help="Port of the session viewer.")
        ] = 8882,
    ) -> None:
        """Run a realistic conversation, store it, resume it, summarise it, open the viewer.

        Needs no MongoDB, AWS account or API key: without MONGODB_URI the data
        goes to an embedded MongoDB-compatible server on a SQLite file that
        survives the run; the model is an offline scripted one unless --model
        names a Bedrock model.
        """
        from mongodb_session_manager.demo import DemoOptions, run_demo
        from mongodb_session_manager.errors import ModelUnavailableError, StoreUnavailableError
        from mongodb_session_manager.local.server import LocalServerUnavailableError

        options = DemoOptions(
            uri=uri or None,
            data_dir=data_dir,
            database=database,
            collection=collection,
            model=model,
            session_id=session_id,
            viewer=not no_viewer,
            viewer_host=viewer_host,
            viewer_port=viewer_port,
        )
        try:
            run_demo(options)
        except (
            ModelUnavailableError,
            LocalServerUnavailableError,
            StoreUnavailableError,
        ) as exc:
            typer.echo(f"msm demo: {exc}", err=True)
            raise typer.Exit(1) from exc
        except KeyboardInterrupt:
            typer.echo("Stopped.", err=True)
