"""Old import path of the feedback helpers.

Now :mod:`mongodb_session_manager.services.feedback`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mongodb_session_manager.models import Feedback
from mongodb_session_manager.services.bundle import session_services
from mongodb_session_manager.services.feedback import read_feedback, validate_feedback

__all__ = ["FeedbackMixin", "read_feedback", "validate_feedback"]


class FeedbackMixin:
    """Transitional: what ``repository/reference_api.py``'s ``SessionView`` still uses.

    Removed at merge, once the reference API calls
    :func:`~mongodb_session_manager.services.session_services` itself.
    """

    session_id: str
    _repo: Any
    feedback_hook: Any

    def add_feedback(self, feedback: Mapping[str, Any] | Feedback) -> Any:
        """Store one feedback (see the manager's method)."""
        service = session_services(self._repo, self.session_id).feedback
        return service.add(feedback, hook=self.feedback_hook, manager=self)

    def get_feedbacks(self) -> list[Feedback]:
        """Every feedback of the session (see the manager's method)."""
        service = session_services(self._repo, self.session_id).feedback
        return service.runner.run(service.read())
