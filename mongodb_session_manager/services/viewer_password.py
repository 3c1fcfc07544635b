"""Session viewer passwords: a per-session secret, never stored in plain text.

* Every session records ``viewer_access`` {scheme, key_id} in its creation
  insert (no extra round trip). The password itself is
  ``HMAC-SHA256(deployment key, session_id)`` as URL-safe base64: the same on
  every call, in every manager and every process, and recomputable only with
  the key.
* The deployment key is 32 random bytes in the database's ``msm_secrets``
  collection, created once by whoever needs it first (an upsert, so concurrent
  first users agree) and cached per process: reading a password costs one read
  (the session's flag) plus one read per process for the key.
* A session the reference library wrote kept its password in plain text
  (``session_viewer_password``). The migration replaces it with a scrypt
  verifier under ``viewer_access.legacy``, so links already handed out keep
  opening that session, and removes the plain text.

A viewer credential for one session, read-only, is ``sv1.<base64url(session_id)>.<password>``
(see :func:`session_credential`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bson import Binary

# The database side (deployment key, each session's flag) is the store's.
from mongodb_session_manager.store.viewer_secrets import KEY_ID as KEY_ID
from mongodb_session_manager.store.viewer_secrets import SCHEME as SCHEME
from mongodb_session_manager.store.viewer_secrets import SECRETS_COLLECTION as SECRETS_COLLECTION
from mongodb_session_manager.store.viewer_secrets import VIEWER_ACCESS_FIELD as VIEWER_ACCESS_FIELD
from mongodb_session_manager.store.viewer_secrets import deployment_key as deployment_key
from mongodb_session_manager.store.viewer_secrets import derive_password as derive_password
from mongodb_session_manager.store.viewer_secrets import new_viewer_access as new_viewer_access
from mongodb_session_manager.store.viewer_secrets import read_viewer_access as read_viewer_access
from mongodb_session_manager.store.viewer_secrets import session_password as session_password

if TYPE_CHECKING:
    from mongodb_session_manager.store.pool import MongoDBConnectionPool

logger = logging.getLogger(__name__)

LEGACY_FIELD = "session_viewer_password"
"""Where the reference library stored the password in plain text (removed by the migration)."""
CREDENTIAL_PREFIX = "sv1."
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_MAX_PASSWORD_LENGTH = 256


def legacy_verifier(password: str) -> dict[str, Any]:
    """A scrypt verifier of a plain-text password (what the migration stores instead)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)
    return {"kdf": "scrypt", **_SCRYPT, "salt": Binary(salt), "hash": Binary(digest)}


def _check_legacy(verifier: Mapping[str, Any], password: str) -> bool:
    try:
        digest = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes(verifier["salt"]),
            n=int(verifier["n"]),
            r=int(verifier["r"]),
            p=int(verifier["p"]),
        )
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(digest, bytes(verifier["hash"]))


async def check_password(
    pool: MongoDBConnectionPool,
    database_name: str,
    collection_name: str,
    session_id: str,
    password: str,
) -> bool:
    """Whether ``password`` opens ``session_id`` (constant-time comparisons)."""
    if not password or len(password) > _MAX_PASSWORD_LENGTH:
        return False
    access = await read_viewer_access(pool, database_name, collection_name, session_id)
    if access is None:
        return False
    expected = derive_password(await deployment_key(pool, database_name), session_id)
    if hmac.compare_digest(expected.encode("utf-8"), password.encode("utf-8")):
        return True
    legacy = access.get("legacy")
    return isinstance(legacy, Mapping) and _check_legacy(legacy, password)


def session_credential(session_id: str, password: str) -> str:
    """The bearer credential that opens ``session_id`` (only, read-only) in the viewer."""
    encoded = base64.urlsafe_b64encode(session_id.encode("utf-8")).rstrip(b"=").decode("ascii")
    return f"{CREDENTIAL_PREFIX}{encoded}.{password}"


def parse_credential(credential: str) -> tuple[str, str] | None:
    """``(session_id, password)`` of a session credential; ``None`` if it is not one."""
    if not credential.startswith(CREDENTIAL_PREFIX):
        return None
    encoded, sep, password = credential[len(CREDENTIAL_PREFIX) :].partition(".")
    if not sep or not encoded or not password:
        return None
    try:
        padded = encoded + "=" * (-len(encoded) % 4)
        session_id = base64.b64decode(padded, altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return (session_id, password) if session_id else None
