"""Agent configuration (model id, system prompt, prompt metadata) and agent listings.

Model id and system prompt are captured by the manager on every write of an
agent, and written only when they change in the live agent (see
``manager/tracking.py``). :meth:`AgentConfigService.write_config` writes
the stored configuration directly; a later sync of the *unchanged* live agent
does not overwrite it, because the sync compares the live agent with what it
last saw of the live agent, not with the database. ``prompt_metadata`` is only
ever written here (syncs never touch it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mongodb_session_manager.errors import InvalidInputError
from mongodb_session_manager.models import as_utc, storage_key, utcnow, validate_id
from mongodb_session_manager.models.keys import validate_value
from mongodb_session_manager.services._access import SessionAccess, read_agents
from mongodb_session_manager.services._sized import SizedService
from mongodb_session_manager.services.metadata import entry_bytes
from mongodb_session_manager.store.codec import encoded_size

__all__ = [
    "CONFIG_FIELDS",
    "LISTED_FIELDS",
    "MAX_MODEL_ID_LENGTH",
    "AgentConfigService",
    "check_prompt_metadata",
    "read_application_name",
]

logger = logging.getLogger(__name__)

CONFIG_FIELDS = ("model", "system_prompt", "prompt_metadata")
LISTED_FIELDS = (
    "agent_id",
    "model",
    "system_prompt",
    "prompt_metadata",
    "message_count",
    "created_at",
    "updated_at",
)
MAX_MODEL_ID_LENGTH = 1024


async def read_application_name(access: SessionAccess, session_id: str) -> str | None:
    """One read of the session's ``application_name`` (``None`` if unset or no session)."""
    raw = await access.read_fields(session_id, {"application_name": 1})
    value = (raw or {}).get("application_name")
    return value if isinstance(value, str) else None


def check_prompt_metadata(prompt_metadata: object) -> None:
    """Refuse a ``prompt_metadata`` that is not a dict (:class:`InvalidInputError`)."""
    if not isinstance(prompt_metadata, Mapping):
        raise InvalidInputError(
            f"prompt_metadata must be a dict, got {type(prompt_metadata).__name__}"
        )


class AgentConfigService(SizedService):
    """Agent configuration and listings of one session.

    Args:
        sizes: The session's sized writes (shared with the metadata service).
    """

    async def read_config(self, agent_id: str) -> dict[str, Any] | None:
        """``{agent_id, model, system_prompt, prompt_metadata}``, or ``None`` (no agent/session)."""
        key = storage_key(validate_id(agent_id, "agent_id"))
        raw = await self.access.read_fields(
            self.session_id,
            {f"agents.{key}.{name}": 1 for name in ("agent_id", *CONFIG_FIELDS)},
        )
        agent = ((raw or {}).get("agents") or {}).get(key)
        if not isinstance(agent, dict) or agent.get("agent_id") != agent_id:
            return None
        return {"agent_id": agent_id, **{name: agent.get(name) for name in CONFIG_FIELDS}}

    async def write_config(
        self,
        agent_id: str,
        model: str | None,
        system_prompt: str | None,
        prompt_metadata: Mapping[str, Any] | None,
    ) -> None:
        """Set the given configuration fields of a stored agent (one guarded write)."""
        key = storage_key(validate_id(agent_id, "agent_id"))
        values = _checked_config(model, system_prompt, prompt_metadata)
        if not values:
            return
        now = utcnow()
        update: dict[str, Any] = {
            "$set": {
                **{f"agents.{key}.{name}": value for name, value in values.items()},
                f"agents.{key}.updated_at": now,
                "updated_at": now,
            }
        }
        added = sum(entry_bytes(name, value) for name, value in values.items())

        def measure(previous: dict[str, Any]) -> int:
            agent = (previous.get("agents") or {}).get(key) or {}
            return sum(entry_bytes(name, agent[name]) for name in values if name in agent)

        await self.sizes.write(
            agent_id,
            {f"agents.{key}.agent_id": agent_id},
            update,
            added,
            {f"agents.{key}.{name}": 1 for name in values},
            measure,
        )
        logger.info(
            "agent_config.updated | session_id=%s agent_id=%s fields=%s",
            self.session_id,
            agent_id,
            sorted(values),
        )

    async def application_name(self) -> str | None:
        """The session's ``application_name``, or ``None``."""
        return await read_application_name(self.access, self.session_id)

    async def list_agents(self) -> list[dict[str, Any]]:
        """Every agent's listed fields, sorted by id (one aggregation, no message)."""
        _, agents = await read_agents(self.access, self.session_id, LISTED_FIELDS)
        return [{name: _plain(agent.get(name)) for name in LISTED_FIELDS} for agent in agents]

    async def message_count(self, agent_id: str) -> int:
        """Number of stored messages of an agent (0 if none, or no session)."""
        key = storage_key(validate_id(agent_id, "agent_id"))
        raw = await self.access.read_fields(
            self.session_id,
            {f"agents.{key}.agent_id": 1, f"agents.{key}.message_count": 1},
        )
        agent = ((raw or {}).get("agents") or {}).get(key)
        if not isinstance(agent, dict) or agent.get("agent_id") != agent_id:
            return 0
        return int(agent.get("message_count") or 0)


def _plain(value: Any) -> Any:
    # Dates come back from aggregations with the driver's own tzinfo class: make them plain UTC.
    return as_utc(value) if isinstance(value, datetime) else value


def _checked_config(
    model: object, system_prompt: object, prompt_metadata: object
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if model is not None:
        if not isinstance(model, str) or not model or len(model) > MAX_MODEL_ID_LENGTH:
            raise InvalidInputError(
                f"model must be a non-empty str of at most {MAX_MODEL_ID_LENGTH} characters"
            )
        values["model"] = model
    if system_prompt is not None:
        if not isinstance(system_prompt, str):
            raise InvalidInputError(
                f"system_prompt must be a str, got {type(system_prompt).__name__}"
            )
        values["system_prompt"] = system_prompt
    if prompt_metadata is not None:
        if not isinstance(prompt_metadata, Mapping):
            raise InvalidInputError(
                f"prompt_metadata must be a dict, got {type(prompt_metadata).__name__}"
            )
        validate_value(dict(prompt_metadata), "prompt_metadata")
        values["prompt_metadata"] = dict(prompt_metadata)
    for name, value in values.items():
        encoded_size({name: value}, name)
    return values
