"""The playground in Chromium: chat, reload, the conversation is back, feedback is stored.

``MSM_SCREENSHOTS=docs/images uv run pytest tests/playground/test_playground_browser.py``
refreshes the README's screenshots.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Dialog, Page, expect

from tests.helpers.types import ReadRaw as Raw

LivePlayground = Any  # tests/playground/conftest.py

HOSTILE = (
    'Render this: <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> '
    "[click me](javascript:window.__xss=3) and **bold**"
)


def send(page: Page, text: str, answers: int) -> None:
    page.fill("#input", text)
    page.press("#input", "Enter")
    expect(page.locator(".msg.assistant[data-message-id]")).to_have_count(answers, timeout=30_000)
    expect(page.locator("#send")).to_be_enabled()


def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name))
    target = os.environ.get("MSM_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / name))


def test_chat_reload_feedback(
    page: Page,
    start_playground: Callable[..., LivePlayground],
    raw: Raw,
    tmp_path: Path,
) -> None:
    live = start_playground(latency_ms=120)
    page.set_viewport_size({"width": 1280, "height": 820})
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(f"{live.url}/?session=browser-1#token={live.token}")
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    assert "token=" not in page.url  # taken from the fragment, then dropped from the address bar
    expect(page.locator("#model")).to_have_text("offline scripted model")
    expect(page.locator("#session-id")).to_have_text("browser-1")

    send(page, "Hi, my name is Ana", answers=1)
    expect(page.locator("#metadata")).to_contain_text('"user_name": "Ana"')
    send(page, "What is 12 * 7.5 * 1.21?", answers=2)
    calc = page.locator(".msg.assistant").nth(1)
    expect(calc.locator(".tool summary")).to_contain_text("calculator")
    expect(calc.locator(".tool summary")).to_contain_text("→ 108.9")
    expect(calc.locator(".md strong")).to_have_text("12 * 7.5 * 1.21 = 108.9")
    send(page, HOSTILE, answers=3)

    # Markdown rendered, everything hostile neutralised.
    echo = page.locator(".msg.assistant").nth(2)
    expect(echo.locator("blockquote strong")).to_have_text("bold")
    assert echo.locator("script, img, [onerror]").count() == 0
    href = echo.locator("a").first.get_attribute("href") if echo.locator("a").count() else None
    assert href is None or not href.lower().startswith("javascript")
    expect(page.locator(".msg.user").nth(2)).to_have_text(HOSTILE)  # user text shown as text
    assert page.evaluate("() => window.__xss") is None
    expect(page.locator("#stat-messages")).to_have_text("10")
    expect(page.locator("#viewer-link")).to_have_attribute(
        "href", "http://127.0.0.1:8882/?session=browser-1"
    )
    screenshot(page, tmp_path, "playground.png")

    # Reload: the conversation comes back from MongoDB.
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    expect(page.locator(".msg.user")).to_have_count(3)
    expect(page.locator(".msg.assistant[data-message-id]")).to_have_count(3)
    expect(page.locator(".msg.user").first).to_have_text("Hi, my name is Ana")
    expect(page.locator(".msg.assistant").nth(1).locator(".tool summary")).to_contain_text(
        "→ 108.9"
    )
    expect(page.locator("#metadata")).to_contain_text('"user_name": "Ana"')
    expect(page.locator("#stat-messages")).to_have_text("10")

    # Feedback on the calculator answer: stored on that message, shown after a reload.
    calc = page.locator(".msg.assistant").nth(1)
    message_id = int(calc.get_attribute("data-message-id") or "-1")
    calc.locator(".fb.up").click()
    expect(calc.locator(".fb.up")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#stat-feedback")).to_have_text("1")
    stored = raw("browser-1")
    assert stored is not None
    assert [(f["rating"], f["agent_id"], f["message_id"]) for f in stored["feedbacks"]] == [
        ("up", "assistant", message_id)
    ]
    assert stored["agents"]["assistant"]["messages"][message_id]["role"] == "assistant"
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    calc = page.locator(".msg.assistant").nth(1)
    expect(calc.locator(".fb.up")).to_have_attribute("aria-pressed", "true")
    expect(calc.locator(".fb.down")).to_have_attribute("aria-pressed", "false")

    # The same session id is remembered without the URL parameter.
    page.goto(f"{live.url}/")
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    expect(page.locator("#session-id")).to_have_text("browser-1")
    expect(page.locator(".msg.user")).to_have_count(3)
    # A new chat starts an empty session.
    page.click("#new-chat")
    expect(page.locator(".msg")).to_have_count(0)
    assert page.locator("#session-id").inner_text().startswith("pg-")
    # Back returns to the last chat; Forward to the new one.
    page.go_back()
    expect(page.locator("#session-id")).to_have_text("browser-1")
    expect(page.locator(".msg.user")).to_have_count(3)
    page.go_forward()
    expect(page.locator(".msg")).to_have_count(0)
    # The recent chats list reopens a conversation.
    recent = page.locator('#recent .recent-session[data-session-id="browser-1"]')
    expect(recent).to_have_text("Hi, my name is Ana")
    recent.click()
    expect(page.locator("#session-id")).to_have_text("browser-1")
    expect(page.locator(".msg.user")).to_have_count(3)
    page.go_back()
    assert page.locator("#session-id").inner_text().startswith("pg-")
    assert dialogs == []


EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


def test_no_control_is_only_an_emoji(
    page: Page, start_playground: Callable[..., LivePlayground]
) -> None:
    live = start_playground(latency_ms=50)
    page.goto(f"{live.url}/?session=words-1#token={live.token}")
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    send(page, "What is 2 * 21?", answers=1)
    answer = page.locator(".msg.assistant").first
    expect(answer.locator(".fb.up")).to_have_text("Good")
    expect(answer.locator(".fb.down")).to_have_text("Bad")
    expect(answer.locator(".fb.up")).to_have_attribute("aria-label", "Good answer")
    expect(answer.locator(".tool summary")).to_contain_text("tool calculator")
    assert not EMOJI.search(page.locator("body").inner_text())
    expect(page.locator("#stat-latency-total")).to_have_text(re.compile(r"^[\d,]+ ms$"))


def test_a_wrong_token_asks_for_the_right_one(
    page: Page, start_playground: Callable[..., LivePlayground]
) -> None:
    live = start_playground()
    page.goto(f"{live.url}/?session=login-1#token=wrong-token-wrong-token")
    expect(page.locator("#login")).to_be_visible()
    page.fill("#token", live.token)
    page.click("#login-form button")
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    expect(page.locator("#model")).to_have_text("offline scripted model")
