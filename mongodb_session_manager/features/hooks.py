"""Running the application's metadata / feedback hooks around an operation.

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
from typing import Any, TypeVar

from mongodb_session_manager.features.compose import compose_hooks

logger = logging.getLogger(__name__)

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
    kwargs = {**context, **({name: value} if name is not None and value is not None else {})}
    if is_async_hook(hook):

        async def original_async(*args: Any, **kw: Any) -> T:
            return await operation_async(_argument(args, kw, name or "value", value))

        coro: Coroutine[Any, Any, T] = hook(original_async, action, session_id, **kwargs)
        return _run_private_loop(coro)

    def original(*args: Any, **kw: Any) -> T:
        return operation(_argument(args, kw, name or "value", value))

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
    kwargs = {**context, **({name: value} if name is not None and value is not None else {})}
    if is_async_hook(hook):

        async def original_async(*args: Any, **kw: Any) -> T:
            return await operation_async(_argument(args, kw, name or "value", value))

        return await hook(original_async, action, session_id, **kwargs)  # type: ignore[no-any-return]

    def original(*args: Any, **kw: Any) -> T:
        return operation(_argument(args, kw, name or "value", value))

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
