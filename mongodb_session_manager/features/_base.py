"""What every feature mixin may use of the manager it is mixed into.

The mixins (:mod:`.metadata`, :mod:`.feedback`, ...) are stateless apart from a
small :class:`FeatureState` created on first use, so the manager's constructor
needs no change to host them. Every public method runs one coroutine on the
store loop: blocking with ``pool.run`` in the sync form, awaited with
``pool.call`` in the ``*_async`` twin.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from mongodb_session_manager.errors import SessionNotFoundError

if TYPE_CHECKING:
    from mongodb_session_manager.features.metrics import ToolUsageState
    from mongodb_session_manager.manager.tracking import AgentTracker
    from mongodb_session_manager.repository.repository import MongoDBSessionRepository

T = TypeVar("T")

Hook = Callable[..., Any]


@dataclass
class FeatureState:
    """Per-manager bookkeeping of the features, mutated only on the store loop."""

    size_overcount: int = 0
    """Bytes ``size_bytes`` counts for values that metadata / config writes replaced
    or removed; subtracted by the next such write (see :meth:`FeatureBase._sized_write`)."""
    tool_usage: dict[str, ToolUsageState] = field(default_factory=dict)
    """Per agent id: tool calls awaiting their results, tool time already counted."""


class FeatureBase:
    """Attributes of :class:`~mongodb_session_manager.MongoDBSessionManager` the mixins use."""

    session_id: str
    _repo: MongoDBSessionRepository
    _trackers: dict[str, AgentTracker]
    metadata_hook: Hook | None
    feedback_hook: Hook | None

    # ------------------------------------------------------------------ plumbing

    def _features(self) -> FeatureState:
        # setdefault is atomic: two threads using a fresh manager get the same state.
        state: FeatureState = self.__dict__.setdefault("_feature_state", FeatureState())
        return state

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the store loop, blocking the calling thread."""
        return self._repo.pool.run(coro)

    async def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the store loop without blocking the caller's loop."""
        return await self._repo.pool.call(coro)

    async def _find_session(self, projection: Mapping[str, Any]) -> dict[str, Any]:
        """One read of the session with ``projection``; SessionNotFoundError if it is gone."""
        raw = await self._repo._collection().find_one({"_id": self.session_id}, dict(projection))
        if raw is None:
            raise SessionNotFoundError(self.session_id)
        return dict(raw)

    async def _sized_write(
        self,
        agent_id: str | None,
        condition: Mapping[str, Any],
        update: dict[str, Any],
        added_bytes: int,
        replaced: Mapping[str, Any],
        measure: Callable[[dict[str, Any]], int],
    ) -> dict[str, Any]:
        """One guarded ``findAndModify`` that keeps the session size estimate honest.

        ``size_bytes`` grows by ``added_bytes`` (the new values) less what earlier
        writes of this manager are known to have replaced. The old values at
        ``replaced`` (a projection) come back with the write; ``measure`` turns them
        into bytes, which the next such write subtracts. So a key rewritten a
        thousand times does not inflate the estimate a thousandfold, at the price
        of no extra round trip (a manager closed before its next write leaves the
        estimate a little high: the safe side).
        """
        state = self._features()
        correction, state.size_overcount = state.size_overcount, 0
        net = added_bytes - correction
        update.setdefault("$inc", {})["size_bytes"] = net
        try:
            previous = await self._repo._guarded_update(
                self.session_id, agent_id, condition, update, max(net, 0), before=replaced
            )
        except BaseException:
            state.size_overcount += correction
            raise
        previous = previous or {}
        state.size_overcount += measure(previous)
        return previous


async def aggregate(collection: Any, pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run an aggregation and return all its documents (PyMongo async and mongomock-motor)."""
    cursor = collection.aggregate(pipeline)
    if hasattr(cursor, "__await__"):
        cursor = await cursor
    return list(await cursor.to_list(None))
