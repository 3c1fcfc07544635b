"""Debian's Chromium driven by Playwright, and apps served live for it (browser tests).

Playwright cannot download its own browsers here, so the tests launch the system's
``chromium``; without it they skip with :data:`CHROMIUM_MISSING`. The browser is
started per test module with Playwright's *sync* API, never with pytest-playwright's
session-wide fixtures: sync Playwright keeps an event loop running in the main thread
while it lives, and every async test collected after it would then fail ("Runner.run()
cannot be called from a running event loop").

``scripts/screenshots.py`` uses the same launcher and server.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM_MISSING = "Chromium is not installed (apt-get install -y chromium chromium-driver)"
"""The skip reason of every browser test when there is no ``chromium`` on ``PATH``."""

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
"""Offline, headless-friendly flags (no sandbox in containers, no update or sync traffic)."""


def chromium_executable() -> str | None:
    """The system Chromium, or ``None`` when it is not installed."""
    return shutil.which("chromium")


def skip_module_without_chromium(needed_by: str) -> None:
    """Skip the calling test module (with the reason printed) when Chromium is missing."""
    import pytest

    if chromium_executable() is None:
        pytest.skip(f"{CHROMIUM_MISSING}; {needed_by}", allow_module_level=True)


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """Start Playwright and Debian's Chromium; both are stopped on exit."""
    executable = chromium_executable()
    if executable is None:
        raise RuntimeError(CHROMIUM_MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium for one test module (import it; skips without the browser)."""
    if chromium_executable() is None:
        pytest.skip(CHROMIUM_MISSING)
    with launch_chromium() as browser:
        yield browser


@contextmanager
def fresh_page(browser: Browser, **context_options: Any) -> Iterator[Page]:
    """A page in a browser context of its own (own storage), closed on exit."""
    context = browser.new_context(**context_options)
    try:
        yield context.new_page()
    finally:
        context.close()


@contextmanager
def serve_in_thread(
    app: Any,
    *,
    name: str = "live-app",
    lifespan: Literal["auto", "on", "off"] = "on",
    start_timeout: float = 60,
    stop_timeout: float = 30,
) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free port of 127.0.0.1; yields its base URL.

    Args:
        app: The ASGI application.
        name: The server thread's name.
        lifespan: uvicorn's lifespan mode.
        start_timeout: Seconds to wait for the server to listen.
        stop_timeout: Seconds to wait for the server thread on exit.

    Raises:
        RuntimeError: The server did not start in time (or its thread died).
    """
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan=lifespan)
    )
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{name}: the app did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(stop_timeout)
