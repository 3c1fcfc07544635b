"""Old import path of the codec: it lives in :mod:`mongodb_session_manager.store.codec`."""

from mongodb_session_manager.store.codec import (
    MAX_NESTING_DEPTH,
    encoded_size,
    iso,
    message_to_record,
    parse_timestamp,
    raw_to_message,
    raw_to_session_agent,
    raw_to_session_message,
    read_stamp,
    record_to_document,
    session_type_of,
    stamp_fields,
)

__all__ = [
    "MAX_NESTING_DEPTH",
    "encoded_size",
    "iso",
    "message_to_record",
    "parse_timestamp",
    "raw_to_message",
    "raw_to_session_agent",
    "raw_to_session_message",
    "read_stamp",
    "record_to_document",
    "session_type_of",
    "stamp_fields",
]
