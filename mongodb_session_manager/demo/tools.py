"""The demo's calculator tool: arithmetic only, parsed (never ``eval``'d)."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from strands import tool

from mongodb_session_manager.errors import CalculatorError

__all__ = [
    "MAX_EXPONENT",
    "MAX_EXPRESSION_LENGTH",
    "MAX_INT_BITS",
    "CalculatorError",
    "calculator",
    "evaluate",
    "format_number",
]

MAX_EXPRESSION_LENGTH = 200
MAX_EXPONENT = 100
MAX_INT_BITS = 1024
"""Every intermediate integer stays below this, so ``9**9**9`` cannot hang the process."""

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def evaluate(expression: str) -> float | int:
    """The value of an arithmetic expression (``+ - * / // % **``, parentheses, numbers).

    Raises:
        CalculatorError: Anything else (names, calls, huge powers, division by zero).
    """
    text = expression.strip().replace("\u00d7", "*").replace("\u00f7", "/").replace("^", "**")
    if not text or len(text) > MAX_EXPRESSION_LENGTH:
        raise CalculatorError(f"expression must be 1 to {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise CalculatorError(f"not an arithmetic expression: {expression!r}") from exc
    try:
        value = _eval(tree.body)
    except ZeroDivisionError as exc:
        raise CalculatorError("division by zero") from exc
    except OverflowError as exc:
        raise CalculatorError("the result is too large") from exc
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CalculatorError("the result is not a finite number")
        return round(value, 10)
    return value


def _eval(node: ast.expr) -> float | int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):  # True / False are ints to Python, not to people
            raise CalculatorError("only numbers are allowed, not True / False")
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise CalculatorError(f"exponents above {MAX_EXPONENT} are not allowed")
        return _bounded(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _bounded(_UNARY[type(node.op)](_eval(node.operand)))
    raise CalculatorError(
        f"only numbers, parentheses and + - * / // % ** are allowed, not {type(node).__name__}"
    )


def _bounded(value: Any) -> float | int:
    if isinstance(value, complex):  # (-8) ** 0.5
        raise CalculatorError("the result is not a real number")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise CalculatorError("the result is too large")
    return value  # type: ignore[no-any-return]


def format_number(value: float | int) -> str:
    """``90`` for 90.0, ``108.9`` for 108.9000000001."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:.10g}" if isinstance(value, float) else str(value)


@tool
def calculator(expression: str) -> str:
    """Compute an arithmetic expression exactly, e.g. "12 * 7.50 * 1.21".

    Use it for every calculation instead of doing arithmetic in your head.

    Args:
        expression: Numbers, parentheses and + - * / // % ** only.
    """
    return format_number(evaluate(expression))
