"""What the viewer's browser tests share: the browser, a tab, its console, login, screenshots.

The browser is started per module with Playwright's sync API rather than with
pytest-playwright's session-wide fixtures: sync Playwright keeps an event loop
running in the main thread while it lives, and every async test collected after
it would then fail ("Runner.run() cannot be called from a running event loop").
A module imports the fixtures it uses (and names them in ``__all__``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.helpers.browser import chromium, fresh_page
from tests.viewer.viewer_helpers import TOKEN

__all__ = ["chromium", "console", "login", "shoot", "tab"]


@pytest.fixture
def tab(chromium: Browser) -> Iterator[Page]:
    """A fresh tab (own storage) on a laptop-sized screen."""
    with fresh_page(chromium, viewport={"width": 1366, "height": 768}) as page:
        yield page


@pytest.fixture
def console(tab: Page) -> list[str]:
    """Console errors and uncaught exceptions of the page; a dialog is recorded too."""
    messages: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            messages.append(message.text)

    def on_dialog(dialog: Any) -> None:
        messages.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: messages.append(f"uncaught: {error}"))
    tab.on("dialog", on_dialog)
    return messages


def shoot(page: Page, tmp_path: Path, name: str) -> None:
    """Save a screenshot (kept for the docs when ``MSM_VIEWER_SCREENSHOTS`` names a folder)."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    target = os.environ.get("MSM_VIEWER_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def login(page: Page, live: str, path: str = "") -> None:
    """Open ``live + path`` and sign in with the test token; wait until the page is ready."""
    page.goto(live + path)
    page.fill("#token", TOKEN)
    page.click("#login-form button[type=submit]")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
