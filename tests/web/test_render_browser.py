"""Both apps render hostile messages safely in a real browser (Debian's Chromium).

* Messages that overflow marked's stack or take it minutes (deep block quotes,
  emphasis runs, 2,000-level lists, 40 KB variants) are shown as escaped plain text
  with a visible note, and every message after them is shown too.
* HTML that could load something (``<video poster>``, ``<audio src>``,
  ``<picture><source srcset>``, ``<table background>``, images) loads nothing: no
  request leaves the page, and no such element or attribute reaches the DOM.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from strands.types.session import Session, SessionAgent, SessionMessage, SessionType

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.playground import PlaygroundSettings
from mongodb_session_manager.playground import create_app as create_playground
from mongodb_session_manager.viewer import ViewerSettings
from mongodb_session_manager.viewer import create_app as create_viewer
from tests.helpers.browser import (
    chromium,
    fresh_page,
    serve_in_thread,
    skip_module_without_chromium,
)

__all__ = ["chromium"]

skip_module_without_chromium("the render tests need it")

TOKEN = "render-test-token-0123456789abcdef"
AGENT = "assistant"  # the playground's agent id
ELSEWHERE = "http://127.0.0.1:9"  # another origin; nothing listens there

BOMBS = {
    "quotes 4 KB": "> " * 2000 + "x",
    "emphasis 4 KB": "_" * 2000 + "x" + "_" * 2000,
    "quotes 40 KB": "> " * 20000 + "x",
    "emphasis 40 KB": "_" * 20000 + "x" + "_" * 20000,
    "list 2,000 levels": "- " * 2000 + "x",
    "list 40 KB": "\n".join("  " * i + "- x" for i in range(200)),
    "intraword 40 KB": "_x" * 20000,
}
LOADERS = [
    f'<video poster="{ELSEWHERE}/poster.png" src="{ELSEWHERE}/v.mp4"></video>',
    f'<audio src="{ELSEWHERE}/a.mp3" autoplay></audio>',
    f'<picture><source srcset="{ELSEWHERE}/s.png"><img src="{ELSEWHERE}/i.png"></picture>',
    f'<table background="{ELSEWHERE}/t.png"><tr><td>cell</td></tr></table>',
    f'<img src="{ELSEWHERE}/x.png" onerror="window.__msm_xss=1">',
    f"![pixel]({ELSEWHERE}/md.png) and [a link](javascript:alert(1))",
    f'<svg><image href="{ELSEWHERE}/svg.png"/></svg><iframe src="{ELSEWHERE}/f"></iframe>',
    f'<link rel="stylesheet" href="{ELSEWHERE}/c.css"><object data="{ELSEWHERE}/o"></object>',
]
LAST = "AFTER-THE-BOMBS: **still shown**"


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    with fresh_page(chromium, viewport={"width": 1366, "height": 900}) as page:
        yield page


def serve(app: Any) -> AbstractContextManager[str]:
    return serve_in_thread(app, name="render-test")


def write(factory: MongoDBSessionManagerFactory, session_id: str, answers: list[str]) -> None:
    """A conversation: a question, then each answer, then the last answer."""
    repository = factory.repository
    repository.create_session(Session(session_id=session_id, session_type=SessionType.AGENT))
    repository.create_agent(
        session_id, SessionAgent(agent_id=AGENT, state={}, conversation_manager_state={})
    )
    texts: list[tuple[str, str]] = []
    for index, answer in enumerate([*answers, LAST]):
        texts += [("user", f"question {index}"), ("assistant", answer)]
    for message_id, (role, text) in enumerate(texts):
        message = {"role": role, "content": [{"text": text}]}
        repository.create_message(
            session_id,
            AGENT,
            SessionMessage(message=message, message_id=message_id),  # type: ignore[arg-type]
        )


@contextmanager
def opened(app_name: str, options: dict[str, Any], session_id: str) -> Iterator[tuple[str, str]]:
    """The app serving the test database, and the URL of ``session_id``'s conversation."""
    common = {
        "connection_string": options.get("connection_string"),
        "client": options.get("client"),
        "database_name": options["database_name"],
        "token": TOKEN,
    }
    if app_name == "viewer":
        app = create_viewer(ViewerSettings(**common))
        with serve(app) as url:
            yield url, f"{url}/?session={session_id}#token={TOKEN}"
        app.state.queries.close()
    else:
        app = create_playground(PlaygroundSettings(**common, latency_ms=0))
        with serve(app) as url:
            yield url, f"{url}/?session={session_id}#token={TOKEN}"


def login_if_asked(page: Page, app_name: str) -> None:
    if app_name == "viewer" and page.locator("#token").is_visible():
        page.fill("#token", TOKEN)
        page.click("#login-form button[type=submit]")


@pytest.mark.parametrize("app_name", ["viewer", "playground"])
def test_every_message_renders_or_falls_back_and_the_rest_is_shown(
    page: Page,
    msm_factory: MongoDBSessionManagerFactory,
    msm_options: dict[str, Any],
    app_name: str,
) -> None:
    write(msm_factory, "bombs-1", list(BOMBS.values()))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with opened(app_name, msm_options, "bombs-1") as (_, url):
        page.goto(url)
        login_if_asked(page, app_name)
        last = page.get_by_text("AFTER-THE-BOMBS")
        expect(last).to_be_visible(timeout=60_000)
        expect(last.locator("xpath=..").locator("strong")).to_have_text("still shown")
        notes = page.locator(".md-note")
        expect(notes).to_have_count(len(BOMBS))
        for index in range(len(BOMBS)):
            expect(notes.nth(index)).to_contain_text("Shown as plain text")
        # the fallback is the whole text, escaped
        plain = page.locator("pre.md-plain").first.text_content() or ""
        assert plain == BOMBS["quotes 4 KB"]
    assert errors == []


@pytest.mark.parametrize("app_name", ["viewer", "playground"])
def test_markup_that_could_load_something_loads_nothing(
    page: Page,
    msm_factory: MongoDBSessionManagerFactory,
    msm_options: dict[str, Any],
    app_name: str,
) -> None:
    write(msm_factory, "loaders-1", LOADERS)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    with opened(app_name, msm_options, "loaders-1") as (origin, url):
        page.goto(url)
        login_if_asked(page, app_name)
        expect(page.get_by_text("AFTER-THE-BOMBS")).to_be_visible(timeout=60_000)
        page.wait_for_load_state("networkidle")
        outside = [u for u in requests if not u.startswith(origin + "/")]
        assert outside == [], outside
        dangerous = page.locator(
            ".md [poster], .md [background], .md [srcset], .md [src], .md [onerror],"
            " .md video, .md audio, .md source, .md picture, .md img, .md table[background],"
            " .md svg, .md iframe, .md object, .md embed, .md link"
        )
        assert dangerous.count() == 0
        assert page.evaluate("window.__msm_xss") is None
        hrefs = page.locator(".md a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert not any(h and not h.startswith(("http:", "https:", "mailto:")) for h in hrefs)
        # what was written is still visible, as text
        expect(page.get_by_text("<video poster=", exact=False).first).to_be_visible()
