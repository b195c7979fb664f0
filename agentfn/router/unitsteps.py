"""Conversions written inside a step: "a radius of 10 inches converted to centimeters", "the area in square feet of a 20 by 35 meter rectangle".

A quantity written with one unit and asked for in another of the same
dimension (:func:`~agentfn.router.flowunits.unit_word`) is a conversion, a
step of its own:

* "<quantity> converted to <unit>" inside a step converts first; the step
  then reads "the result" in its place.
* "the <thing> in <unit> of <something measured in another unit>" computes
  the thing first, then converts the result.

Pure text, no state. Guarantees: ``[text]`` unless both units are known, of
one dimension and different; the steps come in the order they run.
"""

from __future__ import annotations

import re

from agentfn.router.flowunits import unit_word

__all__ = ["unit_steps"]

_UNIT = r"(?:(?:square|cubic|sq)\s+)?[a-z]+"
_CONVERTED = re.compile(rf"(?P<q>\d[\d.,]*\s*(?P<src>{_UNIT}))\s+(?:converted|changed|turned)\s+(?:to|into)\s+(?P<dst>{_UNIT})",
                        re.IGNORECASE)
_IN_UNIT_OF = re.compile(rf"\bthe\s+(?P<what>[a-z]+)\s+in\s+(?P<dst>{_UNIT})\s+(?=of\b)", re.IGNORECASE)
_MEASURED = re.compile(rf"\d[\d.,]*\s*(?:-\s*)?(?P<unit>{_UNIT})", re.IGNORECASE)


def _unit(phrase: str) -> tuple[str, str] | None:
    return unit_word(phrase.split()[-1])


def _converts(src: str, dst: str) -> bool:
    a, b = _unit(src), _unit(dst)
    return a is not None and b is not None and a[0] == b[0] and a[1] != b[1]


def unit_steps(text: str) -> list[str]:
    """``text`` as its conversion and the rest of it, in the order they run (``[text]`` when it converts nothing)."""
    m = _CONVERTED.search(text)
    if m is not None and _converts(m["src"], m["dst"]):
        return [f"convert {m['q']} to {m['dst']}", f"{text[: m.start()]}the result{text[m.end():]}".strip()]
    m = _IN_UNIT_OF.search(text)
    if m is not None and any(_converts(u["unit"], m["dst"]) for u in _MEASURED.finditer(text, m.end())):
        return [f"{text[: m.start()]}the {m['what']} {text[m.end():]}".strip(), f"convert the result to {m['dst']}"]
    return [text]
