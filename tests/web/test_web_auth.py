"""Access tokens and binding rules shared by the viewer and the playground."""

from __future__ import annotations

import pytest

from mongodb_session_manager import InvalidInputError
from mongodb_session_manager.web import MIN_TOKEN_LENGTH, is_loopback, resolve_token


def test_a_missing_token_is_generated_long_and_unique() -> None:
    first, generated = resolve_token(None, require_auth=True, app="viewer")
    second, _ = resolve_token("", require_auth=True, app="viewer")
    assert generated and first and second and first != second
    assert len(first) >= 40


def test_a_short_token_is_refused_and_a_good_one_kept() -> None:
    with pytest.raises(InvalidInputError, match="playground token must be at least 16"):
        resolve_token("x" * (MIN_TOKEN_LENGTH - 1), require_auth=True, app="playground")
    assert resolve_token("y" * MIN_TOKEN_LENGTH, require_auth=True, app="viewer") == (
        "y" * 16,
        False,
    )
    assert resolve_token(None, require_auth=False, app="viewer") == (None, False)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("127.8.9.10", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
