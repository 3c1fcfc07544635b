"""User feedback on a session: validated, timestamped, one round trip per add."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from mongodb_session_manager.errors import InvalidIdentifierError, InvalidInputError
from mongodb_session_manager.features._base import FeatureBase
from mongodb_session_manager.features.hooks import run_hooked, run_hooked_async
from mongodb_session_manager.features.keys import validate_value
from mongodb_session_manager.models import Feedback, utcnow, validate_id
from mongodb_session_manager.models.feedback import MAX_FEEDBACK_BYTES
from mongodb_session_manager.repository.codec import encoded_size

logger = logging.getLogger(__name__)

_ARRAY_ITEM_OVERHEAD = 12


def validate_feedback(feedback: Any) -> Feedback:
    """A :class:`Feedback` from a dict (or a Feedback); a clear error naming the bad field.

    ``comment=None`` is read as no comment (the reference library allowed it).
    """
    if isinstance(feedback, Feedback):
        data: dict[str, Any] = feedback.model_dump()
    elif isinstance(feedback, Mapping):
        data = dict(feedback)
        if data.get("comment", "") is None:
            data["comment"] = ""
    else:
        raise InvalidInputError(
            'feedback must be a dict such as {"rating": "up", "comment": "..."}, '
            f"got {type(feedback).__name__}"
        )
    try:
        record = Feedback.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"feedback.{'.'.join(str(p) for p in error['loc']) or '?'}: {error['msg']}"
            for error in exc.errors()
        )
        raise InvalidInputError(f"{problems}. Nothing was written") from exc
    if record.agent_id is not None:
        try:
            validate_id(record.agent_id, "feedback.agent_id")
        except InvalidIdentifierError as exc:
            raise InvalidInputError(f"{exc}. Nothing was written") from exc
    # Extra keys (e.g. `_validated_at` from a validation hook) are stored as given,
    # but never as operators or paths: `$x` / `a.b` keys are refused at any depth.
    extras = record.extras
    if extras:
        try:
            validate_value(extras, "feedback")
        except InvalidInputError as exc:
            raise InvalidInputError(f"{exc}. Nothing was written") from exc
    size = encoded_size(record.model_dump(), "feedback")
    if size > MAX_FEEDBACK_BYTES:
        raise InvalidInputError(
            f"feedback is {size} bytes encoded; the limit is {MAX_FEEDBACK_BYTES}. "
            "Nothing was written"
        )
    return record


class FeedbackMixin(FeatureBase):
    """``add_feedback`` / ``get_feedbacks`` and their async twins."""

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
        checked = validate_feedback(feedback).model_dump()
        return run_hooked(
            self.feedback_hook,
            "add",
            self.session_id,
            "feedback",
            checked,
            lambda value: self._run(self._push_feedback(validate_feedback(value))),
            lambda value: self._call(self._push_feedback(validate_feedback(value))),
            session_manager=self,
        )

    async def add_feedback_async(self, feedback: Mapping[str, Any] | Feedback) -> Any:
        """Async twin of :meth:`add_feedback`."""
        checked = validate_feedback(feedback).model_dump()
        return await run_hooked_async(
            self.feedback_hook,
            "add",
            self.session_id,
            "feedback",
            checked,
            lambda value: self._run(self._push_feedback(validate_feedback(value))),
            lambda value: self._call(self._push_feedback(validate_feedback(value))),
            session_manager=self,
        )

    async def _push_feedback(self, feedback: Feedback) -> Feedback:
        document = feedback.model_dump()
        added = encoded_size(document, "feedback") + _ARRAY_ITEM_OVERHEAD
        update: dict[str, Any] = {
            "$push": {"feedbacks": document},
            "$inc": {"size_bytes": added},
            "$set": {"updated_at": utcnow()},
        }
        await self._repo._guarded_update(self.session_id, None, {}, update, added)
        logger.info(
            "feedback.added | session_id=%s rating=%s agent_id=%s message_id=%s",
            self.session_id,
            feedback.rating,
            feedback.agent_id,
            feedback.message_id,
        )
        return feedback

    def get_feedbacks(self) -> list[Feedback]:
        """Every feedback of the session, oldest first (one read of ``feedbacks`` only).

        Each item is a typed :class:`Feedback` that also indexes like the
        reference library's dicts (``f["rating"]``, ``f["comment"]``,
        ``f["created_at"]``, extra keys). ``[]`` when there is none or no session.
        """
        return self._run(self._read_feedbacks())

    async def get_feedbacks_async(self) -> list[Feedback]:
        """Async twin of :meth:`get_feedbacks`."""
        return await self._call(self._read_feedbacks())

    async def _read_feedbacks(self) -> list[Feedback]:
        raw = await self._repo._collection().find_one({"_id": self.session_id}, {"feedbacks": 1})
        return [
            read_feedback(item)
            for item in (raw or {}).get("feedbacks") or []
            if isinstance(item, dict)
        ]


def read_feedback(item: dict[str, Any]) -> Feedback:
    """A stored feedback as a :class:`Feedback`; one another tool wrote oddly is kept as is."""
    try:
        return Feedback.model_validate(item)
    except ValidationError:
        logger.info("feedback.read.unvalidated | keys=%s", sorted(item)[:20])
        return Feedback.model_construct(**item)
