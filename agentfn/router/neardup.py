"""The head among near-duplicates: which of a few close tools a one-step request means.

A forced call (``follow_route``) uses the router's top-1, and registries hold
near-duplicates that score within a hair of each other (``circle.area`` and
``geometry.area_circle``; ``xe_convert_currency`` and ``xe_get_exchange_rate``).
What separates them is the request itself. Among the candidates whose score is
within ``head_margin`` of the best one (at most ``head_depth`` of them), each
gets a bonus::

    bonus = head_fill * fill + head_name * named + head_words * words

* ``fill``: the share of the tool's required inputs the request can fill by
  itself (:func:`agentfn.router.dataflow.fill_score`: numbers, ids, dates,
  quoted text... counted by kind; a mentioned input counts half), plus half
  the share of its optional inputs the request mentions by name;
* ``named``: the share of the tool's *distinctive* name words (not in every
  competitor's name: ``news`` of ``alpha_vantage_get_market_news`` when the
  others are ``alpha_vantage_*`` too) that the request uses;
* ``words``: the share of the request's content words found in the tool's
  vocabulary (name, description, parameters; :func:`~agentfn.router.calibration.tool_vocabulary`).

and each loses ``penalty`` (:data:`MISFIT_PENALTY`) per misfit of its kind to the request:

* *a step the request does not ask for*: when the competitors include tools that step a quantity
  up and tools that step it down (their distinctive name words: ``increase``/``decrease``,
  ``volume_up``/``volume_down``, ``raise``/``lower``...), they adjust an amount by a difference. A
  request that names a value without saying which way ("set a timer for 10 minutes", "set the
  volume to 30") wants neither: both lose against an absolute competitor (``start_timer``,
  ``set_volume``); a request that says one way ("add 5 minutes", "turn it down") costs the other
  way's tools. Words of the request count by family (:data:`STEP_UP`/:data:`STEP_DOWN`: "add",
  "more", "longer" step up);
* *a change where a reading was asked*: a request that is a question that reads
  (:func:`agentfn.router.mood.asks_to_read`: "how much time is left on the timer") costs the
  competitors that change state (:func:`~agentfn.router.mood.changes_state`) when a competitor that
  reads is among them;
* *a vendor the request does not name* (:func:`agentfn.router.namefit.unnamed_brands`);
* *an answer the request already gives* (:func:`agentfn.router.givens.given_outputs`: "its half-life is 5
  years" costs ``half_life_from_decay`` when ``remaining_amount(half_life, ...)`` competes).
* *a leftover* (:func:`agentfn.router.leftover.leftover_misfits`): a value the request gives that an inputless
  tool cannot take while a competitor can ("Which day of the week was 1999-12-31?" costs ``current_year()``
  against ``get_weekday(date)``), a topic only a competitor's search input takes ("a joke about dentists" costs
  ``joke()`` against ``search_joke(query)``), or a search input the request gives nothing to ("new wallpaper").

A misfit may cost a competitor its place to one up to ``margin + penalty`` behind: when any
candidate within that window has a misfit (a brand or a leftover: when the top has one), the whole
window competes ("set a timer for 10 minutes": ``start_timer`` a little further behind ``increase_timer`` and ``decrease_timer`` than the margin still
passes both); when none has, only the near-ties within ``margin`` do.

The competitors are re-ordered by ``score + bonus - misfits`` and take the cluster's own
scores in their new order, so the ranking's values (and everything computed
from them) stay as they were; only the order of near-ties changes. Tools
outside the cluster do not move. Applied by :meth:`agentfn.router.Router.route`
to requests that are one step (no real steps lifted), before selection, so the
plan's head (``selected[0]``, the forced call of ``follow_route``) is the
re-ranked one. Settings (``RouterConfig.head_*``) were chosen on the train and
dev splits of the foreign benchmark and the generated set; :data:`MISFIT_PENALTY` is
not tuned (any value from 0.05 to 0.2 gives the same heads on the foreign
benchmark's single-call requests: it only has to outweigh a near-tie).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from agentfn.router.calibration import request_words, tool_vocabulary
from agentfn.router.dataflow import ToolIO, fill_score
from agentfn.router.givens import given_outputs
from agentfn.router.leftover import leftover_misfits
from agentfn.router.mood import asks_to_read, changes_state
from agentfn.router.namefit import name_words, unnamed_brands
from agentfn.router.text import ToolRecord, split_name, tokenize

__all__ = ["MISFIT_PENALTY", "STEP_DOWN", "STEP_UP", "HeadFit", "head_fit", "misfits", "near_duplicate_head", "one_step", "step_of"]

MISFIT_PENALTY = 0.1
"""What each misfit (an unasked step, a change where a reading was asked) costs a competitor."""
STEP_UP = frozenset(["increase", "increases", "increment", "raise", "up", "extend", "longer", "louder", "brighter",
                     "boost", "more", "plus", "add", "adds", "another", "extra", "higher", "warmer"])
"""Words that step a quantity up (a tool's name words among them mark it; ``add`` only counts in requests)."""
STEP_DOWN = frozenset(["decrease", "decreases", "decrement", "lower", "down", "reduce", "shorten", "shorter", "quieter",
                       "dimmer", "dim", "less", "minus", "remove", "removes", "subtract", "fewer", "cooler"])
"""Words that step a quantity down (``remove`` only counts in requests)."""
_REQUEST_ONLY = frozenset(["add", "adds", "remove", "removes", "another", "extra", "more", "less", "fewer"])
"""Step words too common in tool names for other senses (``add_event``, ``remove_user``): a tool's name
does not mark it as a step by them."""


@dataclass(frozen=True)
class HeadFit:
    """How well one candidate fits a request, beyond its retrieval score."""

    fill: float
    named: float
    words: float


def _name_tokens(name: str) -> frozenset[str]:
    return frozenset(tokenize(" ".join(split_name(name))))


def _optional_mentioned(io: ToolIO, said: frozenset[str]) -> float:
    optional = [s for s in io.inputs if not s.required and s.words]
    if not optional:
        return 0.0
    return sum(1.0 for s in optional if s.words <= said) / len(optional)


def head_fit(rec: ToolRecord, text: str, io: ToolIO, shared: frozenset[str], said: frozenset[str]) -> HeadFit:
    """The fit of ``rec`` to ``text``; ``shared`` are name words every competitor has, ``said`` the
    request's content words."""
    fill = min(1.0, fill_score(rec, text, io) + 0.5 * _optional_mentioned(io, said))
    distinctive = _name_tokens(rec.name) - shared
    squashed = re.sub(r"[^a-z0-9]", "", text.lower())  # "Hello Sign" / "hello-sign" still name hellosign_*
    hits = [w for w in distinctive if w in said or (len(w) >= 4 and w in squashed)]
    named = len(hits) / len(distinctive) if distinctive else 0.0
    vocab = tool_vocabulary(rec)
    names = name_words(text)  # "the weather in New York": no request for the New York Times, unless its name says so
    words = len((said - names) & vocab | names & said & _name_tokens(rec.name)) / len(said) if said else 0.0
    return HeadFit(fill, named, words)


def _words_of(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]+", text.lower()))


def step_of(name: str) -> int:
    """+1 when a tool's name steps a quantity up, -1 down, 0 neither (or both)."""
    words = frozenset(w.lower() for w in split_name(name)) - _REQUEST_ONLY
    up, down = bool(words & STEP_UP), bool(words & STEP_DOWN)
    return int(up) - int(down)


def misfits(names: Sequence[str], text: str) -> list[int]:
    """How many misfits (see the module docstring) each of the competing ``names`` has for ``text``."""
    out = [0] * len(names)
    steps = [step_of(n) for n in names]
    if 1 in steps and -1 in steps:  # tools that adjust an amount by a difference, both ways
        said = _words_of(text)
        asked = {1: bool(said & STEP_UP), -1: bool(said & STEP_DOWN)}
        for i, step in enumerate(steps):
            if step and not asked[step]:
                out[i] += 1
    if asks_to_read(text):
        changing = [changes_state(n) for n in names]
        if not all(changing):
            out = [m + int(c) for m, c in zip(out, changing, strict=True)]
    return out


_SENTENCE_BREAK = re.compile(r"[.!?;]\s+\S")


def one_step(step_tools: Sequence[str], text: str = "") -> bool:
    """Whether a request whose real steps' best tools are ``step_tools`` asks for one tool: no step, or
    steps of one sentence that all want the same tool ("set a timer for 1 hour *and* 10 minutes": the
    second part is the same amount, not a second call; selection then runs the overall top alone). A
    request of several sentences whose parts all want one tool keeps the router's own order: it tells a
    story (who I am, what happened, what I want) whose lookups the selection puts first."""
    if not step_tools:
        return True
    return len(set(step_tools)) < 2 and not _SENTENCE_BREAK.search(text.strip())


def near_duplicate_head(
    ranked: Sequence[tuple[str, float]],
    text: str,
    records: Mapping[str, ToolRecord],
    io_of: Callable[[str], ToolIO],
    *,
    margin: float,
    depth: int,
    w_fill: float,
    w_name: float,
    w_words: float,
    penalty: float = MISFIT_PENALTY,
) -> list[tuple[str, float]]:
    """``ranked`` with its near-tied top re-ordered by fit (see the module docstring)."""
    out = list(ranked)
    if len(out) < 2 or depth < 2 or margin <= 0 or not text.strip():
        return out
    top = out[0][1]
    cluster: list[int] = []
    for i, (name, score) in enumerate(out[:depth]):  # best first: the near-ties are a prefix
        if score < top - margin - penalty or name not in records:
            break
        cluster.append(i)
    steps = misfits([out[i][0] for i in cluster], text)
    brands = unnamed_brands([out[i][0] for i in cluster], text, records)
    left = leftover_misfits([out[i][0] for i in cluster], text, records, io_of)
    if not any(steps) and not brands[0] and not left[0]:  # no misfit to pay for (a brand's or leftover's only at the top)
        cluster = [i for i in cluster if out[i][1] >= top - margin]
        steps, brands = steps[: len(cluster)], unnamed_brands([out[i][0] for i in cluster], text, records)
        left = leftover_misfits([out[i][0] for i in cluster], text, records, io_of)
    given = given_outputs([out[i][0] for i in cluster], text, io_of)
    misfit = [a + b + c + d for a, b, c, d in zip(steps, brands, given, left, strict=True)]
    if len(cluster) < 2:
        return out
    names = [out[i][0] for i in cluster]
    tokens = [_name_tokens(n) for n in names]
    shared: frozenset[str] = tokens[0]
    for t in tokens[1:]:
        shared &= t
    said = request_words(text) | frozenset(tokenize(text))
    scored: list[tuple[float, int, str]] = []
    for i, name, count in zip(cluster, names, misfit, strict=True):
        fit = head_fit(records[name], text, io_of(name), shared, said)
        bonus = w_fill * fit.fill + w_name * fit.named + w_words * fit.words - penalty * count
        scored.append((out[i][1] + bonus, i, name))
    order = sorted(scored, key=lambda t: (-t[0], t[1]))
    values = [out[i][1] for i in cluster]
    for slot, (_, _, name) in zip(cluster, order, strict=True):
        out[slot] = (name, values[slot])
    return out
