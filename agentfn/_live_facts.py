"""Requests for live facts: what the world is like *now*, which no offline model can know.

The embedded default answers a request no tool fits with the model's own plain reply (``generate``).
That is right for chit-chat ("hi", "tell me a joke") and for writing, but a 135M model asked "what's
the weather in Paris tomorrow?" invents a forecast. :func:`asks_live_fact` tells such requests apart:
a request for information (not a writing task, not about the assistant itself, not about a text, URL
or file it gives) whose answer depends on the present state of the world, because it

* is anchored at the present or the recent past or near future ("now", "today", "currently",
  "latest", "tonight", "tomorrow", "this weekend", "last night"...), or
* asks about a kind of fact that only exists as live data (:func:`live_kinds`): weather and
  forecasts, market prices, exchange rates, news, match scores and results, traffic, travel
  schedules, what is open.

A request dated in a past year ("who won the cup in 2018") is history, not live data.
:func:`serves` says whether a tool serves a kind (one of the kind's words is in its name or
description: "euro to dollar rate right now" is not what ``now`` returns); the small-model path
(:class:`agentfn._small_path.PlainReplyRouter`) then gives the plain reply, which answers a live fact
with the honest :data:`NO_LIVE_TOOL` instead of an invented one.

Guarantees: pure functions of the request text (and the offered tool specs); a writing task ("write a
poem about the weather"), a request about the assistant ("how are you today?") or one that brings its
own data (quoted text, a URL, a file name) is never a live fact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from agentfn._values import quoted_spans

__all__ = ["NO_LIVE_TOOL", "asks_live_fact", "live_kinds", "serves"]

NO_LIVE_TOOL = (
    "I can't look that up: none of my tools has live or current information (weather, prices, news, scores, "
    "schedules), and I won't guess it. Ask me for something my tools do instead; `agentfn tools list` (with the "
    "same --tools) shows them."
)
"""The reply to a live fact no tool serves (no digits: nothing in it reads as a figure; it names no tool, since
the toolset may be the user's own)."""

_WRITING = re.compile(
    r"\b(?:write|draft|compose|create|make up|generate|poem|haiku|story|limerick|joke|tweet|essay|song|slogan|"
    r"rhyme|caption|pretend|imagine|role-?play|translate|summari[sz]e)\b",
    re.I,
)
_FRAMES = re.compile(
    r"^\s*(?:(?:hey|hi|hello|ok(?:ay)?|so|please|pls|quick question)\b[\s,!.:]*)*"
    r"(?:(?:can|could|would|will) you(?: please)?|do you know|(?:please )?tell me|i(?:'d| would) like to know|"
    r"i want to know|i wonder|any idea)?\b[\s,]*",
    re.I,
)
_ABOUT_YOU = re.compile(r"\b(?:you|your|yours|yourself|u|ur)\b", re.I)
_OWN_DATA = re.compile(r"https?://|(?<![\w/])[\w-]+\.(?:txt|md|csv|json|py|log|html|pdf|ya?ml)\b|:\s*\S+(?:\s+\S+){3}", re.I)
_PRESENT = re.compile(
    r"\b(?:right now|now|currently|current|today(?:'s)?|tonight(?:'s)?|tomorrow(?:'s)?|yesterday(?:'s)?|"
    r"this (?:morning|afternoon|evening|week(?:end)?|month|year|season)|next (?:week(?:end)?|month|hour)|"
    r"last (?:night|week(?:end)?|game|match|race)|latest|recent(?:ly)?|at the moment|as of|up to date|"
    r"so far|these days|trending)\b",
    re.I,
)
_GOODS = r"(?:stocks?|shares?|bitcoin|btc|ethereum|crypto\w*|gold|silver|oil|gas|petrol|fuel)"
_MONEY = r"(?:euros?|eur|dollars?|usd|yen|jpy|gbp|pounds?|sterling|francs?|chf|pesos?|rupees?|yuan|won)"
_KINDS: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {
    # kind: (how a request asks for it, the words of a tool that serves it)
    "weather": (re.compile(r"\b(?:weather|forecast|rain(?:ing|y)?|snow(?:ing|y)?|storms?|sunny|humidity|umbrella)\b", re.I), ("weather", "forecast")),
    "price": (re.compile(rf"\b(?:(?:price|quote|value|worth) of (?:\w+ ){{0,2}}{_GOODS}|{_GOODS} (?:prices?|quotes?|market)|"
                         rf"stock market|stocks?)\b", re.I), ("price", "quote", "stock", "market")),
    "rate": (re.compile(rf"\b(?:exchange rates?|(?:interest|mortgage|inflation) rates?|{_MONEY} (?:to|in|into|against|vs) "
                        rf"{_MONEY})\b", re.I), ("exchange", "currency", "currencies", "rate")),
    "news": (re.compile(r"\b(?:headlines?|news)\b", re.I), ("news", "headline")),
    "score": (re.compile(r"\b(?:(?:the|final|live) scores?|scores? (?:of|in|for) the|standings|who won|"
                         r"who(?:'s| is) winning)\b", re.I), ("score", "sport", "match", "league")),
    "traffic": (re.compile(r"\btraffic\b", re.I), ("traffic",)),
    "schedule": (re.compile(r"\b(?:(?:flight|train|bus) (?:status|times?|schedule|delays?|services?)|flights? [a-z]{2}\s?\d+)\b",
                            re.I), ("flight", "train", "timetable", "schedule")),
    "open": (re.compile(r"\b(?:open (?:now|today|tonight)|opening hours|in stock)\b", re.I), ("opening", "store", "shop")),
}
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def _subject(request: str) -> str:
    """The request without greetings and request frames ("can you tell me", "do you know")."""
    text = " ".join(request.split())
    while (frame := _FRAMES.match(text)) is not None and frame.end() > 0:
        text = text[frame.end():]
    return text


def live_kinds(request: str) -> list[str]:
    """The kinds of live data a request names ("weather", "price", "rate", "news"...), in table order."""
    subject = _subject(request)
    return [kind for kind, (pattern, _) in _KINDS.items() if pattern.search(subject)]


def asks_live_fact(request: str, *, today: datetime | None = None) -> bool:
    """Whether ``request`` asks for a fact about the world as it is now (see the module docstring)."""
    subject = _subject(request)
    if not subject or _WRITING.search(subject) or _ABOUT_YOU.search(subject):
        return False  # a writing task; "how are you today?", "what are you doing now": chit-chat
    if quoted_spans(subject) or _OWN_DATA.search(subject):
        return False  # the request brings its data: a text, a URL, a file
    year = (today or datetime.now(UTC)).year
    if any(int(y) < year for y in _YEAR.findall(subject)) and not _PRESENT.search(subject):
        return False  # "who won the cup in 2018": a dated fact, not live data
    return _PRESENT.search(subject) is not None or bool(live_kinds(subject))


def serves(spec: Mapping[str, Any], kind: str) -> bool:
    """Whether a tool (an OpenAI-format spec) serves a kind of live data: its name or description uses one
    of the kind's words."""
    fn: Mapping[str, Any] = spec.get("function", spec)
    words = set(re.findall(r"[a-z]+", f"{fn.get('name', '')} {fn.get('description', '')}".replace("_", " ").lower()))
    return any(w in words or w + "s" in words for w in _KINDS[kind][1])
