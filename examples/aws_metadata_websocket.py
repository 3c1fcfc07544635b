"""Metadata changes pushed to the user's browser through an API Gateway WebSocket API.

The WebSocket's ``$connect`` handler stores the connection id in the session's
metadata; from then on every metadata change is pushed to that connection
(``PostToConnection``). Runs offline: moto's AWS server (unless AWS_ENDPOINT_URL
is set), the embedded MongoDB-compatible server (unless MONGODB_URI is set)::

    uv run python examples/aws_metadata_websocket.py
"""

from __future__ import annotations

import json
import logging
import os
from urllib.parse import quote

from _aws_support import REGION, aws_endpoint
from _support import database
from strands import Agent

from mongodb_session_manager import (
    MongoDBSessionManagerFactory,
    create_metadata_websocket_hook,
    is_metadata_websocket_hook_available,
)
from mongodb_session_manager.testing import ScriptedModel


def what_the_browser_received(connection_id: str) -> list[dict[str, object]]:
    """moto keeps what was posted to a connection; a real browser would get each message."""
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    connections = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID][REGION].connections
    # moto files the id as it appears in the request path (URL-encoded).
    data = connections[quote(connection_id, safe="")].data.decode("utf-8")
    decoder, found, index = json.JSONDecoder(), [], 0
    while index < len(data):
        message, index = decoder.raw_decode(data, index)
        found.append(message)
    return found


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    if not is_metadata_websocket_hook_available():
        raise SystemExit("pip install 'mongodb-session-manager[aws]'")
    with database() as uri, aws_endpoint() as endpoint:
        factory = MongoDBSessionManagerFactory(uri, "aws_examples")
        # In AWS: https://{api-id}.execute-api.{region}.amazonaws.com/{stage} (region from it).
        push = create_metadata_websocket_hook(
            endpoint,
            metadata_fields=["status", "progress"],
            repository=factory.repository,  # finds connection ids stored by other processes
            region_name=REGION,
        )

        # 1. The $connect handler (another process, typically) stores the connection id.
        connect = factory.create_session_manager("chat-8")
        connect.update_metadata({"connection_id": "K7sZ1cXYoAMCJ2w="})
        connect.close()

        # 2. The agent's request: its metadata changes reach the browser as they happen.
        manager = factory.create_session_manager("chat-8", metadata_hook=push)
        agent = Agent(
            model=ScriptedModel(["Here is the summary you asked for."]),
            session_manager=manager,
            callback_handler=None,
        )
        manager.update_metadata({"status": "thinking", "progress": 0.1, "cost_center": "R&D"})
        agent("Summarise my last three tickets.")
        manager.update_metadata({"status": "done", "progress": 1.0})
        push.close()  # at shutdown: sends what is pending (also done at exit)

        if os.environ.get("AWS_ENDPOINT_URL"):
            print(f"Pushed {push.stats.sent} messages to {endpoint}")
        else:
            for message in what_the_browser_received("K7sZ1cXYoAMCJ2w="):
                print(f"browser <- {message['operation']} {json.dumps(message['metadata'])}")
        stats = push.stats
        print(f"Delivery: sent={stats.sent} skipped={stats.skipped} failed={stats.failed}")
        manager.close()
        factory.close()


if __name__ == "__main__":
    main()
