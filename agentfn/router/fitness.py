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

* ``agree`` (:func:`fit_features`): 0.0 when every top tool's action clashes with the request's (each
  :func:`action_fit` is 0.0), else 1.0. A clash is the sharpest near-domain sign ("add an hour to my timer"
  offered only ``PauseTimer``); a request or name whose action is unknown is no clash.
* ``reads``: 1.0 when the request is a question that reads (:func:`~agentfn.router.mood.asks_to_read`: "are all
  the lights off?") and some top tool does not change state (:func:`~agentfn.router.mood.changes_state`): such
  requests use few of a reading tool's words ("are the windows closed" against ``GetState``).

All are pure and cheap (no encoder); the router takes the best over its top three tools (:func:`fit_features`).
Clause-opening "on"/"off" count as actions only after "turn"/"switch" ("On Nextcloud, share ..." is a place),
"tell me/us" and "give me" read while "tell Ann ..." and "drop Ann a line" send, "get rid of" deletes, and a delayed command ("in 10
minutes") also asks to create (a timer or schedule).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence

from agentfn.router.mood import asks_to_read, changes_state
from agentfn.router.text import split_name

__all__ = [
    "ACTION_GROUPS",
    "FIT_FEATURES",
    "action_fit",
    "action_groups",
    "asked_groups",
    "asked_words",
    "base_form",
    "fit_features",
    "name_actions",
    "name_objects",
    "object_fit",
]

FIT_FEATURES = ("act", "obj", "agree", "reads")
"""The abstention features :func:`fit_features` computes."""


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


ACTION_GROUPS: dict[str, frozenset[str]] = {
    "read": _set(
        "get fetch retrieve show list find search look lookup check read view display query what what's whats "
        "which who when where how status see count many much is are any browse"
    ),
    "create": _set(
        "create add make new book schedule reserve set start open post write draft register insert generate plan "
        "put upload"
    ),
    "delete": _set("delete remove cancel clear drop erase discard unsubscribe stop scrap trash ditch abort revoke void terminate"),
    "update": _set(
        "update modify change edit set add remove rename move adjust increase decrease raise lower reschedule replace swap "
        "exchange upgrade reset dim brighten"
    ),
    "send": _set("send share forward reply notify transfer pay post invite"),
    "on": _set("on enable activate open unlock start resume unpause play unmute"),
    "off": _set("off disable deactivate close lock stop pause mute shut revoke"),
}
"""Groups of action words (lowercase, as written; inflections are matched by :func:`_base`)."""

_FUNCTION = _set(
    "a an the of to in on for and or with by from at as is are be it its my me i you your all info data details "
    "v1 v2 v3 api hass item items"
)
_NEUTRAL = _set("hass turn calculate compute do perform run execute handle process manage")
_WORD = re.compile(r"[a-z][a-z']*")


def base_form(word: str) -> str:
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
        out |= _ACTION_OF.get(w, _ACTION_OF.get(base_form(w), frozenset()))
    return frozenset(out)


def _local_name(name: str) -> list[str]:
    """A tool name's words without its namespace (``retail__cancel_pending_order`` -> cancel, pending, order)."""
    return split_name(name.split("__")[-1].split(".")[-1])


@functools.lru_cache(maxsize=1 << 14)
def name_actions(name: str, extra: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The action words of a tool's name: its first action word, the next if that is one too, and any after
    "and" (``HassTurnOff`` -> off, ``HassListAddItem`` -> list, add, ``HassMediaSearchAndPlay`` -> search, play).
    Action words are those of :data:`ACTION_GROUPS` and ``extra``."""
    words = [w for w in _local_name(name) if w not in _NEUTRAL]
    after_and = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "and" and _is_action(words[i + 1], extra)]
    for i, w in enumerate(words):
        if _is_action(w, extra):
            return (w, *(x for x in words[i + 1 : i + 2] if _is_action(x, extra)), *after_and)
    return ()


def _is_action(word: str, extra: frozenset[str]) -> bool:
    return bool(_groups_of([word])) or word in extra or base_form(word) in extra


def action_groups(name: str) -> frozenset[str]:
    """The action groups of a tool's name (:func:`name_actions`: ``HassTurnOff`` -> off, ``yahoo-mail-delete-email``
    -> delete, ``HassListAddItem`` -> read, create, ``HassMediaSearchAndPlay`` -> read, on)."""
    return _groups_of(list(name_actions(name)))


_CLAUSE = re.compile(r"[a-z][a-z'-]*|[.,;:!?]")
_SWITCH = _set("turn switch power")
_NOTE = re.compile(r"(?:[a-z'-]+ ){0,2}an? (?:line|note|message|email|mail|text|dm)\b")
_DELAY = re.compile(r"\b(?:in|after)\s+(?:\d+|an?|one|two|five|ten|half an?)\s*(?:sec|min|hour|hr|day|week)", re.I)
_ASKED_ONLY = frozenset(["email", "mail", "message", "write", "ping", "dm"])
"""Words that ask for an action when they open a request's clause ("email Ann the notes") but name an object in a
tool's name (``delete_email``)."""
_LEAD = _set("to please i you we can could would will want need let just now also then and first after turn switch")


@functools.lru_cache(maxsize=1 << 12)
def asked_words(request: str, extra: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Action words (of :data:`ACTION_GROUPS` and ``extra``) a request asks with: words opening a clause, or after
    "to", "please", "can you"... Phrases
    read as one word: "tell me" -> show, "tell Ann" -> send, "get rid of" -> delete, "drop Ana a line" -> send,
    "email Ann" -> send; a delayed command ("in 10 minutes") adds create (a timer or schedule does it later)."""
    out: list[str] = []
    prev = "."
    words = _CLAUSE.findall(request.lower())
    for i, w in enumerate(words):
        if w in ".,;:!?":
            prev = "."
            continue
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if prev == "." or prev in _LEAD:
            if w in ("on", "off") and prev not in _SWITCH:
                pass  # "On Nextcloud, ...": a place, not an action
            elif w in ("tell", "give"):
                out.append("show" if nxt in ("me", "us") else "send")
            elif w == "get" and nxt == "rid":
                out.append("delete")
            elif w in ("drop", "shoot") and _NOTE.match(" ".join(words[i + 1 : i + 5])):
                out.append("send")  # "drop Ana a line", "shoot me an email"
            elif w in _ASKED_ONLY:
                out += [w, "send"]
            elif _is_action(w, extra):
                out.append(w)
        prev = w
    if _DELAY.search(request):
        out.append("create")
    return tuple(out)


def asked_groups(request: str) -> frozenset[str]:
    """Action groups a request asks for (the groups of its :func:`asked_words`)."""
    return _groups_of(list(asked_words(request)))


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
        if w not in _FUNCTION and w not in _NEUTRAL and w not in _ACTION_OF and base_form(w) not in _ACTION_OF
    ]
    return frozenset(w for w in words if len(w) > 1 and not w.isdigit())


def object_fit(request: str, name: str) -> float:
    """Share of the tool name's objects (:func:`name_objects`) the request mentions (0.5 when it has none)."""
    objects = name_objects(name)
    if not objects:
        return 0.5
    said = _said(request)
    hit = sum(1 for o in objects if o in said or base_form(o) in said or (len(o) >= 5 and o[:5] in said))
    return hit / len(objects)


@functools.lru_cache(maxsize=1 << 12)
def _said(request: str) -> frozenset[str]:
    """A request's words, their bases and their first five letters (what :func:`object_fit` matches)."""
    words = _WORD.findall(request.lower())
    return frozenset(words) | {base_form(w) for w in words} | {w[:5] for w in words if len(w) >= 5}


def fit_features(request: str, names: Sequence[str], needed: Collection[str] = FIT_FEATURES) -> dict[str, float]:
    """:data:`FIT_FEATURES` of a request against its top tools (each the best over ``names``; see the module doc):
    those in ``needed`` (``act`` and ``agree`` come together)."""
    out: dict[str, float] = {}
    if "act" in needed or "agree" in needed:
        acts = [action_fit(request, n) for n in names]
        out["act"] = max(acts, default=0.5)
        out["agree"] = 0.0 if acts and max(acts) == 0.0 else 1.0
    if "obj" in needed:
        out["obj"] = max((object_fit(request, n) for n in names), default=0.5)
    if "reads" in needed:
        out["reads"] = 1.0 if asks_to_read(request) and any(not changes_state(n) for n in names) else 0.0
    return {k: out[k] for k in FIT_FEATURES if k in out}
