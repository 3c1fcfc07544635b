"""Discovery of the migration modules shipped in :mod:`.versions`."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from mongodb_session_manager.errors import MigrationError
from mongodb_session_manager.migrations import versions
from mongodb_session_manager.migrations.base import DocumentMigration, Migration
from mongodb_session_manager.models import SCHEMA_VERSION


@cache
def load_migrations() -> tuple[Migration, ...]:
    """Every migration, in order; checks they form one chain 0 -> 1 -> ... -> current."""
    found: list[Migration] = []
    names = sorted(info.name for info in pkgutil.iter_modules(versions.__path__))
    for name in names:
        if name.startswith("_"):
            continue
        module = importlib.import_module(f"{versions.__name__}.{name}")
        forward_cls = getattr(module, "Forward", None)
        backward_cls = getattr(module, "Backward", None)
        if not (
            isinstance(forward_cls, type)
            and issubclass(forward_cls, DocumentMigration)
            and isinstance(backward_cls, type)
            and issubclass(backward_cls, DocumentMigration)
        ):
            raise MigrationError(f"migration module {name} must define Forward and Backward")
        forward, backward = forward_cls(), backward_cls()
        found.append(
            Migration(
                name=name,
                version=forward.target_version,
                description=str(getattr(module, "DESCRIPTION", "") or module.__doc__ or "")
                .strip()
                .splitlines()[0],
                forward=forward,
                backward=backward,
            )
        )
    for position, migration in enumerate(found, start=1):
        forward, backward = migration.forward, migration.backward
        if (forward.source_version, forward.target_version) != (position - 1, position) or (
            backward.source_version,
            backward.target_version,
        ) != (position, position - 1):
            raise MigrationError(
                f"migration {migration.name} must go {position - 1} -> {position} and back"
            )
    if (found[-1].version if found else 0) != SCHEMA_VERSION:
        raise MigrationError(
            f"the migrations end at schema {found[-1].version if found else 0}, "
            f"the models are at {SCHEMA_VERSION}"
        )
    return tuple(found)
