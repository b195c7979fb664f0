"""Deterministic language tools for models that cannot write trustworthy prose.

A 135M model asked to translate, judge sentiment or summarise writes fluent inventions
("cat" in Italian became "Cosa è la storia di cat"). When the run's model is such a model
(its backend writes answers from tool results: ``answer_mode="grounded"``), the prompt-backed
tools of :mod:`tools.text_llm` use these rules instead:

* :func:`lexicon_sentiment`: a small polarity lexicon with negation ("not good") and
  intensifiers; positive / negative / mixed / neutral with a confidence from the margin.
* :func:`phrasebook_translate`: common phrases and words in English, French, Spanish,
  German, Italian, Portuguese and Dutch (data file ``data/phrasebook.json``), in any
  direction through English; anything else raises :class:`NotSupportedOffline`, never a guess.
* :func:`extractive_summary`: the leading sentences of the text (or its clauses as bullets),
  within ``max_words``; nothing is written that the text does not say.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any, cast

__all__ = [
    "NotSupportedOffline",
    "extractive_summary",
    "language_code",
    "lexicon_sentiment",
    "phrasebook_translate",
    "writes_prose",
]


class NotSupportedOffline(ValueError):
    """The rules have no answer; a larger model (``--model``/``--base-url``) is needed."""


def writes_prose(model: object) -> bool:
    """Whether a model's own text may be shown (False for backends that answer from tool results)."""
    return getattr(model, "answer_mode", "model") != "grounded"


# -- sentiment ------------------------------------------------------------------------------

_POSITIVE = frozenset(
    "good great excellent amazing awesome fantastic wonderful love loved loves lovely perfect perfectly best "  # noqa: SIM905
    "happy glad pleased delighted enjoy enjoyed enjoyable nice beautiful brilliant superb outstanding "
    "recommend recommended helpful friendly fast quick easy comfortable clean fresh tasty delicious "
    "impressive impressed satisfied worth favourite favorite fun early reliable smooth thanks thank "
    "incredible exceptional pleasant positive like liked likes better well".split()
)
_NEGATIVE = frozenset(
    "bad terrible awful horrible poor worst hate hated hates disappointing disappointed disappointment "  # noqa: SIM905
    "broken broke break useless waste rude slow cold dirty late never angry annoying annoyed frustrating "
    "frustrated sad unhappy problem problems issue issues fail failed fails failure refund wrong "
    "expensive overpriced boring noisy stale bland mediocre unacceptable complaint complain horrible "
    "crap sucks sucked lousy pathetic ugly unfortunately negative dislike disliked worse buggy crashed "
    "crashes defective damaged missing lost".split()
)
_NEUTRAL = frozenset("fine okay ok average decent alright standard ordinary adequate acceptable".split())  # noqa: SIM905
_NEGATORS = frozenset("not no never isn't wasn't aren't don't doesn't didn't can't cannot won't hardly nothing".split())  # noqa: SIM905
_INTENSIFIERS = frozenset("very really so extremely absolutely totally truly super incredibly highly".split())  # noqa: SIM905
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def lexicon_sentiment(text: str) -> tuple[str, float]:
    """``(label, confidence)`` of ``text`` by the lexicon: positive, negative, neutral or mixed."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    positive = negative = 0.0
    neutral = 0
    for i, word in enumerate(words):
        before = words[max(0, i - 3) : i]
        weight = 1.5 if before and before[-1] in _INTENSIFIERS else 1.0
        negated = any(w in _NEGATORS for w in before)
        if word in _POSITIVE:
            if negated:
                negative += weight
            else:
                positive += weight
        elif word in _NEGATIVE:
            if negated:
                positive += 0.5 * weight
            else:
                negative += weight
        elif word in _NEUTRAL or (word == "special" and "nothing" in before):
            neutral += 1
    if positive == negative == 0:
        return "neutral", 0.6 if neutral else 0.5
    if positive and negative and min(positive, negative) / max(positive, negative) > 0.5:
        return "mixed", 0.6
    margin = abs(positive - negative)
    if neutral and margin <= 1:
        return "neutral", 0.6
    label = "positive" if positive > negative else "negative"
    return label, round(min(0.95, 0.55 + 0.15 * margin), 2)


# -- translation ------------------------------------------------------------------------------

_LANGUAGES = {
    "en": ("english",), "fr": ("french", "français", "francais"), "es": ("spanish", "español", "espanol", "castilian"),
    "de": ("german", "deutsch"), "it": ("italian", "italiano"), "pt": ("portuguese", "português", "portugues"),
    "nl": ("dutch", "nederlands", "flemish"),
}
_NAMES = {"en": "English", "fr": "French", "es": "Spanish", "de": "German", "it": "Italian", "pt": "Portuguese", "nl": "Dutch"}


def language_code(name: str) -> str | None:
    """The code of a language given by name or code ("French", "fr", "fr-FR"), if the phrasebook has it."""
    key = name.strip().lower()
    if key[:2] in _LANGUAGES and (len(key) == 2 or key[2:3] in ("-", "_")):
        return key[:2]
    for code, names in _LANGUAGES.items():
        if key in names:
            return code
    return None


@functools.cache
def _phrasebook() -> list[dict[str, list[str]]]:
    text = resources.files("agentfn.library").joinpath("data", "phrasebook.json").read_text(encoding="utf-8")
    entries = cast("list[dict[str, Any]]", json.loads(text))
    return [{code: [str(v) for v in (value if isinstance(value, list) else [value])] for code, value in e.items()} for e in entries]


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'").strip()
    text = re.sub(r"[\s\"“”‘`]+", " ", text)
    return text.strip(" .,!?¡¿;:'").strip()


def phrasebook_translate(text: str, target: str, source: str | None = None) -> str:
    """``text`` in the ``target`` language, from the phrasebook.

    Raises:
        NotSupportedOffline: the language or the phrase is not in the phrasebook.
    """
    to = language_code(target)
    if to is None:
        raise NotSupportedOffline(
            f"no offline translation into {target!r} (the phrasebook has {', '.join(_NAMES.values())})"
        )
    wanted = _norm(text)
    sources = [c for c in [language_code(source)] if c] if source else list(_LANGUAGES)
    for entry in _phrasebook():
        for code in sources:
            if any(_norm(v) == wanted for v in entry.get(code, [])) and entry.get(to):
                return entry[to][0]
    raise NotSupportedOffline(
        f"{text!r} is not in the offline phrasebook (common phrases and words only); "
        "a larger model (--model / --base-url) can translate it"
    )


# -- summaries ------------------------------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“])")
_GREETING = re.compile(r"^(?:hi|hello|hey|dear)\b[^,.!]{0,30}[,!]\s*", re.IGNORECASE)
_SIGN_OFF = re.compile(r"^(?:thanks|thank you|regards|best|cheers|sincerely)\b", re.IGNORECASE)


def _clip(text: str, max_words: int) -> str:
    words = text.split()
    return text if len(words) <= max_words else " ".join(words[:max_words]).rstrip(",;:") + "…"


def extractive_summary(text: str, max_words: int = 100, bullets: bool = False) -> list[str]:
    """The text's leading sentences (as one item) or its clauses (as bullets), within ``max_words``."""
    body = " ".join(text.split())
    if not body:
        raise NotSupportedOffline("there is no text to summarise")
    sentences = [s for s in _SENTENCE.split(body) if s.strip() and not _SIGN_OFF.match(s.strip())]
    sentences = [_GREETING.sub("", s, count=1) for s in sentences] or [body]
    sentences = [s[:1].upper() + s[1:] for s in sentences if s]
    if bullets:
        parts: list[str] = []
        for s in sentences:
            parts += [p.strip(" ,;.") for p in re.split(r",\s*(?:and\s+)?|;\s*|\s+and\s+(?=[a-z]+ed\b)", s) if len(p.split()) >= 2]
        points: list[str] = []
        budget = max(1, max_words)
        for p in parts:
            if len(p.split()) > budget:
                break
            points.append(p[:1].upper() + p[1:])
            budget -= len(p.split())
        return points or [_clip(parts[0] if parts else body, max_words)]
    chosen = [sentences[0]]
    for s in sentences[1:]:
        if len(" ".join(chosen).split()) >= 12 or len(" ".join([*chosen, s]).split()) > max_words:
            break
        chosen.append(s)
    return [_clip(" ".join(chosen), max_words)]
