"""Regenerate the README's images: ``docs/images/demo.png`` and ``docs/images/playground.png``.

Runs ``msm demo`` (its terminal output recorded by rich, rendered by Chromium)
and drives the playground in Chromium, all offline, in a temporary directory::

    uv run python scripts/screenshots.py

Needs Debian's Chromium (``apt-get install -y chromium``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect
from rich.console import Console

from mongodb_session_manager.demo import DemoOptions, run_demo
from mongodb_session_manager.local.data_dir import open_database
from mongodb_session_manager.playground import PlaygroundSettings, create_app

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the browser launcher and live server the browser tests use
from tests.helpers.browser import (  # noqa: E402
    CHROMIUM_MISSING,
    chromium_executable,
    launch_chromium,
    serve_in_thread,
)

IMAGES = ROOT / "docs" / "images"
TOKEN = "screenshots-token-0123456789"


def demo_svg() -> str:
    console = Console(
        record=True,
        width=112,
        force_terminal=True,  # colours
        force_interactive=False,  # no live spinners in the recording
        color_system="truecolor",
    )
    run_demo(DemoOptions(viewer=False, session_id="demo-20261125-093000-7f3a"), console=console)
    return console.export_svg(title="uv run msm demo")


def chat(page: Page, text: str, answers: int) -> None:
    page.fill("#input", text)
    page.press("#input", "Enter")
    expect(page.locator(".msg.assistant[data-message-id]")).to_have_count(answers, timeout=30_000)


def main() -> None:
    if chromium_executable() is None:
        sys.exit(CHROMIUM_MISSING)
    IMAGES.mkdir(parents=True, exist_ok=True)
    os.environ.pop("MONGODB_URI", None)
    os.environ.pop("MSM_MODEL", None)
    with tempfile.TemporaryDirectory() as workdir:
        os.chdir(workdir)  # the demo prints ".msm/local.sqlite3", as on a fresh clone
        svg = Path(workdir) / "demo.svg"
        svg.write_text(demo_svg(), encoding="utf-8")
        with (
            open_database(Path(".msm")) as db,
            launch_chromium() as browser,
        ):
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(svg.as_uri())
            page.locator("svg").screenshot(path=str(IMAGES / "demo.png"))

            settings = PlaygroundSettings(connection_string=db.uri, token=TOKEN, latency_ms=200)
            with serve_in_thread(create_app(settings), name="screenshots") as url:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(f"{url}/?session=pg-readme#token={TOKEN}")
                expect(page.locator("body[data-ready=true]")).to_have_count(1)
                chat(page, "Hi! My name is Ana.", 1)
                chat(page, "12 seats at 7.50 EUR plus 21% VAT: what is 12 * 7.50 * 1.21?", 2)
                page.locator(".msg.assistant").nth(1).locator(".fb.up").click()
                expect(page.locator("#stat-feedback")).to_have_text("1")
                page.mouse.move(0, 0)
                page.screenshot(path=str(IMAGES / "playground.png"))
    print(f"Wrote {IMAGES / 'demo.png'} and {IMAGES / 'playground.png'}")


if __name__ == "__main__":
    main()
