"""Where session viewer passwords come from: the deployment key and each session's flag.

The password rules (derivation, credentials, legacy verifiers) are in
:mod:`mongodb_session_manager.features.viewer_password`; this module holds their
database side: the key in the ``msm_secrets`` collection (created once by
whoever needs it first, an upsert so concurrent first users agree, cached per
process) and the ``viewer_access`` flag every new session records.
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Mapping
from typing import Any

from bson import Binary
from pymongo import ReturnDocument

from mongodb_session_manager.errors import SessionManagerError
from mongodb_session_manager.models import utcnow
from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = [
    "KEY_CACHE",
    "KEY_ID",
    "SCHEME",
    "SECRETS_COLLECTION",
    "VIEWER_ACCESS_FIELD",
    "deployment_key",
    "new_viewer_access",
    "read_viewer_access",
]

SECRETS_COLLECTION = "msm_secrets"
"""Collection (in the sessions' database) holding the deployment key. Not a session collection."""
KEY_ID = "session_viewer_key"
"""``_id`` of the deployment key's document."""
VIEWER_ACCESS_FIELD = "viewer_access"
"""The session field saying how its viewer password is checked."""
SCHEME = "hmac-sha256"
"""The password scheme new sessions record."""

KEY_CACHE: weakref.WeakKeyDictionary[MongoDBConnectionPool, dict[str, bytes]] = (
    weakref.WeakKeyDictionary()
)
"""Deployment keys already read, per pool and database (a pool is per process)."""


def new_viewer_access() -> dict[str, Any]:
    """The ``viewer_access`` a new session stores (a flag: the password is derived)."""
    return {"scheme": SCHEME, "key_id": KEY_ID}


async def deployment_key(pool: MongoDBConnectionPool, database_name: str) -> bytes:
    """The database's viewer key: read (or created) once per process. Call on the store loop.

    Raises:
        SessionManagerError: The stored key is damaged.
    """
    cached = KEY_CACHE.get(pool, {}).get(database_name)
    if cached is not None:
        return cached
    collection = pool.client()[database_name][SECRETS_COLLECTION]
    found = await collection.find_one_and_update(
        {"_id": KEY_ID},
        {"$setOnInsert": {"key": Binary(secrets.token_bytes(32)), "created_at": utcnow()}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    if found is None or not isinstance(found.get("key"), bytes):
        raise SessionManagerError(f"{SECRETS_COLLECTION}.{KEY_ID} in {database_name!r} is damaged")
    key = bytes(found["key"])
    KEY_CACHE.setdefault(pool, {})[database_name] = key
    return key


async def read_viewer_access(
    pool: MongoDBConnectionPool, database_name: str, collection_name: str, session_id: str
) -> Mapping[str, Any] | None:
    """The session's ``viewer_access`` (``None``: no session, or no password). One read."""
    raw = await pool.client()[database_name][collection_name].find_one(
        {"_id": session_id}, {VIEWER_ACCESS_FIELD: 1}
    )
    access = raw.get(VIEWER_ACCESS_FIELD) if raw is not None else None
    return access if isinstance(access, Mapping) and access.get("scheme") == SCHEME else None
