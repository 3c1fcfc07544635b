"""``msm migrate status|up|down`` against a collection of reference-layout sessions."""

from __future__ import annotations

import json
from typing import Any

from mongodb_session_manager import MongoDBSessionManagerFactory
from tests.helpers.store import raw_collection
from tests.migrations.legacy_fixtures import legacy_session, small_legacy_session


def seed(factory: MongoDBSessionManagerFactory, documents: list[dict[str, Any]]) -> None:
    async def run() -> None:
        await raw_collection(factory.repository).insert_many(documents)

    factory.pool.run(run())


def versions(factory: MongoDBSessionManagerFactory) -> list[Any]:
    async def run() -> list[dict[str, Any]]:
        collection = raw_collection(factory.repository)
        rows: list[dict[str, Any]] = await collection.find({}, {"schema_version": 1}).to_list(None)
        return rows

    return sorted(row.get("schema_version", 0) for row in factory.pool.run(run()))


def test_status_up_down_cycle(factory: MongoDBSessionManagerFactory, msm: Any) -> None:
    seed(factory, [legacy_session()] + [small_legacy_session(i) for i in range(11)])

    status = msm("migrate", "status")
    assert status.exit_code == 0, status.output
    assert "reference layout" in status.output and "12 document(s) need" in status.output

    dry = msm("migrate", "up", "--dry-run", "--no-progress")
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing written" in dry.output and "12 migrated" in dry.output
    assert versions(factory) == [0] * 12

    up = msm("migrate", "up", "--batch-size", "5")
    assert up.exit_code == 0, up.output
    assert versions(factory) == [2] * 12
    assert "m0001_reference_import (up v0 -> v1) collection_name: 12 migrated" in up.output
    assert "m0002_message_pages (up v1 -> v2) collection_name: 12 migrated" in up.output
    assert "0 left at v0" in up.output and "0 left at v1" in up.output

    machine = json.loads(msm("migrate", "status", "--json").output)
    assert machine["documents_by_version"] == {"2": 12}
    assert machine["pending"] == 0 and machine["pages"] == 0  # short sessions: no page
    assert machine["history"][0]["state"] == "done"
    assert "Up to date" in msm("migrate", "status").output

    down = msm("migrate", "down", "--no-progress", "--transactions", "off")
    assert down.exit_code == 0, down.output
    assert versions(factory) == [1] * 12  # one version down by default
    down = msm("migrate", "down", "--to", "0", "--no-progress")
    assert down.exit_code == 0, down.output
    assert versions(factory) == [0] * 12


def test_failures_are_listed_and_give_a_non_zero_exit(
    factory: MongoDBSessionManagerFactory, msm: Any
) -> None:
    broken = small_legacy_session(1)
    broken["agents"]["default"]["messages"] = "oops"
    seed(factory, [small_legacy_session(0), broken])

    result = msm("migrate", "up", "--no-progress")

    assert result.exit_code == 1
    assert "failed: bulk-00001" in result.output and "not an array" in result.output
    assert versions(factory) == [0, 2]


def test_copy_into_a_target_collection(factory: MongoDBSessionManagerFactory, msm: Any) -> None:
    seed(factory, [small_legacy_session(i) for i in range(3)])

    result = msm("migrate", "up", "--target-collection", "sessions_v1", "--no-progress")

    assert result.exit_code == 0, result.output
    assert "collection_name -> sessions_v1" in result.output
    assert versions(factory) == [0, 0, 0]


def test_bad_options_exit_with_a_message(msm: Any) -> None:
    result = msm("migrate", "up", "--to", "9", "--no-progress")
    assert result.exit_code == 2
    assert "cannot migrate up to version 9" in result.output
    assert msm("migrate", "up", "--batch-size", "0").exit_code == 2
