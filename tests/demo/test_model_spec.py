"""Model specs: scripted by default, Bedrock only with what it needs, clear errors otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from mongodb_session_manager.demo.models import MODEL_ENV, parse_model_spec, resolve_model
from mongodb_session_manager.errors import ModelUnavailableError
from mongodb_session_manager.testing import ScriptedModel


def test_scripted_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert parse_model_spec().offline
    model = resolve_model(None, ["hello"])
    assert isinstance(model, ScriptedModel) and model.remaining == 1


def test_the_environment_names_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MODEL_ENV, "bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0")
    spec = parse_model_spec()
    assert (spec.provider, spec.model_id) == (
        "bedrock",
        "us.anthropic.claude-sonnet-4-20250514-v1:0",
    )
    assert str(spec) == "bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0"
    assert parse_model_spec("scripted").offline  # an explicit spec wins over the environment


@pytest.mark.parametrize("spec", ["gpt-4", "bedrock:", "bedrock", "openai:gpt-4"])
def test_unknown_specs_are_refused(spec: str) -> None:
    with pytest.raises(ModelUnavailableError, match=r"use 'scripted' .* or 'bedrock:<model-id>'"):
        parse_model_spec(spec)


def test_bedrock_without_credentials_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_BEARER_TOKEN_BEDROCK",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ModelUnavailableError, match="no AWS credentials found for Bedrock"):
        resolve_model("bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0")


def test_bedrock_with_credentials_builds_the_strands_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from strands.models.bedrock import BedrockModel

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    model = resolve_model("bedrock:eu.amazon.nova-lite-v1:0")
    assert isinstance(model, BedrockModel)
    assert model.config["model_id"] == "eu.amazon.nova-lite-v1:0"
