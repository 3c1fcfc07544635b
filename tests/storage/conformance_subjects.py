"""The storages the conformance suite runs against: ours, and Strands' shipped ones as a reference.

Every test of ``test_storage_conformance.py`` runs once per subject. Where a
subject departs from a promise on purpose, the test says so with :func:`differs`
(a strict ``xfail`` naming the reason), never with a skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from strands.storage import InMemoryStorage, LocalFileStorage

from mongodb_session_manager import MongoDBStorage

SUBJECTS = ("mongodb", "mongodb-text", "in-memory", "local-file")
"""``mongodb-text``: ours with ``text_search=True`` (keywords where the server has no ``$text``)."""


@dataclass
class Subject:
    """One storage under test and how to build more of its kind."""

    name: str
    make: Callable[..., Any]

    @property
    def ours(self) -> bool:
        """Whether this is ``MongoDBStorage``."""
        return self.name.startswith("mongodb")


@pytest.fixture(params=SUBJECTS)
def subject(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Subject]:
    """Each storage of :data:`SUBJECTS`, fresh (its own database or directory)."""
    name: str = request.param
    if name.startswith("mongodb"):
        make_storage: Callable[..., MongoDBStorage] = request.getfixturevalue("make_storage")
        text = name == "mongodb-text"

        def make_ours(**options: Any) -> MongoDBStorage:
            return make_storage(text_search=text, **options)

        yield Subject(name, make_ours)
    elif name == "in-memory":
        yield Subject(name, InMemoryStorage)
    else:
        made = iter(range(1_000_000))

        def make_local(**options: Any) -> LocalFileStorage:
            return LocalFileStorage(str(tmp_path / f"store-{next(made)}"), **options)

        yield Subject(name, make_local)


@pytest.fixture
def storage(subject: Subject) -> Any:
    """A storage of ``subject`` with the default options."""
    return subject.make()


def differs(request: pytest.FixtureRequest, subject: Subject, **reasons: str | None) -> None:
    """Mark the running test a strict expected failure for the subjects named in ``reasons``.

    Keys are subject names with ``_`` for ``-`` (``local_file="a file is not a directory"``).
    """
    reason = reasons.get(subject.name.replace("-", "_"))
    if reason is not None:
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"{subject.name}: {reason}"))
