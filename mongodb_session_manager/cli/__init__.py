"""``msm``: the command-line interface.

Each command lives in its own module under this package and registers itself
on :data:`app` (see ``_commands``), so capabilities stay in their own files.
"""

from mongodb_session_manager.cli._app import app, main

__all__ = ["app", "main"]
