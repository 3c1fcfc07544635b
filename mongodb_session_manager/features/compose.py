"""Old import path of :func:`compose_hooks`.

Now :mod:`mongodb_session_manager.services.hooks`.
"""

from mongodb_session_manager.services.hooks import (
    ACTION_ARGUMENT,
    Hook,
    call_original,
    compose_hooks,
)

__all__ = ["ACTION_ARGUMENT", "Hook", "call_original", "compose_hooks"]
