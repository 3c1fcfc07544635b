"""The benchmark's quick mode (what CI runs) runs end to end and writes its report.

Timing values are never asserted (they depend on the machine); the tables, their
rows, the charts, the raw JSON and the exact round-trip counts are.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

OURS = "mongodb-session-manager"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if os.environ.get("MSM_TEST_BACKEND", "").lower() == "mock":
        pytest.skip(
            "the benchmark measures wire traffic (round trips, bytes) and needs a server; "
            "mongomock-motor sends nothing to measure"
        )
    if sys.version_info < (3, 13) and not os.environ.get("MONGODB_URI"):
        pytest.skip("the benchmark's embedded server (mongoeco) needs Python 3.13+")
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, done.stdout


def _table(markdown: str, heading: str) -> list[list[str]]:
    """The rows of the first table under ``## heading`` (cells stripped, header dropped)."""
    section = markdown.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def _results(out: Path) -> dict[str, Any]:
    raw = json.loads((out / "docs" / "benchmarks" / "results.json").read_text("utf-8"))
    return {section["id"]: section for section in raw["sections"]} | {"_raw": raw}


@pytest.mark.timeout(420)
def test_every_section_is_written_and_none_failed(quick_run: tuple[Path, str]) -> None:
    out, _ = quick_run
    report = (out / "BENCHMARKS.md").read_text("utf-8")
    assert "This is a quick run" in report
    for heading in (
        "Round trips and bytes per operation",
        "Resume time versus session length",
        "Append cost versus session length",
        "Resume with a fixed window versus session length",
        "One big session: 1 MB tool results, tens of thousands of messages",
        "Per-turn overhead of persistence",
        "Hot path: CPU, writes and memory per message",
        "Event-loop health under concurrent streaming chats",
        "Simulated network round trip",
        "Memory while resuming a long session",
        "Viewer: listing and opening sessions",
        "Snapshot sessions: save and restore against LocalFileStorage and S3Storage",
        "Long-term memory: search latency at 300 entries",
        "Start-up time",
    ):
        assert f"## {heading}\n" in report, heading
    assert "the case failed" not in report
    startup = _results(out)["startup"]["data"]
    assert startup["heavy_modules_after_import"] == []  # the facade imports lazily
    assert set(startup["probes"]) >= {"msm --version", "msm --help"}
    for field in ("CPU", "Cores", "Memory", "python", "pymongo", "strands-agents"):
        assert f"| {field} |" in report, field


@pytest.mark.timeout(420)
def test_round_trip_table_has_the_headline_operations(quick_run: tuple[Path, str]) -> None:
    out, _ = quick_run
    rows = {
        row[0]: row
        for row in _table(
            (out / "BENCHMARKS.md").read_text("utf-8"), "Round trips and bytes per operation"
        )
    }
    for operation in (
        "open a manager (new session)",
        "open a manager (existing session)",
        "resume an agent (10 messages)",
        "append a message",
        "tool-use turn (4 messages)",
        "`sync_agent`, nothing changed",
        "add feedback",
        "update metadata",
    ):
        assert operation in rows, operation
    counted = _results(out)["round_trips"]["data"]
    # Exact, machine-independent counts: the benchmark must measure them right.
    assert counted["append a message"][OURS]["commands"] == ["update"]
    assert counted["`sync_agent`, nothing changed"][OURS]["round_trips"] == 0
    assert counted["tool-use turn (4 messages)"][OURS]["writes"] == 4
    assert counted["resume an agent (10 messages)"]["S3SessionManager"]["round_trips"] == 12


@pytest.mark.timeout(420)
def test_comparison_tables_have_a_row_per_contender(quick_run: tuple[Path, str]) -> None:
    out, _ = quick_run
    report = (out / "BENCHMARKS.md").read_text("utf-8")
    resume = {(row[0], row[1]) for row in _table(report, "Resume time versus session length")}
    for size in ("100", "1,000"):
        for manager in (
            f"{OURS} (sync)",
            f"{OURS} (create_async)",
            "FileSessionManager",
            "S3SessionManager",
        ):
            assert (size, manager) in resume, (size, manager)
    overhead = {row[0] for row in _table(report, "Per-turn overhead of persistence")}
    assert overhead == {
        "no session manager (sync)",
        "no session manager (async)",
        f"{OURS} (sync)",
        f"{OURS} (async)",
        "FileSessionManager",
        "S3SessionManager",
    }
    loop = {row[0] for row in _table(report, "Event-loop health under concurrent streaming chats")}
    assert loop == {"no session manager", f"{OURS} (async)", "Strands sync hooks (blocking)"}
    network = {(row[0], row[1]) for row in _table(report, "Simulated network round trip")}
    assert ("chat turn", OURS) in network
    assert ("tool-use turn", "S3SessionManager") in network
    memory = {row[0] for row in _table(report, "Memory while resuming a long session")}
    assert {f"{OURS} (sync)", "FileSessionManager"} <= memory


@pytest.mark.timeout(420)
def test_charts_and_raw_results_are_written(quick_run: tuple[Path, str]) -> None:
    out, _ = quick_run
    report = (out / "BENCHMARKS.md").read_text("utf-8")
    charts = ("round_trips", "resume", "overhead", "hot_path", "event_loop", "network", "memory")
    for chart in charts:
        png = out / "docs" / "benchmarks" / f"{chart}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", chart
        assert f"(docs/benchmarks/{chart}.png)" in report
    raw = _results(out)["_raw"]
    assert raw["quick"] is True
    assert raw["environment"]["machine"]["cores"] >= 1
    assert raw["environment"]["versions"]["pymongo"]


@pytest.mark.timeout(420)
def test_features_not_built_yet_are_skipped_with_a_note(quick_run: tuple[Path, str]) -> None:
    """Rows for methods / the viewer that this build lacks say so instead of failing."""
    out, stdout = quick_run
    report = (out / "BENCHMARKS.md").read_text("utf-8")
    from mongodb_session_manager import MongoDBSessionManager

    for method in ("add_feedback", "update_metadata"):
        if not hasattr(MongoDBSessionManager, method):
            assert f"`MongoDBSessionManager.{method}` is not in this build" in stdout
    try:
        import mongodb_session_manager.viewer  # noqa: F401
    except ImportError:
        assert "note: viewer benchmark skipped" in stdout
        assert "this section lights up once the viewer is merged" in report
    else:  # the viewer is built: its section is measured (its Host check lets the client in)
        assert "note: viewer benchmark skipped" not in stdout
        rows = {row[0] for row in _table(report, "Viewer: listing and opening sessions")}
        assert {"list, first page", "open a 2,000-message session"} <= rows


HOT_PATH = "Hot path: CPU, writes and memory per message"


@pytest.mark.timeout(420)
def test_hot_path_has_a_row_per_budget_with_its_verdict(quick_run: tuple[Path, str]) -> None:
    """Every issue-15 budget is a row; over budget is reported, never a failed run."""
    out, _ = quick_run
    rows = _table((out / "BENCHMARKS.md").read_text("utf-8"), HOT_PATH)
    starts = [
        "client CPU added per appended message, sync agent",
        "same, async agent",
        "writes per plain turn at turn 30",
        "memory retained per message beyond Strands' own",
        "client CPU to resume 1,000 messages, vs `FileSessionManager`",
        "client CPU added per appended message with a 63 KiB `agent.state`",
    ]
    assert len(rows) == len(starts)
    for row, start in zip(rows, starts, strict=True):
        assert row[0].startswith(start), (row[0], start)
        assert row[5] in ("within budget", "**over budget**"), row
    assert [row[4] for row in rows] == [
        "<= 2x",
        "<= 2x",
        "2",
        "<= 64 B",
        ">= 20x less",
        "O(1): <= 1.25x",
    ]
    data = _results(out)["hot_path"]["data"]
    budgets = data["budgets"]
    assert set(budgets) == {"sync", "async", "writes", "memory", "resume", "state"}
    # Counted, not timed: a plain turn writes at least its two messages.
    assert budgets["writes"]["sync"] >= 2 and budgets["writes"]["async"] >= 2
    assert data["cpu"]["writes_at_turn"]["turn"] == 30
    assert data["memory"]["ours"]["messages"] == data["memory"]["none"]["messages"] > 0


@pytest.mark.timeout(420)
def test_issue_16_sections_compare_every_writer_at_every_length(
    quick_run: tuple[Path, str],
) -> None:
    """Append scaling, windowed resume and the big session: a row per contender and length."""
    out, _ = quick_run
    report = (out / "BENCHMARKS.md").read_text("utf-8")
    results = _results(out)
    writers = {
        OURS,
        "schema v1 layout (frozen copy, raw PyMongo)",
        "FileSessionManager",
        "raw PyMongo insert_one (floor)",
    }
    scaling = _table(report, "Append cost versus session length")
    for size in ("20", "300", "1,000"):
        assert {row[1] for row in scaling if row[0] == size} == writers, size
    data = results["append_scaling"]["data"]
    assert set(data["gate"]) == {"300", "1000"}
    # Counted, not timed: one command per message for ours (a seal adds one per page).
    assert 1.0 <= data["sizes"]["300"][OURS]["commands"] <= 1.1
    assert data["v1_stop"]["computed"] > 1_000  # v1 still stores the quick lengths
    window = _table(report, "Resume with a fixed window versus session length")
    assert {(row[0], row[1]) for row in window} == {
        (size, name) for size in ("20", "300", "1,000") for name in (OURS, "FileSessionManager")
    }
    assert {row[2] for row in window if row[0] != "20"} == {"40"}  # only the window is read
    big = results["big_session"]["data"]
    assert big["steps"][OURS]["restored"] == big["steps"]["FileSessionManager"]["restored"]
    assert big["steps"][OURS]["left"] == {"sessions": 0, "pages": 0, "blob_chunks": 0}
    for chart in ("append_scaling", "resume_window"):
        assert (out / "docs" / "benchmarks" / f"{chart}.png").read_bytes()[:4] == b"\x89PNG"


def test_issue_17_sections_compare_every_storage_and_memory_strategy(
    quick_run: tuple[Path, str],
) -> None:
    """Snapshots: a row per storage and length, one command per operation for ours."""
    out, _ = quick_run
    report = (out / "BENCHMARKS.md").read_text("utf-8")
    results = _results(out)
    storages = {"MongoDBStorage", "LocalFileStorage", "S3Storage (moto)"}
    table = _table(
        report, "Snapshot sessions: save and restore against LocalFileStorage and S3Storage"
    )
    for size in ("10", "100"):
        assert {row[1] for row in table if row[0] == size} == storages, size
    for size in ("10", "100"):
        ours = results["snapshots"]["data"][size]["MongoDBStorage"]
        assert [ours[op]["round_trips"] for op in ("save", "checkpoint", "restore", "travel")] == [
            1
        ] * 4
        sizes = {results["snapshots"]["data"][size][name]["snapshot_bytes"] for name in storages}
        assert len(sizes) == 1  # the same snapshot through every storage
    memory = results["memory_search"]["data"]
    assert memory["entries"] == 300
    stores = {k: v for k, v in memory.items() if isinstance(v, dict) and "strategy_used" in v}
    used = {name: cell["strategy_used"] for name, cell in stores.items()}
    assert used["MongoDBMemoryStore (text)"] == "text"
    assert used["MongoDBMemoryStore (vector_scan)"] == "vector_scan"
    assert used["MongoDBMemoryStore (keyword)"] == "keyword"
    assert all(
        cell["results"] == 10
        for cell in memory.values()
        if isinstance(cell, dict) and "results" in cell
    )


def test_only_the_full_run_writes_into_the_repository_by_default() -> None:
    from benchmarks.__main__ import output_dir
    from benchmarks.servers import REPO_ROOT

    quick = output_dir(None, quick=True)
    assert quick != REPO_ROOT and REPO_ROOT not in quick.parents and quick.is_dir()
    quick.rmdir()
    assert output_dir(None, quick=False) == REPO_ROOT
    assert output_dir(Path("/tmp/x"), quick=True) == Path("/tmp/x")
