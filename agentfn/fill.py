"""Parameter-fill re-ranking: among the router's near-tied candidates, prefer the tool the request can fill.

A small model follows the router's top-1 (``follow_route``), and near-duplicate tools often tie
there: "days between 2024-01-01 and 2024-03-01" scores ``date_add`` as high as ``date_diff``.
What separates them is the request itself: it holds two dates, and only ``date_diff`` takes two.
:class:`FillRouter` wraps a router and re-ranks its top candidates by

* **coverage**: the share of the typed values found in the request (dates, numbers, URLs, file
  names, JSON, CSV, quoted text) that the tool's parameters can take, by type, name and
  description (:func:`request_values`, :func:`parameter_kinds`); optional parameters count half
  unless the request names them ("one *year* after 2024-02-29" fills ``date_add``'s ``years``);
* **missing**: the share of required parameters of a specific kind (a date, a URL, a file...)
  for which the request holds no value, or an amount the request names without a number ("how
  many *weeks* between two dates" gives ``date_add`` no weeks to add), or no amount at all for a tool
  of several optional amounts ("Was 2023-07-14 a weekend?" gives ``date_add`` nothing to add);
* **asked**: whether the request asks for an amount the tool takes as an input ("how many *days* is 3
  weeks" asks for days; ``date_add`` would need them given): counted with the missing weight;
* **misfits** (:func:`agentfn.router.neardup.misfits`, the router's own near-duplicate rule): a step the
  request does not ask for (``timer_increase`` for "a timer for 10 minutes"), a change where a reading
  was asked (``timer_pause`` for "how much is left on my timer"): each counted with the missing weight.
  Optional numbers of a tool that requires nothing find a thing (``pause_timer(started_minutes?)``),
  they are no amounts the request leaves unsaid;
* **named**: the share of the distinctive parts of the tool's name the request uses as words
  ("translate", "summarize"; not "date" when ``date_add`` and ``date_diff`` both compete; not a
  word used only as a noun after "a"/"an" or "my": "the largest number in *a list*" names no ``list_files``).

Candidates within ``near`` of the router's head compete freely; those further behind (up to ``margin``) only
on strong evidence: the head lacks an input the request cannot give, or the candidate alone takes every
value of a request that holds a specific one (a date, URL, file, JSON...). Measured on the foreign routing
check (``benchmarks/foreign_calls_bench.py --routing-only``), a wide free window let single name words and
dates lift far tools of other vendors over a large registry's head.

``score = router score + coverage_weight * coverage - missing_weight * (missing + asked + misfits) + name_weight * named``.
When the head of the plan changes, or the head alone takes every value of the request, the plan
becomes that one tool (the router's chain belonged to its own head; a second step after a tool
that took everything is a misreading of "and tell me what it says"), unless a later tool of the
chain needs an input the request cannot give (``text_stats`` after ``read_file`` in "count the
words in notes.txt": the reader takes the file name, the counter needs what it reads).
**Computed values feed a later step**: when the head returns a number and the request asks to do
arithmetic on it ("... and multiply by 4", "then double it", "rounded to a whole number"), a tool
that takes an arithmetic expression (``calculate``) follows the head
(:func:`agentfn._arith.asks_arithmetic`; the call's expression is offered from the request's words).
**A reader feeds a head that lacks its document**: when the re-rank puts a tool that returns a
document's text (``read_file``) over a router head that needs a document the request does not hold
(``csv_summary`` for "the highest temperature in data.csv"), the plan is [reader, head].
**Each later tool of a chain is asked for**: a word of the request's instruction names what it does
(:func:`agentfn._grounding.asks_for`); "Read notes.txt and tell me what it says" is ``read_file`` alone.
When the router's chain was [numeric tool, calculator] and the re-rank puts the calculator first,
the chain stays. A tool that needs a specific value the request holds (a file name, URL, date...)
joins the re-ranked pool even when the router ranked it past ``pool``, and so does a tool whose
name the request's instruction uses ("*Summarize* in one sentence: <a long passage>").
**A passage's own values are not the request's**: when the request holds a passage (quoted, or after
a short instruction) and does not name its head, a choice among listed labels goes to the tool that takes
labels, a question about the passage's content to the tool that takes a question, and an instruction verb
that asks for one tool ("condense this paragraph: ...", "get the total from '...'") to that tool
(:meth:`FillRouter.passage_task`, :mod:`agentfn._passage_tasks`).
With ``never_abstain`` (for a model that cannot answer alone) an abstaining plan
still offers its best candidates and selects the best one, unless nothing in the request supports
it and a ``fallback`` tool is given (the model's own plain reply): then that one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from agentfn._arith import asks_arithmetic
from agentfn._fields import requested_fields
from agentfn._grounding import asks_for, chain_words, instruction_words
from agentfn._passage_tasks import content_question, holds_passage, leading_verb
from agentfn._values import (
    listed_options,
    name_parts,
    parameter_kinds,
    quoted_spans,
    request_values,
    request_words,
    stem,
)
from agentfn.router.neardup import misfits
from agentfn.router.router import RoutePlan
from agentfn.router.text import query_from_messages

__all__ = ["FillRouter", "RouterLike", "reranked_plan"]

_SPECIFIC = ("date", "url", "file", "json", "csv", "code")
def _returns_number(schema: Mapping[str, Any] | None) -> bool:
    if not schema:
        return False
    if schema.get("type") in ("number", "integer"):
        return True
    props = cast("Mapping[str, Any]", schema.get("properties") or {})
    return any(cast("Mapping[str, Any]", p).get("type") in ("number", "integer") for p in props.values())


def _returns_scalar(schema: Mapping[str, Any] | None) -> bool:
    """Whether a tool returns only a number or a yes/no (``calculate``): never a date, a file or a text."""
    if not schema:
        return False
    options = cast("list[Mapping[str, Any]]", schema.get("anyOf") or [schema])
    return all(o.get("type") in ("number", "integer", "boolean") for o in options)


_DETERMINERS = "a|an|my|your|our|his|her|their|its|this|these|that"


def _after_article(text: str, words: set[str]) -> frozenset[str]:
    """Words the request uses only as a noun after "a"/"an" or a possessive ("returns the largest number in
    *a list*", "what's on *my list*"):
    they do not name a tool (``list_files``), whose name words are verbs and their objects."""
    after = {m.group(1).lower() for m in re.finditer(rf"\b(?:{_DETERMINERS})\s+([A-Za-z]+)", text, re.I)}
    elsewhere = re.sub(rf"\b(?:{_DETERMINERS})\s+[A-Za-z]+", " ", text, flags=re.I).lower()
    return frozenset(w for w in after & words if not re.search(rf"\b{re.escape(w)}\b", elsewhere))


def _returns_text(schema: Mapping[str, Any] | None) -> bool:
    """Whether a tool's result is a document's text (a string, or an object with a text/content/body)."""
    if not schema:
        return False
    if schema.get("type") == "string":
        return True
    props = cast("Mapping[str, Any]", schema.get("properties") or {})
    return any(cast("Mapping[str, Any]", props.get(key) or {}).get("type") == "string" for key in ("text", "content", "body"))


_DOCUMENTS = ("csv", "json", "code", "text")


class RouterLike(Protocol):
    """What the agent needs from a router."""

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan: ...


@dataclass(frozen=True)
class _Fit:
    coverage: float
    missing: float
    named: float
    takes_all: bool
    asked: float = 0.0


_ASKED = re.compile(r"\bhow\s+(?:many|much)\s+([a-z]+)", re.I)


def _asked_amounts(text: str) -> set[str]:
    """The amounts a request asks for ("how many *days*", "how much *time*"), singular, lower case."""
    return {m.group(1).lower().rstrip("s") for m in _ASKED.finditer(text)}


def _fit(spec: Mapping[str, Any], values: Mapping[str, int], words: set[str], shared: set[str],
         nouns: frozenset[str] = frozenset(), asked: frozenset[str] = frozenset()) -> _Fit:
    kinds = parameter_kinds(spec)
    required: dict[str, int] = {}
    optional: dict[str, int] = {}
    said = {w.rstrip("s") for w in words}
    counted = said - {w.rstrip("s") for w in nouns}  # "a week" gives one week
    unnumbered = False
    takes_asked = False
    fn_spec = cast("Mapping[str, Any]", spec.get("function", spec))
    props = cast("Mapping[str, Any]", cast("Mapping[str, Any]", fn_spec.get("parameters") or {}).get("properties") or {})
    for pname, kind, req in kinds:  # an optional parameter the request names ("one *year* after") counts full
        description = str(cast("Mapping[str, Any]", props.get(pname) or {}).get("description", "")).lower()
        if kind == "file" and re.match(r"\W*(?:the\s+)?(?:directory|folder)\b", description):
            kind = "directory"  # a folder path does not take a file name ("open todo.md" is not a listing)
        takes_asked = takes_asked or (kind == "number" and pname.rstrip("s") in asked)
        table = required if req or pname.rstrip("s") in said else optional
        table[kind] = table.get(kind, 0) + 1
        if kind == "number" and not req and pname.rstrip("s") in said and not values.get("number"):
            # "how many *weeks* between two dates" names an amount and gives none ("a week" gives one)
            unnumbered = unnumbered or pname.rstrip("s") in counted
    amounts = [n for n, kind, req in kinds if kind == "number" and not req]
    # ... amounts that change a required value (date_add's days of its date); a tool of optional numbers
    # alone takes them as filters ("pause the timer" of ``pause_timer(hours?, minutes?)``), not as amounts
    if len(amounts) >= 2 and any(req for _, _, req in kinds) and not values.get("number") and not required.get("number") and not any(
            n.rstrip("s") in said for n in amounts):  # an adder given nothing to add ("Was <date> a weekend?")
        unnumbered = True
    salient = {k: v for k, v in values.items() if v}
    total = sum(salient.values())
    taken, left = 0.0, 0
    for kind, count in salient.items():
        if kind == "number":  # an arithmetic expression takes any number of numbers
            req_slots = required.get(kind, 0) + 99 * required.get("math", 0)
            opt_slots = optional.get(kind, 0) + 99 * optional.get("math", 0)
        elif kind == "quoted":  # quoted text goes to text parameters
            req_slots = required.get("text", 0) + required.get("code", 0)
            opt_slots = optional.get("text", 0) + optional.get("code", 0)
        else:
            req_slots, opt_slots = required.get(kind, 0), optional.get(kind, 0)
        filled = min(count, req_slots)
        extra = min(count - filled, opt_slots)
        taken += filled + 0.5 * extra  # optional parameters count half
        left += count - filled - extra
    specific = {k: n for k, n in required.items() if k in _SPECIFIC}
    unfilled = sum(max(0, n - values.get(k, 0)) for k, n in specific.items()) + unnumbered
    slots = sum(specific.values()) + unnumbered
    missing = unfilled / slots if slots else 0.0
    name = str(fn_spec.get("name", ""))
    stems = {stem(w) for w in words - nouns}
    distinctive = [p for p in dict.fromkeys(name_parts(name)) if p not in shared]
    named = sum(stem(p) in stems for p in distinctive) / len(distinctive) if distinctive else 0.0
    return _Fit(taken / total if total else 0.0, missing, named, total > 0 and left == 0, float(takes_asked))


def _far_evidence(fit: _Fit, head: _Fit | None, values: Mapping[str, int]) -> bool:
    """Whether a candidate further than ``near`` behind the router's head may still take its place: the head
    lacks an input the request cannot give (or takes the amount it asks for), or the candidate takes every
    value of a request holding a specific one (a date, URL, file, JSON...) that the head does not take."""
    if head is None or head.missing > 0 or head.asked > 0:
        return True
    return fit.takes_all and not head.takes_all and any(values.get(kind) for kind in _SPECIFIC)


class FillRouter:
    """A router whose top candidates are re-ranked by how well the request fills them.

    Args:
        router: the router to wrap (anything with ``route(query, k)``).
        tools: the tool specs (OpenAI format) or :class:`~agentfn.tool.Tool` objects it routes over.
        pool: how many of the router's candidates are re-ranked.
        margin: only candidates within this of the router's top score compete.
        near: a candidate further than this behind the router's head competes only on strong evidence
            (:func:`_far_evidence`: the head lacks an input, or the candidate alone takes the request's
            specific values). In a large registry many tools sit within ``margin``; a single name word
            ("the *box* to Berlin") or a date the request holds must not lift one of them over the head.
        never_abstain: select the best candidate even when the router abstains.
        fallback: with ``never_abstain``, the tool selected instead when the router abstains and its
            best candidate has no evidence in the request (takes none of its values, uses no word of
            its name): the model's own reply (the built-in ``generate``) for "What's the capital of
            France?", rather than the nearest tool (``translate``).
    """

    def __init__(
        self,
        router: RouterLike,
        tools: Iterable[Any],
        *,
        pool: int = 10,
        margin: float = 0.5,
        near: float = 0.1,
        coverage_weight: float = 0.4,
        missing_weight: float = 0.4,
        name_weight: float = 0.35,
        never_abstain: bool = False,
        fallback: str | None = None,
    ) -> None:
        self.router = router
        self.specs: dict[str, Mapping[str, Any]] = {}
        self.numeric: set[str] = set()  # tools whose result holds a number (Tool objects say so)
        self.readers: set[str] = set()  # tools whose result is a document's text
        self.scalar: set[str] = set()  # tools whose result is only a number or a yes/no
        for t in tools:
            spec = t.openai_schema() if hasattr(t, "openai_schema") else t
            fn = cast("Mapping[str, Any]", spec.get("function", spec))
            self.specs[str(fn["name"])] = spec
            if _returns_number(getattr(t, "return_schema", None)):
                self.numeric.add(str(fn["name"]))
            if _returns_scalar(getattr(t, "return_schema", None)):
                self.scalar.add(str(fn["name"]))
            if _returns_text(getattr(t, "return_schema", None)):
                self.readers.add(str(fn["name"]))
        self.calculators = [n for n, spec in self.specs.items() if any(k == "math" for _, k, _ in parameter_kinds(spec))]
        self.pool = pool
        self.margin = margin
        self.near = near
        self.coverage_weight = coverage_weight
        self.missing_weight = missing_weight
        self.name_weight = name_weight
        self.never_abstain = never_abstain
        self.fallback = fallback if fallback in self.specs else None
        self._values: tuple[str | None, Mapping[str, int]] = (None, {})

    def values(self, text: str) -> Mapping[str, int]:
        """:func:`request_values` of ``text``, computed once per request (every step of a route reads it)."""
        if self._values[0] != text:
            self._values = (text, request_values(text))
        return self._values[1]

    def takes_all(self, text: str, name: str) -> bool:
        """Whether the tool's parameters can take every value the request holds."""
        spec = self.specs.get(name)
        return spec is not None and _fit(spec, self.values(text), set(), set()).takes_all

    def rescore(self, text: str, ranked: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
        """``ranked`` with fill-adjusted scores for the candidates within ``margin`` of the top, best first."""
        if not ranked:
            return []
        values = self.values(text)
        words = request_words(text)
        nouns = _after_article(text, words)
        asked = frozenset(_asked_amounts(text))
        top = ranked[0][1]
        head_fit = None
        if (head := self.specs.get(ranked[0][0])) is not None:  # a head lacking its inputs lets more compete
            head_fit = lacks = _fit(head, values, words, set(), nouns, asked)
            top -= self.missing_weight * (lacks.missing + lacks.asked)
        competing = [name for name, score in ranked if name in self.specs and score >= top - self.margin]
        counts: dict[str, int] = {}
        for name in competing:
            for part in set(name_parts(name)):
                counts[part] = counts.get(part, 0) + 1
        shared = {part for part, n in counts.items() if n > 1}  # only a distinctive name part counts
        misfit = dict(zip(competing, misfits(competing, text), strict=True))  # an unasked step, a change for a reading
        scored: list[tuple[str, float]] = []
        for name, score in ranked:
            spec = self.specs.get(name)
            if spec is None or name not in competing:
                scored.append((name, score))
                continue
            fit = _fit(spec, values, words, shared, nouns, asked)
            if score < top - self.near and not _far_evidence(fit, head_fit, values):
                scored.append((name, score))
                continue
            scored.append((name, score + self.coverage_weight * fit.coverage - self.missing_weight * (fit.missing + fit.asked)
                           + self.name_weight * fit.named - self.missing_weight * misfit[name]))
        return sorted(scored, key=lambda item: -item[1])

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        """The router's plan, re-ranked; see the module docstring."""
        plan = self.router.route(query, k=max(k, self.pool, len(self.specs)))
        text = query if isinstance(query, str) else query_from_messages(query, context_turns=0)[0]
        # A tool that needs a specific value the request holds (a file name, a URL, a date...) competes
        # even when the router ranked it low ("What's in todo.md?": nothing reads like the file name).
        values = self.values(text)
        held = {kind for kind in _SPECIFIC if values.get(kind)}
        said = {stem(w) for w in instruction_words(text)}  # "Summarize in one sentence: <passage>" names its tool
        pool = list(plan.ranked[: self.pool]) + [
            item for item in plan.ranked[self.pool :]
            if item[0] in self.specs and (held & {kind for _, kind, req in parameter_kinds(self.specs[item[0]]) if req}
                                          or any(stem(p) in said for p in name_parts(item[0]) if len(p) > 3))]
        ranked = self.rescore(text, pool) + [item for item in plan.ranked if item not in pool]
        fill = getattr(self.router, "fill_score", None)  # a Router's data-flow view of required inputs
        new = reranked_plan(plan, ranked, k, abstain=plan.abstain and not self.never_abstain,
                            keeps_chain=lambda best: not self.takes_all(text, best),
                            needs_input=None if fill is None else lambda best: float(fill(text, best)) < 1.0)
        if plan.abstain and self.fallback is not None and new.selected and self.unfounded(text, new.selected[0]):
            return new.model_copy(update={"selected": [self.fallback]})
        new = self.numbers_feed_only_numbers(text, self.asked_chain(text, new))
        new = self.then_calculate(text, self.keep_calculation(text, plan, self.read_first(text, plan, new)))
        return self.passage_task(text, new, dict(plan.ranked))

    def asked_chain(self, text: str, plan: RoutePlan) -> RoutePlan:
        """``plan`` without the later tools of its chain that the request does not ask for (no word of its
        instruction other than the head's names what they do: :func:`agentfn._grounding.asks_for`); a
        calculator stays when the request asks for arithmetic (:func:`asks_arithmetic`)."""
        if len(plan.selected) < 2 or plan.selected[0] not in self.specs:
            return plan
        head = self.specs[plan.selected[0]]  # words that ask for the head are its own ("positive or negative")
        words = {w for w in chain_words(text) if not asks_for(head, {w})}  # a made thing's description asks nothing
        kept = plan.selected[:1] + [name for name in plan.selected[1:] if name not in self.specs
                                    or (asks_arithmetic(text) if name in self.calculators else asks_for(self.specs[name], words))]
        return plan if kept == plan.selected else plan.model_copy(update={"selected": kept})

    def numbers_feed_only_numbers(self, text: str, plan: RoutePlan) -> RoutePlan:
        """``plan`` without the later tools of its chain that need a specific value (a date, a file, a
        URL...) the request does not hold while every tool before them returns a number (alone or with
        its unit): "If I save $250 a month, how much after 18 months?" is arithmetic, not date arithmetic
        after it; "convert 2 miles to km and add 1" adds to the conversion, it adds no days to a date."""
        chain = list(plan.selected)
        if len(chain) < 2 or chain[0] not in self.scalar | self.numeric:
            return plan
        values = self.values(text)
        kept = chain[:1]
        for name in chain[1:]:
            spec = self.specs.get(name)
            needs: set[str] = {kind for _, kind, req in parameter_kinds(spec) if req and kind in _SPECIFIC} if spec else set()
            if all(prior in self.scalar | self.numeric for prior in kept) and any(not values.get(kind) for kind in needs):
                continue
            kept.append(name)
        return plan if kept == chain else plan.model_copy(update={"selected": kept})

    def unfounded(self, text: str, name: str) -> bool:
        """Whether nothing in the request supports ``name``: it takes none of the request's values and
        the request uses no distinctive word of its name."""
        spec = self.specs.get(name)
        if spec is None:
            return True
        words = request_words(text)
        fit = _fit(spec, self.values(text), words, set(), _after_article(text, words))
        return fit.coverage == 0.0 and fit.named == 0.0

    def keep_calculation(self, text: str, plan: RoutePlan, new: RoutePlan) -> RoutePlan:
        """The router's chain [numeric tool, calculator] when the re-rank put the calculator first:
        "Convert 5 km to miles and round to 1 decimal" converts, then rounds the result (the
        calculator takes every number of the request, but the arithmetic is on what the first
        tool returns). Otherwise ``new`` unchanged."""
        chain = list(plan.selected)
        if len(chain) < 2 or not new.selected or new.selected[0] != chain[1] or chain[1] not in self.calculators:
            return new
        if chain[0] not in self.numeric or not asks_arithmetic(text):
            return new
        return new.model_copy(update={"selected": chain})

    def read_first(self, text: str, plan: RoutePlan, new: RoutePlan) -> RoutePlan:
        """``new`` as the chain [reader, head] when the head needs a document the request does not
        hold but names a file a reader (a tool returning a document's text, ``read_file``) takes:
        the reader feeds the head. The head is the router's, when the re-rank chose the reader
        (``text_stats`` for "how many words are in notes.txt") or a tool that takes no file at all
        while the router's head needs a table, JSON or code (``csv_summary``, not ``convert_units``,
        for "the total of the temp column in data.csv"); a reader alone when the request asks for nothing
        more than what it does ("What's in config.json?"). Otherwise ``new`` unchanged."""
        if not plan.selected or len(new.selected) != 1 or not self.values(text).get("file"):
            return new
        best, head = new.selected[0], plan.selected[0]
        order = dict.fromkeys([*(name for name, _ in [*new.ranked, *plan.ranked]), *self.specs])
        readers = [name for name in order if name in self.readers and self.takes_all(text, name)]
        if best in readers:  # the re-rank chose a reader that takes the file: it feeds the router's head
            # ... when the request asks for more than the reader does ("What's in config.json?" only reads)
            asked = {w for w in instruction_words(text) if not asks_for(self.specs[best], {w})}
            if asked and head not in (best, self.fallback) and self.lacks_document(text, head):  # not the plain reply
                return new.model_copy(update={"selected": [best, head]})
            return new
        takes_file = "file" in {kind for _, kind, _ in parameter_kinds(self.specs.get(best, {}))}
        if readers and not takes_file and head not in self.readers and self.lacks_document(text, head, strict=True):
            return new.model_copy(update={"selected": [readers[0], head]})
        return new

    def passage_task(self, text: str, plan: RoutePlan, scores: Mapping[str, float] | None = None) -> RoutePlan:
        """``plan`` headed by the tool for what the request asks about the passage it holds
        (:mod:`agentfn._passage_tasks`), unless the request names its head ("Summarize ..."): a choice among
        the labels it lists goes to a tool that takes labels (unless the head's description lists them:
        "positive or negative" is ``sentiment``'s); a question about the passage's content to a tool that
        takes a question; else an instruction verb that asks for exactly one tool whose inputs the request
        holds ("condense this paragraph: ..." is ``summarize``). The passage's dates and numbers are not
        the request's. With the router's ``scores``, the chosen tool must score within ``margin`` of the best
        (in a large registry, a labels or question tool far from the request is not the one meant)."""
        labels = listed_options(text) if quoted_spans(text) or holds_passage(text) else []
        if not plan.selected or not (labels or holds_passage(text)):
            return plan
        head = plan.selected[0]
        words = instruction_words(text)
        if head in self.specs and any(stem(p) in {stem(w) for w in words} for p in name_parts(head) if len(p) > 3):
            return plan
        chosen: str | None = None
        if labels:
            described = str(self.specs[head].get("function", {}).get("description", "")).lower() if head in self.specs else ""
            if not all(label.lower() in described for label in labels):
                chosen = next((n for n, spec in self.specs.items() if _takes_labels(spec)), None)
        elif content_question(text):
            chosen = next((n for n, spec in self.specs.items() if any(k == "question" for _, k, _ in parameter_kinds(spec))), None)
        elif (verb := "extract" if requested_fields(text) else leading_verb(text)) is not None \
                and (verb in words or verb == "extract"):  # "get the total from '<receipt>'" extracts
            asked = [n for n, spec in self.specs.items() if asks_for(spec, {verb}) and not self.lacks_inputs(text, n)]
            chosen = asked[0] if len(asked) == 1 else None
        if chosen is None or chosen == head:
            return plan
        if scores and scores.get(chosen, float("-inf")) < max(scores.values()) - self.margin:
            return plan
        ranked = [item for item in plan.ranked if item[0] == chosen] or [(chosen, 0.0)]
        return plan.model_copy(update={"selected": [chosen], "ranked": ranked + [i for i in plan.ranked if i[0] != chosen]})

    def lacks_inputs(self, text: str, name: str) -> bool:
        """Whether ``name`` requires a specific value (a date, a URL, a file, a table...) the request does not hold."""
        values = self.values(text)
        return any(req and kind in _SPECIFIC and not values.get(kind) for _, kind, req in parameter_kinds(self.specs[name]))

    def lacks_document(self, text: str, name: str, strict: bool = False) -> bool:
        """Whether ``name`` requires a document (csv, json, code or free text; ``strict``: not free
        text) the request does not hold."""
        spec = self.specs.get(name)
        if spec is None:
            return False
        values = self.values(text)
        kinds = _DOCUMENTS[:-1] if strict else _DOCUMENTS
        lacks = [kind for _, kind, req in parameter_kinds(spec) if req and kind in kinds and not values.get(kind)]
        return bool(lacks) and not (any(kind == "text" for kind in lacks) and values.get("quoted"))

    def then_calculate(self, text: str, plan: RoutePlan) -> RoutePlan:
        """``plan`` with a calculator after its head when the head returns a number and the request asks
        for arithmetic on it (see :func:`asks_arithmetic`); otherwise ``plan`` unchanged."""
        chain = list(plan.selected)
        if not chain or not self.calculators or chain[0] not in self.numeric or chain[0] in self.calculators:
            return plan
        if any(name in self.calculators for name in chain) or not asks_arithmetic(text):
            return plan
        return plan.model_copy(update={"selected": [chain[0], self.calculators[0], *chain[1:]]})


def _takes_labels(spec: Mapping[str, Any]) -> bool:
    """Whether a tool takes a required list of labels or categories to choose among."""
    fn = cast("Mapping[str, Any]", spec.get("function", spec))
    params = cast("Mapping[str, Any]", fn.get("parameters") or {})
    props = cast("Mapping[str, Any]", params.get("properties") or {})
    required = set(cast("list[str]", params.get("required") or []))
    return any(n in required and cast("Mapping[str, Any]", s).get("type") == "array"
               and re.search(r"label|categor|class", f"{n} {cast('Mapping[str, Any]', s).get('description', '')}", re.I)
               for n, s in props.items())


def reranked_plan(plan: RoutePlan, ranked: list[tuple[str, float]], k: int, *, abstain: bool,
                  keeps_chain: Callable[[str], bool] | None = None,
                  needs_input: Callable[[str], bool] | None = None) -> RoutePlan:
    """``plan`` with its head re-ranked to ``ranked``: the router's chain is kept when its head
    stays first (and ``keeps_chain(head)`` agrees, or a later tool of the chain ``needs_input`` the
    head produces), or when the new head comes later in the chain and
    ``needs_input(head)`` says the request cannot fill it alone (data flow put its producers first:
    ``read_file`` before ``text_stats`` for "how many words are in notes.txt?"); otherwise the new
    head alone is selected."""
    if not ranked:
        return plan
    best = ranked[0][0]
    if abstain:
        selected: list[str] = []
    else:
        fed = best in plan.selected[1:] and needs_input is not None and needs_input(best)
        feeds = needs_input is not None and any(needs_input(later) for later in plan.selected[1:])
        heads = bool(plan.selected) and plan.selected[0] == best and (keeps_chain is None or keeps_chain(best) or feeds)
        selected = list(plan.selected) if fed or heads else [best]
    return plan.model_copy(update={"ranked": ranked[:k], "selected": selected, "abstain": abstain})
