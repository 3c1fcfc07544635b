"""One redaction for every connection string shown: stats, errors, /health, logs."""

from __future__ import annotations

import logging

import httpx
import pytest

from mongodb_session_manager import MongoDBConnectionPool
from mongodb_session_manager.errors import InvalidInputError, StoreUnavailableError
from mongodb_session_manager.store import redact_text, redact_uri
from mongodb_session_manager.viewer import ViewerSettings, create_app

SECRETS = ("alice", "s3cret", "tlspw", "tok123", "proxy-pw", "k3y", "p@ss/x")
HOSTILE_URIS = [
    "mongodb://alice:s3cret@db.example:27017/app?authSource=admin",
    "mongodb+srv://alice:s3cret@cluster.example/?tlsCertificateKeyFilePassword=tlspw",
    "mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:tok123",
    "mongodb://h1:1,h2:2/?proxyHost=p&proxyPassword=proxy-pw&apiKey=k3y",
    "mongodb://alice:p@ss/x@h/db",  # unencoded '@' and '/' in the password
    "mongodb://alice:s3cret?x#y@h/?appName=a@b",  # a '?' and '#' in the password
    "mongodb://h/?%74lsCertificateKeyFilePassword=tlspw",  # percent-encoded option name
    "mongodb://h/?w=1;secretToken=tok123",  # ';' separators
]


@pytest.mark.parametrize("uri", HOSTILE_URIS)
def test_redaction_removes_credentials_and_sensitive_options(uri: str) -> None:
    shown = redact_uri(uri)
    assert not any(secret in shown for secret in SECRETS), shown
    assert shown.split("://")[0] in ("mongodb", "mongodb+srv")
    assert redact_text(f"failed: {uri} (retry)").endswith(" (retry)")
    assert not any(secret in redact_text(f"failed: {uri}") for secret in SECRETS)


def test_harmless_parts_stay_readable() -> None:
    assert redact_uri("mongodb://localhost:27017/") == "mongodb://localhost:27017/"
    assert redact_uri("mongodb://u:p@h:1/db?authSource=admin&w=majority") == (
        "mongodb://***@h:1/db?authSource=admin&w=majority"
    )
    assert redact_uri("not a uri with a password") == "<connection string>"


@pytest.mark.parametrize("uri", HOSTILE_URIS[:4])
def test_pool_stats_and_errors_never_show_a_secret(uri: str) -> None:
    pool = MongoDBConnectionPool(uri, serverSelectionTimeoutMS=200, connectTimeoutMS=200)
    try:
        assert not any(s in str(pool.get_pool_stats()) for s in SECRETS)

        async def ping() -> None:
            await pool.client().admin.command("ping")

        with pytest.raises((StoreUnavailableError, InvalidInputError)) as caught:
            pool.run(ping())
        assert not any(s in str(caught.value) for s in SECRETS), caught.value
    finally:
        pool.close()


async def test_health_says_up_or_down_only_and_nothing_leaks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    uri = (
        "mongodb://alice:s3cret@127.0.0.1:1/?directConnection=true"
        "&tlsCertificateKeyFilePassword=tlspw&proxyPassword=proxy-pw"
    )
    settings = ViewerSettings(
        connection_string=uri,
        token="t" * 32,
        pool_options={"serverSelectionTimeoutMS": 300, "connectTimeoutMS": 300},
    )
    app = create_app(settings)
    caplog.set_level(logging.DEBUG)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            health = await http.get("/health")
            assert health.status_code == 503
            assert health.json() == {"status": "unavailable"}
            bodies = [health.text]
            auth = {"Authorization": "Bearer " + "t" * 32}
            for path in ("/api/v1/health", "/api/v1/sessions/s1", "/api/v1/sessions"):
                response = await http.get(path, headers=auth)
                assert response.status_code == 503, path
                bodies.append(response.text)
    finally:
        app.state.queries.close()
    assert "127.0.0.1:1" in bodies[1]  # the detail names the server, without credentials
    for text in [*bodies, caplog.text]:
        assert not any(secret in text for secret in SECRETS), text
