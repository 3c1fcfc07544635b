r"""JSON for notifications: every value is encoded, none is dropped.

Metadata and feedback hold what the database holds: datetimes, bytes, ObjectId,
Decimal128, Decimal, UUID, sets... ``pydantic_core.to_json`` encodes the common
ones (datetimes as ISO 8601, bytes as base64, Decimal as a string, so no
precision is lost); anything else becomes its ``str()``.

SNS and SQS accept only the characters of XML 1.0 in a message; JSON leaves a few
of them raw (U+FFFE, U+FFFF...), so those are escaped as ``\uXXXX``, which
decodes back to the same string.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pydantic_core

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_SUBJECT = re.compile(r"[^\x20-\x7e]+")


def _fallback(value: Any) -> Any:
    # Types pydantic does not know (ObjectId, Decimal128, Timestamp, custom objects).
    return str(value)


def to_json(value: Any) -> str:
    """Encode ``value`` as compact JSON text that SNS, SQS and API Gateway all accept."""
    text = pydantic_core.to_json(
        value, bytes_mode="base64", inf_nan_mode="strings", fallback=_fallback
    ).decode("utf-8")
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def xml_safe(text: str) -> str:
    """``text`` with characters SNS/SQS refuse (control characters...) replaced by ``?``."""
    return _NOT_XML.sub("?", text)


def sns_subject(text: str, fallback: str = "Notification") -> str:
    """An SNS subject: printable ASCII, one line, under 100 characters (SNS rejects others)."""
    cleaned = _NOT_SUBJECT.sub(" ", text).strip()
    cleaned = re.sub(r" {2,}", " ", cleaned)
    if len(cleaned) > 99:
        cleaned = cleaned[:96].rstrip() + "..."
    return cleaned or fallback


def utc_timestamp(value: datetime | None = None) -> str:
    """ISO 8601 UTC with milliseconds and a ``Z``: ``2026-11-25T16:11:35.123Z``."""
    moment = value or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # BSON dates are UTC
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encoded_bytes(text: str) -> int:
    """Size of ``text`` on the wire (UTF-8), what the AWS size limits count."""
    return len(text.encode("utf-8"))


_GROUP_ID = re.compile(r"[!-~]{1,128}")


def message_group_id(session_id: str) -> str:
    """A FIFO ``MessageGroupId`` for the session (one group per session keeps its order).

    The session id itself when SNS/SQS accept it (printable ASCII, up to 128
    characters); otherwise a digest of it, stable across processes.
    """
    if _GROUP_ID.fullmatch(session_id):
        return session_id
    return "sha256-" + hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def as_dict(value: Any) -> dict[str, Any]:
    """A feedback / metadata argument as a plain dict (mappings and pydantic models)."""
    if isinstance(value, Mapping):
        return dict(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        dumped = dump()
        if isinstance(dumped, dict):
            return dumped
    raise TypeError(f"expected a mapping, got {type(value).__name__}")


def batch_entry_fields(
    session_id: str, attributes: Mapping[str, str], fifo: bool
) -> dict[str, Any]:
    """What an SNS ``PublishBatch`` and an SQS ``SendMessageBatch`` entry share.

    String message attributes (empty ones left out) and, for FIFO topics and
    queues, the session's message group with a fresh deduplication id.
    """
    fields: dict[str, Any] = {
        "MessageAttributes": {
            key: {"DataType": "String", "StringValue": value}
            for key, value in attributes.items()
            if value
        }
    }
    if fifo:
        fields["MessageGroupId"] = message_group_id(session_id)
        fields["MessageDeduplicationId"] = uuid.uuid4().hex
    return fields
