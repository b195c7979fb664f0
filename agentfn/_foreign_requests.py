"""Short requests in Spanish, French, German, Italian or Portuguese on the English-only small path.

The embedded 135M model reads English only: "¿Cuántos kilómetros son 3 millas?" went to ``translate`` with a
made-up target and ended after three failed calls. Some requests have a reading that needs no language
model: numbers, unit names and a handful of question and arithmetic words. :func:`foreign_language` tells
such a request's language from its function words (data file ``data/foreign_requests.json``: markers,
question words, arithmetic words and unit names for five languages, accents folded); :func:`english_request`
gives its English reading when it is one of these:

* **how many** units in a quantity ("¿Cuántos kilómetros son 3 millas?" -> "how many kilometres is 3
  miles"), or a quantity converted ("convierte 70 grados fahrenheit a celsius" -> "convert 70 fahrenheit
  to celsius", "rechne 5 Meilen in Kilometer um" -> "convert 5 miles to kilometres");
* a **bare quantity** ("5 Meilen in Kilometer", "10 kilogramm en libras"): too few function words to tell
  its language, but it is only a number, unit names and a word for "to", and a unit name is no English word
  (data ``english_units``), so its reading is the conversion whatever the language;
* **arithmetic** ("wie viel ist 12 mal 7" -> "what is 12 * 7", "quanto fa 15 per cento di 80" -> "what is
  15% of 80"): only numbers and operator words are left once its question words go.

Anything else gets :func:`not_english_reply`: an honest line in English and in the request's language that
the model reads English only, never a loop of failed calls.

Guarantees: pure functions of the text (the data file is read once); text inside quotes is ignored when
telling the language ("translate 'buenos días' into French" is English); an English reading is made only
of the request's numbers, the data file's English unit names and operators, and fixed English words.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from importlib import resources
from typing import Any, cast

__all__ = ["english_request", "foreign_language", "not_english_reply"]

_ENGLISH = frozenset(
    "a an the is are was what whats how many much of in on to into for and or it this that me my you your i we "  # noqa: SIM905
    "please can could would will do does convert calculate time day date today tomorrow from by with at as these those "
    "sort write tell give show list find get make put words".split())
"""Common English words: a request holding as many of them as of a language's markers is English."""
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


@functools.cache
def _data() -> dict[str, Any]:
    text = resources.files("agentfn").joinpath("data", "foreign_requests.json").read_text(encoding="utf-8")
    return cast("dict[str, Any]", json.loads(text))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss").lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _unquoted(text: str) -> str:
    """``text`` without its quoted spans and the passage after a short instruction's colon."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|“[^”]*”|«[^»]*»", " ", text)
    head, colon, _ = text.partition(":")
    return head if colon and len(head.split()) <= 8 else text


def _tokens(text: str) -> list[str]:
    return re.findall(r"-?\d+(?:[.,]\d+)?%?|[a-z]+(?:'[a-z]+)?|[+*/×÷-]", _fold(text).replace("¿", " ").replace("¡", " "))


def foreign_language(text: str) -> str | None:
    """The code ("es", "fr", "de", "it", "pt") of the language ``text`` is written in, when it is one of those
    and not English; else None."""
    words = [w for w in _tokens(_unquoted(text)) if w.isalpha()]
    english = sum(w in _ENGLISH for w in words)
    best, hits = None, 0
    for code in cast("dict[str, Any]", _data()["languages"]):
        markers = _markers(code)
        n = sum(w in markers and w not in _ENGLISH for w in words) + (1 if re.search("[¿¡]", text) and code == "es" else 0)
        if n > hits:
            best, hits = code, n
    return best if hits >= 2 and hits > english else None


@functools.cache
def _markers(code: str) -> frozenset[str]:
    """A language's function words, with the words of its question, conversion, arithmetic and percent phrases."""
    lang = cast("dict[str, Any]", _data()["languages"][code])
    phrases = [*lang["how_many"], *lang["what_is"], *lang["convert"], *lang["percent"],
               *(w for words in lang["operators"].values() for w in words)]
    return frozenset([*lang["markers"], *(t for p in phrases for t in _tokens(p) if t.isalpha())])


def _phrase_in(tokens: list[str], phrases: list[str]) -> int | None:
    """The index just after the first of ``phrases`` found in ``tokens``, else None."""
    for phrase in sorted(phrases, key=lambda p: -len(p.split())):
        parts = _tokens(phrase)
        for i in range(len(tokens) - len(parts) + 1):
            if tokens[i:i + len(parts)] == parts:
                return i + len(parts)
    return None


def _units() -> dict[str, str]:
    return {w: unit for unit, words in cast("dict[str, list[str]]", _data()["units"]).items() for w in words}


def _quantity_reading(tokens: list[str], lang: dict[str, Any]) -> str | None:
    units = _units()
    found = [(i, units[t]) for i, t in enumerate(tokens) if t in units]
    numbers = [i for i, t in enumerate(tokens) if _NUMBER.fullmatch(t)]
    if len(numbers) != 1 or not found:
        return None
    n = numbers[0]
    value = tokens[n].replace(",", ".")
    source = [(i, u) for i, u in found if i > n]
    if not source:
        return None
    src_i, src = source[0]
    if _phrase_in(tokens, lang["how_many"]) is not None:
        targets = [u for i, u in found if i < n and u != src]
        if targets:
            return f"how many {targets[0]} is {value} {src}"
    after = [u for i, u in found if i > src_i and u != src]
    if after:
        return f"convert {value} {src} to {after[0]}"
    return None


def _arithmetic_reading(tokens: list[str], lang: dict[str, Any]) -> str | None:
    start = _phrase_in(tokens, lang["what_is"])
    rest = tokens[start:] if start is not None else tokens
    out: list[str] = []
    i = 0
    operators = sorted(((op, _tokens(w)) for op, words in lang["operators"].items() for w in words), key=lambda p: -len(p[1]))
    percent = [_tokens(p) for p in lang["percent"]]
    while i < len(rest):
        t = rest[i]
        if _NUMBER.fullmatch(t.rstrip("%")):
            out.append(t.replace(",", "."))
            i += 1
            continue
        if t in "+-*/×÷" and out:
            out.append({"×": "*", "÷": "/"}.get(t, t))
            i += 1
            continue
        words = next((p for p in percent if rest[i:i + len(p)] == p), None)
        if words is not None and out and not out[-1].endswith("%"):
            out[-1] += "%"
            i += len(words)
            if i < len(rest) and rest[i] in lang["of"]:
                out.append("of")
                i += 1
            continue
        op = next((o for o, p in operators if rest[i:i + len(p)] == p), None)
        if op is None or not out:
            return None
        out.append(op)
        i += len(next(p for o, p in operators if o == op and rest[i:i + len(p)] == p))
    if len(out) < 3 or not any(t in "+-*/" or t == "of" for t in out):
        return None
    return "what is " + " ".join(out)


def _bare_quantity(tokens: list[str]) -> str | None:
    """The conversion a bare quantity in another language asks for ("5 meilen in kilometer"): only a number,
    unit names and words for "to", with a unit name that is no English word; else None."""
    languages = cast("dict[str, Any]", _data()["languages"]).values()
    connectors = {"to", "in", "into", *(w for lang in languages for w in lang["to"])}
    units, english = _units(), set(cast("list[str]", _data()["english_units"]))
    if not all(t in units or t in connectors or _NUMBER.fullmatch(t) for t in tokens):
        return None
    if all(t in english for t in tokens if t in units):
        return None
    return _quantity_reading(tokens, {"how_many": []})


def english_request(text: str) -> str | None:
    """The English reading of a short non-English request (see the module docstring), or None."""
    ignored = set(cast("list[str]", _data()["ignored"]))
    tokens = [t for t in _tokens(text) if t not in ignored]
    code = foreign_language(text)
    if code is None:
        return _bare_quantity(tokens)
    lang = cast("dict[str, Any]", _data()["languages"][code])
    return _quantity_reading(tokens, lang) or _arithmetic_reading(tokens, lang)


def not_english_reply(text: str) -> str | None:
    """An honest reply to a request in another language that has no English reading, in English and in that
    language; None for an English request or one with a reading."""
    code = foreign_language(text)
    if code is None or english_request(text) is not None:
        return None
    lang = cast("dict[str, Any]", _data()["languages"][code])
    return (f"I can only read requests in English: the built-in model does not understand {lang['name']}. "
            f"Please ask in English, or use a larger model (--model/--base-url). {lang['reply']}")
