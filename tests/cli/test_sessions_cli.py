"""``msm sessions list|show|export|delete`` for operators."""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
from typer.testing import CliRunner

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.cli._option_groups import with_option_groups
from tests.helpers.store import raw_collection
from tests.migrations.legacy_fixtures import (
    PNG,
    as_current,
    legacy_session,
    small_legacy_session,
)


def ids(factory: MongoDBSessionManagerFactory) -> set[str]:
    async def run() -> list[dict[str, Any]]:
        return await raw_collection(factory.repository).find({}, {"_id": 1}).to_list(None)  # type: ignore[no-any-return]

    return {row["_id"] for row in factory.pool.run(run())}


@pytest.fixture
def stocked(factory: MongoDBSessionManagerFactory) -> MongoDBSessionManagerFactory:
    now = datetime.now(UTC)
    documents = [as_current(legacy_session("shop-1"))]
    for index in range(6):
        document = as_current(small_legacy_session(index))
        document["updated_at"] = now - timedelta(days=20 * index)
        document["metadata"] = {"tier": "gold" if index % 2 else "free"}
        documents.append(document)
    # Text that would be rich markup or a terminal escape sequence if printed raw.
    documents[1]["agents"]["default"]["messages"][1]["content"] = [
        {"text": "[bold red]pwned[/bold red]\x1b]0;title\x07"}
    ]

    async def run() -> None:
        await raw_collection(factory.repository).insert_many(documents)

    factory.pool.run(run())
    return factory


def test_list_with_filters_and_json(stocked: MongoDBSessionManagerFactory, msm: Any) -> None:
    table = msm("sessions", "list")
    assert table.exit_code == 0, table.output
    assert "shop-1" in table.output and "bulk-00005" in table.output

    lines = msm("sessions", "list", "--json", "--metadata", "tier=gold", "--inactive-for", "30d")
    rows = [json.loads(line) for line in lines.output.splitlines()]
    assert sorted(row["session_id"] for row in rows) == ["bulk-00003", "bulk-00005"]
    assert rows[0]["messages"] == 4 and rows[0]["agents"] == 1

    bad = msm("sessions", "list", "--inactive-for", "soon")
    assert bad.exit_code == 2 and "not a duration" in bad.output
    hostile = msm("sessions", "list", "--metadata", "$where=1")
    assert hostile.exit_code == 2 and "metadata key" in hostile.output


def test_show_prints_stored_text_inert(stocked: MongoDBSessionManagerFactory, msm: Any) -> None:
    result = msm("sessions", "show", "bulk-00000")
    assert result.exit_code == 0, result.output
    assert "[bold red]pwned[/bold red]" in result.output  # printed, not interpreted
    assert "\x1b" not in result.output
    redacted = msm("sessions", "show", "shop-1", "--messages", "4")
    assert "#6 user (redacted): [User input redacted.]" in redacted.output
    assert "4111" not in redacted.output
    missing = msm("sessions", "show", "nope")
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_export_json_and_markdown_to_files(
    stocked: MongoDBSessionManagerFactory, msm: Any, tmp_path: Path
) -> None:
    target = tmp_path / "shop.json"
    result = msm("sessions", "export", "shop-1", "--output", str(target))
    assert result.exit_code == 0, result.output
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["session"]["session_id"] == "shop-1"
    assert len(exported["agents"]) == 3

    markdown = msm("sessions", "export", "shop-1", "--format", "markdown")
    assert markdown.exit_code == 0
    assert f"*[image, png, {len(PNG):,} bytes]*" in markdown.output

    with_original = msm("sessions", "export", "shop-1", "--include-redacted")
    assert "4111" in with_original.output


def test_delete_asks_first_and_honours_dry_run(
    stocked: MongoDBSessionManagerFactory, msm: Any
) -> None:
    before = ids(stocked)

    dry = msm("sessions", "delete", "--inactive-for", "50d", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "4 session(s) match" in dry.output and "bulk-00003" in dry.output
    assert ids(stocked) == before

    declined = msm("sessions", "delete", "--inactive-for", "50d", input="n\n")
    assert declined.exit_code == 1 and "Nothing deleted" in declined.output
    assert ids(stocked) == before

    accepted = msm("sessions", "delete", "--inactive-for", "50d", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Deleted 4 session(s)" in accepted.output
    assert ids(stocked) == before - {f"bulk-{i:05d}" for i in (3, 4, 5)} - {"shop-1"}


def test_delete_by_id_with_yes_and_refusal_of_an_empty_filter(
    stocked: MongoDBSessionManagerFactory, msm: Any
) -> None:
    result = msm("sessions", "delete", "bulk-00001", "bulk-00002", "--yes")
    assert result.exit_code == 0, result.output
    assert "Deleted 2 session(s)" in result.output
    assert not {"bulk-00001", "bulk-00002"} & ids(stocked)

    everything = msm("sessions", "delete", "--yes")
    assert everything.exit_code == 2 and "refusing to delete every session" in everything.output
    assert len(ids(stocked)) == 5


@dataclass(frozen=True)
class _Where:
    uri: Annotated[str | None, typer.Option("--uri", help="Where.")] = None
    depth: Annotated[int, typer.Option("--depth")] = 3


def test_option_groups_become_options_in_place_and_arrive_as_one_value() -> None:
    """``with_option_groups``: a dataclass parameter is its fields, for Typer and the command."""
    seen: list[tuple[str, _Where, bool]] = []
    demo = typer.Typer()

    @demo.command()
    @with_option_groups
    def run(
        name: Annotated[str, typer.Argument()],
        where: _Where,
        loud: Annotated[bool, typer.Option("--loud")] = False,
    ) -> None:
        seen.append((name, where, loud))

    result = CliRunner().invoke(demo, ["x", "--depth", "5", "--loud"])
    assert result.exit_code == 0, result.output
    assert seen == [("x", _Where(uri=None, depth=5), True)]
    options = [p.name for p in inspect.signature(run).parameters.values()]
    assert options == ["name", "uri", "depth", "loud"]
    usage = CliRunner().invoke(demo, ["--help"]).output
    assert usage.index("--uri") < usage.index("--depth") < usage.index("--loud")
