"""A session's viewer password opens that session only, read-only (issue 11 items 6, 10)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from mongodb_session_manager.features.viewer_password import session_credential
from tests.viewer.viewer_helpers import Seeded

MakeClient = Callable[..., httpx.AsyncClient]
OWN = "support-0001"
OTHER = "payments-0002"


def credential(seeded: Seeded, session_id: str = OWN) -> str:
    password = seeded.factory.repository.get_session_viewer_password(session_id)
    assert password is not None
    return session_credential(session_id, password)


async def test_a_session_password_reads_its_session(
    seeded: Seeded, make_client: MakeClient
) -> None:
    async with make_client(token=credential(seeded)) as scoped:
        config = (await scoped.get("/api/v1/config")).json()
        assert config["session_scope"] == OWN
        assert config["allow_delete"] is False
        for suffix in ("", "/timeline", "/metrics", "/export", "/export?format=markdown"):
            response = await scoped.get(f"/api/v1/sessions/{OWN}{suffix}")
            assert response.status_code == 200, (suffix, response.text)
        assert (await scoped.get(f"/api/v1/sessions/{OWN}")).json()["session_id"] == OWN


async def test_everything_else_is_refused(seeded: Seeded, make_client: MakeClient) -> None:
    async with make_client(token=credential(seeded), allow_delete=True) as scoped:
        for path in (
            "/api/v1/sessions",
            f"/api/v1/sessions?session_id={OWN}",
            "/api/v1/metadata-fields",
            f"/api/v1/sessions/{OTHER}",
            f"/api/v1/sessions/{OTHER}/timeline",
            f"/api/v1/sessions/{OTHER}/export",
            f"/api/v1/sessions/{OWN}x",
        ):
            response = await scoped.get(path)
            assert response.status_code == 403, path
            assert response.json()["error"] == "forbidden"
        deleted = await scoped.delete(f"/api/v1/sessions/{OWN}")
        assert deleted.status_code == 403
    assert seeded.raw(OWN) is not None  # nothing was deleted


async def test_wrong_or_borrowed_passwords_are_refused(
    seeded: Seeded, make_client: MakeClient
) -> None:
    own_password = seeded.factory.repository.get_session_viewer_password(OWN)
    assert own_password is not None
    for token in (
        session_credential(OWN, own_password[:-2]),
        session_credential(OTHER, own_password),  # one session's password for another
        session_credential(OWN, "x" * 43),
        session_credential("no-such-session", own_password),
    ):
        async with make_client(token=token) as wrong:
            for path in ("/api/v1/config", f"/api/v1/sessions/{OWN}"):
                response = await wrong.get(path)
                assert response.status_code == 401, (token, path)


async def test_the_admin_token_is_unchanged(client: httpx.AsyncClient) -> None:
    config = (await client.get("/api/v1/config")).json()
    assert config["session_scope"] is None
    assert (await client.get("/api/v1/sessions")).status_code == 200
