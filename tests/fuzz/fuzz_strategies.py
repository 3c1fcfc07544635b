"""Hostile input for the fuzz tests: odd text, odd numbers, odd keys, deep nesting."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

SURROGATES = st.sampled_from(["\ud800", "\udfff", "\udc80"])
ODD_CHARACTERS = st.sampled_from(["$", ".", "\x00", "/", "\n", "~", "é", "🙂", "\u202e", " "])

# Text as users and LLMs produce it, plus what no UTF-8 encoder accepts.
text = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(ODD_CHARACTERS, st.text(max_size=3)), max_size=8).map("".join),
    st.tuples(st.text(max_size=10), SURROGATES, st.text(max_size=10)).map("".join),
)
numbers = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),  # NaN and infinity included
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e308]),
)
leaves = st.one_of(st.none(), st.booleans(), numbers, text)
keys = st.one_of(st.text(max_size=12), ODD_CHARACTERS, text)


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for level in range(depth):
        value = {"d": value} if level % 2 else [value]
    return value


values = st.one_of(
    st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=12,
    ),
    st.integers(min_value=0, max_value=130).map(nested),
)

# Values every layer must accept: plain keys, finite numbers, int64, valid text, shallow.
plain_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
plain_keys = st.text(st.characters(categories=("Ll", "Lu", "Nd")), min_size=1, max_size=10)
plain_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        plain_text,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(plain_keys, children, max_size=3)
    ),
    max_leaves=8,
)
