"""The viewer page in a real browser (Playwright driving Debian's Chromium).

A live uvicorn server in a thread serves the app on sessions written by real
Strands agents. Screenshots go to ``tmp_path``, and to ``docs/images`` when
``MSM_VIEWER_SCREENSHOTS`` names that folder (how the README's images are made).

The browser is started per module with Playwright's sync API rather than with
pytest-playwright's session-wide fixtures: sync Playwright keeps an event loop
running in the main thread while it lives, and every async test collected after
it would then fail ("Runner.run() cannot be called from a running event loop").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mongodb_session_manager.demo.seeds import REDACTED_TEXT
from mongodb_session_manager.viewer import create_app
from tests.helpers.browser import serve_in_thread, skip_module_without_chromium
from tests.viewer.browser_session import chromium, console, login, shoot, tab
from tests.viewer.viewer_helpers import TOKEN, Seeded

__all__ = ["chromium", "console", "tab"]

skip_module_without_chromium("the viewer's browser tests need it")

TIMELINE_PAGE = 20


@pytest.fixture(scope="module")
def live(seeded: Seeded) -> Iterator[str]:
    """The viewer served on a free port of 127.0.0.1."""
    app = create_app(seeded.settings(timeline_page_size=TIMELINE_PAGE))
    with serve_in_thread(app, name="viewer-live", start_timeout=30, stop_timeout=10) as url:
        yield f"{url}/"


def test_login_filter_open_a_session_and_read_it(
    tab: Page, live: str, console: list[str], tmp_path: Path
) -> None:
    page = tab
    page.goto(live)
    expect(page.locator("#login")).to_be_visible()
    # Before sign-in the badge says what /health proves, never "connected".
    expect(page.locator("#health .health-text")).to_have_text(re.compile("^database"))
    expect(page.locator("#health .health-text")).not_to_have_text(re.compile("connected"))
    shoot(page, tmp_path, "viewer-login")
    page.fill("#token", "wrong-token-0123456789")
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("refused")
    assert console == [
        "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    ]
    console.clear()
    page.fill("#token", TOKEN)
    page.click("#login-form button[type=submit]")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#health")).to_have_attribute("data-state", "ok")
    expect(page.locator("#results .row")).to_have_count(11)

    # A typed metadata filter (an enum field gets a select with its values).
    tier = page.locator('.meta-field[data-field="customer_tier"] select')
    expect(tier.locator("option")).to_have_text(["any", "bronze", "gold", "silver"])
    tier.select_option("gold")
    page.click("#filters button[type=submit]")
    expect(page.locator("#results .row")).to_have_count(3)
    expect(page.locator("#result-count")).to_have_text("3 sessions")
    assert "meta.customer_tier=gold" in page.url
    shoot(page, tmp_path, "viewer-search")

    # A session with two agents, tool calls (one failing) and feedback.
    page.click('[data-session-id="support-0001"]')
    timeline = page.locator(".timeline")
    expect(timeline.locator("article.msg")).to_have_count(10)
    expect(timeline.locator(".agent").first).to_have_text("triage #0")
    expect(timeline.locator(".role").first).to_have_text("user")
    expect(timeline.locator("strong").first).to_have_text("delivery")  # markdown rendered
    expect(timeline.locator(".md table")).to_have_count(1)
    tool_call = timeline.locator("details.tool-use").first
    expect(tool_call.locator("summary")).to_contain_text("lookup_order")
    expect(tool_call.locator("pre.json")).to_be_hidden()
    tool_call.locator("summary").click()
    expect(tool_call.locator("pre.json")).to_contain_text('"order_id": "A-1042"')
    expect(timeline.locator("details.tool-result .badge.ok")).to_have_text("success")
    expect(timeline.locator("details.tool-result .badge.err")).to_have_text("error")
    expect(timeline.locator("aside.feedback.up")).to_contain_text("Fast answer!")
    expect(timeline.locator("aside.feedback.up")).to_contain_text("on support #3")
    expect(timeline.locator("aside.feedback.down")).to_contain_text("The refund was refused.")
    figures = timeline.locator("article.msg-assistant .figures").first
    expect(figures).to_contain_text("in ")
    expect(figures).to_contain_text(" ms")
    expect(figures).to_contain_text("TTFB")
    assert "session=support-0001" in page.url
    # Times name their zone and read year first; latency is labelled total and average.
    expect(timeline.locator("article.msg time").first).to_have_text(
        re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC([+-]\d\d:\d\d)?$")
    )
    expect(page.locator("#detail")).to_contain_text("total latency")
    expect(page.locator("#detail")).to_contain_text("average latency")
    expect(page.locator("#detail")).to_contain_text("ms per model call")
    # Message numbers carry their agent; roles read as roles; no emoji-only control.
    expect(timeline.locator("article.msg .mid").nth(1)).to_contain_text("#")
    assert all(" #" in text for text in timeline.locator("article.msg .mid").all_inner_texts())
    roles = set(timeline.locator("article.msg .role").all_inner_texts())
    assert roles <= {"user", "assistant", "tool result"}, roles
    assert not re.search("[\U0001f300-\U0001faff\u2600-\u27bf]", page.locator("body").inner_text())
    shoot(page, tmp_path, "viewer-session")

    page.click('[data-tab="metrics"]')
    expect(page.locator("#tab-metrics .chart canvas")).to_have_count(2)
    expect(page.locator("#tab-metrics .metrics-table tbody tr")).to_have_count(3)
    expect(page.locator("#tab-metrics .u-legend")).to_have_count(2)
    tools = page.locator("#tab-metrics .tools-table tbody tr")
    expect(tools).to_have_count(2)
    expect(tools.filter(has_text="refund").locator("td.error")).to_have_text("1")
    shoot(page, tmp_path, "viewer-metrics")
    page.click('[data-tab="agents"]')
    expect(page.locator(".agent-card")).to_have_count(2)
    expect(page.locator('.agent-card[data-agent="support"] pre.prompt')).to_contain_text(
        "You are a friendly support agent"
    )
    page.click('[data-tab="metadata"]')
    expect(page.locator("#tab-metadata")).to_contain_text("1042")

    # Deep link: a fresh tab on this URL shows the same filters, session and tab.
    url = page.url
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(tier).to_have_value("gold")
    expect(page.locator('[data-tab="metadata"]')).to_have_attribute("aria-selected", "true")
    expect(page.locator("#detail-head .sid")).to_have_text("support-0001")
    assert page.url == url
    # Back: before the session was opened (tab switches replace, they do not push).
    page.go_back()
    expect(page.locator("#detail-empty")).to_be_visible()
    expect(tier).to_have_value("gold")
    expect(page.locator("#results .row")).to_have_count(3)
    assert "session=" not in page.url
    assert console == []


def test_redacted_message_is_shown_marked(tab: Page, live: str, console: list[str]) -> None:
    page = tab
    login(page, live, "?session=payments-0002")
    first = page.locator(".timeline article.msg").first
    expect(first).to_have_class("msg msg-user redacted")
    expect(first.locator(".badge.redacted")).to_have_text("redacted")
    expect(first.locator(".body")).to_have_text(REDACTED_TEXT)
    expect(page.locator('[data-session-id="payments-0002"] .badge.redacted')).to_be_visible()
    assert "4111" not in page.content()
    assert console == []


def test_long_timeline_pages_in(tab: Page, live: str, console: list[str], tmp_path: Path) -> None:
    page = tab
    login(page, live, "?session=long-0005")
    messages = page.locator(".timeline article.msg")
    more = page.locator("button.more")
    expect(messages).to_have_count(TIMELINE_PAGE)
    expect(page.locator(".timeline-status")).to_have_text("20 of 50 items")
    more.click()
    expect(messages).to_have_count(2 * TIMELINE_PAGE)
    more.click()
    expect(messages).to_have_count(50)
    expect(more).to_be_hidden()
    ids = messages.evaluate_all("els => els.map(e => Number(e.dataset.messageId))")
    assert ids == list(range(50))
    shoot(page, tmp_path, "viewer-long-timeline")
    assert console == []


def test_script_in_llm_text_never_runs(tab: Page, live: str, console: list[str]) -> None:
    page = tab
    login(page, live, "?session=hostile-0004")
    timeline = page.locator(".timeline")
    expect(timeline.locator("article.msg")).to_have_count(6)
    first = timeline.locator("article.msg").first
    # The markup is shown as text; markdown around it still renders.
    expect(first).to_contain_text("<script>window.__msm_xss = 'script'</script>")
    expect(first).to_contain_text("<img src=x onerror=")
    expect(first.locator("strong")).to_have_text("bold")
    timeline.locator("details.tool-use summary").click()
    page.click('[data-tab="metadata"]')
    expect(page.locator("#tab-metadata")).to_contain_text("<script>")
    page.click('[data-tab="timeline"]')
    page.wait_for_timeout(300)
    assert page.evaluate("window.__msm_xss") is None
    assert page.locator("#detail script, #detail img[onerror], #detail [onerror]").count() == 0
    hrefs = page.locator("#detail a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert not any(h and h.lower().startswith("javascript:") for h in hrefs)
    # Nothing was even attempted: the CSP would have reported a blocked handler.
    assert console == []


def test_panels_resize_and_remember(tab: Page, live: str) -> None:
    page = tab
    login(page, live)
    panel = page.locator("#filters-panel")
    before = panel.bounding_box()
    splitter = page.locator('.splitter[data-split="filters"]').bounding_box()
    assert before is not None and splitter is not None
    page.mouse.move(splitter["x"] + 3, splitter["y"] + 200)
    page.mouse.down()
    page.mouse.move(splitter["x"] + 103, splitter["y"] + 200, steps=5)
    page.mouse.up()
    after = panel.bounding_box()
    assert after is not None and 80 <= after["width"] - before["width"] <= 120
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    kept = panel.bounding_box()
    assert kept is not None and abs(kept["width"] - after["width"]) < 2


def test_api_docs_work_offline(tab: Page, live: str, console: list[str]) -> None:
    page = tab
    page.goto(live + "docs")
    # /health, /api/v1/health, the blob route, 2 memory and 4 snapshot-session routes
    expect(page.locator(".opblock")).to_have_count(18)
    expect(page.locator(".opblock-summary-path").first).to_contain_text("/health")
    assert console == []


def test_guardrail_events_show_on_message_and_session_and_filter(
    tab: Page, live: str, console: list[str]
) -> None:
    page = tab
    login(page, live)
    page.select_option('#filters select[name="guardrail"]', "true")
    page.click("#filters button[type=submit]")
    expect(page.locator("#results .row")).to_have_count(1)
    assert "guardrail=true" in page.url
    row = page.locator('[data-session-id="payments-0002"]')
    expect(row.locator(".chip.guardrail")).to_have_text("1 guardrail")
    row.click()
    expect(page.locator("#detail-head")).to_contain_text("guardrail events")
    note = page.locator(".timeline article.msg.redacted p.guardrail")
    expect(note).to_have_count(1)
    expect(note.locator(".badge.guardrail")).to_have_text("guardrail BLOCKED")
    page.select_option('#filters select[name="guardrail"]', "false")
    page.click("#filters button[type=submit]")
    expect(page.locator('[data-session-id="payments-0002"]')).to_have_count(0)
    assert console == []


def test_a_session_link_opens_that_session_only_read_only(
    tab: Page, live: str, seeded: Seeded, console: list[str]
) -> None:
    from mongodb_session_manager.features.viewer_password import session_credential

    password = seeded.factory.repository.get_session_viewer_password("support-0001")
    assert password is not None
    page = tab
    page.goto(f"{live}?session=support-0001#token={session_credential('support-0001', password)}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("body")).to_have_attribute("data-scope", "session")
    expect(page.locator(".timeline article.msg")).to_have_count(10)
    expect(page.locator("#filters-panel")).to_be_hidden()
    expect(page.locator("#detail-head button.danger")).to_have_count(0)
    assert "#token" not in page.url  # the credential left the address bar
    assert console == []


def test_out_of_line_values_show_and_download_with_the_token(
    tab: Page, live: str, console: list[str], seeded: Seeded, tmp_path: Path
) -> None:
    from strands.types.session import Session, SessionType

    from mongodb_session_manager.demo.seeds import tiny_png

    page = tab
    store = seeded.factory.repository.store
    run = store.runner.run
    session_id = "big-values-browser"
    image = tiny_png() + b"\0" * 4_300_000  # a real PNG, padded past the 4 MiB a message keeps
    text = "a long tool output line\n" * 190_000
    result = {"toolResult": {"toolUseId": "t", "status": "success", "content": [{"text": text}]}}
    run(store.create_session(Session(session_id=session_id, session_type=SessionType.AGENT)))
    try:
        run(store.create_agent(session_id, {"agent_id": "a", "message_count": 0, "messages": []}))
        picture = {"image": {"format": "png", "source": {"bytes": image}}}
        for i, content in enumerate([[{"text": "look"}, picture], [result]]):
            run(
                store.append(session_id, "a", {"message_id": i, "role": "user", "content": content})
            )
        login(page, live, f"?session={session_id}")
        img = page.locator(".timeline figure.out-of-line img")
        expect(img).to_have_attribute("src", re.compile(r"^blob:"))
        page.wait_for_function(
            "() => { const i = document.querySelector('.timeline figure.out-of-line img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        note = page.locator(".tool-result .attachment.out-of-line")
        expect(note).to_contain_text("4.6 MB, stored out of line")
        page.locator(".tool-result summary").click()
        with page.expect_download() as info:
            note.locator("button.blob-download").click()
        saved = tmp_path / "value.txt"
        info.value.save_as(saved)
        assert saved.read_text(encoding="utf-8") == text
        assert console == []
    finally:
        run(store.delete_session(session_id))
