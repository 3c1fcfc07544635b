"""Agent configuration (model id, system prompt, prompt metadata) and agent listings.

Model id and system prompt are captured by the manager on every write of an
agent, and written only when they change in the live agent (see
``manager/tracking.py``). :meth:`AgentConfigMixin.update_agent_config` writes
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

from mongodb_session_manager.errors import InvalidInputError, SessionNotFoundError
from mongodb_session_manager.features._base import FeatureBase, aggregate
from mongodb_session_manager.features.keys import validate_value
from mongodb_session_manager.features.metadata import entry_bytes
from mongodb_session_manager.models import as_utc, storage_key, utcnow, validate_id
from mongodb_session_manager.repository.codec import encoded_size

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


async def read_agent_headers(
    manager: FeatureBase, fields: tuple[str, ...], root_fields: tuple[str, ...] = ()
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One aggregation: ``root_fields`` of the session and ``fields`` of every agent.

    An inclusion projection cannot say "every agent but its messages" (the agent
    keys are not known in advance), so ``$objectToArray`` + ``$map`` picks the
    fields server-side: no message is ever transferred.
    """
    pipeline: list[dict[str, Any]] = [
        {"$match": {"_id": manager.session_id}},
        {
            "$project": {
                "_id": 0,
                **{name: 1 for name in root_fields},
                "agents": {
                    "$map": {
                        "input": {"$objectToArray": {"$ifNull": ["$agents", {}]}},
                        "as": "a",
                        "in": {name: f"$$a.v.{name}" for name in fields},
                    }
                },
            }
        },
    ]
    found = await aggregate(manager._repo._collection(), pipeline)
    if not found:
        raise SessionNotFoundError(manager.session_id)
    root = dict(found[0])
    agents = [dict(a) for a in root.pop("agents", None) or [] if a.get("agent_id") is not None]
    agents.sort(key=lambda a: str(a.get("agent_id")))
    return root, agents


async def read_application_name(repository: Any, session_id: str) -> str | None:
    """One read of the session's ``application_name`` (``None`` if unset or no session)."""
    raw = await repository._collection().find_one({"_id": session_id}, {"application_name": 1})
    value = (raw or {}).get("application_name")
    return value if isinstance(value, str) else None


class AgentConfigMixin(FeatureBase):
    """Agent configuration and listing methods, with async twins."""

    # ------------------------------------------------------------------ config

    def get_agent_config(self, agent_id: str) -> dict[str, Any] | None:
        """``{agent_id, model, system_prompt, prompt_metadata}`` of a stored agent, or ``None``.

        One read of those four fields only; ``None`` too when the session does not
        exist (as in the reference library).
        """
        return self._run(self._read_agent_config(agent_id))

    async def get_agent_config_async(self, agent_id: str) -> dict[str, Any] | None:
        """Async twin of :meth:`get_agent_config`."""
        return await self._call(self._read_agent_config(agent_id))

    async def _read_agent_config(self, agent_id: str) -> dict[str, Any] | None:
        key = storage_key(validate_id(agent_id, "agent_id"))
        raw = await self._repo._collection().find_one(
            {"_id": self.session_id},
            {f"agents.{key}.{name}": 1 for name in ("agent_id", *CONFIG_FIELDS)},
        )
        agent = ((raw or {}).get("agents") or {}).get(key)
        if not isinstance(agent, dict) or agent.get("agent_id") != agent_id:
            return None
        return {"agent_id": agent_id, **{name: agent.get(name) for name in CONFIG_FIELDS}}

    def update_agent_config(
        self,
        agent_id: str,
        model: str | None = None,
        system_prompt: str | None = None,
        prompt_metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Set the stored configuration of an agent; ``None`` leaves a field as it is.

        One round trip. The next sync of the live agent does not overwrite these
        values unless the live agent's own model or prompt changes afterwards.

        Raises:
            InvalidInputError: A value cannot be stored.
            SessionNotFoundError: The session, or the agent in it, does not exist
                (an agent exists once it has been written: in async apps, after its
                first message).
        """
        self._run(self._write_agent_config(agent_id, model, system_prompt, prompt_metadata))

    async def update_agent_config_async(
        self,
        agent_id: str,
        model: str | None = None,
        system_prompt: str | None = None,
        prompt_metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Async twin of :meth:`update_agent_config`."""
        await self._call(self._write_agent_config(agent_id, model, system_prompt, prompt_metadata))

    async def _write_agent_config(
        self,
        agent_id: str,
        model: str | None,
        system_prompt: str | None,
        prompt_metadata: Mapping[str, Any] | None,
    ) -> None:
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

        await self._sized_write(
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

    def set_prompt_metadata(self, agent_id: str, prompt_metadata: Mapping[str, Any]) -> None:
        """Store ``prompt_metadata`` (prompt version, temperature...) on a stored agent.

        The reference library's name for ``update_agent_config(agent_id,
        prompt_metadata=...)``; one round trip.

        Raises:
            InvalidInputError: ``prompt_metadata`` is not a storable dict.
            SessionNotFoundError: The session or the agent does not exist (a ``ValueError``).
        """
        if not isinstance(prompt_metadata, Mapping):
            raise InvalidInputError(
                f"prompt_metadata must be a dict, got {type(prompt_metadata).__name__}"
            )
        self.update_agent_config(agent_id, prompt_metadata=prompt_metadata)

    async def set_prompt_metadata_async(
        self, agent_id: str, prompt_metadata: Mapping[str, Any]
    ) -> None:
        """Async twin of :meth:`set_prompt_metadata`."""
        if not isinstance(prompt_metadata, Mapping):
            raise InvalidInputError(
                f"prompt_metadata must be a dict, got {type(prompt_metadata).__name__}"
            )
        await self.update_agent_config_async(agent_id, prompt_metadata=prompt_metadata)

    def get_application_name(self) -> str | None:
        """The ``application_name`` stored on the session (set at creation), or ``None``."""
        return self._run(read_application_name(self._repo, self.session_id))

    async def get_application_name_async(self) -> str | None:
        """Async twin of :meth:`get_application_name`."""
        return await self._call(read_application_name(self._repo, self.session_id))

    # ------------------------------------------------------------------ listing

    def list_agents(self) -> list[dict[str, Any]]:
        """Every agent of the session: id, model, system prompt, prompt metadata,
        message count, created / updated times (one read; no message is transferred)."""
        return self._run(self._list_agents())

    async def list_agents_async(self) -> list[dict[str, Any]]:
        """Async twin of :meth:`list_agents`."""
        return await self._call(self._list_agents())

    async def _list_agents(self) -> list[dict[str, Any]]:
        _, agents = await read_agent_headers(self, LISTED_FIELDS)
        return [{name: _plain(agent.get(name)) for name in LISTED_FIELDS} for agent in agents]

    def get_message_count(self, agent_id: str) -> int:
        """Number of stored messages of an agent (0 if none, or no session); one tiny read."""
        return self._run(self._message_count(agent_id))

    async def get_message_count_async(self, agent_id: str) -> int:
        """Async twin of :meth:`get_message_count`."""
        return await self._call(self._message_count(agent_id))

    async def _message_count(self, agent_id: str) -> int:
        key = storage_key(validate_id(agent_id, "agent_id"))
        raw = await self._repo._collection().find_one(
            {"_id": self.session_id},
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
