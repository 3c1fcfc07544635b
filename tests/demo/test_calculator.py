"""The demo's calculator tool: right answers, and hostile expressions refused quickly."""

from __future__ import annotations

import time

import pytest

from mongodb_session_manager.demo.tools import CalculatorError, calculator, evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("12 * 7.50 * 1.21", 108.9),
        ("108.90 * 18 / 30", 65.34),
        ("(2 + 3) ** 2 - 1", 24),
        ("7 // 2 + 7 % 2", 4),
        ("-3 + +5", 2),
        ("2^10", 1024),
        ("6 \u00d7 7", 42),
    ],
)
def test_arithmetic(expression: str, expected: float) -> None:
    assert evaluate(expression) == expected


def test_the_tool_returns_plain_numbers() -> None:
    assert calculator(expression="12 * 7.5") == "90"
    assert calculator(expression="0.1 + 0.2") == "0.3"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('id')", "only numbers, parentheses"),
        ("x + 1", "only numbers, parentheses"),
        ("True + 1", "not True / False"),
        ("'a' * 3", "only numbers, parentheses"),
        ("1 / 0", "division by zero"),
        ("9 ** 9 ** 9", "exponents above 100"),
        ("(((10**100)**100)**100)**100", "too large"),
        ("1e308 * 10", "not a finite number"),
        ("(-8) ** 0.5", "not a real number"),
        ("1 +", "not an arithmetic expression"),
        ("", "1 to 200 characters"),
        ("1+" * 150 + "1", "1 to 200 characters"),
    ],
)
def test_anything_else_is_refused(expression: str, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(CalculatorError, match=message.replace("(", r"\(")):
        evaluate(expression)
    assert time.perf_counter() - started < 1.0
