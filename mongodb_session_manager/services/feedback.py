"""User feedback on a session: validated, timestamped, one round trip per add."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from mongodb_session_manager.errors import InvalidIdentifierError, InvalidInputError
from mongodb_session_manager.models import Feedback, utcnow, validate_id
from mongodb_session_manager.models.feedback import MAX_FEEDBACK_BYTES
from mongodb_session_manager.models.keys import validate_value
from mongodb_session_manager.services._access import SessionService
from mongodb_session_manager.services.hooks import (
    Hook,
    operation_forms,
    run_hooked,
    run_hooked_async,
)
from mongodb_session_manager.store.codec import encoded_size

__all__ = ["FeedbackService", "read_feedback", "validate_feedback"]

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


class FeedbackService(SessionService):
    """Feedback of one session.

    Args:
        access: The session store.
        session_id: The session.
    """

    def add(
        self, feedback: Mapping[str, Any] | Feedback, *, hook: Hook | None, manager: Any
    ) -> Any:
        """Validate and store ``feedback`` through ``hook`` (blocking); see the manager's method.

        ``manager`` is what the hook receives as ``session_manager=``.
        """
        checked = validate_feedback(feedback).model_dump()
        forms = operation_forms(self.runner, lambda value: self.push(validate_feedback(value)))
        return run_hooked(
            hook, "add", self.session_id, "feedback", checked, *forms, session_manager=manager
        )

    async def add_async(
        self, feedback: Mapping[str, Any] | Feedback, *, hook: Hook | None, manager: Any
    ) -> Any:
        """Async form of :meth:`add`."""
        checked = validate_feedback(feedback).model_dump()
        forms = operation_forms(self.runner, lambda value: self.push(validate_feedback(value)))
        return await run_hooked_async(
            hook, "add", self.session_id, "feedback", checked, *forms, session_manager=manager
        )

    async def push(self, feedback: Feedback) -> Feedback:
        """Append one validated feedback in one guarded write."""
        document = feedback.model_dump()
        added = encoded_size(document, "feedback") + _ARRAY_ITEM_OVERHEAD
        update: dict[str, Any] = {
            "$push": {"feedbacks": document},
            "$inc": {"size_bytes": added},
            "$set": {"updated_at": utcnow()},
        }
        await self.access.update_session(self.session_id, update, added_bytes=added)
        logger.info(
            "feedback.added | session_id=%s rating=%s agent_id=%s message_id=%s",
            self.session_id,
            feedback.rating,
            feedback.agent_id,
            feedback.message_id,
        )
        return feedback

    async def read(self) -> list[Feedback]:
        """Every feedback of the session, oldest first; ``[]`` when none or no session."""
        raw = await self.access.read_fields(self.session_id, {"feedbacks": 1})
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
