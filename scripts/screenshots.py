"""Regenerate the README's images: ``docs/images/demo.png`` and ``docs/images/playground.png``.

Runs ``msm demo`` (its terminal output recorded by rich, rendered by Chromium)
and drives the playground in Chromium, all offline, in a temporary directory::

    uv run python scripts/screenshots.py

Needs Debian's Chromium (``apt-get install -y chromium``).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect, sync_playwright
from rich.console import Console

from mongodb_session_manager.demo import DemoOptions, run_demo
from mongodb_session_manager.local.data_dir import open_database
from mongodb_session_manager.playground import PlaygroundSettings, create_app

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
TOKEN = "screenshots-token-0123456789"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


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


def serve(app: Any) -> tuple[Any, threading.Thread, str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def chat(page: Page, text: str, answers: int) -> None:
    page.fill("#input", text)
    page.press("#input", "Enter")
    expect(page.locator(".msg.assistant[data-message-id]")).to_have_count(answers, timeout=30_000)


def main() -> None:
    executable = shutil.which("chromium")
    if executable is None:
        sys.exit("Chromium is not installed (apt-get install -y chromium)")
    IMAGES.mkdir(parents=True, exist_ok=True)
    os.environ.pop("MONGODB_URI", None)
    os.environ.pop("MSM_MODEL", None)
    with tempfile.TemporaryDirectory() as workdir:
        os.chdir(workdir)  # the demo prints ".msm/local.sqlite3", as on a fresh clone
        svg = Path(workdir) / "demo.svg"
        svg.write_text(demo_svg(), encoding="utf-8")
        with (
            open_database(Path(".msm")) as db,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(svg.as_uri())
            page.locator("svg").screenshot(path=str(IMAGES / "demo.png"))

            settings = PlaygroundSettings(connection_string=db.uri, token=TOKEN, latency_ms=200)
            server, thread, url = serve(create_app(settings))
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(f"{url}/?session=pg-readme#token={TOKEN}")
                expect(page.locator("body[data-ready=true]")).to_have_count(1)
                chat(page, "Hi! My name is Ana.", 1)
                chat(page, "12 seats at 7.50 EUR plus 21% VAT: what is 12 * 7.50 * 1.21?", 2)
                page.locator(".msg.assistant").nth(1).locator(".fb.up").click()
                expect(page.locator("#stat-feedback")).to_have_text("1")
                page.mouse.move(0, 0)
                page.screenshot(path=str(IMAGES / "playground.png"))
            finally:
                server.should_exit = True
                thread.join(30)
            browser.close()
    print(f"Wrote {IMAGES / 'demo.png'} and {IMAGES / 'playground.png'}")


if __name__ == "__main__":
    main()
