"""One check of a user-given text (an id, a metadata key): type, length, NUL, unicode."""

from __future__ import annotations

from mongodb_session_manager.errors import SessionManagerError


def check_text(
    value: object,
    what: str,
    limit: int,
    error: type[SessionManagerError],
    *,
    show_value: bool = False,
) -> str:
    """Return ``value`` if it is a non-empty ``str`` of at most ``limit`` storable characters.

    Args:
        value: The text to check.
        what: What it is, for the messages (``"session_id"``, ``"metadata key"``...).
        limit: Longest accepted length, in characters.
        error: The typed error raised (the caller's: ids and keys differ).
        show_value: Metadata keys show their value in the type and
            length messages (``"metadata key 'abc...'... is 300 characters long"``);
            ids do not.

    Raises:
        SessionManagerError: ``error``: not a str, empty, too long, with a NUL
            character or a lone surrogate.
    """
    if not isinstance(value, str):
        shown = f": {value!r:.60}" if show_value else ""
        raise error(f"{what} must be a str, got {type(value).__name__}{shown}")
    if not value:
        raise error(f"{what} must not be empty")
    if len(value) > limit:
        named = f"{what} {value[:40]!r}..." if show_value else what
        raise error(f"{named} is {len(value)} characters long; the limit is {limit}")
    if "\x00" in value:
        raise error(f"{what} {value[:40]!r} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise error(f"{what} {value[:40]!r} is not valid unicode") from exc
    return value
