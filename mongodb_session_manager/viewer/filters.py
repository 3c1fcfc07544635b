"""Session search: typed filters -> a MongoDB query, refusing anything not known.

Rules that keep hostile input out of the query:

* only known fields are filtered: the fixed ones below and metadata fields that
  discovery (or the settings) declared; any other parameter is a 422;
* user text is only ever a *value*: a prefix becomes an anchored, escaped regex
  (``^`` + ``re.escape(text)``, which an index can serve), values inside
  aggregation expressions are wrapped in ``$literal``, and nothing a user sends
  becomes a key or an operator;
* values are parsed to the field's type (number, boolean, date, string).

Metadata filters are query parameters ``meta.<field>`` (exact; repeat it for
"any of"), ``meta.<field>:prefix``, ``meta.<field>:gte`` and ``meta.<field>:lte``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from mongodb_session_manager.errors import InvalidFilterError
from mongodb_session_manager.models import as_utc
from mongodb_session_manager.viewer.schemas import FieldType, MetadataField

META_PREFIX = "meta."
MAX_TEXT_LENGTH = 1024

SORT_FIELDS: dict[str, str] = {
    "updated_at": "updated_at",
    "created_at": "created_at",
    "session_id": "_id",
    "messages": "totals.messages",
    "tokens": "totals.total_tokens",
    "size": "size_bytes",
}
"""Sort keys a client may name, and the stored field each one sorts on."""

SortKey = Literal[
    "updated_at",
    "-updated_at",
    "created_at",
    "-created_at",
    "session_id",
    "-session_id",
    "messages",
    "-messages",
    "tokens",
    "-tokens",
    "size",
    "-size",
]
"""Sort choices of the search (``-`` for descending)."""

OPERATORS: dict[FieldType, tuple[str, ...]] = {
    "string": ("eq", "prefix", "gte", "lte"),
    "enum": ("eq", "prefix"),
    "number": ("eq", "gte", "lte"),
    "date": ("gte", "lte"),
    "boolean": ("eq",),
}
"""Filter operators each metadata field type accepts."""

Rating = Literal["up", "down", "any", "none"]

STANDARD_PARAMS = frozenset(
    {
        "session_id",
        "application_name",
        "created_from",
        "created_to",
        "updated_from",
        "updated_to",
        "rating",
        "guardrail",
        "model",
        "sort",
        "limit",
        "offset",
    }
)
"""Query parameters of ``GET /api/v1/sessions`` besides ``meta.*``."""


@dataclass
class MetaFilter:
    """One parsed metadata condition."""

    field: str
    op: str
    values: list[Any]


@dataclass
class SessionSearch:
    """A validated session search."""

    session_id: str | None = None
    application_name: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    rating: Rating | None = None
    guardrail: bool | None = None
    """Sessions with (``True``) or without (``False``) guardrail events."""
    model: str | None = None
    sort: SortKey = "-updated_at"
    limit: int = 20
    offset: int = 0
    meta: list[MetaFilter] = field(default_factory=list)

    def has_filters(self) -> bool:
        """Whether any condition narrows the search (else a cheap estimated count will do)."""
        return bool(self.query())

    def query(self) -> dict[str, Any]:
        """The ``$match`` document of this search."""
        clauses: list[dict[str, Any]] = []
        if self.session_id:
            # ``_id`` equals ``session_id`` and needs no index of its own.
            clauses.append({"_id": prefix_regex(self.session_id)})
        if self.application_name:
            clauses.append({"application_name": self.application_name})
        clauses += _range("created_at", self.created_from, self.created_to)
        clauses += _range("updated_at", self.updated_from, self.updated_to)
        clauses += _rating(self.rating)
        if self.guardrail is not None:
            clauses.append({"guardrail_events.0": {"$exists": self.guardrail}})
        if self.model:
            clauses.append(_runs_model(self.model))
        for condition in self.meta:
            clauses.append({f"metadata.{condition.field}": _meta_condition(condition)})
        if not clauses:
            return {}
        if len(clauses) == 1:
            return clauses[0]
        return {"$and": clauses}

    def sort_spec(self) -> list[tuple[str, int]]:
        """The sort: the chosen key, then ``_id`` so pages never overlap."""
        descending = self.sort.startswith("-")
        stored = SORT_FIELDS[self.sort.lstrip("-")]
        direction = -1 if descending else 1
        spec = [(stored, direction)]
        if stored != "_id":
            spec.append(("_id", direction))
        return spec


def prefix_regex(text: str) -> dict[str, str]:
    """An anchored, escaped, case-sensitive regex: an index range scan, never a pattern."""
    return {"$regex": "^" + re.escape(text)}


def _range(name: str, low: datetime | None, high: datetime | None) -> list[dict[str, Any]]:
    bounds: dict[str, Any] = {}
    if low is not None:
        bounds["$gte"] = low
    if high is not None:
        bounds["$lte"] = high
    return [{name: bounds}] if bounds else []


_RATING_CLAUSES: dict[str, dict[str, Any]] = {
    "up": {"feedbacks.rating": "up"},
    "down": {"feedbacks.rating": "down"},
    "any": {"feedbacks.0": {"$exists": True}},
    "none": {"feedbacks.0": {"$exists": False}},
}


def _rating(rating: Rating | None) -> list[dict[str, Any]]:
    clause = _RATING_CLAUSES.get(rating) if rating is not None else None
    return [dict(clause)] if clause is not None else []


def _runs_model(model: str) -> dict[str, Any]:
    # Agents are a map keyed by agent, so "some agent runs this model" needs $expr.
    models = {
        "$map": {
            "input": {"$objectToArray": {"$ifNull": ["$agents", {}]}},
            "as": "a",
            "in": "$$a.v.model",
        }
    }
    return {"$expr": {"$in": [{"$literal": model}, models]}}


def _meta_condition(condition: MetaFilter) -> Any:
    if condition.op == "eq":
        return condition.values[0] if len(condition.values) == 1 else {"$in": condition.values}
    if condition.op == "prefix":
        return prefix_regex(condition.values[0])
    return {f"${condition.op}": condition.values[0]}


def check_text(value: str, location: str) -> str:
    """Refuse text a query cannot carry (NUL) or that is absurdly long."""
    if "\x00" in value:
        raise InvalidFilterError(
            f"{location} contains a NUL character",
            [{"location": ["query", location], "message": "contains a NUL character"}],
        )
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidFilterError(
            f"{location} is longer than {MAX_TEXT_LENGTH} characters",
            [{"location": ["query", location], "message": f"longer than {MAX_TEXT_LENGTH}"}],
        )
    return value


def parse_meta_params(
    params: Iterable[tuple[str, str]], fields: Mapping[str, MetadataField]
) -> list[MetaFilter]:
    """Parse ``meta.*`` query parameters against the known ``fields``.

    Raises:
        InvalidFilterError: with one detail per bad parameter (unknown field,
            operator the type does not accept, value of the wrong type).
    """
    grouped: dict[tuple[str, str], list[str]] = {}
    errors: list[dict[str, object]] = []
    for name, value in params:
        if not name.startswith(META_PREFIX):
            continue
        target = name[len(META_PREFIX) :]
        resolved = _resolve(target, fields)
        if resolved is None:
            known = ", ".join(sorted(fields)) or "none discovered"
            errors.append(
                {
                    "location": ["query", name],
                    "message": f"unknown metadata field or operator (known fields: {known}; "
                    "operators: :prefix, :gte, :lte)",
                }
            )
            continue
        field_name, op = resolved
        allowed = OPERATORS[fields[field_name].type]
        if op not in allowed:
            errors.append(
                {
                    "location": ["query", name],
                    "message": f"a {fields[field_name].type} field accepts " + ", ".join(allowed),
                }
            )
            continue
        grouped.setdefault((field_name, op), []).append(value)
    filters: list[MetaFilter] = []
    for (field_name, op), raw_values in grouped.items():
        location = f"{META_PREFIX}{field_name}" + ("" if op == "eq" else f":{op}")
        if op != "eq" and len(raw_values) > 1:
            errors.append({"location": ["query", location], "message": "given more than once"})
            continue
        try:
            values = [parse_value(v, fields[field_name].type, location) for v in raw_values]
        except InvalidFilterError as exc:
            errors.extend(exc.details)
            continue
        if op == "prefix" and not isinstance(values[0], str):
            errors.append({"location": ["query", location], "message": "prefix needs text"})
            continue
        filters.append(MetaFilter(field_name, op, values))
    if errors:
        raise InvalidFilterError(_summary(errors), errors)
    return filters


def _resolve(target: str, fields: Mapping[str, MetadataField]) -> tuple[str, str] | None:
    if target in fields:
        return target, "eq"
    field_name, sep, op = target.rpartition(":")
    if sep and field_name in fields and op in ("eq", "prefix", "gte", "lte"):
        return field_name, op
    return None


def parse_value(raw: str, kind: FieldType, location: str) -> Any:
    """``raw`` as a value of type ``kind``; :class:`InvalidFilterError` if it is not one."""
    check_text(raw, location)

    def bad(message: str) -> InvalidFilterError:
        return InvalidFilterError(
            f"{location}: {message}", [{"location": ["query", location], "message": message}]
        )

    if kind in ("string", "enum"):
        return raw
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            raise bad(f"{raw[:40]!r} is not a number") from None
        if not math.isfinite(number):
            raise bad("must be a finite number")
        return int(number) if number.is_integer() and abs(number) < 2**63 else number
    if kind == "boolean":
        lowered = raw.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise bad("must be true or false")
    try:
        return as_utc(datetime.fromisoformat(raw.strip()))
    except ValueError:
        raise bad(f"{raw[:40]!r} is not an ISO 8601 date") from None


def check_ranges(search: SessionSearch) -> None:
    """Refuse a date range that ends before it starts."""
    errors: list[dict[str, object]] = []
    for low_name, high_name in (("created_from", "created_to"), ("updated_from", "updated_to")):
        low, high = getattr(search, low_name), getattr(search, high_name)
        if low is not None and high is not None and low > high:
            errors.append({"location": ["query", high_name], "message": f"is before {low_name}"})
    if errors:
        raise InvalidFilterError(_summary(errors), errors)


def unknown_params(names: Iterable[str]) -> None:
    """Refuse query parameters the search does not know (a typo must not widen a search)."""
    errors: list[dict[str, object]] = [
        {
            "location": ["query", name],
            "message": "unknown parameter (known: "
            + ", ".join(sorted(STANDARD_PARAMS))
            + ", meta.<field>[:prefix|:gte|:lte])",
        }
        for name in dict.fromkeys(names)
        if name not in STANDARD_PARAMS and not name.startswith(META_PREFIX)
    ]
    if errors:
        raise InvalidFilterError(_summary(errors), errors)


def _summary(errors: list[dict[str, object]]) -> str:
    parts = []
    for error in errors[:5]:
        location = error.get("location")
        where = location[-1] if isinstance(location, list) and location else "?"
        parts.append(f"{where}: {error.get('message')}")
    more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
    return "invalid search: " + "; ".join(parts) + more
