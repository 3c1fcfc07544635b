"""Stacking session-manager hooks: an audit hook and the SNS hook on one manager.

A hook has the signature ``hook(original_func, action, session_id, **kwargs)`` and
calls ``original_func`` to let the operation happen. :func:`compose_hooks` nests
hooks so that each one's ``original_func`` is the next hook, and the last one's is
the real operation.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

Hook = Callable[..., Any]
"""``hook(original_func, action, session_id, **kwargs) -> result``."""

ACTION_ARGUMENT: dict[str, str] = {"add": "feedback", "update": "metadata", "delete": "keys"}
"""The keyword a hook receives for each action, which is also ``original_func``'s argument."""


def call_original(original_func: Callable[..., Any], action: str, kwargs: dict[str, Any]) -> Any:
    """Call ``original_func`` as the library's hook protocol says for ``action``.

    ``add`` -> ``original_func(feedback)``, ``update`` -> ``original_func(metadata)``,
    ``delete`` -> ``original_func(keys)``, ``get`` -> ``original_func()``.
    """
    name = ACTION_ARGUMENT.get(action)
    if name is not None and name in kwargs:
        return original_func(kwargs[name])
    return original_func(**kwargs)


def compose_hooks(*hooks: Hook | None) -> Hook:
    """One hook that runs ``hooks`` in order, each wrapping the next.

    The first hook is the outermost: it sees the operation first and its
    ``original_func`` runs the second hook, and so on; the last hook's
    ``original_func`` is the real operation. What a hook passes on to
    ``original_func`` (an enriched feedback, say) is what the next hook receives.
    A hook that does not call ``original_func`` (a validator that raises, a cache)
    stops the chain there. ``None`` entries are skipped, so optional hooks can be
    listed as they are::

        manager = MongoDBSessionManager(
            "s1", uri, feedback_hook=compose_hooks(audit_hook, sns_hook if alerts else None)
        )

    Async hooks cannot be nested in a sync chain: compose those in your own
    ``async def`` hook. ``chain_hooks`` is another name for this function.

    Put the AWS hooks last, nearest to the database: they notify only once the
    write has succeeded.
    """
    chain = tuple(hook for hook in hooks if hook is not None)
    for hook in chain:
        if inspect.iscoroutinefunction(hook):
            raise TypeError(f"compose_hooks takes sync hooks; {hook!r} is async")

    def composed(
        original_func: Callable[..., Any], action: str, session_id: str, **kwargs: Any
    ) -> Any:
        def run(index: int, current: dict[str, Any]) -> Any:
            if index == len(chain):
                return call_original(original_func, action, current)

            def next_step(*args: Any, **overrides: Any) -> Any:
                return run(index + 1, _rebind(action, current, args, overrides))

            return chain[index](next_step, action, session_id, **current)

        return run(0, kwargs)

    composed.__name__ = "composed_hook"
    composed.__qualname__ = "compose_hooks.<locals>.composed_hook"
    return composed


def _rebind(
    action: str, current: dict[str, Any], args: tuple[Any, ...], overrides: dict[str, Any]
) -> dict[str, Any]:
    """The keyword arguments of the next hook, from what the previous one passed on."""
    updated = {**current, **overrides}
    if args:
        name = ACTION_ARGUMENT.get(action)
        if name is not None and len(args) == 1:
            updated[name] = args[0]
        else:
            logger.warning(
                "hooks.compose.arguments_ignored | action=%s positional=%d: the next hook "
                "receives the keyword arguments it had",
                action,
                len(args),
            )
    return updated
