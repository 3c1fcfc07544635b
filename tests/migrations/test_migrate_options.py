"""The migration functions' keyword form: built from one options dataclass, unchanged outside."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pytest

from mongodb_session_manager import migrations
from mongodb_session_manager.migrations.options import (
    MigrateOptions,
    StatusOptions,
    keyword_form,
    keyword_form_async,
)

MIGRATE_PARAMETERS = [
    ("connection_string", None),
    ("database_name", "database_name"),
    ("collection_name", "collection_name"),
    ("target_collection", None),
    ("to_version", None),
    ("batch_size", 100),
    ("max_batch_bytes", 16 * 1024 * 1024),
    ("dry_run", False),
    ("transactions", None),
    ("progress", None),
    ("client", None),
    ("pool", None),
]
STATUS_PARAMETERS = [
    ("connection_string", None),
    ("database_name", "database_name"),
    ("collection_name", "collection_name"),
    ("client", None),
    ("pool", None),
]


@pytest.mark.parametrize(
    ("name", "expected", "returns", "is_async"),
    [
        ("migrate_up", MIGRATE_PARAMETERS, "MigrationReport", False),
        ("migrate_up_async", MIGRATE_PARAMETERS, "MigrationReport", True),
        ("migrate_down", MIGRATE_PARAMETERS, "MigrationReport", False),
        ("migrate_down_async", MIGRATE_PARAMETERS, "MigrationReport", True),
        ("migration_status", STATUS_PARAMETERS, "MigrationStatus", False),
        ("migration_status_async", STATUS_PARAMETERS, "MigrationStatus", True),
    ],
)
def test_public_signatures_are_the_keyword_only_parameters_they_always_were(
    name: str, expected: list[tuple[str, object]], returns: str, is_async: bool
) -> None:
    function = getattr(migrations, name)
    signature = inspect.signature(function)

    assert [(p.name, p.default) for p in signature.parameters.values()] == expected
    assert {p.kind for p in signature.parameters.values()} == {inspect.Parameter.KEYWORD_ONLY}
    assert signature.return_annotation == returns
    assert inspect.iscoroutinefunction(function) is is_async
    assert function.__name__ == name and function.__doc__


def test_migrate_up_documents_every_keyword_argument() -> None:
    doc = migrations.migrate_up.__doc__ or ""
    args = doc[doc.index("Args:") : doc.index("Returns:")]
    for name, _ in MIGRATE_PARAMETERS:
        assert f"    {name}: " in args


def test_options_are_the_same_fields_as_the_parameters() -> None:
    assert [name for name, _ in MIGRATE_PARAMETERS] == list(MigrateOptions.__dataclass_fields__)
    assert [name for name, _ in STATUS_PARAMETERS] == list(StatusOptions.__dataclass_fields__)


@dataclass(frozen=True, kw_only=True)
class Greeting:
    """How to greet.

    Attributes:
        name: Who.
        loud: Shout.
    """

    name: str = "you"
    loud: bool = False


@keyword_form(Greeting, documented=True)
def greet(options: Greeting) -> str:
    """Say hello.

    Returns:
        The greeting.
    """
    text = f"hello {options.name}"
    return text.upper() if options.loud else text


@keyword_form_async(Greeting)
async def greet_async(options: Greeting) -> str:
    """Say hello, later."""
    return greet(name=options.name, loud=options.loud)


async def test_keyword_forms_build_the_options_and_keep_the_docstring() -> None:
    assert greet() == "hello you"
    assert greet(name="ada", loud=True) == "HELLO ADA"
    assert await greet_async(name="bob") == "hello bob"
    assert (
        greet.__doc__
        == "Say hello.\n\nArgs:\n    name: Who.\n    loud: Shout.\n\nReturns:\n    The greeting."
    )
    assert greet_async.__doc__ == "Say hello, later."
    with pytest.raises(TypeError):
        greet("ada")  # type: ignore[call-arg]
