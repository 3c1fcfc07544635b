"""A live playground (uvicorn in a thread) on the test database, and Debian's Chromium."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from mongodb_session_manager.playground import PlaygroundSettings, create_app

TOKEN = "playground-test-token-0123456789"


@dataclass
class LivePlayground:
    """A running playground: its URL, token, settings and app."""

    url: str
    token: str
    settings: PlaygroundSettings
    app: Any

    def client(self, **kwargs: Any) -> httpx.Client:
        """An HTTP client with the bearer token."""
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
            **kwargs,
        )


@pytest.fixture
def start_playground(
    msm_options: dict[str, Any],
) -> Iterator[Callable[..., LivePlayground]]:
    """Start playgrounds on the test database (stopped at the end of the test)."""
    import uvicorn

    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(**overrides: Any) -> LivePlayground:
        options = dict(msm_options)
        settings = PlaygroundSettings(
            connection_string=options.pop("connection_string", None),
            client=options.pop("client", None),
            database_name=options.pop("database_name"),
            **{"token": TOKEN, "latency_ms": 0, **overrides},
        )
        app = create_app(settings)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        )
        thread = threading.Thread(target=server.run, name="playground-test", daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the playground did not start")
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        running.append((server, thread))
        return LivePlayground(f"http://127.0.0.1:{port}", TOKEN, settings, app)

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(60)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (Playwright cannot download its own here), for one test module.

    Module-scoped on purpose: Playwright's sync API keeps an event loop running in
    the main thread while it is started, which would break the async tests that
    run after this module (pytest-playwright's browser lives for the session).
    """
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser context and page per test (overrides pytest-playwright's)."""
    context = chromium.new_context()
    yield context.new_page()
    context.close()
