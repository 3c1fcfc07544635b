"""The session document: one per conversation, agents and messages embedded."""

from __future__ import annotations

from typing import Any, ClassVar

import pymongo
from beanie import Document
from pydantic import BaseModel, ConfigDict, Field
from pymongo import IndexModel

from mongodb_session_manager._defaults import DEFAULT_COLLECTION as DEFAULT_COLLECTION
from mongodb_session_manager._defaults import DEFAULT_DATABASE as DEFAULT_DATABASE
from mongodb_session_manager.models._time import UtcDatetime, utcnow
from mongodb_session_manager.models.agent import AgentRecord, MultiAgentRecord
from mongodb_session_manager.models.feedback import Feedback
from mongodb_session_manager.models.identifiers import storage_key
from mongodb_session_manager.models.usage import Totals

SCHEMA_VERSION = 2
"""Schema version written by this library version (see the migrations)."""


class SessionRecord(BaseModel):
    """A Strands session, stored as one MongoDB document.

    ``_id`` is the session id (as in the reference implementation); ``session_id``
    repeats it so queries read naturally (``_id`` is the only unique index, so the
    collection can be sharded on ``{_id: "hashed"}``). Agents live in
    ``agents`` keyed by :func:`~mongodb_session_manager.models.storage_key`.

    This plain pydantic model is what the manager, the viewer and the migrations
    read and write; it needs no Beanie initialisation. :class:`SessionDocument` is the same
    schema as a Beanie document, for applications that query with Beanie.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str | None = Field(default=None, alias="_id")
    session_id: str
    session_type: str = "AGENT"
    application_name: str | None = None
    schema_version: int = SCHEMA_VERSION
    created_at: UtcDatetime = Field(default_factory=utcnow)
    updated_at: UtcDatetime = Field(default_factory=utcnow)
    metadata: dict[str, Any] = Field(default_factory=dict)
    feedbacks: list[Feedback] = Field(default_factory=list)
    agents: dict[str, AgentRecord] = Field(default_factory=dict)
    multi_agents: dict[str, MultiAgentRecord] = Field(default_factory=dict)
    totals: Totals = Field(default_factory=Totals)
    size_bytes: int = 0
    """Estimate of the stored document's BSON size, maintained with ``$inc``."""
    viewer_access: dict[str, Any] | None = None
    """How the session's viewer password is checked ({scheme, key_id[, legacy]}); the
    password itself is never stored (see ``features/viewer_password.py``)."""
    expires_at: UtcDatetime | None = None
    """When MongoDB's TTL monitor may delete the session (set when a ``ttl`` is configured;
    every write moves it to now + ttl). ``None``: kept forever."""

    def agent(self, agent_id: str) -> AgentRecord | None:
        """The record of ``agent_id``, or ``None``."""
        record = self.agents.get(storage_key(agent_id))
        return record if record is not None and record.agent_id == agent_id else None


class SessionDocument(SessionRecord, Document):
    """The session schema as a Beanie document (collection ``sessions`` by default).

    Named apart from Strands' ``strands.types.session.Session`` (a dataclass the
    repository translates); ``Session`` is kept as this document's old name.

    Bind it with :func:`~mongodb_session_manager.models.init_beanie_models` to query
    sessions with Beanie; the session manager itself does not need that.
    """

    class Settings:
        """Beanie's collection settings: the default name and the indexes."""

        name = DEFAULT_COLLECTION
        indexes: ClassVar[list[IndexModel]] = [
            IndexModel([("created_at", pymongo.DESCENDING)], name="created_at"),
            IndexModel([("updated_at", pymongo.DESCENDING)], name="updated_at"),
            IndexModel([("application_name", pymongo.ASCENDING)], name="application_name"),
            # Each document carries its own expiry, so changing the ttl never needs an
            # index change (a TTL index with expireAfterSeconds>0 cannot be altered by
            # create_index on an existing collection).
            IndexModel(
                [("expires_at", pymongo.ASCENDING)], name="expires_at_ttl", expireAfterSeconds=0
            ),
        ]


Session = SessionDocument
"""The Beanie document's first name (what the reference's users and the docs import)."""


def session_indexes(metadata_fields: list[str] | tuple[str, ...] = ()) -> list[IndexModel]:
    """The indexes a session collection needs: the model's own plus metadata fields."""
    indexes = list(SessionDocument.Settings.indexes)
    for field in metadata_fields:
        indexes.append(
            IndexModel([(f"metadata.{field}", pymongo.ASCENDING)], name=f"metadata.{field}")
        )
    return indexes
