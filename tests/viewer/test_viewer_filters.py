"""Session search filters: typed values, hostile text, the MongoDB query they build."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mongodb_session_manager.errors import InvalidFilterError
from mongodb_session_manager.viewer.filters import (
    SessionSearch,
    parse_meta_params,
    prefix_regex,
)
from mongodb_session_manager.viewer.schemas import MetadataField

FIELDS = {
    name: MetadataField(name=name, type=kind, operators=[])
    for name, kind in (
        ("tier", "enum"),
        ("customer.name", "string"),
        ("amount", "number"),
        ("vip", "boolean"),
        ("opened", "date"),
        ("odd:name", "string"),
    )
}


@given(st.text(max_size=60))
def test_a_prefix_matches_itself_literally_and_nothing_shorter(text: str) -> None:
    pattern = re.compile(prefix_regex(text)["$regex"])
    assert pattern.match(text + "anything")
    if text:
        assert not pattern.match(text[:-1])


def test_prefix_special_characters_are_escaped() -> None:
    assert prefix_regex("a.b*(c)")["$regex"] == r"^a\.b\*\(c\)"


def test_meta_parameters_become_typed_conditions() -> None:
    filters = parse_meta_params(
        [
            ("meta.tier", "gold"),
            ("meta.tier", "silver"),
            ("meta.customer.name:prefix", "Ana"),
            ("meta.amount:gte", "10"),
            ("meta.amount:lte", "10.5"),
            ("meta.vip", "yes"),
            ("meta.opened:gte", "2026-01-02"),
            ("meta.odd:name", "x"),
            ("unrelated", "ignored"),
        ],
        FIELDS,
    )
    query = SessionSearch(meta=filters).query()
    assert query == {
        "$and": [
            {"metadata.tier": {"$in": ["gold", "silver"]}},
            {"metadata.customer.name": {"$regex": "^Ana"}},
            {"metadata.amount": {"$gte": 10}},
            {"metadata.amount": {"$lte": 10.5}},
            {"metadata.vip": True},
            {"metadata.opened": {"$gte": datetime(2026, 1, 2, tzinfo=UTC)}},
            {"metadata.odd:name": "x"},
        ]
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([("meta.nope", "1")], "unknown metadata field"),
        ([("meta.$where", "1")], "unknown metadata field"),
        ([("meta.tier:gte", "a")], "accepts eq, prefix"),
        ([("meta.vip:prefix", "t")], "accepts eq"),
        ([("meta.opened", "2026-01-01")], "accepts gte, lte"),
        ([("meta.amount", "1e999")], "finite"),
        ([("meta.amount:gte", "1"), ("meta.amount:gte", "2")], "more than once"),
        ([("meta.tier", "a\x00b")], "NUL"),
    ],
)
def test_bad_meta_parameters_are_refused_with_details(
    params: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(InvalidFilterError) as caught:
        parse_meta_params(params, FIELDS)
    assert message in str(caught.value)
    assert caught.value.details
    location = caught.value.details[0]["location"]
    assert isinstance(location, list | tuple) and location[0] == "query"


def test_user_text_never_becomes_an_operator() -> None:
    hostile = '{"$gt": ""}'
    search = SessionSearch(
        session_id="$where",
        application_name="$ne",
        model="$agents",
        meta=parse_meta_params([("meta.tier", hostile)], FIELDS),
    )
    query = search.query()
    clauses = query["$and"]
    assert clauses[0] == {"_id": {"$regex": r"^\$where"}}
    assert clauses[1] == {"application_name": "$ne"}  # a plain value in an equality match
    assert clauses[2]["$expr"]["$in"][0] == {"$literal": "$agents"}
    assert clauses[3] == {"metadata.tier": hostile}


def test_sort_always_ends_with_the_id() -> None:
    assert SessionSearch(sort="-tokens").sort_spec() == [("totals.total_tokens", -1), ("_id", -1)]
    assert SessionSearch(sort="session_id").sort_spec() == [("_id", 1)]
    assert SessionSearch().query() == {}
    assert not SessionSearch().has_filters()
