"""Validation of ids and their mapping to safe document keys.

Agent ids (and multi-agent ids) become keys of the ``agents`` / ``multi_agents``
maps in the session document, and therefore parts of update paths such as
``agents.<key>.messages``. A ``.`` or a leading ``$`` in such a path would address
another field, so ids that are not plainly safe are mapped to a digest key; the
record always stores the real id, and reads check it.
"""

from __future__ import annotations

import hashlib
import re

from mongodb_session_manager.errors import InvalidIdentifierError
from mongodb_session_manager.models._text import check_text

MAX_ID_LENGTH = 1024
"""Longest session / agent id accepted, in characters."""

_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DIGEST_PREFIX = "~"  # never in a safe key, so the two families cannot collide


def validate_id(value: object, kind: str = "id") -> str:
    """Return ``value`` if it is a usable id, else raise :class:`InvalidIdentifierError`.

    Any non-empty string up to :data:`MAX_ID_LENGTH` characters without NUL or
    lone surrogates is accepted: ``.``, ``$``, spaces and unicode are fine.
    """
    return check_text(value, kind, MAX_ID_LENGTH, InvalidIdentifierError)


def storage_key(identifier: str) -> str:
    """The key under which an agent / multi-agent record is stored in the session.

    Plain ids (letters, digits, ``_``, ``-``; up to 64 characters) are used as they
    are, so documents stay readable; any other id maps to ``~`` + a SHA-256 digest.
    """
    if _SAFE_KEY.fullmatch(identifier):
        return identifier
    digest = hashlib.sha256(identifier.encode("utf-8")).hexdigest()[:40]
    return _DIGEST_PREFIX + digest
