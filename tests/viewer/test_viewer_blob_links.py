"""The timeline shows a message's out-of-line values as links (size, type), never their bytes.

A session written through the store with a 6 MB image and a 5 MB tool result:
the store keeps both beside the message (``blobs``), the timeline page stays a few
KB and names each value's ``blob_url``, and that URL, with the same token,
returns the exact bytes.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from strands.types.session import Session, SessionType

from mongodb_session_manager.models.blob_links import BlobLink
from mongodb_session_manager.models.content import to_blocks
from mongodb_session_manager.viewer import create_app
from tests.viewer.viewer_helpers import TOKEN, Seeded

SESSION = "big values é 1"  # a space and a non-ASCII letter: the URL quotes the id
IMAGE = os.urandom(6_000_000)
RESULT = ("tool line ✓ " * 20 + "\n") * 20_000  # about 5 MB of text
ORIGINAL = os.urandom(5_000_000)  # a redacted message's original image


@pytest.fixture(scope="module")
def written(seeded: Seeded) -> Iterator[str]:
    """The session, written by the library's store (its own writer moves the values out)."""
    store = seeded.factory.repository.store
    run = store.runner.run
    run(store.create_session(Session(session_id=SESSION, session_type=SessionType.AGENT)))
    agent = {"agent_id": "a", "message_count": 0, "messages": [], "state": {}}
    run(store.create_agent(SESSION, agent))
    image = {"image": {"format": "png", "source": {"bytes": IMAGE}}}
    use = {"toolUse": {"toolUseId": "t1", "name": "dump", "input": {}}}
    result = {"toolResult": {"toolUseId": "t1", "status": "success", "content": [{"text": RESULT}]}}
    secret = {"image": {"format": "png", "source": {"bytes": ORIGINAL}}}
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"text": "what is in this picture?"}, image]},
        {"role": "assistant", "content": [use]},
        {"role": "user", "content": [result]},
        {
            "role": "user",
            "content": [secret],
            "redact_message": {"role": "user", "content": [{"text": "[redacted]"}]},
        },
    ]
    for i, message in enumerate(messages):
        run(store.append(SESSION, "a", {"message_id": i, **message}))
    yield SESSION
    run(store.delete_session(SESSION))


@pytest.fixture
async def viewer(seeded: Seeded) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """A client with the token, and the app's pool (to count what the database sent)."""
    app = create_app(seeded.settings())
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://viewer.test", headers=headers
        ) as client:
            yield client, app.state.queries.pool
    finally:
        app.state.queries.close()


async def test_the_timeline_links_out_of_line_values_and_the_links_return_them(
    written: str, viewer: tuple[httpx.AsyncClient, Any], needs_command_monitoring: None
) -> None:
    client, pool = viewer
    with pool.command_stats.capture() as log:
        response = await client.get(f"/api/v1/sessions/{quote(written)}/timeline")
    assert response.status_code == 200
    assert len(response.content) < 20_000  # 11 MB of values, none of it in the page
    assert log.bytes_received < 100_000  # nor read from the database to make it
    items = response.json()["items"]
    assert [item["message_id"] for item in items] == [0, 1, 2, 3]

    text, image = items[0]["blocks"]
    assert text["text"] == "what is in this picture?" and text["blob_url"] is None
    assert image["data_url"] is None
    assert image["size_bytes"] == len(IMAGE)
    assert image["media_type"] == "image/png"
    assert "stored out of line" in image["note"]
    prefix = f"/api/v1/sessions/{quote(written, safe='')}/blobs/"
    assert image["blob_url"].startswith(prefix)
    assert items[0]["blobs"] == [
        {
            "path": ["content", 1, "image", "source", "bytes"],
            "blob_url": image["blob_url"],
            "kind": "bytes",
            "media_type": "image/png",
            "size_bytes": len(IMAGE),
        }
    ]

    (result,) = items[2]["blocks"]
    (output,) = result["content"]
    assert output["type"] == "text" and output["text"] == ""
    assert output["size_bytes"] == len(RESULT.encode())
    assert output["blob_url"].startswith(prefix)
    assert items[2]["blobs"][0]["media_type"] == "text/plain; charset=utf-8"

    # The redacted message shows its redaction: its original image is not even linked.
    assert items[3]["redacted"] is True
    assert items[3]["blocks"] == [
        {"type": "text", "text": "[redacted]", "blob_url": None, "size_bytes": None}
    ]
    assert items[3]["blobs"] == []

    picture = await client.get(image["blob_url"])
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/png"
    assert picture.content == IMAGE
    download = await client.get(output["blob_url"])
    assert download.status_code == 200
    assert download.text == RESULT
    assert download.headers["content-disposition"].startswith("attachment;")


async def test_a_value_link_needs_the_token(
    written: str, viewer: tuple[httpx.AsyncClient, Any]
) -> None:
    client, _ = viewer
    page = (await client.get(f"/api/v1/sessions/{quote(written)}/timeline")).json()
    url = page["items"][0]["blocks"][1]["blob_url"]
    anonymous = await client.get(url, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert IMAGE[:64] not in anonymous.content


def test_blocks_carry_links_for_images_documents_and_text() -> None:
    def link(n: int, media_type: str = "application/octet-stream") -> BlobLink:
        return BlobLink(
            path=["content", n], blob_url=f"/v/{n}", media_type=media_type, size_bytes=9_000_000
        )

    content = [
        {"image": {"format": "tiff", "source": {"bytes": b""}}},
        {"document": {"format": "pdf", "name": "big", "source": {"bytes": b""}}},
        {"text": ""},
        {"image": {"format": "png", "source": {"bytes": b""}}},  # empty, not out of line
    ]
    links = {
        (0, "image", "source", "bytes"): link(0),
        (1, "document", "source", "bytes"): link(1),
        (2, "text"): link(2, "text/plain; charset=utf-8"),
    }
    tiff, document, text, empty = (b.model_dump() for b in to_blocks(content, 10**6, links))
    assert tiff["blob_url"] == "/v/0" and tiff["data_url"] is None
    assert tiff["note"] == "9.0 MB, stored out of line; format 'tiff' is not shown inline"
    assert document["blob_url"] == "/v/1" and document["size_bytes"] == 9_000_000
    assert text == {"type": "text", "text": "", "blob_url": "/v/2", "size_bytes": 9_000_000}
    assert empty["blob_url"] is None and empty["size_bytes"] == 0
