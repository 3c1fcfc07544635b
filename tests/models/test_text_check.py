"""The one text check shared by ids and metadata keys (models/_text.check_text)."""

from __future__ import annotations

import pytest

from mongodb_session_manager.errors import InvalidIdentifierError, InvalidInputError
from mongodb_session_manager.models import validate_id
from mongodb_session_manager.models._text import check_text
from mongodb_session_manager.models.keys import validate_key


def test_ids_and_keys_keep_their_error_types_and_messages() -> None:
    with pytest.raises(InvalidIdentifierError, match=r"^session_id must be a str, got int$"):
        validate_id(3, "session_id")
    with pytest.raises(InvalidInputError, match=r"^metadata key must be a str, got int: 3$"):
        validate_key(3)
    with pytest.raises(InvalidIdentifierError, match=r"^id is 1025 characters long"):
        validate_id("a" * 1025)
    with pytest.raises(InvalidInputError, match=r"^metadata key 'aaa.*'\.\.\. is 257 characters"):
        validate_key("a" * 257)


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "must not be empty"), ("a\x00b", "contains a NUL"), ("\ud800", "not valid unicode")],
)
def test_check_text_refuses(value: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        check_text(value, "thing", 10, InvalidInputError)


def test_check_text_returns_the_text() -> None:
    assert check_text("ok", "thing", 10, InvalidInputError) == "ok"
