"""A live playground (uvicorn in a thread) on the test database, and Debian's Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from mongodb_session_manager.playground import PlaygroundSettings, create_app
from tests.helpers.browser import chromium, fresh_page, serve_in_thread

__all__ = ["chromium"]

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
    with ExitStack() as running:

        def start(**overrides: Any) -> LivePlayground:
            options = dict(msm_options)
            settings = PlaygroundSettings(
                connection_string=options.pop("connection_string", None),
                client=options.pop("client", None),
                database_name=options.pop("database_name"),
                **{"token": TOKEN, "latency_ms": 0, **overrides},
            )
            app = create_app(settings)
            url = running.enter_context(
                serve_in_thread(app, name="playground-test", stop_timeout=60)
            )
            return LivePlayground(url, TOKEN, settings, app)

        yield start


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser context and page per test (overrides pytest-playwright's)."""
    with fresh_page(chromium) as page:
        yield page
