"""A number written out in English words: "write 111 in words" -> "one hundred eleven".

No built-in tool spells a number and the embedded 135M model gets it wrong, so the plain reply makes it
exactly, as it makes the mechanical text edits (:mod:`agentfn._text_transforms`):

* :func:`in_words` spells a number written in digits: integers up to the trillions, a minus sign,
  thousands separators, decimals digit by digit after "point", a percent sign as "percent";
* :data:`FRACTIONS` maps a fraction's name ("half", "quarters", "tenth") to its value, for the
  readers of "three quarters of 240" (``calculate``) and "a quarter mile" (argument extraction);
* :func:`spelled_number` is the reply to a request that asks for the one number it gives in words ("write
  1,250 in words", "spell out 42", "how do you say 17 in words?") and nothing else, else None.

Guarantees: pure functions; None where the request asks for something else, gives no number or several,
or the number is too large to spell.
"""

from __future__ import annotations

import re

__all__ = ["FRACTIONS", "IN_WORDS", "in_words", "spelled_number"]

_ORDINALS = ("half third quarter fifth sixth seventh eighth ninth tenth").split()  # noqa: SIM905
FRACTIONS: dict[str, float] = {
    **{w: 1 / d for w, d in zip(_ORDINALS, (2, 3, 4, 5, 6, 7, 8, 9, 10), strict=True)},
    **{w + "s": 1 / d for w, d in zip(_ORDINALS[1:], (3, 4, 5, 6, 7, 8, 9, 10), strict=True)},
    "halves": 0.5, "fourth": 0.25, "fourths": 0.25,
}
"""A fraction's English name, singular and plural ("a third", "three quarters"), to its value."""

IN_WORDS = re.compile(
    r"\b(?:in\s+(?:words|letters|english\s+words)|as\s+(?:a\s+)?words?|spell(?:ed|ing)?(?:\s+\S+)?\s+out|spell\s+out|"
    r"written\s+out|write\s+(?:it|that|this|the\s+(?:answer|result|number))\s+out)\b",
    re.I,
)
"""A request to write a number out in words."""
_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?(?![\w.])|(?<![\w.,])-?\d+(?:\.\d+)?%?(?![\w,]|\.\d)")
_NEUTRAL = frozenset(
    "write spell say put give show tell type me the number figure answer result please can could would will you how "  # noqa: SIM905
    "do does what is it that this in as out and now just also so ok okay a an".split())
"""Words a request for a number in words may hold besides the number ("how do you write 17 in words?")."""
_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "  # noqa: SIM905
         "seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()  # noqa: SIM905
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = [f"{_ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        words.append(_TENS[rest // 10] + (f"-{_ONES[rest % 10]}" if rest % 10 else ""))
    elif rest or not hundreds:
        words.append(_ONES[rest])
    return " ".join(words)


def _integer(n: int) -> str:
    words: list[str] = []
    for scale, name in _SCALES:
        if n >= scale:
            words.append(f"{_below_thousand(n // scale)} {name}")
            n %= scale
    if n or not words:
        words.append(_below_thousand(n))
    return " ".join(words)


def in_words(number: str) -> str | None:
    """``number`` (digits, as written: "-1,250.5", "20%") in English words, or None when it is no number or
    is a thousand trillion or more."""
    raw = number.strip().replace(",", "")
    percent = raw.endswith("%")
    m = re.fullmatch(r"(-?)(\d+)(?:\.(\d+))?", raw.rstrip("%"))
    if m is None or int(m.group(2)) >= 10**15:
        return None
    words = ("minus " if m.group(1) and m.group(0).strip("-0.") else "") + _integer(int(m.group(2)))
    if m.group(3):
        words += " point " + " ".join(_ONES[int(d)] for d in m.group(3))
    return words + (" percent" if percent else "")


def spelled_number(request: str) -> str | None:
    """The one number ``request`` gives, in words, when the request asks for nothing else (module docstring)."""
    if not IN_WORDS.search(request):
        return None
    numbers = _NUMBER.findall(request)
    rest = re.findall(r"[a-z']+", IN_WORDS.sub(" ", _NUMBER.sub(" ", request)).lower())
    if len(numbers) != 1 or any(w not in _NEUTRAL for w in rest):  # "convert 5 km to miles, spelled out": a conversion
        return None
    return in_words(numbers[0])
