"""The playground's "open in the viewer" link works out of the box (issue 12).

``msm playground`` serves the viewer from its own process on the same database
and puts the viewer's token in the link's fragment, so following the link shows
the conversation with no second command and no second token to paste.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mongodb_session_manager.demo.viewer_launch import start_background_viewer
from mongodb_session_manager.local.data_dir import free_port
from mongodb_session_manager.testing import MongoBackend


def test_the_link_opens_the_session_in_a_viewer_served_by_this_process(
    msm_backend: MongoBackend,
    msm_options: dict[str, str],
    start_playground: Callable[..., object],
) -> None:
    if msm_backend.uri is None:
        pytest.skip("the viewer thread needs a server URI; the mock backend has none")
    database = msm_options["database_name"]
    viewer = start_background_viewer(
        msm_backend.uri, database, "collection_name", port=free_port("127.0.0.1", 18882)
    )
    assert viewer is not None
    try:
        live = start_playground(viewer_url=viewer.base_url, viewer_token=viewer.token)
        with live.client() as client:  # type: ignore[attr-defined]
            with client.stream(
                "POST", "/api/sessions/linked-1/messages", json={"text": "Hi, I'm Ana"}
            ) as response:
                assert response.status_code == 200
                response.read()
            link = client.get("/api/sessions/linked-1").json()["viewer_url"]

        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}/" == viewer.base_url
        assert parse_qs(parts.query) == {"session": ["linked-1"]}
        token = parse_qs(parts.fragment)["token"][0]
        assert token == viewer.token
        page = httpx.get(f"{viewer.base_url}?{parts.query}", timeout=60)
        assert page.status_code == 200 and "<html" in page.text.lower()
        shown = httpx.get(
            f"{viewer.base_url}api/v1/sessions/linked-1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert shown.status_code == 200, shown.text
        assert shown.json()["session_id"] == "linked-1"
    finally:
        viewer.stop()
