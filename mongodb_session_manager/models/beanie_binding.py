"""Binding the :class:`SessionDocument` Beanie document to a database, for Beanie queries.

The session manager does not need this: it reads and writes through the plain
:class:`SessionRecord` schema on its own client. Applications that want to query
sessions with Beanie (``await Session.find(Session.application_name == "shop")``)
bind the document once, on their own event loop and client.
"""

from __future__ import annotations

from typing import Any

from beanie import init_beanie

from mongodb_session_manager.models.session import DEFAULT_COLLECTION, SessionDocument


async def init_beanie_models(database: Any, collection_name: str = DEFAULT_COLLECTION) -> None:
    """Bind :class:`SessionDocument` to ``database[collection_name]`` (once per process).

    Args:
        database: An async database (``AsyncMongoClient(...)["my_app"]``) of the
            caller's event loop.
        collection_name: The sessions collection the managers write.
    """
    SessionDocument.Settings.name = collection_name
    await init_beanie(database=database, document_models=[SessionDocument])
