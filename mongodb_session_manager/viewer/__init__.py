"""The session viewer: a FastAPI app and a static page for support and QA staff.

Start it with ``msm viewer`` or build the app yourself::

    from mongodb_session_manager.viewer import ViewerSettings, create_app

    app = create_app(ViewerSettings(connection_string="mongodb://...", database_name="my_app"))

Needs the ``viewer`` extra (``pip install 'mongodb-session-manager[viewer]'``).
"""

from mongodb_session_manager.viewer.app import create_app
from mongodb_session_manager.viewer.queries import SessionQueries
from mongodb_session_manager.viewer.settings import ViewerSettings

__all__ = ["SessionQueries", "ViewerSettings", "create_app"]
