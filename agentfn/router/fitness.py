"""Absolute fit of a request to one tool: signals that do not depend on how many tools are offered.

The abstention model (:mod:`agentfn.router.calibration`) mostly compares a request's best tool with
something else: the next tool, a background of many domains, the registry's probe threshold. Offered one to
three tools from a neighbouring domain ("turn off" for "turn on", a triangle-area tool for a circle-area
question), those comparisons say little. These signals read one request against one tool's name only:

* :func:`action_fit`: whether the request asks for the kind of action the tool's name does. Actions fall in
  groups (:data:`ACTION_GROUPS`: read, create, delete, update, send, on, off; a word may be in several); 1.0
  when the request and the name share a group, 0.0 when both name actions and share none ("cancel my order"
  against ``modify_pending_order_items``, "turn on" against ``HassTurnOff``), 0.5 when either names none.
* :func:`object_fit`: the share of what the name acts on (its words without namespace, actions and
  function words: ``calculate_triangle_area`` -> triangle, area) that the request mentions, as words or as
  their first five letters ("areas"/"area", "reservation"/"reserve"). 0.5 when the name has no such word.

Both are pure and cheap (no encoder); the router takes the best over its top three tools.
"""

from __future__ import annotations

import functools
import re

from agentfn.router.text import split_name

__all__ = ["ACTION_GROUPS", "action_fit", "action_groups", "asked_groups", "name_objects", "object_fit"]


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


ACTION_GROUPS: dict[str, frozenset[str]] = {
    "read": _set(
        "get fetch retrieve show list find search look lookup check read view display query what what's whats "
        "which who when where how status tell see count many much is are any browse"
    ),
    "create": _set(
        "create add make new book schedule reserve set start open post write draft register insert generate plan "
        "put upload"
    ),
    "delete": _set("delete remove cancel clear drop erase discard unsubscribe stop"),
    "update": _set(
        "update modify change edit set add remove rename move adjust increase decrease raise lower reschedule replace swap "
        "exchange upgrade reset dim brighten"
    ),
    "send": _set("send share forward reply notify transfer pay post invite"),
    "on": _set("on enable activate open unlock start resume unpause play unmute"),
    "off": _set("off disable deactivate close lock stop pause mute shut"),
}
"""Groups of action words (lowercase, as written; inflections are matched by :func:`_base`)."""

_FUNCTION = _set(
    "a an the of to in on for and or with by from at as is are be it its my me i you your all info data details "
    "v1 v2 v3 api hass item items"
)
_NEUTRAL = _set("hass turn calculate compute do perform run execute handle process manage")
_WORD = re.compile(r"[a-z][a-z']*")


def _base(word: str) -> str:
    """Inflections folded for action matching: cancelled/cancelling/cancels -> cancel, turned -> turn."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            return stem[:-1] if stem.endswith("ll") else stem
    return word


_ACTION_OF: dict[str, frozenset[str]] = {}
for _group, _words in ACTION_GROUPS.items():
    for _w in _words:
        _ACTION_OF[_w] = _ACTION_OF.get(_w, frozenset()) | {_group}


def _groups_of(words: list[str]) -> frozenset[str]:
    out: set[str] = set()
    for w in words:
        out |= _ACTION_OF.get(w, _ACTION_OF.get(_base(w), frozenset()))
    return frozenset(out)


def _local_name(name: str) -> list[str]:
    """A tool name's words without its namespace (``retail__cancel_pending_order`` -> cancel, pending, order)."""
    return split_name(name.split("__")[-1].split(".")[-1])


@functools.lru_cache(maxsize=1 << 14)
def action_groups(name: str) -> frozenset[str]:
    """The action groups of a tool's name: its first action word, and the next if that is one too
    (``HassTurnOff`` -> off, ``yahoo-mail-delete-email`` -> delete, ``HassListAddItem`` -> read, create)."""
    words = [w for w in _local_name(name) if w not in _NEUTRAL]
    for i, w in enumerate(words):
        got = _groups_of([w])
        if got:
            return got | (_groups_of(words[i + 1 : i + 2]))
    return frozenset()


_CLAUSE = re.compile(r"[a-z][a-z']*|[.,;:!?]")
_LEAD = _set("to please i you we can could would will want need let just now also then and first after turn switch")


def asked_groups(request: str) -> frozenset[str]:
    """Action groups a request asks for: action words opening a clause, or after "to", "please", "can you"..."""
    out: set[str] = set()
    prev = "."
    for w in _CLAUSE.findall(request.lower()):
        if w in ".,;:!?":
            prev = "."
            continue
        if prev == "." or prev in _LEAD:
            out |= _groups_of([w])
        prev = w
    return frozenset(out)


def action_fit(request: str, name: str) -> float:
    """1.0 when the request asks for an action of the tool's kind, 0.0 when it asks only for others, else 0.5."""
    tool = action_groups(name)
    asked = asked_groups(request)
    if not tool or not asked:
        return 0.5
    return 1.0 if tool & asked else 0.0


@functools.lru_cache(maxsize=1 << 14)
def name_objects(name: str) -> frozenset[str]:
    """What a tool's name acts on: its words without namespace, action and function words."""
    words = [
        w
        for w in _local_name(name)
        if w not in _FUNCTION and w not in _NEUTRAL and w not in _ACTION_OF and _base(w) not in _ACTION_OF
    ]
    return frozenset(w for w in words if len(w) > 1 and not w.isdigit())


def object_fit(request: str, name: str) -> float:
    """Share of the tool name's objects (:func:`name_objects`) the request mentions (0.5 when it has none)."""
    objects = name_objects(name)
    if not objects:
        return 0.5
    words = _WORD.findall(request.lower())
    said = {w for w in words} | {_base(w) for w in words} | {w[:5] for w in words if len(w) >= 5}
    hit = sum(1 for o in objects if o in said or _base(o) in said or (len(o) >= 5 and o[:5] in said))
    return hit / len(objects)
