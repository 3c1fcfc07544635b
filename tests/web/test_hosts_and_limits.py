"""DNS rebinding (the Host check) and bounded request / error sizes, in both apps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mongodb_session_manager.viewer import ViewerSettings, create_app
from mongodb_session_manager.web import allowed_host_names
from mongodb_session_manager.web.hosts import host_name

TOKEN = "h" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_host_names_are_normalised() -> None:
    assert host_name("LocalHost:8882") == "localhost"
    assert host_name("[::1]:8882") == "[::1]"
    assert host_name("::1") == "[::1]"
    assert host_name("example.com.") == "example.com"
    names = allowed_host_names("10.0.0.5", ["viewer.corp"])
    assert names >= {"localhost", "127.0.0.1", "[::1]", "10.0.0.5", "viewer.corp"}
    assert "0.0.0.0" not in allowed_host_names("0.0.0.0")


def test_the_env_adds_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSM_ALLOWED_HOSTS", "a.example, b.example")
    assert {"a.example", "b.example"} <= allowed_host_names("127.0.0.1")


@pytest.fixture
def viewer(msm_options: dict[str, Any]) -> Iterator[Callable[..., httpx.AsyncClient]]:
    apps: list[Any] = []

    def make(host: str, **overrides: Any) -> httpx.AsyncClient:
        settings = ViewerSettings(
            connection_string=msm_options.get("connection_string"),
            client=msm_options.get("client"),
            database_name=msm_options["database_name"],
            token=TOKEN,
            **overrides,
        )
        app = create_app(settings)
        apps.append(app)
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{host}", headers=AUTH
        )

    yield make
    for app in apps:
        app.state.queries.close()


@pytest.mark.parametrize("require_auth", [True, False])
async def test_the_viewer_refuses_a_foreign_host_with_or_without_auth(
    viewer: Callable[..., httpx.AsyncClient], require_auth: bool
) -> None:
    for host in ("127.0.0.1:8882", "localhost:8882", "[::1]:8882"):
        async with viewer(host, require_auth=require_auth) as http:
            assert (await http.get("/api/v1/config")).status_code == 200, host
    async with viewer("evil.example:8882", require_auth=require_auth) as http:
        for method, path in (
            ("GET", "/api/v1/sessions"),
            ("DELETE", "/api/v1/sessions/x"),
            ("GET", "/"),
            ("GET", "/health"),
        ):
            response = await http.request(method, path)
            assert response.status_code == 400, path
            assert response.json()["error"] == "invalid_host"


async def test_an_allowed_host_is_served(viewer: Callable[..., httpx.AsyncClient]) -> None:
    async with viewer("viewer.corp", allowed_hosts=("viewer.corp",)) as http:
        assert (await http.get("/api/v1/config")).status_code == 200
    async with viewer("anything.example", allowed_hosts=("*",)) as http:
        assert (await http.get("/api/v1/config")).status_code == 200


async def test_error_bodies_are_bounded(viewer: Callable[..., httpx.AsyncClient]) -> None:
    async with viewer("127.0.0.1") as http:
        many = "&".join(["a=1"] * 10_000)  # 10,000 parameters within the URL length limit
        response = await http.get(f"/api/v1/sessions?{many}")
        assert response.status_code == 422 and len(response.content) < 1_000
        assert "query parameters" in response.json()["message"]
        unknown = "&".join(f"p{i}=v" for i in range(150))
        response = await http.get(f"/api/v1/sessions?{unknown}")
        assert response.status_code == 422 and len(response.content) < 20_000
        huge = await http.get("/api/v1/sessions", params={"limit": "9" * 50_000})
        assert huge.status_code == 422 and len(huge.content) < 20_000
