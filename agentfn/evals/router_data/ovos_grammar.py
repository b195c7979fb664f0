"""The two intent grammars of OpenVoiceOS skills, read from a skill's ``locale/en-us`` files and matched to text.

OVOS (the Mycroft successor) skills route an utterance to one handler with one of two parsers, and each skill
ships the grammar its parser uses:

* **Padatious** ``*.intent`` files: one sentence template a line, with ``(a|b)`` alternatives, ``[optional]``
  parts and ``{slot}`` placeholders. :func:`expand` lists a template's sentences; :func:`template_regex` turns a
  sentence into a full-match pattern whose slots capture any words.
* **Adapt** ``IntentBuilder("Name").require("a").optionally("b").one_of("c", "d")`` over ``*.voc`` keyword files
  (one phrase a line, same syntax). :class:`AdaptRule` says whether a text has every required keyword, at least
  one of each ``one_of`` group and no ``exclude`` keyword.

Everything here is pure text handling, guaranteed deterministic (sorted, capped expansions); no OVOS package is
imported. :func:`normalize` is the one normalisation both sides of every match use.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

__all__ = ["MAX_EXPANSIONS", "AdaptRule", "expand", "matches_phrase", "normalize", "slots_of", "template_regex"]

MAX_EXPANSIONS = 400
"""At most this many sentences from one template line (the first ones in expansion order)."""
_SLOT = re.compile(r"\{\s*(\w+)\s*\}")
_CONTRACTIONS = {"what's": "what is", "how's": "how is", "it's": "it is", "who's": "who is", "where's": "where is",
                 "when's": "when is", "that's": "that is", "there's": "there is", "i'm": "i am", "don't": "do not",
                 "isn't": "is not", "what're": "what are", "let's": "let us", "i'd": "i would", "can't": "cannot"}


def normalize(text: str) -> str:
    """Lower case, contractions expanded, punctuation other than slot braces dropped, spaces collapsed."""
    words = text.lower().replace("\u2019", "'").split()
    words = [_CONTRACTIONS.get(w.strip(".,!?;:\""), w) for w in words]
    flat = re.sub(r"[^\w{}'\s-]", " ", " ".join(words))
    return " ".join(flat.replace("'", " ").split())


def _split_top(text: str, sep: str) -> list[str]:
    """``text`` split on ``sep`` outside brackets and parentheses."""
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _close(text: str, start: int) -> int:
    """Index of the bracket closing the one at ``start`` (the end of text if unbalanced)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "([":
            depth += 1
        elif text[i] in ")]":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _expand(text: str, cap: int) -> list[str]:
    out = [""]
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            end = _close(text, i)
            inner = text[i + 1:end]
            options: list[str] = []
            for alt in _split_top(inner, "|"):
                options += _expand(alt, cap)
            if ch == "[":
                options.append("")
            out = [a + b for a in out for b in options][:cap]
            i = end + 1
        else:
            out = [a + ch for a in out]
            i += 1
    return out


def expand(template: str, cap: int = MAX_EXPANSIONS) -> list[str]:
    """The sentences of one template line, spaces collapsed, duplicates and empties dropped, in expansion order."""
    line = template.split("#", 1)[0] if template.lstrip().startswith("#") else template
    seen: dict[str, None] = {}
    for sentence in _expand(line.strip(), cap):
        flat = " ".join(sentence.split())
        if flat:
            seen.setdefault(flat, None)
    return list(seen)


def slots_of(sentence: str) -> list[str]:
    """The ``{slot}`` names of a sentence, in order, without repeats."""
    return list(dict.fromkeys(m.group(1) for m in _SLOT.finditer(sentence)))


@functools.lru_cache(maxsize=65536)
def template_regex(sentence: str) -> re.Pattern[str]:
    """A full-match pattern over :func:`normalize`\\ d text; each distinct slot a named group of one or more words."""
    parts: list[str] = []
    used: set[str] = set()
    for piece in re.split(r"(\{\s*\w+\s*\})", normalize(sentence)):
        m = _SLOT.fullmatch(piece)
        if m is None:
            if piece.strip():
                parts.append(re.escape(piece.strip()))
            continue
        name = m.group(1)
        parts.append(rf"(?P<{name}>\w[\w' -]*?)" if name not in used else rf"(?P={name})")
        used.add(name)
    return re.compile(" ".join(parts).replace(r"\ ", " ") + r"\Z")


def matches_phrase(text: str, phrase: str) -> bool:
    """Whether normalised ``phrase`` occurs in normalised ``text`` as whole words."""
    p = normalize(phrase)
    return bool(p) and f" {p} " in f" {normalize(text)} "


@dataclass
class AdaptRule:
    """One Adapt intent: keyword groups by name (each a list of phrases) and how the intent uses them."""

    name: str
    require: list[str] = field(default_factory=list[str])
    one_of: list[list[str]] = field(default_factory=list[list[str]])
    optionally: list[str] = field(default_factory=list[str])
    exclude: list[str] = field(default_factory=list[str])

    def vocabularies(self) -> list[str]:
        return list(dict.fromkeys([*self.require, *(v for g in self.one_of for v in g), *self.optionally]))

    def matches(self, text: str, vocab: dict[str, list[str]]) -> bool:
        """Every required group present, one of each ``one_of`` group, no excluded one (unknown groups fail)."""

        def has(group: str) -> bool:
            return any(matches_phrase(text, p) for p in vocab.get(group, []))

        if not self.require and not self.one_of:
            return False
        return (all(has(g) for g in self.require) and all(any(has(g) for g in grp) for grp in self.one_of)
                and not any(has(g) for g in self.exclude))
