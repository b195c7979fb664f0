"""What a search query parameter takes: the request's key phrases ("the *quarterly budget review*").

A required text parameter is narrowed to word spans of the request
(:func:`agentfn.backends._extract.extractive_spec`), dozens of them, and a small model asked to fill
``search_emails(query=...)`` picks a fragment of the question's frame ("going to be, based",
"emails") or one word of the topic ("security" of "my Facebook security code"). What a person types
into a search box is the topic: a noun phrase of the request.

:func:`query_phrases` splits the request at punctuation, numbers, function words, question words,
common verbs of a question's frame (:data:`FRAME_WORDS`) and the words of the tool's own name ("emails"
of ``search_emails``: the place searched, not what is searched for); what remains are its key phrases,
less a trailing participle ("the dentist appointment *moved* to").
Phrases of several words are more specific than single words, so when there are some, only they
are offered. Quoted text (not a format pattern such as 'HH:MM') is always offered: it is what a
request asks to search for verbatim.

:func:`is_search_query`: a text parameter named ``query``/``q``/``keyword(s)``/``search``/``term(s)``
(alone or as a word of the name: ``search_query``), or described as what to search for.

Guarantees: pure; every phrase is a span of the request as written (case and inner spacing kept);
returns [] when the request has no phrase (the caller keeps its wider options).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agentfn._values import quoted_spans
from agentfn.backends._extract_units import singular
from agentfn.backends._extract_words import is_format_template, name_words

__all__ = ["FRAME_WORDS", "is_search_query", "query_phrases", "with_query_phrases"]

_FRAME_TEXT = """
a an the this that these those some any all each every no other another such
i me my mine we us our you your he him his she her it its they them their there here one
is are was were be been being am do does did doing done have has had having will would shall should can could may might
must let lets
what when where which who whom whose why how much many
and or but nor so yet if then than as of in on at to from for with without by about into onto over under after before
between during through up down out off near via per
not also just only very too please kindly
get gets got give gives gave go goes going went come find found show tell know see look looking want wants wanted need
needs make makes made take took put say said ask asked use using used based according containing contain contains
received receive sent send help try
"""
FRAME_WORDS = frozenset(_FRAME_TEXT.split())
"""Words that are no part of a key phrase: function words, question words, verbs of a question's frame."""
_QUERY_NAMES = frozenset({"q", "query", "queries", "keyword", "keywords", "search", "term", "terms", "searchterm"})
_SEARCH_DESCRIPTION = re.compile(r"\b(?:search(?:es|ed)?\s+for|to search|search (?:query|term|string)|the query)\b", re.I)
_TOKEN = re.compile(r"[A-Za-z]+(?:['-][A-Za-z]+)*|\d[\d.,:/-]*|[^\sA-Za-z\d]")


def is_search_query(name: str, schema: Mapping[str, Any]) -> bool:
    """Whether parameter ``name`` is what a search looks for (see the module docstring)."""
    words = {w.lower() for w in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name) if w}
    if name.lower() in _QUERY_NAMES or words & (_QUERY_NAMES - {"search"}):
        return True
    return bool(_SEARCH_DESCRIPTION.search(str(schema.get("description", ""))))



def query_phrases(request: str, tool_name: str = "") -> list[str]:
    """The key phrases of ``request`` for a search with tool ``tool_name`` (see the module docstring)."""
    own = {singular(w) for w in name_words(tool_name.rsplit("__", 1)[-1])}
    templates = [q for q in quoted_spans(request) if is_format_template(q)]
    masked = request  # a quoted format pattern ('YYYY-MM-DD HH:MM') is no phrase: masked, same length
    for q in templates:
        masked = masked.replace(q, "." * len(q))
    runs: list[list[tuple[int, int]]] = [[]]
    for m in _TOKEN.finditer(masked):
        word = m.group().lower()
        content = word[:1].isalpha() and word.split("'")[0] not in FRAME_WORDS and singular(word) not in own
        if content:
            runs[-1].append(m.span())
        elif runs[-1]:
            runs.append([])
    for run in runs:  # "the dentist appointment moved to": a participle after the phrase is its verb
        while len(run) > 1 and re.fullmatch(r"[a-z]{3,}ed", request[run[-1][0] : run[-1][1]]):
            run.pop()
    phrases = [request[r[0][0] : r[-1][1]] for r in runs if r]
    longer = [p for p in phrases if " " in p]
    quoted = [q for q in quoted_spans(request) if q not in templates]
    return list(dict.fromkeys([*quoted, *(longer or phrases)]))


def with_query_phrases(name: str, schema: Mapping[str, Any], narrowed: dict[str, Any], request: str,
                       tool_name: str = "") -> dict[str, Any]:
    """``narrowed`` (parameter ``name``'s narrowed schema; ``schema`` its original) offering only the
    request's key phrases when it is a search query and the request has some; else ``narrowed`` itself."""
    if not is_search_query(name, schema):
        return narrowed
    phrases = query_phrases(request, tool_name)
    return {**narrowed, "enum": phrases} if phrases else narrowed
