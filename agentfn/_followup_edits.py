"""Follow-ups that ask for something new about the previous turn's result: "and in words?", "now reverse them".

:mod:`agentfn._followups` resolves a follow-up that changes a value or a target of the previous request.
Some follow-ups instead give a new instruction whose object is what the previous turn answered:

* **the result in words** ("and in words?", "write that in words", "spell it out"): the previous result's
  number, asked for in words ("write 111 in words", which :func:`agentfn._number_words.spelled_number`
  answers exactly);
* **the result scaled by a word** ("now double it", "and half of that?", "square the answer"): the
  arithmetic on the previous result's number ("what is 45 * 2"), which ``calculate`` reads;
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
_FACTORS = {"double": "* 2", "twice": "* 2", "triple": "* 3", "three times": "* 3", "quadruple": "* 4", "halve": "/ 2",
            "half": "/ 2", "a half": "/ 2", "a third": "/ 3", "a quarter": "/ 4", "square": "^ 2", "cube": "^ 3"}
_RESULT_WORD = r"(?:it|that|this|the\s+(?:result|answer|total|number))"
_SCALED = re.compile(
    rf"(?:(?:can\s+you|please)\s+)?(double|triple|quadruple|halve|square|cube)\s+{_RESULT_WORD}"
    rf"|(?:what(?:'s|\s+is)\s+|and\s+)?(twice|three\s+times|half|a\s+half|a\s+third|a\s+quarter)\s+(?:of\s+)?{_RESULT_WORD}",
    re.I)
"""The previous result scaled by a word ("now double it", "and half of that?", "square the answer")."""
_OWN_TEXT = re.compile(r"[:\"“]|(?<!\w)'|'(?!\w)|\d")
"""A follow-up with its own text or number ("now reverse 'abc'") stands alone."""
_NEUTRAL = frozenset("write spell say put give show tell type me please can could would you how do now and it that "  # noqa: SIM905
                     "this the answer result number just also what is s".split())


def about_previous(rest: str, answer: str | None, result: str | None) -> str | None:
    """The request ``rest`` (a follow-up without its opening words) makes about the previous ``answer``
    (whose stated ``result`` is :func:`agentfn._followups.previous_result`), or None (module docstring)."""
    scaled = _SCALED.fullmatch(rest.strip())
    if scaled is not None:
        if result is None:
            return None
        word = (scaled.group(1) or scaled.group(2)).lower()
        return f"what is {result.split()[0].rstrip('%')} {_FACTORS[' '.join(word.split())]}"
    text = " ".join((answer or "").split())
    if not text or _OWN_TEXT.search(rest):
        return None
    if IN_WORDS.search(rest):
        words = re.findall(r"[a-z]+", IN_WORDS.sub(" ", rest).lower())
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
