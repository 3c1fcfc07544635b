"""How the demo and the playground reach the session viewer (an optional part of the package)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from rich.console import Console

from mongodb_session_manager.demo import viewer_launch
from mongodb_session_manager.demo.viewer_launch import (
    build_viewer_app,
    serve_viewer,
    viewer_base_url,
    viewer_session_url,
)


def test_viewer_links() -> None:
    base = viewer_base_url("127.0.0.1", 8882)
    assert base == "http://127.0.0.1:8882/"
    assert viewer_base_url("::1", 9000) == "http://[::1]:9000/"
    assert viewer_session_url(base, "demo-1") == "http://127.0.0.1:8882/?session=demo-1"
    # Hostile ids are encoded; the token goes in the fragment (never sent to a server).
    assert (
        viewer_session_url(base, "a b/&c#d", "t0k3n+/=")
        == "http://127.0.0.1:8882/?session=a%20b%2F%26c%23d#token=t0k3n%2B%2F%3D"
    )


@pytest.mark.parametrize(
    ("missing", "note"),
    [
        ("mongodb_session_manager.viewer", "The session viewer is not part of this installation."),
        (
            "fastapi",
            "The session viewer needs fastapi: pip install 'mongodb-session-manager[viewer]'",
        ),
    ],
)
def test_without_the_viewer_the_demo_says_so_and_goes_on(
    monkeypatch: pytest.MonkeyPatch, missing: str, note: str
) -> None:
    real_import = importlib.import_module

    def fake_import(name: str, *args: Any) -> Any:
        if name == viewer_launch.VIEWER_MODULE:
            raise ModuleNotFoundError(f"No module named {missing!r}", name=missing)
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake_import)  # the module viewer_launch uses
    console = Console(record=True, width=200)
    served = serve_viewer("mongodb://127.0.0.1:1/", "db", "sessions", console=console)
    assert served is False
    assert note in console.export_text()


def test_the_viewer_app_serves_the_demo_data(
    msm_backend: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip(
        "mongodb_session_manager.viewer", reason="the session viewer is not installed"
    )
    if msm_backend.uri is None:
        pytest.skip("the viewer app is checked on a server backend")
    from fastapi.testclient import TestClient

    monkeypatch.delenv("MSM_VIEWER_TOKEN", raising=False)
    built = build_viewer_app(msm_backend.uri, "viewer_demo_test", "sessions", token="x" * 24)
    assert built is not None
    app, settings = built
    assert settings.token == "x" * 24
    with TestClient(app, base_url="http://127.0.0.1:8882") as client:
        assert client.get("/health").status_code == 200
        assert client.get("/api/v1/config").status_code == 401
        authorised = client.get("/api/v1/config", headers={"Authorization": f"Bearer {'x' * 24}"})
        assert authorised.status_code == 200
