"""One redaction for every connection string the library shows (errors, logs, stats, CLI).

A MongoDB URI can carry secrets in two places: the user info (``user:password@``)
and the query options (``tlsCertificateKeyFilePassword``,
``authMechanismProperties=AWS_SESSION_TOKEN:...``, ``proxyPassword``...). Both
go: the user info entirely, and the value of every option whose name (decoded)
looks sensitive. The scan is by hand rather than ``urllib.parse.urlsplit`` so a
hostile URI (an unencoded ``/`` or ``@`` in a password, several hosts, a bad
port) cannot move the boundaries and leak part of a secret.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

REDACTED = "***"

_SENSITIVE_NAME = re.compile(r"pass|pwd|secret|token|key|credential|authmechanismproperties")
"""Option names (lower-cased, percent-decoded) whose values are never shown."""

_URI_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{0,30}://[^\s'\"<>]+")


def _redact_query(query: str) -> str:
    parts = []
    for item in re.split(r"([&;])", query):
        if item in ("&", ";"):
            parts.append(item)
            continue
        name, sep, _value = item.partition("=")
        if sep and _SENSITIVE_NAME.search(unquote(name).lower()):
            parts.append(f"{name}={REDACTED}")
        else:
            parts.append(item)
    return "".join(parts)


def redact_uri(uri: str) -> str:
    """The connection string without credentials nor sensitive options.

    ``mongodb://alice:s3cret@db:27017/app?authSource=admin&tlsCertificateKeyFilePassword=x``
    becomes ``mongodb://***@db:27017/app?authSource=admin&tlsCertificateKeyFilePassword=***``.
    A string that is not a URI is not shown at all.
    """
    text = str(uri)
    scheme, sep, rest = text.partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*", scheme):
        return "<connection string>"
    # The user info ends at the last "@" before the query: a password's stray "/" or
    # "@" cannot leave a piece of it in the host part.
    for at in reversed([i for i, char in enumerate(rest) if char == "@"]):
        if not re.search(r"[=&;]", re.split(r"[/?#]", rest[at + 1 :], maxsplit=1)[0]):
            # an "@" followed by a host: all before it is user info, even a stray "?" or "#"
            rest = f"{REDACTED}@{rest[at + 1 :]}"
            break
    head, qsep, query = rest.partition("?")
    query, _, _fragment = query.partition("#")  # a fragment is never needed in a log
    head, _, _ = head.partition("#")
    if "@" in head and not head.startswith(f"{REDACTED}@"):
        head = f"{REDACTED}@{head.rpartition('@')[2]}"
    return f"{scheme}://{head}{qsep}{_redact_query(query) if qsep else ''}"


def redact_text(text: str) -> str:
    """``text`` with every URI inside it redacted by :func:`redact_uri` (for error messages)."""
    return _URI_IN_TEXT.sub(lambda match: redact_uri(match.group(0)), str(text))
