"""The passage a request is about, and answers read out of a passage, for models that cannot write them.

A 135M model asked "Summarise the following in a sentence. The bakery ... will close in July. ..."
calls ``summarize(text="July")``: it copies a fragment of the passage into the argument. Asked a
question about a quoted passage, it loops while writing the JSON of a cited answer. Two rules,
used by :mod:`tools.text_llm` when the run's model is such a model (``answer_mode="grounded"``):

* :func:`passage_of`: the passage of the user's request that an argument is a piece of: a quoted
  span of the request ('...', "...", “...”), else what follows a leading instruction ("Summarise
  this:", "Can you summarize this for me?"). The argument stays as it is when it is not a piece of
  that passage, or is already all of it.
* :func:`extractive_answer`: the answer to a question about a passage, copied from it: the
  sentence that shares the most words with the question, then in it the span the question asks
  for (a number with its unit for "how many/much/long", a date or year for "when", a place after
  "in/at" for "where", a name for "who" (one word when it is not the sentence's first: "written by Tom"),
  a colour for "what colour", the role after "works as" for a job, the word after the question's noun
  for "which gate" (else the sentence's one proper noun: "which carrier" -> "via DHL"),
  the words after the question's last word for "what is Tom allergic to"), else the sentence
  itself. Nothing is written that the passage does not say; with no shared word the passage is
  judged not to answer.
"""

from __future__ import annotations

import re

__all__ = ["Extracted", "extractive_answer", "passage_of", "passages", "question_of", "question_parts", "quoted_spans"]

_QUOTED = re.compile(r"(?<!\w)'(.+?)'(?!\w)|\"(.+?)\"|“(.+?)”|‘(.+?)’", re.S)
_LEAD = re.compile(
    r"^\s*(?P<lead>[^.?!:\n]{0,120}?\b(?:summar\w*|condense|shorten|tl;?dr|gist|recap|sum up|digest|"
    r"read|passage|text|note|message|email|paragraph|following|below|this|answer)\b[^.?!:\n]{0,80}?)"
    r"(?:[.?!:]|\n)\s+(?P<rest>\S.*)$", re.I | re.S)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def quoted_spans(request: str) -> list[str]:
    """The spans of ``request`` in quotes ('...', "...", “...”, ‘...’; an apostrophe inside a word is no quote)."""
    return [next(g for g in m.groups() if g is not None).strip() for m in _QUOTED.finditer(request)]


def _candidates(request: str) -> list[str]:
    """Passages of the request: its quoted spans, then what follows a leading instruction."""
    found = [q for q in quoted_spans(request) if len(q.split()) >= 2]
    lead = None if found else _LEAD.match(request)
    if lead:
        rest = lead.group("rest").strip()
        rest = re.sub(r"^(?:the following|this|it)\s*[:\-]\s*", "", rest, flags=re.I)
        if len(rest.split()) >= 3:
            found.append(rest.strip("'\"“”‘’ "))
    return found


def passages(request: str) -> list[str]:
    """The passages of ``request``: its quoted spans of two words or more, else what follows a leading instruction."""
    return _candidates(request)


def passage_of(piece: str, request: str) -> str:
    """The passage of ``request`` that ``piece`` is a part of (see the module docstring), else ``piece``."""
    words = _words(piece)
    if not request.strip():
        return piece
    for candidate in _candidates(request):
        have = _words(candidate)
        if len(have) <= len(words):
            continue
        if not words or " ".join(words) in " ".join(have) or sum(w in have for w in words) >= 0.8 * len(words):
            return candidate
    return piece


def question_of(request: str, passage: str) -> str | None:
    """The question a request asks about ``passage``: the request with the passage (and its quotes) cut
    out, when a question word or mark is left; else None."""
    rest = request
    for quoted in quoted_spans(request):
        if quoted in passage or passage in quoted:
            rest = re.sub("['\"“‘]?" + re.escape(quoted) + "['\"”’]?", " ", rest)
    rest = " ".join(rest.replace(passage, " ").split()).strip(" ,:;.")
    if re.search(r"\?|\b(?:who|what|when|where|which|how|why|whose)\b", rest, re.I):
        return rest
    return None


# -- extractive answers ------------------------------------------------------------------------

_STOP = frozenset(
    "a an the is are was were be been being do does did of to in on at for by with from and or but it its this that "  # noqa: SIM905
    "what which who whom whose when where why how many much long does according passage text note read answer tell "
    "context question here notice using based following "
    "me using question based say says said from there their they he she his her i you we our has have had will would "
    "can could should about into than then so as".split())
_NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty "
                 "hundred thousand million half a few several no")
_NUM = rf"(?:\d[\d,]*(?:\.\d+)?%?|\b(?:{'|'.join(_NUMBER_WORDS.split())})\b)"
_UNIT = r"(?:\s+(?:[a-z]+(?:\s+(?:per|a|an)\s+[a-z]+)?))?"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(
    rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:\s+\d{{4}})?|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?"
    rf"(?:,?\s+\d{{4}})?|\b(?:1[5-9]|20)\d{{2}}\b|\b\d{{1,2}}(?::\d{{2}})?\s?(?:am|pm)\b|\b\d{{1,2}}:\d{{2}}\b|"
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|tomorrow|tonight|yesterday)\b", re.I)
_DURATION = re.compile(rf"{_NUM}\s+(?:\w+\s+)?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|nights?)\b", re.I)
_PLACE = re.compile(r"\b(?:in|at|from|to|near|inside|outside)\s+((?:the\s+)?[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)")
_NAME = re.compile(r"\b([A-Z][a-z]+(?:\s+(?:[A-Z]\.|[A-Z][a-z]+))+)")
_ONE_NAME = re.compile(r"\b([A-Z][a-z]+)\b")
_PROPER = re.compile(r"\b(?:[A-Z]{2,}|[A-Z][a-z]+)\b")
_COLOUR = re.compile(r"\b(?:red|orange|yellow|green|blue|purple|violet|pink|brown|black|white|grey|gray|silver|gold|"
                     r"beige|navy|turquoise|maroon)\b", re.I)
_CLAUSE_END = re.compile(r"\s*(?:,|;|\.|\bbut\b|\band\b|\bwhile\b|\bwhich\b|\bbecause\b|$)", re.I)


class Extracted:
    """An answer read from a passage: the ``answer``, the ``quote`` (a sentence of the passage) it comes from,
    and whether the passage answers at all."""

    def __init__(self, answer: str, quote: str, answerable: bool) -> None:
        self.answer, self.quote, self.answerable = answer, quote, answerable

    def __repr__(self) -> str:
        return f"Extracted(answer={self.answer!r}, quote={self.quote!r}, answerable={self.answerable})"


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _sentences(context: str) -> list[str]:
    body = " ".join(context.split())
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“])", body)
    return [p.strip() for p in parts if p.strip()]


def _keys(question: str) -> list[str]:
    return [_stem(w) for w in _words(question) if w not in _STOP]


def _near(candidates: list[re.Match[str]], sentence: str, keys: list[str]) -> re.Match[str] | None:
    """The candidate closest after the last question word found in the sentence (else the first)."""
    if not candidates:
        return None
    anchors = [m.end() for m in re.finditer(r"\w+", sentence) if _stem(m.group().lower()) in keys]
    if not anchors:
        return candidates[0]

    def distance(found: re.Match[str]) -> float:
        after = [found.start() - a for a in anchors if found.start() >= a]
        return min(after) if after else 10_000 + min(abs(found.start() - a) for a in anchors)

    return min(candidates, key=distance)


def _span(question: str, sentence: str, keys: list[str]) -> str | None:
    q = question.lower()
    found: re.Match[str] | None = None
    if re.search(r"\bhow (?:long|much time)\b|\bfor how long\b|\bduration\b", q):
        found = _near(list(_DURATION.finditer(sentence)), sentence, keys)
    if found is None and re.search(r"\bhow (?:many|much|old|far|big|tall|often)\b|\bwhat (?:number|percentage|amount|price)\b", q):
        found = _near(list(re.finditer(_NUM + _UNIT, sentence, re.I)), sentence, keys)
    if found is None and re.search(r"\bwhen\b|\bwhat (?:year|date|day|time)\b|\bwhich (?:year|date|day)\b|\bwhat time\b", q):
        found = _near(list(_DATE.finditer(sentence)), sentence, keys)
    if found is None and re.search(r"\bwhere\b|\bwhich (?:city|country|place|town)\b|\bwhat (?:city|country|place|town)\b", q):
        places = [m for m in _PLACE.finditer(sentence) if _stem(m.group(1).lower()) not in keys]
        match = _near(places, sentence, keys)
        return match.group(1) if match else None
    if found is None and re.search(r"\bwho\b|\bwhose\b|\bwhat is (?:the|his|her) name\b", q):
        names = [m for m in _NAME.finditer(sentence) if not set(_keys(m.group(1))) & set(keys)]
        if not names:  # one-word names ("written by Tom"), not the sentence's first word nor a day or month
            names = [m for m in _ONE_NAME.finditer(sentence) if m.start() > 0 and not set(_keys(m.group(1))) & set(keys)
                     and not _DATE.fullmatch(m.group(1))]
        match = _near(names, sentence, keys)
        return match.group(1) if match else None
    if found is None and re.search(r"\b(?:what|which) colou?r\b", q):
        match = _near(list(_COLOUR.finditer(sentence)), sentence, keys)
        return match.group(0).lower() if match else None
    if found is None and re.search(r"\b(?:job|occupation|profession|for a living|work as)\b", q):
        role = re.search(r"\b(?:works?|worked|working|is|was)\s+as\s+(?:an?\s+)?([a-z]+(?:\s+[a-z]+)?)", sentence)
        return role.group(1) if role else None
    if found is None:
        noun = re.search(r"\b(?:which|what)\s+([a-z]+)\b", q)
        if noun and noun.group(1) not in _STOP:
            near = re.search(rf"\b{re.escape(noun.group(1))}\w*\s+(?:number\s+|no\.?\s+|#\s*)?([A-Z0-9][\w-]*\d[\w-]*|[A-Z0-9]{{2,}})", sentence)
            if near:
                return near.group(1)
            names = [m for m in _PROPER.finditer(sentence) if m.start() > 0 and _stem(m.group(0).lower()) not in keys
                     and not _DATE.fullmatch(m.group(0))]  # "which carrier": "via DHL"
            if len(names) == 1:
                return names[0].group(0)
        last = re.search(r"\b(?:what|who)\b.*?\b([a-z]+)\s+(to|of|about|for|with|on|in)\s*\??\s*$", q)
        if last:  # "what is Tom allergic to?": what follows "allergic to" in the passage
            after = re.search(rf"\b{re.escape(last.group(1))}\s+{last.group(2)}\s+(.+)", sentence, re.I)
            if after:
                cut = _CLAUSE_END.search(after.group(1))
                span = after.group(1)[: cut.start()].strip() if cut else after.group(1).strip()
                if 0 < len(span.split()) <= 6:
                    return span
    return found.group(0).strip(" ,.") if found else None


_JOINED = re.compile(r"\s*(?:,\s*)?\band\s+(?=(?:who|whom|whose|what|what's|whats|when|where|which|how|why)\b)", re.I)


def question_parts(question: str) -> list[str]:
    """The questions joined by "and" in ``question`` ("who sent this and what's the amount" -> two), else it alone."""
    return [q for q in _JOINED.split(question) if q.strip()] or [question]


def extractive_answer(question: str, context: str) -> Extracted:
    """The answer to ``question`` copied from ``context`` (see the module docstring)."""
    sentences = _sentences(context)
    keys = _keys(question)
    if not sentences:
        return Extracted("The text is empty.", "", False)

    def overlap(sentence: str) -> int:
        have = {_stem(w) for w in _words(sentence)}
        return sum(k in have for k in set(keys))

    best = max(sentences, key=overlap)
    if keys and overlap(best) == 0:
        if len(sentences) > 1:
            return Extracted("The text does not say.", "", False)
        best = sentences[0]
    span = _span(question, best, keys)
    if span is None:  # another sentence may hold the kind of span asked for ("when" in the next sentence)
        for other in sorted(sentences, key=lambda s: -overlap(s)):
            if other is not best and overlap(other) and (span := _span(question, other, keys)):
                best = other
                break
    return Extracted(span or best.rstrip(), best, True)
