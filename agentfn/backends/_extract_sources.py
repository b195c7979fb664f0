"""Where extracted argument values come from: the request, today's date and this turn's tool results.

Part of :mod:`agentfn.backends._extract`. :class:`ExtractionSources` reads one turn (the last user
message and the tool results after it) and offers candidate values by kind: the request's numbers
(spelled, fractional and "ago"-negated ones included), its dates (ISO, worded, holidays, relative days,
today when the request is relative to now, each with the clock times it gives), whole phrasings and
text spans, and URLs, file names, JSON documents, pasted tables and code. It guarantees candidates are
deduplicated in order of preference and at most :data:`MAX_CANDIDATES` text spans; the argument values
of this tool's failed calls are kept in ``avoid`` so a retry does not repeat them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, cast

from agentfn._named_dates import current_moment, holiday_dates, worded_dates
from agentfn._passage_tasks import stated_passage
from agentfn._values import (
    code_spans,
    dates_in,
    json_documents,
    mentioned_spans,
    numbers_in_request,
    pasted_table,
    quote_safe,
    quoted_spans,
    relative_days,
    spell_out_numbers,
    strip_values,
    table_rows,
    times_in,
)
from agentfn.backends._extract_code import whole_calls
from agentfn.backends._extract_units import fraction_amounts, plain_durations, without_fractions
from agentfn.backends._extract_words import active_rules, domains_in, is_format_template, text_spans
from agentfn.messages import AssistantMessage, Message, ToolMessage, UserMessage

__all__ = ["MAX_CANDIDATES", "ExtractionSources"]

MAX_CANDIDATES = 800
_TRIM = " \t\n.,;:!?()[]{}\"'“”‘’`"


_RELATIVE_TO_TODAY = re.compile(
    r"\b(?:today|now|tonight|tomorrow|yesterday|until|till|since|ago|left|away|to go|current(?:ly)?|this (?:week|month|year)|"
    r"how old|(?:days?|weeks?|months?|years?) old|age)\b",
    re.IGNORECASE,
)
_DAY_NAMED = re.compile(r"\b(?:tomorrow|yesterday)\b", re.I)  # a day of its own (relative_days), not today
_FILE_NAME = re.compile(r"(?<![\w/.:-])[\w-]+(?:/[\w.-]+)*\.[A-Za-z][A-Za-z0-9]{0,4}(?![\w.])")


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for v in cast("dict[str, Any]", value).values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in cast("list[Any]", value):
            yield from _leaves(v)
    else:
        yield value


class ExtractionSources:
    """What arguments may be copied from: the request, today's date and this turn's tool results."""

    def __init__(
        self,
        request: str,
        today: str | None = None,
        results: Sequence[str] = (),
        avoid: Mapping[str, Sequence[Any]] | None = None,
    ) -> None:
        self.request = request
        self.today = today
        self.results = list(results)
        self.avoid = {k: list(v) for k, v in (avoid or {}).items()}
        decoded: list[Any] = []
        for r in self.results:
            try:
                decoded.append(json.loads(r))
            except ValueError:
                decoded.append(r)
        self.result_leaves = [leaf for d in decoded for leaf in _leaves(d)]

    @classmethod
    def from_messages(cls, messages: Sequence[Message], today: str | None = None, tool: str | None = None) -> ExtractionSources:
        """This turn's sources; with ``tool``, the argument values of its failed calls are avoided."""
        start = max((i for i, m in enumerate(messages) if isinstance(m, UserMessage)), default=-1)
        request = str(messages[start].content) if start >= 0 else ""
        turn = messages[start + 1 :]
        results = [m.content for m in turn if isinstance(m, ToolMessage) and not m.is_error]
        failed = {m.tool_call_id for m in turn if isinstance(m, ToolMessage) and m.is_error and m.name == tool}
        avoid: dict[str, list[Any]] = {}
        for m in turn:
            for call in m.tool_calls if isinstance(m, AssistantMessage) else []:
                if call.id in failed:
                    try:
                        arguments: Any = json.loads(call.arguments)
                    except ValueError:
                        continue
                    pairs: dict[str, Any] = cast("dict[str, Any]", arguments) if isinstance(arguments, dict) else {}
                    for key, value in pairs.items():
                        avoid.setdefault(key, []).append(value)
        return cls(request, today, results, avoid)

    def result_numbers(self) -> list[float]:
        """The first number of each of this turn's results (a conversion's value, a count...)."""
        firsts: list[float] = []
        for r in self.results:
            try:
                decoded = json.loads(r)
            except ValueError:
                continue
            first = next((v for v in _leaves(decoded) if isinstance(v, int | float) and not isinstance(v, bool)), None)
            if first is not None:
                firsts.append(float(first))
        return firsts

    def numbers(self, integer: bool) -> list[int | float]:
        """The request's numbers as written (negated after "before", "ago"...), then the results' numbers."""
        backwards = re.search(r"\b(?:before|ago|earlier|back|subtract|minus|previous|prior)\b", self.request, re.I)
        request = plain_durations(self.request)  # "in a fortnight": 2 weeks
        spelled = spell_out_numbers(request)
        fractions = fraction_amounts(strip_values(spelled))  # "a quarter mile": 0.25, not 1; "2 and a half": not 2
        rest = numbers_in_request(without_fractions(spelled) if fractions else request)
        found = [-v if backwards and v > 0 else v for v in [*fractions, *rest]]
        found += [float(v) for v in self.result_leaves if isinstance(v, int | float) and not isinstance(v, bool)]
        out: list[int | float] = []
        for v in found:
            if v.is_integer():
                out.append(int(v))
            elif not integer:
                out.append(v)
        return list(dict.fromkeys(out))

    def dates(self) -> list[str]:
        texts = [self.request, *(v for v in self.result_leaves if isinstance(v, str))]
        found = [d for t in texts for d in dates_in(t)]
        if not found and not times_in(self.request) and (moment := current_moment(self.request, self.today)):
            return [moment]  # "what time is it in Tokyo": now, not today at midnight
        today = date.fromisoformat(self.today[:10]) if self.today else None
        found += worded_dates(self.request, today=today)  # "March 3, 2025"; "until August 14": the next one
        if today:  # "until Christmas" names a date, "3 weeks from tomorrow" starts tomorrow
            found += holiday_dates(self.request, today) + relative_days(self.request, today)
        if self.today and (not found or _RELATIVE_TO_TODAY.search(_DAY_NAMED.sub(" ", self.request))):
            found.append(self.today)  # "1999-12-31 fell on?" is about that date, "until 2027-03-01" also today
        out: list[str] = []
        times = times_in(self.request)
        for d in found:
            day = d[:10]
            if times and len(d) == 10:  # "3 hours ahead of 10:15": the day at that time, not at midnight
                out += [f"{day}T{t}:00" for t in times]
                continue
            out += [d, day, *(f"{day}T{t}:00" for t in times)]
        return list(dict.fromkeys(out))

    def phrasings(self) -> list[str]:
        """Whole phrasings: quoted text, the text after the first colon (with its closing "." "!" "?": a passage's
        own, counted in its characters), the request itself."""
        request = self.request
        spans = [*mentioned_spans(request), *filter(None, [stated_passage(request)])]
        after = re.split(r":\s*", request, maxsplit=1)
        if len(after) == 2 and after[1].strip():
            passage = after[1].strip().strip(_TRIM)
            spans.append(passage + m.group() if (m := re.search(r"(?<=\w)[.!?]$", after[1].strip())) else passage)
        spans.append(request.strip().rstrip("?!. "))
        return list(dict.fromkeys(s for s in spans if s))

    def strings(self) -> list[str]:
        request = self.request
        named = _FILE_NAME.findall(request)  # a file name is a path, not the text to write nor part of it
        quoted = mentioned_spans(request)  # quoted text is given whole, not wrapped in the words around it

        def given(spans: list[str]) -> list[str]:
            return [s for s in spans if quote_safe(s, request) and not any(q != s and q in s for q in quoted)
                    and not any(f in s for f in named if f not in quoted)]

        spans = [*given(self.phrasings()), *(r for r in self.result_leaves if isinstance(r, str) and r.strip()),
                 *given(text_spans(request.splitlines()[0] if request else ""))]
        shaped = "shaped_values" in active_rules()
        spans = [s for s in spans if s and not (shaped and is_format_template(s))]  # "the format 'HH:MM'" is no value
        return list(dict.fromkeys(spans))[:MAX_CANDIDATES]

    def of_kind(self, kind: str) -> list[str]:
        request = self.request
        if kind == "url":
            urls = re.findall(r"https?://[^\s'\"<>]+[^\s'\"<>.,;:!?)]", request)
            return list(dict.fromkeys([*urls, *(domains_in(request) if "shaped_values" in active_rules() else [])]))
        if kind == "file":
            files = _FILE_NAME.findall(request)
            words = [w.strip(_TRIM) for w in request.split() if len(w.strip(_TRIM)) > 1]
            if files:  # "save 'buy eggs' into shopping.txt": the path is the file name, not a word
                return list(dict.fromkeys(files))
            return list(dict.fromkeys([*words, "."])) if words else []
        read = [r.strip() for r in self.result_leaves if isinstance(r, str) and r.strip()]  # a file read this turn
        if kind == "json":
            return [*json_documents(request), *(d for r in read for d in json_documents(r) if d.strip() == r)]
        if kind == "csv":
            pasted = pasted_table(request)
            return [*([pasted] if pasted else []), *(r for r in read if table_rows(r))]
        if kind == "code":  # a call written whole first: "print(', '.join(...))" has quotes inside
            return list(dict.fromkeys([*(c for c in whole_calls(request) if c not in quoted_spans(request)),
                                       *code_spans(request)]))
        return []


