"""Old import path of the agent configuration helpers.

Now :mod:`mongodb_session_manager.services.agent_config`.
"""

from __future__ import annotations

from mongodb_session_manager.services.agent_config import (
    CONFIG_FIELDS,
    LISTED_FIELDS,
    MAX_MODEL_ID_LENGTH,
    read_application_name,
)

__all__ = ["CONFIG_FIELDS", "LISTED_FIELDS", "MAX_MODEL_ID_LENGTH", "read_application_name"]
