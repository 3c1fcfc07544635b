"""Old import path of the agent configuration helpers.

Now :mod:`mongodb_session_manager.services.agent_config`.
"""

from __future__ import annotations

from typing import Any

from mongodb_session_manager.services.agent_config import (
    CONFIG_FIELDS,
    LISTED_FIELDS,
    MAX_MODEL_ID_LENGTH,
)
from mongodb_session_manager.services.agent_config import (
    read_application_name as _read_application_name,
)

__all__ = ["CONFIG_FIELDS", "LISTED_FIELDS", "MAX_MODEL_ID_LENGTH", "read_application_name"]


async def read_application_name(repository: Any, session_id: str) -> str | None:
    """The session's ``application_name`` (transitional: ``repository/reference_api.py``)."""
    return await _read_application_name(repository.store, session_id)
