"""Deterministic language tools for models that cannot write trustworthy prose.

A 135M model asked to translate, judge sentiment or summarise writes fluent inventions
("cat" in Italian became "Cosa è la storia di cat"). When the run's model is such a model
(its backend writes answers from tool results: ``answer_mode="grounded"``), the prompt-backed
tools of :mod:`tools.text_llm` use these rules instead:

* :func:`lexicon_sentiment`: a small polarity lexicon with negation ("not good") and
  intensifiers; positive / negative / mixed / neutral with a confidence from the margin.
* :func:`phrasebook_translate`: common phrases and words in English, French, Spanish,
  German, Italian, Portuguese and Dutch (data file ``data/phrasebook.json``), in any
  direction; a text made of known phrases and words goes word by word (and says so); anything
  else raises :class:`NotSupportedOffline` naming the words it lacks, never a guess.
* :func:`extractive_summary`: the leading sentences of the text (or its clauses as bullets),
  within ``max_words``; nothing is written that the text does not say.
* :func:`extract_fields`: for ``extract``, each field's value by what its name says it is
  (an e-mail address, a date, an amount, the number after "order"...), the fields taken from the
  schema or, when a small model wrote no usable schema, from the request ("the due date and amount").
* :func:`nearest_label`: a label for ``classify``: the phrasebook's language when the labels are
  languages ("Guten Tag" is German), spam cues for spam against not spam, else the label whose sentence embedding (the router's
  offline all-MiniLM-L6-v2) is nearest the text's: zero-shot, never an invented label.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any, cast

from agentfn._fields import field_key, requested_fields

__all__ = [
    "NotSupportedOffline",
    "extract_fields",
    "extractive_summary",
    "language_code",
    "lexicon_sentiment",
    "nearest_label",
    "phrasebook_translate",
    "requested_fields",
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
    "incredible exceptional pleasant positive like liked likes better well "
    "yay hooray woohoo excited thrilled grateful proud relieved fabulous gorgeous congrats congratulations "
    "promoted won amazed adore adored cheerful".split()
)
_NEGATIVE = frozenset(
    "bad terrible awful horrible poor worst hate hated hates disappointing disappointed disappointment "  # noqa: SIM905
    "broken broke break useless waste rude slow cold dirty late never angry annoying annoyed frustrating "
    "frustrated sad unhappy problem problems issue issues fail failed fails failure refund wrong "
    "expensive overpriced boring noisy stale bland mediocre unacceptable complaint complain horrible "
    "crap sucks sucked lousy pathetic ugly unfortunately negative dislike disliked worse buggy crashed "
    "crashes defective damaged missing lost "
    "ugh argh sigh cancelled canceled stuck delayed missed ruined stolen sick ill hurts hurt pain worried "
    "scared upset mess nightmare disaster stressed exhausted tired crying cried miserable furious "
    "gross fed-up".split()
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


def _variants(entries: list[dict[str, list[str]]], to: str) -> list[str]:
    seen: list[str] = []
    for entry in entries:
        seen += [v for v in entry.get(to, []) if v not in seen]
    return seen


def _phrase_entries(wanted: str, sources: list[str]) -> list[dict[str, list[str]]]:
    return [e for e in _phrasebook() if any(_norm(v) == wanted for code in sources for v in e.get(code, []))]


def _word_by_word(text: str, to: str, sources: list[str]) -> tuple[list[str], list[str], list[str]]:
    """``(pieces, known, unknown)``: each clause of ``text`` as a whole phrase, else its longest known
    phrases and words in turn (translated), those as "word = translation", and the words the phrasebook lacks."""
    pieces: list[str] = []
    known: list[str] = []
    unknown: list[str] = []
    for clause in re.split(r"\s*[,;.!?¡¿]+\s*", text):
        words = _norm(clause).split()
        at = 0
        while at < len(words):
            for size in range(min(6, len(words) - at), 0, -1):
                found = _variants(_phrase_entries(" ".join(words[at : at + size]), sources), to)
                if found:
                    pieces.append(found[0].strip(" ?¿!¡"))
                    known.append(f"{' '.join(words[at : at + size])} = {pieces[-1]}")
                    at += size
                    break
            else:
                unknown.append(words[at])
                at += 1
        if pieces and clause is not text:
            pieces[-1] += ","
    if pieces:
        pieces[-1] = pieces[-1].rstrip(",")
    return pieces, known, unknown


def phrasebook_translate(text: str, target: str, source: str | None = None) -> str:
    """``text`` in the ``target`` language, from the phrasebook: the phrase's translation, with its
    other common forms ("vielen Dank (also: danke schön)"), else word by word when the phrasebook has
    every word (and says so), else an error naming what it lacks.

    ``source`` is tried first; a phrase it does not have is looked up in every language (a small
    model often names the wrong source).

    Raises:
        NotSupportedOffline: the language, or some word of the text, is not in the phrasebook.
    """
    to = language_code(target)
    if to is None:
        raise NotSupportedOffline(
            f"no offline translation into {target!r} (the phrasebook has {', '.join(_NAMES.values())})"
        )
    given = language_code(source) if source else None
    orders = [[given], [c for c in _LANGUAGES if c != to]] if given and given != to else [[c for c in _LANGUAGES if c != to]]
    wanted = _norm(text)
    for sources in [cast("list[str]", o) for o in orders]:
        found = _variants(_phrase_entries(wanted, sources), to)
        if found:
            return found[0] + (f" (also: {', '.join(found[1:3])})" if len(found) > 1 else "")
    pieces, known, unknown = _word_by_word(text, to, orders[-1])
    if pieces and not unknown:
        return f"{' '.join(pieces)} (word by word from the offline phrasebook)"
    knows = f"; known: {', '.join(known[:4])}" if known else ""
    raise NotSupportedOffline(
        f"the offline phrasebook lacks {', '.join(repr(u) for u in unknown[:4]) or repr(text)} (it has common phrases "
        f"and words only{knows}); a larger model (--model / --base-url) can translate it into {_NAMES[to]}"
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


# -- classification -----------------------------------------------------------------------------


def phrase_language(text: str) -> str | None:
    """The language code whose phrasebook phrases the text is (or is made of), when exactly one fits."""
    wanted = _norm(text)
    found = {code for entry in _phrasebook() for code, values in entry.items() if any(_norm(v) == wanted for v in values)}
    if len(found) == 1:
        return found.pop()
    words = wanted.split()
    if not words or found:
        return None
    votes: dict[str, int] = {}
    for entry in _phrasebook():
        for code, values in entry.items():
            votes[code] = votes.get(code, 0) + sum(_norm(v) in words for v in values if " " not in _norm(v))
    best = sorted(votes.items(), key=lambda item: -item[1])
    return best[0][0] if best and best[0][1] > (best[1][1] if len(best) > 1 else 0) else None


_ABBREVIATIONS = {"hr": "human resources", "it": "information technology", "pr": "public relations", "r&d": "research"}
_SPAM_LABELS = frozenset({"spam", "junk", "scam", "phishing"})
_SPAM_CUES = re.compile(
    r"\b(?:won|win|winner|free|prize|cash|claim|click|urgent|congratulations|selected|offer|limited time|act now|"
    r"bank details|password|verify|lottery|reward|gift card|guaranteed|risk[- ]free|bitcoin|crypto|unsubscribe|\$\d+)", re.I)


def _spam_pair(labels: list[str]) -> tuple[int, int] | None:
    """``(spam, other)`` indexes when the labels are a spam-like label and its negation ("spam", "not spam")."""
    keys = [re.sub(r"[\s_-]+", " ", label.strip().lower()) for label in labels]
    if len(keys) != 2:
        return None
    for i, key in enumerate(keys):
        other = keys[1 - i]
        spam = key.split()[-1] if key else ""  # "spam", or a small model's "message spam"
        negated = re.match(r"(?:not|no|non)\b", other) is not None
        if spam in _SPAM_LABELS and not re.match(r"(?:not|no|non)\b", key) and (
                other in ("ham", "legitimate", "normal", "safe") or (negated and other.endswith(spam))):
            return i, 1 - i
    return None


def nearest_label(text: str, labels: list[str], instructions: str | None = None) -> tuple[str, float]:
    """The label for ``text`` and a confidence (see the module docstring). Spam against not spam is
    decided by spam cues (a prize, a link to click, bank details...): a sentence embedding puts "not
    spam" as near a spam text as "spam".

    Raises:
        NotSupportedOffline: no sentence encoder is installed (the ``router`` extra).
    """
    codes = [language_code(label) for label in labels]
    if all(codes):
        code = phrase_language(text)
        if code in codes:
            return labels[codes.index(code)], 0.9
    if pair := _spam_pair(labels):
        cues = len(_SPAM_CUES.findall(text))
        return (labels[pair[0]], round(min(0.95, 0.5 + 0.15 * cues), 2)) if cues >= 2 else (labels[pair[1]], 0.6 if cues else 0.75)
    from agentfn.exceptions import MissingExtraError

    try:
        import numpy as np

        from agentfn.router.encoder import load_encoder

        described = [f"This text is about {_ABBREVIATIONS.get(label.strip().lower(), label)}. {instructions or ''}".strip()
                     for label in labels]  # a sentence about the label is nearer its texts than the bare word
        vectors = load_encoder().encode([text, *described])
    except (ImportError, MissingExtraError) as exc:
        raise NotSupportedOffline(f"no offline classifier ({exc}); a larger model (--model / --base-url) can classify") from None
    norms = np.linalg.norm(vectors, axis=1)
    scores = (vectors[1:] @ vectors[0]) / np.maximum(norms[1:] * norms[0], 1e-9)
    weights = np.exp(20 * (scores - scores.max()))
    best = int(scores.argmax())
    return labels[best], round(float(weights[best] / weights.sum()), 2)


# -- extraction ---------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://[^\s'\"<>]+[^\s'\"<>.,;:!?)]")
_SITE = re.compile(r"(?<![@\w.-])(?:www\.[\w-]+(?:\.[\w-]+)+|[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|dev|app|info|biz|co|uk|de|fr|"
                   r"es|it|nl|eu|us|ca|au|ie|nz|ch|be|at|se|no|dk|fi|pl|pt|jp|in|me|tv|ai)(?:\.[a-z]{2})?)(?:/[^\s'\"<>]*)?(?![\w@-])",
                   re.I)
"""A web address written without its scheme ("www.example.co.uk", "example.org/menu")."""
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?")
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_WORD_DATE = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}(?:\s+\d{{4}})?|\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?")
_MONEY = re.compile(r"[$€£¥]\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s?(?:USD|EUR|GBP|dollars?|euros?|pounds?)\b", re.I)
_NUMBER = re.compile(r"(?<![\w.-])\d[\d,]*(?:\.\d+)?(?![\w-])")
_KINDS = (
    ("email", ("email", "mail", "e-mail")), ("url", ("url", "link", "website", "site", "web")),
    ("phone", ("phone", "telephone", "mobile", "cell")),
    ("date", ("date", "deadline", "due", "day", "when", "birthday")), ("time", ("time",)),
    ("money", ("amount", "total", "price", "cost", "sum", "fee", "balance", "salary", "paid", "charge")),
    ("id", ("number", "id", "no", "code", "reference", "ref")),
    ("count", ("age", "count", "quantity", "year", "years", "how many")),
    ("name", ("name", "person", "who", "sender", "author")), ("place", ("city", "place", "location", "where", "country")),
)


def _number(raw: str) -> int | float:
    value = float(raw.replace(",", ""))
    return int(value) if value.is_integer() else value


_STARTERS = frozenset(
    "call contact email mail write ask meet send visit see text phone reach tell thank thanks please dear hi hello "  # noqa: SIM905
    "hey greetings love regards best cheers from to for with ask invite welcome".split())
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
_SUBJECT = re.compile(r"^\s*(?:the|a|an|our|my|your|this|their)?\s*(.+?)\s+(?:is|are|was|were|costs?|sells?|has|have|had|"
                      r"will|weighs?|comes?|runs?|takes?|needs?|ships?|arrives?)\b", re.I)


def _names(text: str) -> list[str]:
    """Capitalised runs, full names first; a sentence's opening greeting or verb ("Contact", "Call") is no name."""
    found: list[str] = []
    for match in _CAPITALISED.finditer(text):
        words = match.group(0).split()
        while words and words[0].lower() in _STARTERS:
            words = words[1:]
        if words:
            found.append(" ".join(words))
    return sorted(dict.fromkeys(found), key=lambda n: -min(len(n.split()), 2))


def _places(text: str) -> list[str]:
    """Places after "in", "at", "to", "from", "near", each with the ones a comma adds ("in Porto, Portugal")."""
    found: list[str] = []
    for match in re.finditer(r"\b(?:in|at|to|from|near)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?(?:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)*)", text):
        found += [p.strip() for p in match.group(1).split(",")]
    return list(dict.fromkeys(found))


def _field_values(field: str, text: str) -> list[Any]:
    """The candidate values of ``field`` in ``text``, best first, by what the field's name says it is."""
    words = set(re.findall(r"[a-z]+", field.lower()))
    kind = next((k for k, cues in _KINDS if words & set(cues)), "other")
    pattern = {"email": _EMAIL, "url": _URL, "phone": _PHONE}.get(kind)
    if pattern is not None:
        found = [m.group(0).strip() for m in pattern.finditer(text)]
        return found or ([m.group(0).rstrip(".,;:!?)") for m in _SITE.finditer(text)] if kind == "url" else [])
    if kind == "date":
        return [m.group(0).strip() for m in [*_ISO_DATE.finditer(text), *_WORD_DATE.finditer(text)]]
    if kind == "time":
        return [m.group(0).strip() for m in re.finditer(r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|(?<![\d-])\d{1,2}:\d{2}\b", text, re.I)]
    if kind == "money":
        money = [_number(m.group(1) or m.group(2)) for m in _MONEY.finditer(text)]
        return money or [_number(n) for n in reversed(_NUMBER.findall(_ISO_DATE.sub(" ", text)))]
    if kind in ("id", "count"):
        head = [w for w in words if w not in dict(_KINDS)[kind]]
        for w in head:  # "order number": the token after "order"
            near = re.search(rf"\b{re.escape(w)}\w*\s*(?:#|no\.?|number|id)?\s*:?\s*#?([A-Z]*\d[\w-]*)", text, re.I)
            if near:
                return [_number(near.group(1)) if near.group(1).isdigit() and kind == "count" else near.group(1)]
        rest = _NUMBER.findall(_ISO_DATE.sub(" ", text))
        return [_number(r) if kind == "count" else r for r in rest]
    if kind == "name":
        return _names(text)
    if kind == "place":
        places = _places(text)
        return places[::-1] if words & {"country", "nation"} else places  # "Porto, Portugal": the country comes last
    found = re.search(rf"\b{re.escape(field)}\s*(?:[:=]|is|was|are)\s*([^,;.\n]+)", text, re.I)
    if found:
        return [found.group(1).strip()]
    subject = _SUBJECT.search(text)  # "The new Acme kettle costs 39.99": what the sentence is about
    return [subject.group(1).strip()] if subject and len(subject.group(1).split()) <= 5 else []


def extract_fields(text: str, fields: list[str], request: str = "") -> dict[str, Any]:
    """The value of each field found in ``text`` (then in ``request``), by what the field's name says
    it is: an e-mail address, a URL, a phone number, a date, a time, an amount of money, a number
    or id after the field's own word ("order 5521"), a name, a place, or the text after "field:".

    Raises:
        NotSupportedOffline: none of the fields was found.
    """
    out: dict[str, Any] = {}
    taken: set[str] = set()
    for field in fields:  # two fields of one kind ("the city and country") take different values
        values = _field_values(field, text) or (_field_values(field, request) if request else [])
        value = next((v for v in values if str(v) not in taken), values[0] if values else None)
        if value is not None:
            out[field_key(field)] = value
            taken.add(str(value))
    if not out:
        raise NotSupportedOffline(
            f"could not find {', '.join(fields) or 'the fields asked for'} offline; a larger model (--model / --base-url) can extract them")
    return out
