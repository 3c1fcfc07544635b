"""Settings of the chat playground (a plain dataclass; ``msm playground`` fills it)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from mongodb_session_manager.web.auth import resolve_token
from mongodb_session_manager.web.settings import DEFAULT_HOST as DEFAULT_HOST
from mongodb_session_manager.web.settings import AppSettings

TOKEN_ENV = "MSM_PLAYGROUND_TOKEN"
"""Environment variable holding the playground's access token."""
DEFAULT_PORT = 8881
DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant in the mongodb-session-manager playground. Use the "
    "calculator tool for every calculation and the manage_metadata tool to remember facts "
    "the user tells you about themselves (name, preferences). Answer in Markdown."
)


@dataclass
class PlaygroundSettings(AppSettings):
    """Everything :func:`~mongodb_session_manager.playground.create_app` needs.

    Its first fields, ``connection_string``, ``database_name``, ``collection_name``,
    ``client``, ``host`` and ``port`` (default 8881), are documented on
    :class:`~mongodb_session_manager.web.settings.AppSettings`.

    Attributes:
        allowed_hosts: Host names the playground answers to besides ``host``,
            ``localhost``, ``127.0.0.1`` and ``[::1]`` (the DNS-rebinding check; ``"*"``: any).
        model: Model spec: ``scripted`` (offline) or ``bedrock:<model-id>``
            (``None``: ``$MSM_MODEL``, else scripted).
        token: Access token (``Authorization: Bearer <token>``); ``None``: generated
            by :meth:`ensure_token`.
        require_auth: Turn the token off (loopback only; the CLI enforces it).
        viewer_url: Base URL of the session viewer, for the "open in viewer" link
            (``None``: no link).
        viewer_token: The viewer's access token, put in the link's fragment so it
            opens signed in (``msm playground`` serves a viewer and sets it).
        agent_id: The agent id the conversation is stored under.
        system_prompt: The agent's system prompt.
        latency_ms: Time the offline model takes per answer (streamed in chunks).
        max_message_chars: Longest user message accepted.
        pool_options: Extra PyMongo client options.
    """

    port: int = DEFAULT_PORT
    allowed_hosts: tuple[str, ...] = ()
    model: str | None = None
    token: str | None = None
    require_auth: bool = True
    viewer_url: str | None = "http://127.0.0.1:8882/"
    viewer_token: str | None = field(default=None, repr=False)
    agent_id: str = "assistant"
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    latency_ms: int = 400
    max_message_chars: int = 8_000
    pool_options: dict[str, Any] = field(default_factory=dict)

    def ensure_token(self) -> bool:
        """Generate a token if none is set (``$MSM_PLAYGROUND_TOKEN`` first). True if generated.

        Raises:
            InvalidInputError: the configured token is too short to be safe.
        """
        if self.require_auth and not self.token:
            self.token = os.environ.get(TOKEN_ENV) or None
        self.token, generated = resolve_token(
            self.token, require_auth=self.require_auth, app="playground"
        )
        return generated
