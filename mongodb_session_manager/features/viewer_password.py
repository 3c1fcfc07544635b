"""Old import path of the viewer passwords.

Now :mod:`mongodb_session_manager.services.viewer_password`.
"""

from mongodb_session_manager.services.viewer_password import (
    CREDENTIAL_PREFIX,
    KEY_ID,
    LEGACY_FIELD,
    SCHEME,
    SECRETS_COLLECTION,
    VIEWER_ACCESS_FIELD,
    check_password,
    deployment_key,
    derive_password,
    legacy_verifier,
    new_viewer_access,
    parse_credential,
    read_viewer_access,
    session_credential,
    session_password,
)

__all__ = [
    "CREDENTIAL_PREFIX",
    "KEY_ID",
    "LEGACY_FIELD",
    "SCHEME",
    "SECRETS_COLLECTION",
    "VIEWER_ACCESS_FIELD",
    "check_password",
    "deployment_key",
    "derive_password",
    "legacy_verifier",
    "new_viewer_access",
    "parse_credential",
    "read_viewer_access",
    "session_credential",
    "session_password",
]
