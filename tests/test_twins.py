"""The blocking and ``*_async`` forms derived from one coroutine (``_twins``)."""

from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any

import pytest

from mongodb_session_manager._twins import awaiting, blocking, takes_parameters_of
from mongodb_session_manager.errors import StoreThreadError
from mongodb_session_manager.store.loop import StoreLoop


class Counter:
    """Counts on the store loop, as the library's objects do."""

    def __init__(self) -> None:
        self.threads: list[str] = []

    @property
    def runner(self) -> StoreLoop:
        return StoreLoop.get()

    async def _add(self, /, amount: int, *, twice: bool = False) -> int:
        """Add ``amount`` (twice with ``twice``).

        Args:
            amount: How much.
            twice: Add it two times.
        """
        self.threads.append(threading.current_thread().name)
        return amount * (2 if twice else 1)

    add = blocking(_add)
    add_async = awaiting(_add)


def test_both_forms_run_the_one_coroutine_on_the_store_thread() -> None:
    counter = Counter()
    assert counter.add(3, twice=True) == 6
    assert asyncio.run(counter.add_async(4)) == 4
    assert counter.threads == ["msm-store", "msm-store"]


def test_names_docstrings_and_signatures_follow_the_coroutine() -> None:
    assert Counter.add.__name__ == "add"
    assert Counter.add_async.__name__ == "add_async"
    assert Counter.add.__qualname__ == "Counter.add"
    assert Counter.add_async.__qualname__ == "Counter.add_async"
    assert Counter.add.__doc__ == Counter._add.__doc__
    doc = Counter.add_async.__doc__ or ""
    assert doc.startswith("Async form of :meth:`add`")
    assert "twice: Add it two times." in doc
    params = list(inspect.signature(Counter.add).parameters)
    assert params == ["self", "amount", "twice"]
    assert (
        inspect.signature(Counter.add_async).parameters
        == inspect.signature(Counter._add).parameters
    )
    assert inspect.iscoroutinefunction(Counter.add_async)
    assert not inspect.iscoroutinefunction(Counter.add)


def test_the_blocking_form_refuses_the_store_thread() -> None:
    counter = Counter()

    async def inside() -> None:
        with pytest.raises(StoreThreadError):
            counter.add(1)

    StoreLoop.get().run(inside())


def test_errors_reach_the_caller_unchanged() -> None:
    class Failing(Counter):
        async def _boom(self, /) -> None:
            raise KeyError("missing")

        boom = blocking(_boom)
        boom_async = awaiting(_boom)

    with pytest.raises(KeyError, match="missing"):
        Failing().boom()
    with pytest.raises(KeyError, match="missing"):
        asyncio.run(Failing().boom_async())


def build(name: str, size: int = 3, *, label: str | None = None) -> tuple[str, int, str | None]:
    return name, size, label


class Built:
    def __init__(self, parts: tuple[str, int, str | None]) -> None:
        self.parts = parts

    @classmethod
    @takes_parameters_of(build)
    def make(cls, *args: Any, **kwargs: Any) -> Built:
        return cls(build(*args, **kwargs))


def test_takes_parameters_of_shows_the_shared_parameter_list() -> None:
    assert list(inspect.signature(Built.make).parameters) == ["name", "size", "label"]
    assert Built.make("a", label="x").parts == ("a", 3, "x")
