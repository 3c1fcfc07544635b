"""``msm demo --no-viewer`` run as a user would: what it prints, and what it left on disk."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.cli import app
from mongodb_session_manager.demo.guardrail import REPLACEMENT
from mongodb_session_manager.models import DEFAULT_COLLECTION, DEFAULT_DATABASE

needs_313 = pytest.mark.skipif(
    sys.version_info < (3, 13),
    reason="msm demo starts the embedded server, which needs Python 3.13",
)


def run_demo(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "MSM_MODEL")}
    env["COLUMNS"] = "140"
    return subprocess.run(
        [sys.executable, "-m", "mongodb_session_manager.cli", "demo", "--no-viewer", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env={**env, "MSM_DATA_DIR": str(data_dir)},
    )


def stored_sessions(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Every session in the demo's SQLite file, read after the demo process exited."""
    from mongodb_session_manager.local import LocalDatabase

    with LocalDatabase(data_dir) as local:
        assert local.server is not None
        factory = MongoDBSessionManagerFactory(local.server.uri, ensure_indexes=False)
        try:

            async def read() -> list[dict[str, Any]]:
                cursor = factory.pool.collection(DEFAULT_DATABASE, DEFAULT_COLLECTION).find({})
                return [doc async for doc in cursor]

            return {doc["_id"]: doc for doc in factory.pool.run(read())}
        finally:
            factory.close()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    data_dir = tmp_path_factory.mktemp("msm-data")
    done = run_demo(data_dir)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, data_dir


@needs_313
def test_the_demo_tells_the_story(demo_run: tuple[str, Path]) -> None:
    out, data_dir = demo_run
    assert f"Database: {data_dir / 'local.sqlite3'} (embedded MongoDB-compatible server" in out
    assert "Model:    scripted (offline, no API key)" in out
    for step in (
        "support agent, turn 1/3",
        "support agent, turn 3/3",
        "billing agent, turn 1/1",
        "A fresh manager on a new connection resumes the session",
    ):
        assert f"✓ {step}" in out
    assert "support | tool call: calculator(expression='12 * 7.50 * 1.21')" in out
    assert "support | tool result (success): 108.9" in out
    assert "billing | tool result (success): 65.34" in out
    assert f"support | user: Great. Charge it to my card {REPLACEMENT}, please." in out
    assert "4111" not in out
    assert "feedback: up on message #7 (Clear price breakdown)" in out
    assert "support: 10 messages restored from MongoDB; card number still redacted" in out
    assert "support | assistant: Of course, Ana" in out
    # The summary tables.
    assert re.search(r"support\s*│\s*scripted-model\s*│\s*12\s*│\s*6\s*│", out)
    assert re.search(r"billing\s*│\s*scripted-model\s*│\s*4\s*│\s*2\s*│", out)
    assert re.search(r"calculator\s*│\s*2\s*│\s*2\s*│\s*0\s*│", out)
    assert re.search(r"manage_metadata\s*│\s*1\s*│\s*1\s*│\s*0\s*│", out)
    assert re.search(r"down\s*│\s*I wanted to pay right away\s*│\s*support\s*│\s*#9", out)
    assert '"C-1042"' in out and '"awaiting_payment"' in out
    # The round-trip budget, as printed: one write per message, the rest counted.
    assert (
        "the first part (14 messages, 2 agents, metadata, feedback, a redaction) took "
        "22 writes and 1 read(s)"
    ) in out
    assert "Resuming on a new connection took 3 reads" in out
    assert "1 demo session(s) stored" in out


@needs_313
def test_the_demo_data_is_on_disk_after_the_run(demo_run: tuple[str, Path]) -> None:
    out, data_dir = demo_run
    match = re.search(r"Session (demo-\d{8}-\d{6}-[0-9a-f]{4})", out)
    assert match, out[:2000]
    sessions = stored_sessions(data_dir)
    session = sessions[match.group(1)]
    assert session["application_name"] == "msm-demo"
    support, billing = session["agents"]["support"], session["agents"]["billing"]
    assert (support["message_count"], billing["message_count"]) == (12, 4)
    assert support["system_prompt"].startswith("You are the support agent of Acme Cloud")
    card = support["messages"][8]
    assert card["redact_message"]["content"] == [
        {"text": f"Great. Charge it to my card {REPLACEMENT}, please."}
    ]
    assert session["metadata"]["customer"] == {"name": "Ana", "company": "Globex", "id": "C-1042"}
    assert session["metadata"]["ticket"]["status"] == "awaiting_payment"
    assert [(f["rating"], f["agent_id"], f["message_id"]) for f in session["feedbacks"]] == [
        ("up", "support", 7),
        ("down", "support", 9),
    ]
    tools = {entry["name"]: entry for entry in session["totals"]["tools"].values()}
    assert tools["calculator"]["calls"] == 2 and tools["manage_metadata"]["successes"] == 1
    assert session["totals"]["messages"] == 16


@needs_313
def test_a_second_run_keeps_the_first_session(demo_run: tuple[str, Path]) -> None:
    out, data_dir = demo_run
    first = re.search(r"Session (demo-\S+)", out)
    assert first
    done = run_demo(data_dir, "--session-id", "demo-second-run")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 demo session(s) stored" in done.stdout
    assert set(stored_sessions(data_dir)) == {first.group(1), "demo-second-run"}


def test_an_unknown_model_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--no-viewer", "--data-dir", str(tmp_path), "--model", "gpt-banana"]
    )
    assert result.exit_code == 1
    assert "msm demo: unknown model 'gpt-banana'" in result.stderr
    assert "bedrock:<model-id>" in result.stderr
    assert not (tmp_path / "local.sqlite3").exists()  # refused before touching anything


def test_bedrock_without_credentials_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_BEARER_TOKEN_BEDROCK", raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = CliRunner().invoke(
        app,
        ["demo", "--no-viewer", "--data-dir", str(tmp_path), "--model", "bedrock:some-model"],
    )
    assert result.exit_code == 1
    assert "msm demo: no AWS credentials found for Bedrock" in result.stderr
    assert not (tmp_path / "local.sqlite3").exists()
