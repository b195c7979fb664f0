"""One list of opening greetings, filler and thanks (``agentfn._openers``) serves the three readers that strip
them: the router's mood (``without_lead``), follow-up resolution and the chit-chat cue."""

from __future__ import annotations

import re

import pytest

from agentfn._followups import standalone_request
from agentfn._openers import GREETINGS, OPENER, THANKS, phrases
from agentfn._request_cues import only_pleasantries
from agentfn.router.mood import asks_to_read, without_lead

_LEADING = re.compile(rf"^(?:(?:{OPENER})[\s,:!.-]*)+", re.I)


@pytest.mark.parametrize(("text", "rest"), [
    ("howdy, is the garage door open?", "is the garage door open?"),
    ("good afternoon! quick question: is the kettle on", "is the kettle on"),
    ("cool, and in yards?", "and in yards?"),
    ("great and 20?", "and 20?"),
    ("thanks a lot! what about Lima", "what about Lima"),
    ("hmmm ok so what's 4 squared", "what's 4 squared"),
    # a reaction word that is the request's own word stays
    ("cool the bedroom to 19 degrees", "cool the bedroom to 19 degrees"),
    ("great barrier reef facts", "great barrier reef facts"),
    ("well water testing kits", "well water testing kits"),
])
def test_an_opener_is_stripped_only_where_it_asks_for_nothing(text: str, rest: str) -> None:
    m = _LEADING.match(text)
    assert (text[m.end():] if m else text) == rest


def test_the_three_readers_know_the_same_greetings() -> None:
    for greeting in ("howdy", "good afternoon", "hiya there"):
        assert without_lead(f"{greeting}, is the porch light on?") == "is the porch light on?"
        assert asks_to_read(f"{greeting}, is the porch light on?")
        assert only_pleasantries(f"{greeting}!")
        assert standalone_request("how many cups is 3 litres", f"{greeting}, and 5 litres?") == "how many cups is 5 litres"
    assert not only_pleasantries("howdy, what's 7 times 6")


def test_thanks_before_a_followup_and_alone() -> None:
    assert standalone_request("what's the time in Perth", "thanks so much! and in Hobart?") == "what's the time in Hobart"
    assert standalone_request("what's the time in Perth", "thanks!") is None
    assert only_pleasantries("thank you very much in advance")


def test_phrases_is_an_alternation_of_whole_phrases() -> None:
    pattern = re.compile(rf"^{phrases(GREETINGS, THANKS, there=True)}\b", re.I)
    assert pattern.match("Good   Morning there") and pattern.match("many thanks")
    assert not pattern.match("hiking boots")
