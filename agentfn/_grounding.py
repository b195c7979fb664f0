"""Whether a request asks for what a tool does: its instruction words against the tool's name and description.

A router's chain may append tools that fit the *kind* of data a first tool returns but that the
request never asks for ("Read notes.txt and tell me what it says" chained ``sentiment`` and
``translate`` after ``read_file``). :func:`instruction_words` are the words of the request's
instruction: its first line before a colon (what follows a colon is the passage), outside file
names, URLs, quotes, JSON and code, without words that ask for nothing in particular ("tell me",
"what it says", "the contents of"). :func:`asks_for` holds when one of them shares a stem
(:func:`agentfn._values.stem`) with a word of the tool's name or description. :func:`chain_words` leaves out a
relative clause that describes the thing to make ("write a function *that returns the largest number*"): it says
what the product does, not a further step to run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from agentfn._values import request_words, stem

__all__ = ["asks_for", "chain_words", "instruction_words"]

_GENERIC = frozenset(
    "a an the of in on at to for from by with and or but is are was be it its this that these those "  # noqa: SIM905
    "me my i you your we our us please can could would will do does did what whats what's which who how "
    "there here tell say says said show give let know see look get open read display print inside into "
    "content contents text file files document page thing stuff out up about".split()
)


def instruction_words(text: str) -> set[str]:
    """The words that say what the request asks for (see the module docstring), lower case."""
    first = text.splitlines()[0] if text else ""
    instruction = re.split(r":\s", first, maxsplit=1)[0]
    return {w for w in request_words(instruction) if w not in _GENERIC and len(w) > 1}


def asks_for(spec: Mapping[str, Any], words: set[str]) -> bool:
    """Whether one of ``words`` names what the tool of ``spec`` (OpenAI format) does."""
    fn = cast("Mapping[str, Any]", spec.get("function", spec))
    described = f"{fn.get('name', '')} {fn.get('description', '')}".replace("_", " ").lower()
    stems = {stem(w) for w in re.findall(r"[a-z]+", described)}
    return any(stem(w) in stems for w in words)


_DESCRIBES = re.compile(r"\b(?:that|which)\s+(?!(?:is|was|has|does)\b)[a-z]+s\b[^,;]*?(?=\s+(?:and|then)\b|[,;]|$)", re.I)


def chain_words(text: str) -> set[str]:
    """:func:`instruction_words` without those of a relative clause describing the thing to make ("a function that
    returns the largest number": *returns* asks for no tool that returns something)."""
    first = text.splitlines()[0] if text else ""
    return instruction_words(_DESCRIBES.sub(" ", first))
