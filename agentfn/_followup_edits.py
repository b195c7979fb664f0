"""Follow-ups that ask for something new about the previous turn's result: "and in words?", "now reverse them".

:mod:`agentfn._followups` resolves a follow-up that changes a value or a target of the previous request.
Some follow-ups instead give a new instruction whose object is what the previous turn answered:

* **the result in words** ("and in words?", "write that in words", "spell it out"): the previous result's
  number, asked for in words ("write 111 in words", which :func:`agentfn._number_words.spelled_number`
  answers exactly);
* **a mechanical edit of the previous answer** ("now reverse them", "sort them descending", "uppercase
  it", "remove the duplicates"): the edit, applied to the previous answer's text ("reverse: apple, mango,
  pear", which :func:`agentfn._text_transforms.text_transform` makes exactly).

:func:`about_previous` gives that request. Guarantees: a pure function of its texts; None when the
follow-up gives its own text or number, asks for anything else, or the previous answer has no result / is
long prose (more than :data:`MAX_WORDS` words) or several lines.
"""

from __future__ import annotations

import re

from agentfn._number_words import IN_WORDS
from agentfn._text_transforms import transform_verb

__all__ = ["MAX_WORDS", "about_previous", "own_edit"]

MAX_WORDS = 40
"""The longest previous answer an edit applies to; a longer one is prose, not a list to edit."""
_POINTER = re.compile(
    r"\b(?:them|those|these|they|it|that|this|the\s+(?:list|words|numbers|names|items|result|answer|number|text|"
    r"letters|order))\b", re.I)
_OWN_TEXT = re.compile(r"[:'\"“]|\d")
"""A follow-up with its own text or number ("now reverse 'abc'") stands alone."""
_NEUTRAL = frozenset("write spell say put give show tell type me please can could would you how do now and it that "  # noqa: SIM905
                     "this the answer result number just also".split())


def about_previous(rest: str, answer: str | None, result: str | None) -> str | None:
    """The request ``rest`` (a follow-up without its opening words) makes about the previous ``answer``
    (whose stated ``result`` is :func:`agentfn._followups.previous_result`), or None (module docstring)."""
    text = " ".join((answer or "").split())
    if not text or _OWN_TEXT.search(rest):
        return None
    if IN_WORDS.search(rest):
        words = re.findall(r"[a-z']+", IN_WORDS.sub(" ", rest).lower())
        if result is None or any(w not in _NEUTRAL for w in words):
            return None
        return f"write {result.split()[0]} in words"
    if len(rest.split()) > 6 or len(text.split()) > MAX_WORDS or "\n" in (answer or "").strip():
        return None
    instruction = " ".join(_POINTER.sub(" ", rest).split())
    if not instruction or own_edit(rest):
        return None
    edit = f"{instruction}: {text.rstrip('.!')}"
    return edit if transform_verb(edit) is not None else None


def own_edit(rest: str) -> bool:
    """Whether a follow-up is an edit of its own text or number ("write 12 in words", "reverse 'abc'"): it
    stands alone, no value of the previous request is replaced by its number."""
    return transform_verb(rest) is not None
