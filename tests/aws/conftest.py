"""Fixtures of the AWS hook tests: moto (in process and as a real HTTP server), endpoints
that fail in the ways real networks do, and the database writes the hooks wrap."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionManagerFactory
from tests.helpers.store import raw_collection

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Fake credentials only; no profile, config file, default region or metadata service."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class AwsKit:
    """Clients on moto plus the helpers the tests read results with."""

    endpoint_url: str | None = None
    region: str = REGION
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(
                service, region_name=self.region, endpoint_url=self.endpoint_url
            )
        return self.clients[service]

    def queue(self, name: str, **attributes: str) -> str:
        return str(
            self.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        )

    def topic(self, name: str, **attributes: str) -> str:
        return str(self.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"])

    def topic_with_queue(self, name: str) -> tuple[str, str]:
        """A topic and a queue subscribed to it: what the topic publishes lands in the queue."""
        topic = self.topic(name)
        queue = self.queue(f"{name}-inbox")
        arn = self.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        self.client("sns").subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=arn["Attributes"]["QueueArn"]
        )
        return topic, queue

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        """Every message in the queue (received and deleted), in arrival order."""
        sqs = self.client("sqs")
        found: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                MessageAttributeNames=["All"],
                AttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                return found
            found.extend(batch)
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
                ],
            )

    def notifications(self, queue_url: str) -> list[dict[str, Any]]:
        """The SNS notifications a subscribed queue received (the SNS envelopes)."""
        return [json.loads(m["Body"]) for m in self.drain(queue_url)]


@pytest.fixture
def aws() -> Iterator[AwsKit]:
    """moto in process (botocore is patched; nothing leaves the process)."""
    from moto import mock_aws

    with mock_aws():
        yield AwsKit()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's HTTP server on 127.0.0.1 (a real endpoint for ``endpoint_url``)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_server(moto_endpoint: str) -> AwsKit:
    return AwsKit(endpoint_url=moto_endpoint)


@pytest.fixture
def dead_endpoint() -> str:
    """An address where nothing listens: every connection is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An endpoint that accepts connections and never answers (a hung service)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@dataclass
class FakeApiGateway:
    """A stand-in for API Gateway's connection endpoint: 410 Gone for closed connections.

    (moto accepts posts to any connection id, so it cannot show a gone one.)
    """

    url: str
    gone: set[str]
    received: list[tuple[str, dict[str, Any]]]


@pytest.fixture
def fake_api_gateway() -> Iterator[FakeApiGateway]:
    gone: set[str] = set()
    received: list[tuple[str, dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            connection = self.path.rsplit("/@connections/", 1)[-1]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if connection in gone:
                payload = b'{"message": null}'
                self.send_response(410)
                self.send_header("x-amzn-ErrorType", "GoneException")
            else:
                received.append((connection, json.loads(body)))
                payload = b"{}"
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield FakeApiGateway(f"http://127.0.0.1:{server.server_address[1]}/prod", gone, received)
    server.shutdown()
    server.server_close()


@dataclass
class Store:
    """The database operations a hook wraps, written straight to the session document.

    (They stand in for ``manager.add_feedback`` / ``update_metadata`` /
    ``delete_metadata``: the hooks only need a function that performs the write.)
    """

    factory: MongoDBSessionManagerFactory
    session_id: str
    calls: list[str] = field(default_factory=list)

    def _update(self, update: dict[str, Any]) -> None:
        async def write() -> None:
            result = await raw_collection(self.factory.repository).update_one(
                {"_id": self.session_id}, update
            )
            assert result.matched_count == 1

        self.factory.pool.run(write())

    def add_feedback(self, feedback: dict[str, Any]) -> dict[str, Any]:
        if feedback.get("rating") not in ("up", "down", None):
            from mongodb_session_manager import InvalidInputError

            raise InvalidInputError(f"rating {feedback.get('rating')!r} is not up/down/None")
        self.calls.append("add_feedback")
        self._update({"$push": {"feedbacks": feedback}})
        return feedback

    def update_metadata(self, metadata: dict[str, Any]) -> None:
        self.calls.append("update_metadata")
        self._update({"$set": {f"metadata.{k}": v for k, v in metadata.items()}})

    def delete_metadata(self, keys: list[str]) -> None:
        self.calls.append("delete_metadata")
        self._update({"$unset": {f"metadata.{k}": "" for k in keys}})

    def get_metadata(self) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            raw = await raw_collection(self.factory.repository).find_one(
                {"_id": self.session_id}, {"metadata": 1}
            )
            return dict(raw["metadata"])

        return self.factory.pool.run(read())

    def stored(self) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            raw = await raw_collection(self.factory.repository).find_one({"_id": self.session_id})
            assert raw is not None
            return dict(raw)

        return self.factory.pool.run(read())


@pytest.fixture
def store(
    new_manager: Callable[..., MongoDBSessionManager], factory: MongoDBSessionManagerFactory
) -> Callable[[str], Store]:
    """``store(session_id)``: creates the session, returns its write functions."""

    def make(session_id: str = "session-1") -> Store:
        new_manager(session_id)  # the session document exists from here on
        return Store(factory, session_id)

    return make


@pytest.fixture
def closing() -> Iterator[Callable[[Any], Any]]:
    """``closing(hook)`` returns the hook and closes it at the end of the test."""
    hooks: list[Any] = []

    def register(hook: Any) -> Any:
        hooks.append(hook)
        return hook

    yield register
    for hook in hooks:
        hook.close(timeout=2.0)


class BlockedSends:
    """Holds a hook's first request until released (through botocore's own event system).

    Lets a test fill the queue behind a request in flight, deterministically.
    """

    def __init__(self, client: Any, operation: str) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.requests = 0
        client.meta.events.register_first(f"before-send.*.{operation}", self._before_send)

    def _before_send(self, **_: Any) -> None:
        self.requests += 1
        self.entered.set()
        assert self.release.wait(10), "the test never released the blocked request"


@pytest.fixture
def blocked_sends() -> type[BlockedSends]:
    return BlockedSends
