"""Blocking and ``*_async`` forms of one coroutine, written once.

Every operation of the library is one coroutine that runs on the store loop
(:mod:`mongodb_session_manager.store.loop`). Sync callers (Strands' hooks, scripts)
block on it; async callers await it without their own loop ever waiting on the
database. Instead of writing each method twice, a class writes the coroutine
and derives both forms::

    class Thing:
        runner: Runner  # anything with run(coro) and call(coro): a pool, the store loop

        async def _get_metadata(self, /, keys: list[str] | None = None) -> dict[str, Any]:
            \"\"\"The session's metadata (the docstring is written once, here).\"\"\"

        get_metadata = blocking(_get_metadata)  # named get_metadata, same docstring
        get_metadata_async = awaiting(_get_metadata)  # named get_metadata_async

Both forms keep the coroutine's signature for ``inspect``, IDEs and mypy (ParamSpec).
Only write a pair by hand where the two forms really behave differently.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

__all__ = ["OnStore", "Runner", "awaiting", "blocking", "takes_parameters_of"]


class Runner(Protocol):
    """Runs coroutines on the store loop (a connection pool or the store loop itself)."""

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the store loop and block for its result."""
        ...

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` run on the store loop; the caller's loop keeps running."""
        ...

    def run_here(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a hot-path ``coro`` on the calling thread if it can, else like :meth:`run`."""
        ...


class OnStore(Protocol):
    """An object whose operations run on the store loop through its ``runner``."""

    @property
    def runner(self) -> Runner:
        """What runs this object's coroutines."""
        ...


S = TypeVar("S", bound=OnStore)


def _public_name(op: Callable[..., Any], suffix: str) -> str:
    return op.__name__.lstrip("_") + suffix


def _rename(method: Any, op: Callable[..., Any], name: str, doc: str | None) -> None:
    method.__name__ = name
    owner, _, _ = op.__qualname__.rpartition(".")
    method.__qualname__ = f"{owner}.{name}" if owner else name
    method.__doc__ = doc
    method.__signature__ = inspect.signature(op)


def blocking(
    op: Callable[Concatenate[S, P], Coroutine[Any, Any, R]], *, here: bool = False
) -> Callable[Concatenate[S, P], R]:
    """The blocking form of ``op``: run it on the store loop and wait for the result.

    The method is named after ``op`` without its leading underscores and keeps its
    docstring and signature. Called from the store thread itself it raises
    :class:`~mongodb_session_manager.errors.StoreThreadError` (use the async form).
    ``here=True`` (hot paths whose coroutine only reads and writes its gateway's
    collection): run it on the caller's thread instead (``Runner.run_here``).
    """
    if here:

        @functools.wraps(op)
        def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            return self.runner.run_here(op(self, *args, **kwargs))

    else:

        @functools.wraps(op)
        def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            return self.runner.run(op(self, *args, **kwargs))

    _rename(method, op, _public_name(op, ""), op.__doc__)
    return method


def awaiting(
    op: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """The ``*_async`` form of ``op``: awaited on the store loop; the caller's loop runs on.

    Named after ``op`` without its leading underscores plus ``_async``; its docstring
    says it is the async form, then repeats ``op``'s.
    """

    @functools.wraps(op)
    async def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await self.runner.call(op(self, *args, **kwargs))

    plain = _public_name(op, "")
    doc = f"Async form of :meth:`{plain}` (awaits the store loop, never blocks yours)."
    if op.__doc__:
        doc += "\n\n" + inspect.cleandoc(op.__doc__)
    _rename(method, op, plain + "_async", doc)
    return method


def takes_parameters_of(
    source: Callable[P, Any],
) -> Callable[[Callable[..., R]], Callable[Concatenate[Any, P], R]]:
    """Give a ``(self_or_cls, *args, **kwargs)`` method the parameters of ``source``.

    For constructors that share one parameter list (the manager's ``__init__`` and
    ``create_async``): the list is written once, on ``source``; ``inspect`` and
    mypy see it on every method decorated with this.
    """

    def decorate(method: Callable[..., R]) -> Callable[Concatenate[Any, P], R]:
        params = list(inspect.signature(method).parameters.values())[:1]
        params += list(inspect.signature(source).parameters.values())
        method.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            params, return_annotation=inspect.signature(method).return_annotation
        )
        return method

    return decorate
