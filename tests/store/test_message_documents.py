"""The append hot path builds the stored message dict directly: the same dict the
validating model gives, for any message Strands can produce."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strands.types.content import Message
from strands.types.session import SessionMessage

from mongodb_session_manager.store.codec import message_to_record, record_to_document
from mongodb_session_manager.store.message_documents import message_document

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**62), 2**62),
    st.text(max_size=20),
    st.floats(allow_nan=False, allow_infinity=False),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
blocks = st.lists(
    st.one_of(
        st.builds(lambda t: {"text": t}, st.text(max_size=30)),
        st.builds(
            lambda i, n, v: {"toolUse": {"toolUseId": i, "name": n, "input": v}},
            st.text(max_size=8),
            st.text(max_size=8),
            json_value,
        ),
        st.builds(
            lambda b: {"image": {"format": "png", "source": {"bytes": b}}}, st.binary(max_size=16)
        ),
    ),
    max_size=4,
)
stamps = st.one_of(
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    st.just("not a date"),
    st.datetimes(timezones=st.just(UTC)),
)


@st.composite
def session_messages(draw: st.DrawFn) -> SessionMessage:
    message: dict[str, Any] = {
        "role": draw(st.sampled_from(["user", "assistant"])),
        "content": draw(blocks),
    }
    if draw(st.booleans()):
        message["metadata"] = {"usage": {"inputTokens": draw(st.integers(0, 10**6))}}
    if draw(st.booleans()):
        message["tracking_id"] = draw(st.text(max_size=12))
    if draw(st.booleans()):
        message["extra_key"] = draw(json_value)
    redact = {"role": "user", "content": [{"text": "[redacted]"}]} if draw(st.booleans()) else None
    return SessionMessage(
        message=cast(Message, message),
        message_id=draw(st.integers(0, 10**6)),
        redact_message=cast(Message | None, redact),
        created_at=cast(str, draw(stamps)),
        updated_at=cast(str, draw(stamps)),
    )


def _through_the_model(message: SessionMessage) -> dict[str, Any]:
    return record_to_document(message_to_record(message))


def _same_moment(built: dict[str, Any], modelled: dict[str, Any], name: str) -> None:
    # A stamp that is no date becomes "now" on both paths: compare all but the clock.
    if isinstance(built[name], datetime) and built.get(f"{name}_iso") == "not a date":
        built[name] = modelled[name]


@settings(max_examples=300, deadline=None)
@given(session_messages())
def test_the_built_document_is_the_models_document(message: SessionMessage) -> None:
    built = message_document(message)
    modelled = _through_the_model(message)
    for name in ("created_at", "updated_at"):
        _same_moment(built, modelled, name)
    assert built == modelled


@pytest.mark.parametrize(
    "message",
    [
        {"role": "user", "content": "not a list"},
        {"role": 7, "content": []},
        {"role": "user", "content": [{"text": "x"}], "metadata": "not a dict"},
    ],
)
def test_a_message_of_unexpected_shape_gets_the_models_error(message: dict[str, Any]) -> None:
    session_message = SessionMessage(message=cast(Message, message), message_id=0)
    with pytest.raises(Exception) as built:
        message_document(session_message)
    with pytest.raises(Exception) as modelled:
        _through_the_model(session_message)
    assert type(built.value) is type(modelled.value)
    assert str(built.value) == str(modelled.value)
