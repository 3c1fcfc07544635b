"""The manager's session-feature methods: each one delegates to a session service.

:class:`SessionFeaturesAPI` holds no state and does no I/O of its own: the
manager gives it :attr:`~SessionFeaturesAPI._services` (the services of its
session), its hooks, ``metadata_model`` and ``runner``; every method applies
the hook (when the operation has one) and runs the service's coroutine, with
its blocking and ``*_async`` forms from :mod:`mongodb_session_manager._twins`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from strands.tools.decorator import DecoratedFunctionTool

from mongodb_session_manager._twins import awaiting, blocking
from mongodb_session_manager.models import Feedback, Metadata
from mongodb_session_manager.services.agent_config import check_prompt_metadata
from mongodb_session_manager.services.hooks import Hook
from mongodb_session_manager.services.metadata import MetadataInput, typed_metadata
from mongodb_session_manager.services.metadata_tool import metadata_tool
from mongodb_session_manager.services.metrics import MetricsSummary

if TYPE_CHECKING:
    from mongodb_session_manager.repository.repository import MongoDBSessionRepository
    from mongodb_session_manager.services.bundle import SessionServices
    from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = ["SessionFeaturesAPI"]


class SessionFeaturesAPI:
    """Metadata, the metadata tool, feedback, agent configuration and metrics of a session."""

    session_id: str
    metadata_hook: Hook | None
    feedback_hook: Hook | None
    metadata_model: type[Metadata] | None = None
    """A :class:`~mongodb_session_manager.Metadata` subclass whose declared fields
    validate updates (set it on a manager instance or a subclass). Undeclared keys
    are accepted as they are."""
    _services: SessionServices
    _repo: MongoDBSessionRepository

    @property
    def runner(self) -> MongoDBConnectionPool:
        """What runs this manager's coroutines on the store loop (its pool)."""
        return self._repo.pool

    # ------------------------------------------------------------------ metadata

    def update_metadata(self, metadata: MetadataInput) -> Any:
        """Set the given keys; every other key is kept (one round trip).

        Args:
            metadata: Keys and values to set. A dotted key updates a nested path.
                A :class:`~mongodb_session_manager.Metadata` instance writes the
                fields that were set on it.

        Returns:
            ``None``, or what the metadata hook returned.

        Raises:
            InvalidInputError: A key or value cannot be stored (``$``-leading, empty,
                NUL, overlapping or over-long key; unencodable or oversize value).
            SessionNotFoundError: The session does not exist (any more).
            SessionTooLargeError: The session would exceed its size limit.
        """
        service = self._services.metadata
        return service.update(metadata, hook=self.metadata_hook, model=self.metadata_model)

    async def update_metadata_async(self, metadata: MetadataInput) -> Any:
        """Async twin of :meth:`update_metadata`."""
        service = self._services.metadata
        return await service.update_async(
            metadata, hook=self.metadata_hook, model=self.metadata_model
        )

    def get_metadata(self, keys: Iterable[str] | str | None = None) -> Any:
        """The session's metadata as the reference library returned it (one read).

        Args:
            keys: Only these keys (dotted paths allowed); all when ``None``.

        Returns:
            ``{"_id": session_id, "metadata": {...}}`` (nested as stored), ``None``
            when the session does not exist, or what the metadata hook returned.
            For a typed value use :meth:`get_session_metadata`.
        """
        return self._services.metadata.get(keys, hook=self.metadata_hook)

    async def get_metadata_async(self, keys: Iterable[str] | str | None = None) -> Any:
        """Async twin of :meth:`get_metadata`."""
        return await self._services.metadata.get_async(keys, hook=self.metadata_hook)

    def get_session_metadata(self, keys: Iterable[str] | str | None = None) -> Metadata:
        """The session's metadata as a typed model (``metadata_model``, else :class:`Metadata`).

        Goes through the metadata hook like :meth:`get_metadata`; ``.model_dump()``
        gives the plain dict.

        Raises:
            SessionNotFoundError: The session does not exist (any more).
        """
        return typed_metadata(self.get_metadata(keys), self.metadata_model, self.session_id)

    async def get_session_metadata_async(self, keys: Iterable[str] | str | None = None) -> Metadata:
        """Async twin of :meth:`get_session_metadata`."""
        found = await self.get_metadata_async(keys)
        return typed_metadata(found, self.metadata_model, self.session_id)

    def delete_metadata(self, keys: Iterable[str] | str) -> Any:
        """Remove the given keys (dotted paths remove nested fields); one round trip.

        Keys that are not there are ignored.

        Raises:
            InvalidInputError: A key is not a valid metadata key.
            SessionNotFoundError: The session does not exist (any more).
        """
        return self._services.metadata.delete(keys, hook=self.metadata_hook)

    async def delete_metadata_async(self, keys: Iterable[str] | str) -> Any:
        """Async twin of :meth:`delete_metadata`."""
        return await self._services.metadata.delete_async(keys, hook=self.metadata_hook)

    def get_metadata_tool(
        self,
        readable_keys: Iterable[str] | None = None,
        writable_keys: Iterable[str] | None = None,
        protected_keys: Iterable[str] | None = None,
        *,
        allow_delete: bool = True,
    ) -> DecoratedFunctionTool[..., Any]:
        """A Strands tool named ``manage_metadata`` bound to this session.

        Args:
            readable_keys: Keys the agent may read (with everything under them);
                all when ``None``.
            writable_keys: Keys the agent may set or delete; all when ``None``.
            protected_keys: Keys the agent may never set or delete (application-owned),
                even if ``writable_keys`` would allow them.
            allow_delete: Whether the ``delete`` action is offered at all.

        Returns:
            A tool to pass to ``Agent(tools=[...])``, also callable directly:
            ``tool(action="get")``, ``tool(action="set", metadata={"k": "v"})``,
            ``tool(action="delete", keys=["k"])``. Each call returns the reference
            library's string: ``"All metadata: {json}"``, ``"Metadata retrieved:
            {json}"``, ``"No metadata found for keys: [...]"``, ``"No metadata
            stored in session"``, ``"Successfully updated metadata fields: [...]"``,
            ``"Successfully deleted metadata fields: [...]"``, or an ``"Error..."``
            text.
        """
        return metadata_tool(
            self, readable_keys, writable_keys, protected_keys, allow_delete=allow_delete
        )

    # ------------------------------------------------------------------ feedback

    def add_feedback(self, feedback: Mapping[str, Any] | Feedback) -> Any:
        """Store one piece of feedback (one round trip).

        Args:
            feedback: ``{"rating": "up" | "down" | None, "comment": str}``, optionally
                ``agent_id`` and ``message_id`` to tie it to a message, and any
                other keys (kept as given; no ``$``-leading or dotted keys);
                ``created_at`` defaults to now.

        Returns:
            The stored :class:`Feedback`, or what the feedback hook returned. The
            hook is called as ``hook(original_func, "add", session_id,
            session_manager=<this manager>, feedback=<dict>)``.

        Raises:
            InvalidInputError: A field is invalid (the message names it).
            SessionNotFoundError: The session does not exist (any more).
            SessionTooLargeError: The session would exceed its size limit.
        """
        return self._services.feedback.add(feedback, hook=self.feedback_hook, manager=self)

    async def add_feedback_async(self, feedback: Mapping[str, Any] | Feedback) -> Any:
        """Async twin of :meth:`add_feedback`."""
        service = self._services.feedback
        return await service.add_async(feedback, hook=self.feedback_hook, manager=self)

    async def _get_feedbacks(self) -> list[Feedback]:
        """Every feedback of the session, oldest first (one read of ``feedbacks`` only).

        Each item is a typed :class:`Feedback` that also indexes like the
        reference library's dicts (``f["rating"]``, ``f["comment"]``,
        ``f["created_at"]``, extra keys). ``[]`` when there is none or no session.
        """
        return await self._services.feedback.read()

    get_feedbacks = blocking(_get_feedbacks)
    get_feedbacks_async = awaiting(_get_feedbacks)

    # ------------------------------------------------------------------ agent configuration

    async def _get_agent_config(self, agent_id: str) -> dict[str, Any] | None:
        """``{agent_id, model, system_prompt, prompt_metadata}`` of a stored agent, or ``None``.

        One read of those four fields only; ``None`` too when the session does not
        exist (as in the reference library).
        """
        return await self._services.agent_config.read_config(agent_id)

    get_agent_config = blocking(_get_agent_config)
    get_agent_config_async = awaiting(_get_agent_config)

    async def _update_agent_config(
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
        service = self._services.agent_config
        await service.write_config(agent_id, model, system_prompt, prompt_metadata)

    update_agent_config = blocking(_update_agent_config)
    update_agent_config_async = awaiting(_update_agent_config)

    def set_prompt_metadata(self, agent_id: str, prompt_metadata: Mapping[str, Any]) -> None:
        """Store ``prompt_metadata`` (prompt version, temperature...) on a stored agent.

        The reference library's name for ``update_agent_config(agent_id,
        prompt_metadata=...)``; one round trip.

        Raises:
            InvalidInputError: ``prompt_metadata`` is not a storable dict.
            SessionNotFoundError: The session or the agent does not exist (a ``ValueError``).
        """
        check_prompt_metadata(prompt_metadata)  # before the hop to the store loop
        self.update_agent_config(agent_id, prompt_metadata=prompt_metadata)

    async def set_prompt_metadata_async(
        self, agent_id: str, prompt_metadata: Mapping[str, Any]
    ) -> None:
        """Async twin of :meth:`set_prompt_metadata`."""
        check_prompt_metadata(prompt_metadata)
        await self.update_agent_config_async(agent_id, prompt_metadata=prompt_metadata)

    async def _get_application_name(self) -> str | None:
        """The ``application_name`` stored on the session (set at creation), or ``None``."""
        return await self._services.agent_config.application_name()

    get_application_name = blocking(_get_application_name)
    get_application_name_async = awaiting(_get_application_name)

    async def _list_agents(self) -> list[dict[str, Any]]:
        """Every agent of the session (one read; no message is transferred).

        Each: id, model, system prompt, prompt metadata, message count, created /
        updated times.
        """
        return await self._services.agent_config.list_agents()

    list_agents = blocking(_list_agents)
    list_agents_async = awaiting(_list_agents)

    async def _get_message_count(self, agent_id: str) -> int:
        """Number of stored messages of an agent (0 if none, or no session); one tiny read."""
        return await self._services.agent_config.message_count(agent_id)

    get_message_count = blocking(_get_message_count)
    get_message_count_async = awaiting(_get_message_count)

    # ------------------------------------------------------------------ metrics, viewer

    async def _get_metrics_summary(self) -> MetricsSummary:
        """Totals, per-call averages and tool stats of the session and of each agent.

        One read (an aggregation that returns the ``totals`` of the session and of
        each agent; no message is transferred).

        Raises:
            SessionNotFoundError: The session does not exist (any more).
        """
        return await self._services.metrics.summary()

    get_metrics_summary = blocking(_get_metrics_summary)
    get_metrics_summary_async = awaiting(_get_metrics_summary)

    def get_session_viewer_password(self) -> str | None:
        """This session's viewer password (stable everywhere); ``None`` if it has none.

        Hand it (or :func:`session_credential`) to someone who may read this one
        session in ``msm viewer``, read-only. It is never stored: it is derived
        from a per-deployment key.
        """
        return self._repo.get_session_viewer_password(self.session_id)

    async def get_session_viewer_password_async(self) -> str | None:
        """Async twin of :meth:`get_session_viewer_password`."""
        return await self._repo.get_session_viewer_password_async(self.session_id)
