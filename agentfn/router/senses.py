"""Fine action senses: "add time" is not "remove time", "pause" is not "start", though both change the same thing.

:mod:`agentfn.router.fitness` sorts action words into a few broad groups (read, create, delete, update, send, on,
off), so a request and a tool of one domain that do different things to the same object often share one: "add 30
seconds to my timer" and ``DecreaseTimer`` are both updates, "remove 10 minutes from the timer" and
``CancelTimer`` both delete. Offered only such a tool, the request looks served. This module reads the same action
words (:func:`~agentfn.router.fitness.asked_words`, :func:`~agentfn.router.fitness.name_actions`) with finer senses
(:data:`SENSES`: more, less, make, end, pause, resume, on, off, read, edit, send, move, pay, buy, skip; a word
may have several):

* ``sense`` (:func:`sense_features`): the best over the top tools of :func:`sense_fit`: 1.0 when the request and the
  tool's name share a sense, 0.0 when both have senses and share none, 0.5 when either has none (a paraphrase
  the lexicon does not know is no evidence either way).
* ``sagree``: 0.0 when every top tool's sense fit is 0.0 (each one does something else to what is asked), else 1.0.
* ``spair``: the best :func:`~agentfn.router.fitness.object_fit` (share of the name's objects the request mentions)
  over the top tools whose sense fit is above 0: one tool both does what is asked and names what it is done to
  (as ``pair`` of :mod:`agentfn.router.pairfit` with broad groups); 0.0 when every top tool's sense clashes.

Pure and cheap (words only, cached per request and per name), in [0, 1], one request against one tool at a time:
they mean the same whether one tool or fifty are offered.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence

from agentfn.router.fitness import asked_words, base_form, name_actions, object_fit

__all__ = ["SENSES", "SENSE_FEATURES", "asked_senses", "name_senses", "sense_features", "sense_fit"]

SENSE_FEATURES = ("sense", "sagree", "spair")
"""The abstention features :func:`sense_features` computes."""


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


SENSES: dict[str, frozenset[str]] = {
    "more": _set("increase add raise extend boost brighten up plus grow expand"),
    "less": _set("decrease reduce lower subtract dim shorten minus shrink remove"),
    "make": _set("create add make new set start open post write draft register insert generate plan put upload book "
                 "schedule reserve"),
    "end": _set("delete remove cancel clear drop erase discard unsubscribe stop scrap trash ditch abort revoke void "
                "terminate"),
    "pause": _set("pause stop"),
    "resume": _set("resume unpause continue start play"),
    "on": _set("on enable activate unlock open start play unmute"),
    "off": _set("off disable deactivate close lock stop shut mute"),
    "read": _set("get fetch retrieve show list find search look lookup check read view display query what what's "
                 "whats which who when where how status see count many much is are any browse"),
    "edit": _set("update modify change edit set rename adjust replace swap reset"),
    "send": _set("send share forward reply notify post invite email mail message write ping dm"),
    "move": _set("move reschedule transfer"),
    "pay": _set("pay transfer"),
    "buy": _set("buy order"),
    "skip": _set("skip next previous"),
    "back": _set("return exchange refund"),
}
"""Fine senses of action words (lowercase; inflections matched as :mod:`agentfn.router.fitness` matches them)."""

_SENSE_OF: dict[str, frozenset[str]] = {}
for _sense, _words in SENSES.items():
    for _w in _words:
        _SENSE_OF[_w] = _SENSE_OF.get(_w, frozenset()) | {_sense}


_WORDS = frozenset(_SENSE_OF)


def _senses(words: Sequence[str]) -> frozenset[str]:
    out: set[str] = set()
    for w in words:
        out |= _SENSE_OF.get(w, _SENSE_OF.get(base_form(w), frozenset()))
    return frozenset(out)


_AMOUNT = re.compile(
    r"\b(?:(add|put|give)|(remove|take|subtract))\s+(?:another\s+|an\s+extra\s+)?"
    r"(?:\d[\d.,]*|two|three|four|five|ten|fifteen|twenty|thirty|half)\s+(?!of\b)[a-z]",
    re.IGNORECASE,
)
"""An amount added or removed ("add 30 seconds to", "remove 2 minutes from"): a change by that much, not a new
or a deleted thing."""


def asked_senses(request: str) -> frozenset[str]:
    """The senses a request asks for ("set a timer for 5 minutes" -> make, edit; "add 30 seconds to my timer" ->
    more: adding or removing an amount asks for more or less of something, not to make or end it)."""
    senses = _senses(asked_words(request, _WORDS))
    amount = _AMOUNT.search(request)
    if amount:
        senses = (senses - {"make", "end"}) | {"more" if amount.group(1) else "less"}
    return senses


@functools.lru_cache(maxsize=1 << 14)
def name_senses(name: str) -> frozenset[str]:
    """The senses of a tool name's action words (``HassDecreaseTimer`` -> less)."""
    return _senses(name_actions(name, _WORDS))


def sense_fit(request: str, name: str) -> float:
    """1.0 when the request asks for a sense of the tool's action, 0.0 when both have senses and share none, else 0.5."""
    tool, asked = name_senses(name), asked_senses(request)
    if not tool or not asked:
        return 0.5
    return 1.0 if tool & asked else 0.0


def sense_features(request: str, names: Sequence[str], needed: Collection[str] = SENSE_FEATURES) -> dict[str, float]:
    """:data:`SENSE_FEATURES` of a request against its top tools (see the module doc): those in ``needed``."""
    if not needed or not set(needed) & set(SENSE_FEATURES):
        return {}
    fits = [sense_fit(request, n) for n in names]
    out = {"sense": max(fits, default=0.5), "sagree": 0.0 if fits and max(fits) == 0.0 else 1.0}
    if "spair" in needed:
        out["spair"] = max((object_fit(request, n) for n, f in zip(names, fits, strict=True) if f > 0.0), default=0.0)
    return {k: v for k, v in out.items() if k in needed}
