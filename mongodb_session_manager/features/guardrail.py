"""Old import path of the guardrail audit.

Now :mod:`mongodb_session_manager.services.guardrail`.
"""

from mongodb_session_manager.services.guardrail import (
    MAX_LABEL_LENGTH,
    RedactionPlan,
    plan_redaction,
    redaction_update,
)

__all__ = ["MAX_LABEL_LENGTH", "RedactionPlan", "plan_redaction", "redaction_update"]
