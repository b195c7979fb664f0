"""Code written inline is offered whole, also when strings inside it hold quotes or parentheses."""

from __future__ import annotations

from agentfn.backends._extract import ExtractionSources
from agentfn.backends._extract_code import whole_calls


def test_calls_are_read_to_their_matching_parenthesis() -> None:
    assert whole_calls("please run print('-'.join(['a', 'b'])) now") == ["print('-'.join(['a', 'b']))"]
    assert whole_calls('try len("x)y") and abs(-3)') == ['len("x)y")', "abs(-3)"]
    assert whole_calls("math.floor(2.5)") == ["math.floor(2.5)"]
    assert whole_calls("print(1") == []  # unclosed: none
    assert whole_calls("no code here") == []


def test_the_whole_call_is_offered_first() -> None:
    code = ExtractionSources("execute print(' | '.join(str(i) for i in range(3)))").of_kind("code")
    assert code[0] == "print(' | '.join(str(i) for i in range(3)))"
