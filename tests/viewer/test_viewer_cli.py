"""``msm viewer``: options, safety refusals, and the access token printed once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from mongodb_session_manager.cli import app

runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Capture what ``msm viewer`` would serve instead of serving it."""
    calls: list[dict[str, Any]] = []

    def fake_run(asgi_app: Any, **kwargs: Any) -> None:
        calls.append({"app": asgi_app, **kwargs})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.delenv("MSM_VIEWER_TOKEN", raising=False)
    monkeypatch.delenv("MONGODB_URI", raising=False)
    yield calls
    for call in calls:
        call["app"].state.queries.close()


# A database nobody connects to: these tests only check what msm viewer sets up
# (the viewer reaches the database on the first request; found by --uri, so no
# embedded server is started, which would need Python 3.13).
NO_DB = ["--uri", "mongodb://db.invalid:27017/"]


def test_help_lists_the_options() -> None:
    result = runner.invoke(app, ["viewer", "--help"])
    assert result.exit_code == 0
    for option in ("--uri", "--database", "--collection", "--host", "--port", "--token"):
        assert option in result.output
    assert "MSM_VIEWER_TOKEN" in result.output and "MONGODB_URI" in result.output


async def test_a_generated_token_is_printed_once_and_opens_the_api(
    served: list[dict[str, Any]],
) -> None:
    result = runner.invoke(app, ["viewer", "--uri", "mongodb://db.invalid:27017/", "-d", "shop"])
    assert result.exit_code == 0, result.output
    (call,) = served
    assert call["host"] == "127.0.0.1" and call["port"] == 8882
    token = call["app"].state.settings.token
    assert len(token) >= 32
    assert f"Access token (not shown again): {token}" in result.output
    assert f"http://127.0.0.1:8882/#token={token}" in result.output
    transport = httpx.ASGITransport(app=call["app"])
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8882") as http:
        assert (await http.get("/api/v1/config")).status_code == 401
        ok = await http.get("/api/v1/config", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assert ok.json()["database"] == "shop" and ok.json()["allow_delete"] is False


def test_a_given_token_is_used_and_not_echoed(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MSM_VIEWER_TOKEN", "from-the-environment-123")
    result = runner.invoke(
        app,
        [
            "viewer",
            *NO_DB,
            "--port",
            "9001",
            "--allow-delete",
            "--cors-origin",
            "https://a.example",
        ],
    )
    assert result.exit_code == 0, result.output
    settings = served[0]["app"].state.settings
    assert settings.token == "from-the-environment-123"
    assert "from-the-environment-123" not in result.output
    assert settings.allow_delete and settings.cors_origins == ("https://a.example",)
    assert "ENABLED" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--no-auth", "--host", "0.0.0.0"], "loopback"),
        (["--token", "short"], "at least 16 characters"),
    ],
)
def test_unsafe_setups_are_refused(
    served: list[dict[str, Any]], args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["viewer", *NO_DB, *args])
    assert result.exit_code == 2
    assert message in result.output
    assert served == []


def test_binding_a_public_interface_warns(served: list[dict[str, Any]]) -> None:
    result = runner.invoke(app, ["viewer", *NO_DB, "--host", "0.0.0.0"])
    assert result.exit_code == 0
    assert re.search(r"WARNING: bound to 0\.0\.0\.0", result.output)


async def test_a_session_password_gives_a_read_only_link_to_that_session(
    served: list[dict[str, Any]], msm_factory: Any, msm_options: dict[str, Any]
) -> None:
    from urllib.parse import quote

    uri = msm_options.get("connection_string")
    if not uri:
        pytest.skip("the mock backend has no server msm viewer could connect to")
    manager = msm_factory.create_session_manager("shared/with support")
    password = manager.get_session_viewer_password()
    manager.close()
    repo = msm_factory.repository
    where = ["viewer", "--uri", uri, "-d", repo.database_name, "-c", repo.collection_name]
    wrong = runner.invoke(
        app, [*where, "--session", "shared/with support", "--session-password", "nope"]
    )
    assert wrong.exit_code == 2
    assert "does not open session" in wrong.output
    assert "nope" not in wrong.output.replace("--session-password", "")
    assert runner.invoke(app, [*where, "--session", "x"]).exit_code == 2
    result = runner.invoke(
        app, [*where, "--session", "shared/with support", "--session-password", password]
    )
    assert result.exit_code == 0, result.output
    link = re.search(r"Read-only link to session .*: (\S+)", result.output)
    assert link is not None
    assert f"?session={quote('shared/with support', safe='')}#token=sv1." in link.group(1)
    credential = link.group(1).split("#token=", 1)[1]
    call = served[-1]
    transport = httpx.ASGITransport(app=call["app"])
    headers = {"Authorization": f"Bearer {credential}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1", headers=headers
    ) as http:
        own = await http.get(f"/api/v1/sessions/{quote('shared/with support', safe='')}")
        assert own.status_code == 200, own.text
        assert (await http.get("/api/v1/sessions")).status_code == 403


async def test_allowed_host_option_opens_that_name_only(served: list[dict[str, Any]]) -> None:
    result = runner.invoke(
        app,
        [
            "viewer",
            "--uri",
            "mongodb://db.invalid:27017/",
            "--no-auth",
            "--allowed-host",
            "viewer.corp",
        ],
    )
    assert result.exit_code == 0, result.output
    (call,) = served
    transport = httpx.ASGITransport(app=call["app"])
    for host, expected in (("viewer.corp", 200), ("127.0.0.1:8882", 200), ("evil.example", 400)):
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as http:
            assert (await http.get("/api/v1/config")).status_code == expected, host


def test_memory_and_storage_collections_reach_the_viewer(served: list[dict[str, Any]]) -> None:
    options = ["--memory-collection", "facts", "--storage-collection", "snaps"]
    result = runner.invoke(app, ["viewer", *NO_DB, *options, "--storage-namespace", "billing"])
    assert result.exit_code == 0, result.output
    settings = served[0]["app"].state.settings
    assert (settings.memory_collection, settings.storage_collection) == ("facts", "snaps")
    assert settings.storage_namespace == "billing"
    refused = runner.invoke(app, ["viewer", *NO_DB, "--storage-namespace", "a\\b"])
    assert refused.exit_code == 2 and "Invalid storage namespace" in refused.output
