"""Follow-up turns for the small path: an elliptical turn made a request that stands alone.

The embedded small model routes and fills a forced call from the latest user turn only, so in a
conversation "how many km is 3 miles" then "and 10?" or "what about in feet?" had nothing to work with.
:func:`standalone_request` rewrites such a follow-up against the previous request (and its answer):

* **values** the follow-up states (numbers, ISO dates, quoted text, a text after a colon, URLs, file names)
  replace the previous request's values of the same kind; a number replaces the previous number written
  with the same unit or preposition beside it ("and 10 miles?", "and 20%?", "and of 120?"), else the only
  one, else the nearest in size;
* a **target** ("in feet", "into french", a bare "Sydney" after "what about") replaces the object of the
  previous request's last "in/into/to/as" phrase that holds no value, else its "how many/much" noun, else
  is appended; "how many X" replaces the previous "how many Y";
* **"it"/"that"** (as an object, not "is it"/"it is") and "that many/much" stand for the previous answer's
  result (the number after its last "=", else its last number, with the word after it);
* a **new instruction about the previous result** ("and in words?", "now reverse them", "sort them
  descending") is that instruction applied to it (:func:`agentfn._followup_edits.about_previous`).

A follow-up is resolved only when it cannot stand alone: it opens with a continuation ("and", "what
about", "now", "what if"...) and its own words are few or only the previous request's, or it is a bare
value or prepositional fragment, or it refers to the previous result. A full new request ("write a haiku",
"what time is it in Lima?", "and how long is a marathon in miles?") routes on its own words.
:func:`resolve_followups` applies this along a whole conversation (each turn against the resolved one
before it, a short request in another language read in English first: :mod:`agentfn._foreign_requests`)
and returns the messages with the latest user turn made standalone; ``agentfn chat`` and
``agentfn serve`` use it for agents that follow a route (the small path).

Guarantees: pure functions of the texts; None / the messages unchanged when nothing is resolved; a
resolved request only takes its words from the follow-up, the previous request and the previous answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from agentfn._followup_edits import about_previous, own_edit
from agentfn._foreign_requests import english_request
from agentfn._openers import OPENER
from agentfn.messages import AssistantMessage, Message, UserMessage

__all__ = ["LatestTurnRouter", "previous_result", "resolve_followups", "standalone_request"]

_OPENING = re.compile(rf"^(?:(?:{OPENER})[\s,!.:;-]*)+", re.I)
"""Greetings, filler and thanks a turn opens with (:mod:`agentfn._openers`): "cool, thanks! and in feet?"."""
_LEAD = re.compile(
    r"^(?:(?:and|but|now|then|also)\s+)?(?:(?:what|how)\s+about|what\s+if|same\s+(?:for|with|but)|and|now|then|also)\b[\s,]*",
    re.I)
_VALUE = re.compile(
    r"(?P<url>https?://[^\s'\"<>]+[^\s'\"<>.,;:!?)])"
    r"|(?P<quote>(?<!\w)'[^']{1,}'(?!\w)|\"[^\"]{1,}\"|“[^”]{1,}”)"
    r"|(?P<date>(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?(?!\d))"
    r"|(?P<file>(?<![\w/.:-])[\w-]+(?:/[\w.-]+)*\.[A-Za-z][A-Za-z0-9]{0,4}(?![\w.]))"
    r"|(?P<number>(?<![\w.:/-])-?\d+(?:,\d{3})*(?:\.\d+)?%?(?![\w:-]))")
_UNIT_AFTER = re.compile(r"\0\s*(?:[a-z°][\w/°]*)?", re.I)
"""A number blanked by :func:`_blank_value` and the unit written after it."""
_WORD = re.compile(r"[a-z][a-z'/]*", re.I)
_FUNCTION = frozenset([
    "a", "an", "the", "of", "in", "into", "to", "for", "as", "at", "by", "on", "with", "from", "about", "is",
    "are", "was", "were", "be", "it", "its", "this", "that", "there", "these", "those", "if", "so", "than",
    "then", "me", "us", "we", "you", "i", "my", "our", "your", "one", "ones", "more", "please", "instead",
    "too", "again", "just",
])
_QUESTION = frozenset(["what", "whats", "what's", "how", "which", "when", "where", "who", "why"])
_PREPOSITION = re.compile(r"^(?:in|into|to|as|for|of|at|on)\b", re.I)
_TARGET = re.compile(r"\b(in|into|to|as)\s+((?:[a-z][\w/°'-]*)(?:\s+[a-z][\w/°'-]*){0,2})\s*(?=[?.!,;]|$)", re.I)
_HOW_MANY = re.compile(r"\bhow\s+(?:many|much)\s+([a-z][\w/°-]*)", re.I)
_PRONOUN = re.compile(
    r"\b(?:that\s+(?:many|much)|the\s+(?:result|answer|total)|it|that(?=\s*(?:$|[?.!,;]|(?:to|in|into|by|from|with|"
    r"as|for|and|plus|minus|times|divided)\b)))\b(?!\s*(?:is|was|'s|’s)\b)", re.I)
_LINKED = re.compile(r"^(until|till|since|before|after|from|for|on|at|by|with|without|near|between)\s+(.+)$", re.I)
"""A fragment that opens with a preposition other than a target's ("until new year", "for two people")."""
_POINTER = re.compile(r"\b(?:them|those|these|this|they)\b", re.I)
"""A word that points at something earlier: "now reverse them" is a new instruction, not a new target."""
_DUMMY_IT = re.compile(r"\b(?:is|was|does|did|will)\s+$", re.I)
_RESULT = re.compile(r"(?<![\w.])(-?\d+(?:,\d{3})*(?:\.\d+)?%?)(?:\s+([a-z][\w/°]*))?", re.I)


def _blank_value(m: re.Match[str]) -> str:
    return " \0 " if m.lastgroup == "number" else " "


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(_VALUE.sub(" ", text))]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _values(text: str) -> list[tuple[str, re.Match[str]]]:
    return [(m.lastgroup or "", m) for m in _VALUE.finditer(text)]


def _beside(text: str, m: re.Match[str]) -> tuple[str, str]:
    """The word before and the word after a value (its preposition and its unit)."""
    before = re.findall(r"([a-z]+)\W*$", text[: m.start()], re.I)
    after = re.match(r"\s*([a-z°][\w/°]*)", text[m.end():], re.I)
    unit = "%" if m.group().endswith("%") else (after.group(1).lower() if after else "")
    return (before[0].lower() if before else ""), _stem(unit)


def _as_number(raw: str) -> float:
    return float(raw.rstrip("%").replace(",", ""))


def _pick_number(previous: str, olds: list[re.Match[str]], new: re.Match[str], follow: str) -> re.Match[str] | None:
    before, unit = _beside(follow, new)
    sides = [_beside(previous, m) for m in olds]
    for i, (_, u) in enumerate(sides):
        if unit and u == unit:
            return olds[i]
    for i, (b, _) in enumerate(sides):
        if before and before not in ("and", "about", "if", "were", "what") and b == before:
            return olds[i]
    if len(olds) == 1:
        return olds[0]
    if not olds:
        return None
    size = abs(_as_number(new.group())) + 1.0
    return min(olds, key=lambda m: abs(math.log(size / (abs(_as_number(m.group())) + 1.0))))


def _passage(text: str) -> str | None:
    """The text after a colon that only function words lead ("this: dogs bark", ": a new text")."""
    head, colon, passage = text.partition(":")
    if not colon or not passage.strip() or any(w not in _FUNCTION for w in _words(head)):
        return None
    return passage.strip()


def _replace_values(previous: str, follow: str) -> str | None:
    """``previous`` with the follow-up's values in place of its own (None when a value has no place)."""
    new_values = _values(follow)
    passage = _passage(follow)
    out = previous
    if passage is not None:
        return previous.split(":", 1)[0] + ": " + passage if ":" in previous else None
    for kind, new in new_values:
        olds = [m for k, m in _values(out) if k == kind]
        if kind == "number":
            old = _pick_number(out, olds, new, follow)
        elif kind == "date" and len(olds) > 1:
            index = [m for k, m in new_values if k == "date"].index(new)
            old = olds[min(index, len(olds) - 1)] if len(new_values) > 1 else olds[-1]
        else:
            old = olds[-1] if olds else None
        if old is None:
            return None
        out = out[: old.start()] + new.group() + out[old.end():]
    return out


def _targets(previous: str) -> list[re.Match[str]]:
    """The "in/into/to/as X" phrases of ``previous`` whose X is no value (a target it asks for)."""
    return [m for m in _TARGET.finditer(previous) if not _VALUE.match(m.group(2))]


def _replace_target(previous: str, target: str) -> str:
    targets = _targets(previous)
    if targets:
        m = targets[-1]
        return previous[: m.start(2)] + target + previous[m.end(2):]
    many = _HOW_MANY.search(previous)
    if many:
        return previous[: many.start(1)] + target + previous[many.end(1):]
    return previous.rstrip(" ?.!") + f" in {target}"


def previous_result(answer: str) -> str | None:
    """The result an answer states: the number after its last "=" (else its last number) and the word after it."""
    tail = answer.rsplit("=", 1)[-1]
    found = list(_RESULT.finditer(tail))
    if not found:
        return None
    m = found[0] if "=" in answer else found[-1]
    unit = m.group(2) or ""
    return m.group(1) + (f" {unit}" if unit and unit.lower() not in _FUNCTION else "")


def _refers_back(text: str) -> re.Match[str] | None:
    """The first "it"/"that" of ``text`` that stands for a result ("what time is it": no result)."""
    for m in _PRONOUN.finditer(text):
        if not (m.group().lower() == "it" and _DUMMY_IT.search(text[: m.start()])):
            return m
    return None


def _stands_alone(rest: str, previous: str) -> bool:
    words = _words(rest)
    known = {_stem(w) for w in _words(previous)}
    new = [w for w in words if w not in _FUNCTION and _stem(w) not in known and w not in _QUESTION]
    return bool(new) and (any(w in _QUESTION for w in words) or len(words) >= 4)


def standalone_request(previous: str, followup: str, previous_answer: str | None = None) -> str | None:
    """``followup`` rewritten against the ``previous`` request as a request that stands alone, or None
    when it stands alone already (see the module docstring)."""
    text = _OPENING.sub("", followup.strip())
    lead = _LEAD.match(text)
    rest = text[lead.end():].strip() if lead and lead.end() else text
    rest = rest.rstrip(" ?!.")
    about = about_previous(rest, previous_answer, previous_result(previous_answer or ""))
    if about is not None:  # "and in words?", "now reverse them": a new instruction about the previous result
        return about
    if own_edit(rest):  # "write 12 in words": an edit of its own value stands alone
        return None
    pronoun = _refers_back(rest)
    result = previous_result(previous_answer or "") if pronoun is not None else None
    if pronoun is not None:  # "it"/"that" is the previous result; without one there is nothing to resolve
        return (rest[: pronoun.start()] + result + rest[pronoun.end():]).strip() if result is not None else None
    if not rest or not previous.strip():
        return None
    continued = bool(lead and lead.end())
    fragment = (bool(_values(rest)) and len(_words(rest)) <= 3) or (bool(_PREPOSITION.match(rest)) and len(_words(rest)) <= 3)
    if not (continued or fragment):
        return None
    many = _HOW_MANY.fullmatch(rest)
    if many and _HOW_MANY.search(previous):
        return _replace_target(previous, many.group(1))
    passage = _passage(rest)
    if passage is None and _stands_alone(rest, previous):
        return None
    out = previous
    if _values(rest) or passage is not None:
        replaced = _replace_values(previous, rest)
        if replaced is None:
            return None
        out = replaced
    remainder = " ".join(_UNIT_AFTER.sub(" ", _VALUE.sub(_blank_value, rest)).split())
    target = re.match(r"^(?:in|into|to|as)\s+(.+)$", remainder, re.I)
    if target:
        out = _replace_target(out, target.group(1))
    elif continued and remainder and not _values(rest) and len(_words(remainder)) <= 3 and remainder[0].isalpha():
        phrase = _LINKED.match(remainder)
        if phrase:  # "and until new year?": the previous request's phrase with that preposition takes the new object
            out = _replace_phrase(out, phrase.group(1), phrase.group(2)) or out
        elif _has_target(out) and not _POINTER.search(remainder):  # "and feet?": a new target, nothing else
            out = _replace_target(out, remainder)
    return out if out != previous else None


def _has_target(previous: str) -> bool:
    return bool(_targets(previous)) or _HOW_MANY.search(previous) is not None


def _replace_phrase(previous: str, preposition: str, words: str) -> str | None:
    """``previous`` with the object of its last ``preposition`` phrase replaced by ``words`` (None without one)."""
    found = list(re.finditer(rf"\b{re.escape(preposition)}\s+([^?.!,;:]+?)\s*(?=[?.!,;:]|$)", previous, re.I))
    if not found:
        return None
    m = found[-1]
    return previous[: m.start(1)] + words + previous[m.end(1):]


def resolve_followups(messages: Sequence[Message]) -> list[Message]:
    """``messages`` with the latest user turn made standalone (:func:`standalone_request`), each earlier turn
    resolved against the one before it first, and a short request in another language read in English
    (:func:`agentfn._foreign_requests.english_request`); unchanged when the latest turn stands alone."""
    resolved: str | None = None
    answer: str | None = None
    last = -1
    text = ""
    for i, m in enumerate(messages):
        if isinstance(m, UserMessage):
            text = str(m.content)
            if resolved is not None:
                text = standalone_request(resolved, text, answer) or text
            text = english_request(text) or text  # "¿Cuántos kilómetros son 3 millas?": read in English
            resolved, answer, last = text, None, i
        elif isinstance(m, AssistantMessage) and m.content and not m.tool_calls:
            answer = m.content
    out = list(messages)
    if last >= 0 and text != messages[last].content:
        out[last] = UserMessage(content=text)
    return out


class LatestTurnRouter:
    """A router that routes a conversation on its latest user turn alone (the small path's routers).

    Once a follow-up is made a request that stands alone, the earlier turns only pull a new topic back to
    the previous one's tools ("what is the local time in Oslo?" after two recipe turns went to the recipe
    tool); a first turn routes exactly as before. Other attributes are the wrapped router's.
    """

    def __init__(self, router: Any) -> None:
        self.router = router  # ``agentfn.agent`` finds the records behind ``.router``

    def route(self, query: str | Sequence[Any], k: int = 10) -> Any:
        """The wrapped router's plan for the latest user turn of ``query`` (a text is routed as it is)."""
        from agentfn.router.text import query_from_messages

        text = query if isinstance(query, str) else query_from_messages(query, context_turns=0)[0]
        return self.router.route(text, k=k)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.router, name)
