"""More cues in a request's wording that a tool router reads wrong: a request to write code or a message,
a question about an age, a question about which files there are.

Part of :class:`agentfn._request_cues.CueRouter` (same contract: a plan changes only when one offered tool
alone names what the request asks for and the router's head does not; the request the tools see is never
changed):

* **a request to write code about another tool's subject** ("write me a Python function that converts miles to
  kilometres" went to ``convert_units``): :func:`code_tool` gives the offered tool that alone names code;
* **a request to write a message** ("write a short, polite out-of-office *reply* saying I'm back on Monday" went to
  ``convert_timezone``, "Monday" filling a date): :func:`message_tool` gives the offered tool that alone names
  emails, notes or tweets (the plain reply);
* **a question about an age** ("I was born on 12 March 1990, how many days *old* am I" went to ``date_info``, the
  one date filling it): :func:`age_tool` gives the offered tool that alone names counting *since* a date;
* **a question about which files there are** ("is there a config.json *among my files*" went to ``read_file``):
  :func:`listing_tool` gives the offered tool that alone names folders (listing).

Guarantees: pure functions of the request text and the offered tools' specs; None when no rule applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agentfn._values import request_values
from agentfn._world_actions import does

__all__ = ["age_tool", "code_tool", "listing_tool", "message_tool", "named_by", "task_tool"]

_WRITE = r"\b(?:write|writ|create|make|draft|compose|generate|give\s+me|need|want|code\s+up|whip\s+up)\b"
_CODE = re.compile(rf"{_WRITE}(?:\s+[\w+#-]+){{0,4}}?\s+(?:function|script|program|snippet|class|method|regex|one-liner)s?\b",
                   re.I)
_MESSAGE = re.compile(
    rf"{_WRITE}\s+(?:me\s+|us\s+)?(?:an?|the|my|some)\s+(?:(?!(?:of|this|that|these)\b)[\w-]+,?\s+){{0,4}}?"
    r"(?P<kind>reply|email|e-mail|message|letter|note|tweet|post|caption|card|invitation|invite|apology|text)\b", re.I)
_AGE = re.compile(r"\bhow\s+old\b|\b(?:days?|weeks?|months?|years?)\s+old\b|\bmy\s+age\b", re.I)
_LISTING = re.compile(
    r"\b(?:among|in|inside)\s+(?:my|the|our|your)\s+(?:files|folders?|director(?:y|ies))\b|"
    r"\b(?:do|did)\s+(?:i|we)\s+have\s+(?:an?|any)\s+(?:[\w.-]+\s+){0,2}?files?\b|\bwhich\s+files\b", re.I)
_READS = re.compile(r"\b(?:what\s+does|what's\s+in|whats\s+in|what\s+is\s+in|read|open|say|says|contents?)\b", re.I)


def named_by(specs: Mapping[str, Mapping[str, Any]], head: str, words: set[str]) -> str | None:
    """The one offered tool other than ``head`` that names one of ``words``, when ``head`` does not."""
    if head in specs and does(specs[head], words):
        return None
    naming = [name for name, spec in specs.items() if name != head and does(spec, words)]
    return naming[0] if len(naming) == 1 else None


def code_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool a request to write a function, script or program goes to: the one that alone names code."""
    if _CODE.search(text) is None or request_values(text)["code"]:  # code given is to run or explain, not to write
        return None
    return named_by(specs, head, {"code"})


def message_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool a request to write a reply, email, note or message goes to: the one naming emails and notes."""
    values = request_values(text)
    if _MESSAGE.search(text) is None or any(values[kind] for kind in ("file", "url", "json", "csv", "code")):
        return None  # "write a note to todo.txt": a file
    return named_by(specs, head, {"tweet", "poem"})  # extract names emails too


def age_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool a question about an age from a given date goes to: the one that names counting since a date."""
    if _AGE.search(text) is None or not request_values(text)["date"]:
        return None
    return named_by(specs, head, {"since"})


def listing_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The tool a question about which files there are goes to (not what one says): the one naming listing."""
    if _LISTING.search(text) is None or _READS.search(text):
        return None
    return named_by(specs, head, {"folders"})  # json_query names a list too


def task_tool(text: str, specs: Mapping[str, Mapping[str, Any]], head: str) -> str | None:
    """The first of :func:`code_tool`, :func:`message_tool`, :func:`age_tool`, :func:`listing_tool` that applies."""
    return code_tool(text, specs, head) or message_tool(text, specs, head) or age_tool(text, specs, head) \
        or listing_tool(text, specs, head)
