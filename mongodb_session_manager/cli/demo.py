"""``msm demo``: the whole product working on a fresh machine, then the viewer."""

from __future__ import annotations

from typing import Annotated

import typer

from mongodb_session_manager._defaults import DEFAULT_COLLECTION, DEFAULT_DATABASE
from mongodb_session_manager.cli._options import (
    CollectionOption,
    DatabaseOption,
    DataDirOption,
    ModelOption,
    UriOption,
)


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""

    @app.command("demo")
    def demo(
        uri: UriOption = None,
        data_dir: DataDirOption = None,
        database: DatabaseOption = DEFAULT_DATABASE,
        collection: CollectionOption = DEFAULT_COLLECTION,
        model: ModelOption = None,
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
        from mongodb_session_manager.errors import (
            LocalServerUnavailableError,
            ModelUnavailableError,
            StoreUnavailableError,
        )

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
