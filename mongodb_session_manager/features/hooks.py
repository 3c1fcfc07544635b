"""Old import path of the application hook plumbing.

Now :mod:`mongodb_session_manager.services.hooks`.
"""

from mongodb_session_manager.services.hooks import (
    chain_hooks,
    compose_hooks,
    is_async_hook,
    run_hooked,
    run_hooked_async,
)

__all__ = ["chain_hooks", "compose_hooks", "is_async_hook", "run_hooked", "run_hooked_async"]
