"""Old import path of the feedback helpers.

Now :mod:`mongodb_session_manager.services.feedback`.
"""

from __future__ import annotations

from mongodb_session_manager.services.feedback import read_feedback, validate_feedback

__all__ = ["read_feedback", "validate_feedback"]
