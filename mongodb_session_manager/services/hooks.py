"""The application's metadata / feedback hooks: running one around an operation, stacking them.

A hook has the reference library's signature::

    def hook(original_func, action, session_id, **kwargs):
        ...                      # audit, validate (raise to refuse), enrich, cache
        return original_func(kwargs["metadata"])   # let the operation happen

``original_func`` takes the operation's one argument (``metadata``, ``keys`` or
``feedback``) positionally or by name; called with nothing, it uses the value the
caller passed. What the hook returns is what the manager method returns (so a
caching hook may answer ``get`` without calling ``original_func``).

Sync and async hooks:

* a plain function: the sync methods call it inline; the ``*_async`` methods run
  it in a worker thread (``asyncio.to_thread``), so a slow hook (an HTTP call, an
  SNS publish) never blocks the application's event loop. Its ``original_func``
  is a plain blocking function there too.
* an ``async def`` hook: the ``*_async`` methods await it on the caller's loop,
  and its ``original_func`` is ``async`` (``return await original_func(...)``).
  The sync methods run it to completion on a private event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from mongodb_session_manager._twins import Runner

logger = logging.getLogger(__name__)

__all__ = [
    "ACTION_ARGUMENT",
    "Hook",
    "call_original",
    "chain_hooks",
    "compose_hooks",
    "is_async_hook",
    "operation_forms",
    "run_hooked",
    "run_hooked_async",
]


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


T = TypeVar("T")


def is_async_hook(hook: Callable[..., Any]) -> bool:
    """Whether ``hook`` is an ``async def`` function (or an object with one as ``__call__``)."""
    if inspect.iscoroutinefunction(hook):
        return True
    return inspect.iscoroutinefunction(getattr(hook, "__call__", None))  # noqa: B004


def _argument(args: tuple[Any, ...], kwargs: dict[str, Any], name: str, default: Any) -> Any:
    # A hook that forwards all it got (`original_func(**kwargs)`) also passes the context.
    kwargs = {k: v for k, v in kwargs.items() if k != "session_manager"}
    if len(args) > 1 or (args and kwargs) or set(kwargs) - {name}:
        raise TypeError(f"original_func takes one argument ({name})")
    if args:
        return args[0]
    return kwargs.get(name, default)


def operation_forms(
    runner: Runner, op: Callable[[Any], Coroutine[Any, Any, T]]
) -> tuple[Callable[[Any], T], Callable[[Any], Awaitable[T]]]:
    """The blocking and awaitable forms of ``op`` (what a hook's ``original_func`` runs)."""
    return (lambda value: runner.run(op(value))), (lambda value: runner.call(op(value)))


def _hook_kwargs(context: dict[str, Any], name: str | None, value: Any) -> dict[str, Any]:
    """The keyword arguments the hook receives: ``context`` and the operation's value."""
    return {**context, **({name: value} if name is not None and value is not None else {})}


def _originals(
    name: str | None,
    value: Any,
    operation: Callable[[Any], T],
    operation_async: Callable[[Any], Awaitable[T]],
) -> tuple[Callable[..., T], Callable[..., Awaitable[T]]]:
    """The hook's ``original_func``: for a sync hook, then for an ``async def`` hook."""

    def original(*args: Any, **kw: Any) -> T:
        return operation(_argument(args, kw, name or "value", value))

    async def original_async(*args: Any, **kw: Any) -> T:
        return await operation_async(_argument(args, kw, name or "value", value))

    return original, original_async


def run_hooked(
    hook: Callable[..., Any] | None,
    action: str,
    session_id: str,
    name: str | None,
    value: Any,
    operation: Callable[[Any], T],
    operation_async: Callable[[Any], Awaitable[T]],
    **context: Any,
) -> T:
    """Sync form: ``operation(value)``, through ``hook`` when there is one.

    ``context`` is passed to the hook as keyword arguments too (the feedback hook
    gets ``session_manager=``, as in the reference library).
    """
    if hook is None:
        return operation(value)
    kwargs = _hook_kwargs(context, name, value)
    original, original_async = _originals(name, value, operation, operation_async)
    if is_async_hook(hook):
        coro: Coroutine[Any, Any, T] = hook(original_async, action, session_id, **kwargs)
        return _run_private_loop(coro)
    logger.debug("hook.call | action=%s session_id=%s", action, session_id)
    return hook(original, action, session_id, **kwargs)  # type: ignore[no-any-return]


async def run_hooked_async(
    hook: Callable[..., Any] | None,
    action: str,
    session_id: str,
    name: str | None,
    value: Any,
    operation: Callable[[Any], T],
    operation_async: Callable[[Any], Awaitable[T]],
    **context: Any,
) -> T:
    """Async form: ``await operation_async(value)``, through ``hook`` when there is one."""
    if hook is None:
        return await operation_async(value)
    kwargs = _hook_kwargs(context, name, value)
    original, original_async = _originals(name, value, operation, operation_async)
    if is_async_hook(hook):
        return await hook(original_async, action, session_id, **kwargs)  # type: ignore[no-any-return]
    logger.debug("hook.call | action=%s session_id=%s thread=worker", action, session_id)
    return await asyncio.to_thread(hook, original, action, session_id, **kwargs)


def _run_private_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Run an async hook from sync code: here if no loop runs, else in a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coro).result()


chain_hooks = compose_hooks
"""Another name of :func:`compose_hooks` (sync hooks, first one outermost)."""
