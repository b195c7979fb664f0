"""Requests to act in the world ("remind me at 6pm", "book a table", "turn off the lights"): only a tool can.

A plain reply can write, explain and answer, but it cannot set a reminder, send a message, book, buy,
call or switch anything. Forced to call a tool, the embedded small model answered "remind me to call
mom at 6pm" with ``convert_timezone`` (the only thing "6pm" fills), and a plain reply would pretend it
had done it. :func:`world_action` recognises such a request by its leading verb (after "please", "can
you"...), or by "set/add/create" with an object only a tool keeps (an alarm, a timer, a reminder, a
calendar entry, a list or a cart); :func:`action_words` are the words a tool that does it would use
(the verb and that object), and :func:`does` says whether a tool's name or first sentence uses one (not
its whole description: ``json_query``'s example about a bookstore does not book);
:func:`other_words` are the request's other content words (amounts and their units left out: "15
minutes" does not ask for ``date_add``); :data:`NO_ACTION_TOOL` is the honest reply when no tool does it.

Guarantees: pure functions of the request text; a request for text ("send me a poem", "call me Bob",
"play a word game", "order these numbers") is not an action; a writing verb ("write a reminder note")
leads, so it is never one either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agentfn._grounding import instruction_words
from agentfn._passage_tasks import leading_verb, split_passage
from agentfn._values import stem

__all__ = ["NO_ACTION_TOOL", "action_words", "does", "other_words", "world_action"]

NO_ACTION_TOOL = (
    "I can't do that: none of my tools can act on it for you (set reminders or alarms, send messages, book, "
    "buy, call or switch devices), so nothing was done. Ask me for something my tools do instead; "
    "`agentfn tools list` (with the same --tools) shows them."
)
"""The reply to a request to act in the world that no tool does (names no tool: the toolset may be the user's)."""

_VERBS = frozenset(
    ["remind", "schedule", "book", "reserve", "order", "buy", "purchase", "send", "email", "message", "call", "phone", "dial", "ping", "play", "turn", "switch", "dim", "lock", "unlock", "pay", "transfer", "cancel", "unsubscribe", "subscribe", "post", "share", "upload", "download", "install", "uninstall", "print", "navigate", "notify", "wake"]
)
# The verb leads, but what follows asks for text, a name or a sorting, not an act.
_NOT_ACTION = re.compile(
    r"^(?:send|email|message|text)\s+(?:me|us)\b(?!\s+(?:a\s+)?(?:reminder|notification|alert)s?\b)"
    r"|^call\s+(?:me|it|this|that|them|him|her|you)\b"
    r"|^play\s+(?:a\s+|some\s+)?(?:game|word|trivia|quiz|riddle|20|twenty|rock|role)"
    r"|^order\s+(?:these|those|them|the\s+(?:following|list|words|numbers|items)|by|from|alphabetically)\b",
    re.I,
)
_OBJECTS = r"alarm|timer|reminder|appointment|meeting|event|calendar|wake-?up call|to-?do|todo|shopping list|cart|playlist|contact"
_SET_OBJECT = re.compile(
    rf"^(?:set|add|create|make|put|start)\b[^.?!]*?\b(?:{_OBJECTS})s?\b", re.I,
)
_OBJECT = re.compile(rf"\b({_OBJECTS})s?\b", re.I)


def _instruction(text: str) -> str:
    """The instruction from its leading verb on (the words before it are "please", "can you"...)."""
    instruction = split_passage(text)[0].strip()
    verb = leading_verb(text)
    if verb is None:
        return ""
    found = re.search(rf"\b{re.escape(verb)}\b", instruction, re.I)
    return instruction[found.start():] if found else ""


def _action(instruction: str) -> str | None:
    """:func:`world_action` of an instruction that starts at its leading verb."""
    if not instruction:
        return None
    verb = instruction.split()[0].lower()
    if _SET_OBJECT.match(instruction):
        found = _OBJECT.search(instruction)
        return found.group(1).lower() if found else verb
    if verb not in _VERBS or _NOT_ACTION.match(instruction):
        return None
    if verb in ("turn", "switch") and not re.match(r"^(?:turn|switch)\s+(?:\w+\s+)?(?:on|off|up|down)\b", instruction, re.I):
        return None  # "turn this sentence into French" is a text task
    return verb


def _action_words(instruction: str) -> set[str]:
    """:func:`action_words` of an instruction that starts at its leading verb."""
    action = _action(instruction)
    if action is None:
        return set()
    found = _OBJECT.search(instruction)
    phrases = {action, found.group(1).lower()} if found else {action}
    # "shopping list" is served by a tool about shopping, not by every tool that lists; "to-do" is "todo".
    words = {w for p in phrases for w in re.split(r"[\s-]+", p) if w not in ("list", "call", "up")}
    return {"todo" if w in ("to", "do") else w for w in words}


def world_action(text: str) -> str | None:
    """The action ``text`` asks to be done in the world (its leading verb, or the object of "set an alarm"...),
    or None for a request a plain reply can serve (see the module docstring)."""
    return _action(_instruction(text))


def action_words(text: str) -> set[str]:
    """The words a tool that does ``text``'s action would use: the verb and the object it sets ("timer")."""
    return _action_words(_instruction(text))


def does(spec: Mapping[str, Any], words: set[str]) -> bool:
    """Whether the tool of ``spec`` (OpenAI format) says in its name or first sentence
    (:func:`agentfn.router.heads.head_text`) that it does one of ``words``."""
    from agentfn.router.heads import head_text  # the router is built by now; the tool library never loads it
    from agentfn.router.text import ToolRecord

    stems = {stem(w) for w in re.findall(r"[a-z]+", head_text(ToolRecord.of(spec)).lower())}
    return any(stem(w) in stems for w in words)


_AMOUNT = re.compile(r"\b\d+(?:[.,:]\d+)*\s*(?:[a-z]+\b)?", re.I)


_CONTENT = re.compile(r"^(?:remind|notify|wake)\b.*?\bto\b", re.I)


def other_words(text: str) -> set[str]:
    """The content words of ``text``'s instruction besides its action, without amounts and their units, and
    without what a reminder is about ("remind me to order pizza" asks for no pizza now)."""
    instruction = _instruction(text)
    acting = _action_words(instruction)
    if found := _CONTENT.match(instruction):
        instruction = found.group(0)
    return instruction_words(_AMOUNT.sub(" ", instruction)) - acting
