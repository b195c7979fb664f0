"""calculate: exact arithmetic through an AST allow-list; everything else refused."""

from __future__ import annotations

import math

import pytest

from agentfn import ToolRetry
from agentfn.library.calculator import calculate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("2 ** 10", 1024),
        ("7 // 2", 3),
        ("7 % 4", 3),
        ("7 / 2", 3.5),
        ("-3 + +2", -1),
        ("2 ** -1", 0.5),
        ("sqrt(16)", 4.0),
        ("log(8, 2)", 3.0),
        ("max(1, 5, 3) - min(4, 2)", 3),
        ("factorial(10)", 3628800),
        ("round(pi, 2)", 3.14),
        ("1 < 2 <= 2", True),
        ("1 < 2 > 3", False),
        ("gcd(12, 18)", 6),
        ("1e3 + 0.5", 1000.5),
    ],
)
def test_evaluates(expression: str, expected: object) -> None:
    assert calculate(expression) == expected


def test_big_integers_are_exact() -> None:
    assert calculate("2 ** 200") == 2**200
    assert calculate("sin(pi / 2)") == pytest.approx(1.0)
    assert calculate("e") == math.e


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('echo hi')",
        "().__class__.__bases__",
        "open('/etc/passwd')",
        "x + 1",
        "[1, 2, 3]",
        "'a' * 3",
        "lambda: 1",
        "1 if True else 2",
        "sqrt(x=4)",
        "True + 1",
        "1 << 10",
        "a.b",
        "{1: 2}",
    ],
)
def test_forbidden_syntax_is_refused(expression: str) -> None:
    with pytest.raises(ToolRetry):
        calculate(expression)


@pytest.mark.parametrize(
    "expression",
    ["9 ** 9 ** 9", "2 ** 100000", "10 ** 40000", "factorial(100000)", "(2 ** 9000) ** 2 ** 4"],
)
def test_huge_results_are_refused_before_computing(expression: str) -> None:
    with pytest.raises(ToolRetry, match=r"too large|above"):
        calculate(expression)


def test_other_refusals_have_clear_messages() -> None:
    with pytest.raises(ToolRetry, match="division by zero"):
        calculate("1 / 0")
    with pytest.raises(ToolRetry, match="not a valid expression"):
        calculate("2 +")
    with pytest.raises(ToolRetry, match="longer than"):
        calculate("1+" * 2000 + "1")
    with pytest.raises(ToolRetry, match="too complex"):
        calculate("+".join(["1"] * 700))
    with pytest.raises(ToolRetry, match="cannot evaluate"):
        calculate("sqrt(-1)")
    with pytest.raises(ToolRetry):
        calculate("10.0 ** 400")


def test_is_a_pure_tool_with_a_schema() -> None:
    assert calculate.side_effects == "none"
    assert calculate.parameters["required"] == ["expression"]
    assert "sqrt" in calculate.description
    assert calculate.call_sync({"expression": "6 * 7"}) == 42


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("2 ^ 3", 8),
        ("2^10", 1024),
        ("Which is bigger, 2^10 or 10^3?", 1024),
        ("which is smaller: 3 squared or 2 cubed", 8),
        ("What is bigger, 17% of 200 or 30?", 34),
    ],
)
def test_caret_is_a_power_and_which_is_bigger_compares(expression: str, expected: float) -> None:
    # people and calculators write powers with ^; "which is bigger, A or B" is the larger value
    assert calculate(expression) == pytest.approx(expected)


def test_split_a_sum_n_ways() -> None:
    from agentfn.library.calculator import calculate

    assert calculate("we want to split 150 euros five ways, what does each of us pay") == 30
    assert calculate("split the 84 dollar taxi 4 ways") == 21
