"""Which model the demo, the playground and the examples talk to.

A model spec is a string:

* ``scripted`` (the default): :class:`~mongodb_session_manager.offline.ScriptedModel`,
  offline and deterministic, no API key;
* ``bedrock:<model-id>``: Amazon Bedrock through ``strands.models.BedrockModel``
  (needs ``boto3`` and AWS credentials; region from ``AWS_REGION`` /
  ``AWS_DEFAULT_REGION`` or your AWS profile).

``MSM_MODEL`` sets the spec for every command and example.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strands.models.model import Model

from mongodb_session_manager.errors import ModelUnavailableError
from mongodb_session_manager.offline import ScriptedModel, ScriptItem

MODEL_ENV = "MSM_MODEL"
"""Environment variable holding the model spec."""
SCRIPTED = "scripted"


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model spec.

    Attributes:
        provider: ``"scripted"`` or ``"bedrock"``.
        model_id: The provider's model id (``None`` for scripted).
    """

    provider: str
    model_id: str | None = None

    @property
    def offline(self) -> bool:
        """Whether this is the offline scripted model."""
        return self.provider == SCRIPTED

    def __str__(self) -> str:
        return self.provider if self.model_id is None else f"{self.provider}:{self.model_id}"


def parse_model_spec(spec: str | None = None) -> ModelSpec:
    """Parse ``spec`` (``None``: ``$MSM_MODEL``, else scripted).

    Raises:
        ModelUnavailableError: The spec is not ``scripted`` or ``bedrock:<model-id>``.
    """
    text = (spec if spec is not None else os.environ.get(MODEL_ENV, "")).strip()
    if text in ("", SCRIPTED, "offline"):
        return ModelSpec(SCRIPTED)
    provider, _, model_id = text.partition(":")
    if provider == "bedrock" and model_id.strip():
        return ModelSpec("bedrock", model_id.strip())
    raise ModelUnavailableError(
        f"unknown model {text!r}: use 'scripted' (offline) or 'bedrock:<model-id>' "
        "(for example bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0)"
    )


def resolve_model(
    spec: str | ModelSpec | None = None,
    script: Sequence[ScriptItem] = (),
    **scripted_options: Any,
) -> Model:
    """The Strands model for ``spec``.

    Args:
        spec: A model spec or its string (``None``: ``$MSM_MODEL``, else scripted).
        script: What the scripted model says (ignored by real models).
        **scripted_options: Passed to :class:`ScriptedModel` (``latency_ms`` ...).

    Raises:
        ModelUnavailableError: The spec is malformed, or the provider's package or
            credentials are missing (the message says what to do).
    """
    parsed = spec if isinstance(spec, ModelSpec) else parse_model_spec(spec)
    if parsed.offline:
        return ScriptedModel(list(script), **scripted_options)
    return _bedrock(parsed.model_id or "")


def _bedrock(model_id: str) -> Model:
    try:
        import boto3
        from strands.models.bedrock import BedrockModel
    except ImportError as exc:
        raise ModelUnavailableError(
            "Bedrock needs boto3: pip install 'mongodb-session-manager[aws]'"
        ) from exc
    session = boto3.Session()
    # A Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) works without IAM credentials.
    if session.get_credentials() is None and not os.environ.get("AWS_BEARER_TOKEN_BEDROCK"):
        raise ModelUnavailableError(
            "no AWS credentials found for Bedrock: set AWS_PROFILE or AWS_ACCESS_KEY_ID / "
            "AWS_SECRET_ACCESS_KEY (and AWS_REGION), or run without --model to use the "
            "offline scripted model"
        )
    return BedrockModel(model_id=model_id, boto_session=session)
