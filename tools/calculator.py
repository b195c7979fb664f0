"""Safe arithmetic: ``calculate`` parses with :mod:`ast` and walks an allow-list, never ``eval``."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field

from agentfn import ToolRetry, tool
from agentfn.library._clock import clock_time
from agentfn.library._math_words import from_words, several_questions

__all__ = ["calculate"]

MAX_EXPRESSION_CHARS = 2_000
MAX_EXPONENT = 10_000
MAX_INT_BITS = 100_000  # about 30,000 decimal digits
MAX_FACTORIAL = 1_000

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf}


def _factorial(n: float) -> int:
    if not float(n).is_integer() or n < 0:
        raise ValueError("factorial needs a non-negative integer")
    if n > MAX_FACTORIAL:
        raise ValueError(f"factorial argument above {MAX_FACTORIAL}")
    return math.factorial(int(n))


MAX_PRIME_TEST = 10**14  # trial division up to 10**7 steps at most


def _isprime(n: float) -> bool:
    if not float(n).is_integer():
        return False
    k = int(n)
    if k > MAX_PRIME_TEST:
        raise ValueError(f"prime test above {MAX_PRIME_TEST}")
    if k < 2:
        return False
    if k % 2 == 0:
        return k == 2
    return all(k % d for d in range(3, math.isqrt(k) + 1, 2))


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs, "round": round, "min": min, "max": max,
    "sqrt": math.sqrt, "cbrt": math.cbrt, "exp": math.exp, "log": math.log, "log10": math.log10, "log2": math.log2,
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos, "atan": math.atan,
    "atan2": math.atan2, "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "hypot": math.hypot,
    "degrees": math.degrees, "radians": math.radians, "floor": math.floor, "ceil": math.ceil,
    "factorial": _factorial, "isprime": _isprime, "gcd": math.gcd, "lcm": math.lcm, "comb": math.comb, "perm": math.perm,
}


_NAMES = frozenset(_FUNCTIONS) | frozenset(_CONSTANTS)


def _check_size(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise ValueError(f"result too large (more than {MAX_INT_BITS} bits)")
    return value


def _power(base: Any, exponent: Any) -> Any:
    if abs(exponent) > MAX_EXPONENT:
        raise ValueError(f"exponent {exponent} is above the limit of {MAX_EXPONENT}")
    # Refuse before computing: a huge power would take the CPU and memory first.
    huge = isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1
    if huge and exponent * math.log2(abs(base)) > MAX_INT_BITS:
        raise ValueError(f"result too large (more than {MAX_INT_BITS} bits)")
    return base**exponent


class _Evaluator:
    def __init__(self) -> None:
        self.nodes = 0

    def eval(self, node: ast.AST) -> Any:
        self.nodes += 1
        if self.nodes > 1_000:
            raise ValueError("expression too complex (more than 1000 nodes)")
        if isinstance(node, ast.Expression):
            return self.eval(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ValueError(f"only numbers are allowed, not {node.value!r}")
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.eval(node.left), self.eval(node.right)
            if isinstance(node.op, ast.Pow):
                return _check_size(_power(left, right))
            return _check_size(_BINARY[type(node.op)](left, right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](self.eval(node.operand))
        if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            left = self.eval(node.left)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = self.eval(comparator)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            raise ValueError(f"unknown name {node.id!r}; constants: {', '.join(_CONSTANTS)}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
                raise ValueError(f"unknown function; allowed: {', '.join(sorted(_FUNCTIONS))}")
            if node.keywords:
                raise ValueError("keyword arguments are not allowed")
            args = [self.eval(a) for a in node.args]
            return _check_size(_FUNCTIONS[node.func.id](*args))
        raise ValueError(f"{type(node).__name__} is not allowed in an arithmetic expression")


@tool(side_effects="none", blocking=False)
def calculate(
    # The character class is what the evaluator can ever accept; under constrained decoding it also
    # keeps a small model from writing prose or code comments into the expression. The length
    # bound is maxLength, not a {1,2000} repeat: xgrammar aborts on regex repeats above 128.
    expression: Annotated[str, Field(pattern=r"^[0-9A-Za-z_+\-*/%().,:<>=!&|~^ $€£?'—–‘’×÷]+$", max_length=MAX_EXPRESSION_CHARS)],
) -> int | float | bool | str:
    """Evaluate an arithmetic expression exactly and safely: sums, differences, products, divisions,
    percentages (12% of 350 is ``0.12 * 350``), averages, shares of a bill, powers, square roots,
    remainders, factorials, logarithms, rounding and trigonometry.

    Supports + - * / // % ** (exponent at most 10000), parentheses, comparisons,
    the constants pi, e, tau, inf and the functions sqrt, cbrt, exp, log (optional base),
    log10, log2, sin, cos, tan, asin, acos, atan, atan2, sinh, cosh, tanh, hypot,
    degrees, radians, floor, ceil, abs, round, min, max, factorial, isprime, gcd, lcm, comb, perm.
    Integers are exact (arbitrary precision, up to about 30000 digits). ``^`` is a power, as on a
    calculator (``2^10`` is ``2 ** 10``). Simple English works too: "17.5% of 2480", "1000 divided by 8",
    "the square root of 144", "2 to the power of 10", "the average of 12, 18 and 27",
    "which is bigger, 2^10 or 10^3", "is 97 prime", "$250 a month for 18 months"; a clock time and a
    duration ("lands at 14:35, then a 2h10m drive") give the clock time as ``HH:MM`` text.

    Args:
        expression: e.g. "2 * (3 + 4) ** 2", "sqrt(2) * sin(pi / 4)" or "15% of 64".
    """
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ToolRetry(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
    if (clock := clock_time(expression)) is not None:
        return clock
    try:
        return _value(expression)
    except ToolRetry:
        if (answers := _answers(expression)) is not None:
            return answers
        raise


def _value(expression: str) -> int | float | bool:
    # "2^10" as people and calculators write it: there is no bitwise xor here to confuse it with
    expression = from_words(expression.replace("^", "**"), _NAMES)
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ToolRetry(f"not a valid expression: {exc.msg}") from None
    try:
        return _Evaluator().eval(tree)
    except ZeroDivisionError:
        raise ToolRetry("division by zero") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise ToolRetry(f"cannot evaluate {expression!r}: {exc}") from None


def _answers(text: str) -> str | None:
    """Each question of a message that asks two or more ("what's 15% of 60, and what's 9 squared?" ->
    "15% of 60 = 9; 9 squared = 81"); None unless at least two of them evaluate."""
    answered: list[str] = []
    for question in several_questions(text):
        try:
            value = _value(question)
        except ToolRetry:
            continue  # "Two quick ones:" asks nothing
        shown = f"{value:.10g}" if isinstance(value, float) else str(value)
        answered.append(f"{question} = {shown}")
    return "; ".join(answered) if len(answered) >= 2 else None
