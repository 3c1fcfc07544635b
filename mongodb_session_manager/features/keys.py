"""Old import path of the metadata key and value rules.

Now :mod:`mongodb_session_manager.models.keys`.
"""

from mongodb_session_manager.models.keys import (
    MAX_DEPTH,
    MAX_KEY_LENGTH,
    MAX_PATH_SEGMENTS,
    MAX_UPDATE_BYTES,
    get_path,
    validate_key,
    validate_keys,
    validate_value,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_KEY_LENGTH",
    "MAX_PATH_SEGMENTS",
    "MAX_UPDATE_BYTES",
    "get_path",
    "validate_key",
    "validate_keys",
    "validate_value",
]
