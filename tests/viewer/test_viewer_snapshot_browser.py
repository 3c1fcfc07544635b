"""The Memory and Snapshots views in a real browser (Playwright driving Debian's Chromium).

Same setup as ``test_viewer_browser.py``: a live uvicorn server in a thread on
data written by the real stores (``MongoDBMemoryStore.add`` and Strands'
``SnapshotSessionManager``), one browser per module (sync Playwright).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from mongodb_session_manager.viewer import create_app
from tests.helpers.browser import serve_in_thread, skip_module_without_chromium
from tests.viewer.browser_session import chromium, console, login, shoot, tab
from tests.viewer.store_seeds import (
    HOSTILE_ANSWER,
    HOSTILE_MEMORY,
    HOSTILE_QUESTION,
    PAGED,
    seed_memory,
    seed_snapshots,
)
from tests.viewer.viewer_helpers import Seeded

__all__ = ["chromium", "console", "tab"]

skip_module_without_chromium("the viewer's browser tests need it")


@pytest.fixture(scope="module")
def live(seeded: Seeded) -> Iterator[str]:
    seed_memory(seeded)
    seed_snapshots(seeded)
    app = create_app(seeded.settings(page_size=10))
    with serve_in_thread(app, name="viewer-stores", start_timeout=30, stop_timeout=10) as url:
        yield f"{url}/"


def test_memory_namespaces_entries_filters_and_pages(
    tab: Page, live: str, console: list[str], tmp_path: Path
) -> None:
    page = tab
    login(page, live)
    page.click('#views [data-view="memory"]')
    expect(page.locator("#memory-view")).to_be_visible()
    expect(page.locator("#panels")).to_be_hidden()
    assert "view=memory" in page.url
    rows = page.locator("#memory-namespaces .row")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("4 entries")

    rows.nth(1).click()  # paged
    entries = page.locator("#memory-entries .entry")
    expect(entries).to_have_count(10)
    # Newest first; entries added within one millisecond tie on created_at and
    # are ordered by _id, so the pages are compared as sets, not by position.
    expect(page.locator("#memory-page")).to_have_text("page 1 of 3")
    seen = set(entries.locator(".text").all_inner_texts())
    for number, expected in ((2, 10), (3, 5)):
        page.click("#memory-next")
        expect(page.locator("#memory-page")).to_have_text(f"page {number} of 3")
        expect(entries).to_have_count(expected)
        texts = set(entries.locator(".text").all_inner_texts())
        assert not texts & seen, "an entry shown on two pages"
        seen |= texts
    assert seen == {f"paged fact number {n:02d}" for n in range(PAGED)}
    expect(page.locator("#memory-next")).to_be_disabled()
    expect(page.locator("#memory-prev")).to_be_enabled()

    rows.nth(2).click()  # user-facts, then Ana's entries about Lisbon
    page.fill('#memory-filters input[name="user_id"]', "ana")
    page.fill('#memory-filters input[name="q"]', "lisbon")
    page.click("#memory-filters button[type=submit]")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("Ana's favourite city is Lisbon")
    expect(entries.first.locator("table.kv")).to_contain_text("travel")
    expect(page.locator("#memory-count")).to_have_text("1 entry in user-facts")
    shoot(page, tmp_path, "viewer-memory")
    assert PAGED == 25
    assert console == []


def test_markup_in_a_memory_entry_never_runs(tab: Page, live: str, console: list[str]) -> None:
    page = tab
    login(page, live, "?view=memory")
    page.locator('#memory-namespaces .row[data-namespace="hostile"]').click()
    entry = page.locator("#memory-entries .entry")
    expect(entry).to_have_count(1)
    expect(entry.locator(".text")).to_have_text(HOSTILE_MEMORY)  # shown as text
    expect(entry.locator("table.kv th")).to_have_text("<b>key</b>")
    expect(entry.locator("table.kv td")).to_contain_text("<img src=x onerror=")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__msm_xss") is None
    assert page.locator("#memory-view script, #memory-view img, #memory-view b").count() == 0
    assert console == []


def bubbles(page: Page) -> list[str]:
    texts: list[str] = page.locator("#snapshot-timeline article.msg .body").all_inner_texts()
    return [text.strip() for text in texts]


def test_time_travel_through_a_snapshot_sessions_checkpoints(
    tab: Page, live: str, console: list[str], tmp_path: Path
) -> None:
    page = tab
    login(page, live)
    page.click('#views [data-view="snapshots"]')
    rows = page.locator("#snapshot-sessions .row")
    expect(rows).to_have_count(6)  # chat-1, team-1, bulk-0..3
    expect(rows.first).to_contain_text("bulk-3")  # newest first
    page.click('[data-snapshot-session="chat-1"]')
    points = page.locator("#snapshot-travel .checkpoints button")
    expect(points).to_have_text(["#1", "#2", "#3", "latest"])
    expect(points.last).to_have_attribute("aria-current", "true")
    messages = page.locator("#snapshot-timeline article.msg")
    expect(messages).to_have_count(6)
    expect(page.locator("#snapshot-at")).to_contain_text("latest snapshot")

    points.first.click()  # back to the first checkpoint
    expect(messages).to_have_count(2)
    assert bubbles(page) == ["question 0", "answer 0"]
    expect(page.locator("#snapshot-at")).to_contain_text("checkpoint 1 of 3")
    page.locator("#snapshot-at details.snapshot-state summary").click()
    expect(page.locator("#snapshot-at details.snapshot-state pre")).to_contain_text('"step": 0')
    assert "at=" in page.url and "snapshot=chat-1" in page.url
    shoot(page, tmp_path, "viewer-snapshots")
    with page.expect_download() as info:  # the transcript of what is shown
        page.click('#snapshot-head button:text("Markdown")')
    saved = tmp_path / "transcript.md"
    info.value.save_as(saved)
    transcript = saved.read_text(encoding="utf-8")
    assert info.value.suggested_filename == "session-snapshots-chat-1.md"
    assert "question 0" in transcript and "question 1" not in transcript

    page.reload()  # the URL says what is shown
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(messages).to_have_count(2)
    page.locator("#snapshot-slider").evaluate(
        "el => { el.value = '1'; el.dispatchEvent(new Event('change')); }"
    )
    expect(messages).to_have_count(4)
    expect(page.locator("#snapshot-at")).to_contain_text("checkpoint 2 of 3")
    page.go_back()
    expect(messages).to_have_count(2)

    page.click('[data-snapshot-session="team-1"]')
    expect(messages).to_have_count(2)
    assert bubbles(page)[0] == "planner task"
    page.select_option("#snapshot-scope", "writer")
    expect(messages.first).to_contain_text("writer task")
    assert console == []


def test_markup_in_a_snapshot_message_never_runs(tab: Page, live: str, console: list[str]) -> None:
    page = tab
    login(page, live, "?view=snapshots&snapshot=chat-1&scope=default&at=latest")
    messages = page.locator("#snapshot-timeline article.msg")
    expect(messages).to_have_count(6)
    expect(messages.nth(4)).to_contain_text(HOSTILE_QUESTION)
    expect(messages.nth(5)).to_contain_text("<img src=x onerror=")
    expect(messages.nth(5).locator("strong")).to_have_text("bold")  # markdown still renders
    assert "reply" in HOSTILE_ANSWER
    page.wait_for_timeout(300)
    assert page.evaluate("window.__msm_xss") is None
    view = page.locator("#snapshots-view")
    assert view.locator("script, img, [onerror]").count() == 0
    assert console == []
