"""Near-domain abstention items: a single-step request offered 1-3 tools of its own source (or domain) that do not serve it.

The original abstention set (:func:`~agentfn.evals.router_data.dataset.build_abstain`) offers a request
another source's tools when nothing fits: easy, since those tools are about something else. Function-calling
APIs are often given one to three tools, from a neighbouring domain (a triangle-area tool for a circle-area
question, "turn off" for "turn on"). :func:`near_abstain_items` builds, for every single-step request (one gold
tool) of a foreign source and a sample of the generated set, four offers, split like the request:

* ``near-1`` / ``near-3``: the one or three tools of the same source (the same domain for the generated set)
  that share most words with the request but do not serve it (should abstain);
* ``own-1``: its gold tool alone; ``own-3``: that tool with the two nearest non-serving ones (should not).

"Does not serve it" must mean no part of the request: multi-step requests are left out (a tool missing from
a chain's gold list often does one of its steps), and so are the sources and tools that the hand-written
labels in ``agentfn/evals/data/near_abstain_labels.json`` (:func:`labels`) exclude: ``scenario_sources``
(user-simulator scenarios whose gold is what a policy-following agent called, not what the user asks),
``alternates`` (tools of a source that serve the same requests: another way to the same result) and
``serves`` (per request id or id prefix, tools outside its gold that serve it or one of its steps). Tools a large share of a
source's requests use (``GENERIC_SHARE``: look-ups such as ``get_order_details``) are never offered as
non-fitting. In the generated set, a tool with the same capability (template key) is never offered as
non-fitting either.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

from agentfn.evals.evalset import build_evalset
from agentfn.evals.router_data.records import AbstainItem, RouterExample, RouterSource
from agentfn.router.text import split_name, tokenize

__all__ = ["GENERATED_SAMPLE", "GENERIC_SHARE", "OFFERS", "labels", "near_abstain_items", "single_step"]

GENERIC_SHARE = 0.3
"""A tool used by at least this share of its source's requests is never offered as "does not serve it"."""
GENERATED_SAMPLE = 240
"""Generated requests (single-tool ones, by id hash) given near-domain offers."""
OFFERS = ("near-1", "near-3", "own-1", "own-3")


@functools.lru_cache(maxsize=1)
def labels() -> dict[str, Any]:
    """The hand-written labels (``agentfn/evals/data/near_abstain_labels.json``; see the module doc)."""
    text = resources.files("agentfn.evals").joinpath("data", "near_abstain_labels.json").read_text(encoding="utf-8")
    return json.loads(text)


def single_step(e: RouterExample) -> bool:
    """Whether a request needs exactly one tool (the only kind the near-domain set labels reliably)."""
    return e.kind == "single" and len(set(e.gold)) == 1


def _serving(src: RouterSource, e: RouterExample) -> set[str]:
    """Tools of ``src`` that serve request ``e``: its gold, their labelled alternates, and its labelled extras."""
    lab = labels()
    out = set(e.gold)
    for key, tools in lab["serves"].items():
        if e.id == key or (key.endswith((":", "_")) and e.id.startswith(key)):
            out |= set(tools)
    for group in lab["alternates"].get(src.name, []):
        if out & set(group):
            out |= set(group)
    return out


def _h(*parts: object) -> float:
    digest = hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:12], 16) / float(1 << 48)


def _words(spec: dict[str, object]) -> set[str]:
    return set(tokenize(" ".join(split_name(str(spec["name"]))) + " " + str(spec.get("description", ""))))


def _offers(
    e: RouterExample, candidates: Sequence[str], words: dict[str, set[str]], seed: int
) -> list[AbstainItem]:
    """The four offers of one request, ``candidates`` being the tools allowed as "does not serve it"."""
    if not e.gold or not candidates:
        return []
    q = set(tokenize(e.text))
    near = sorted(candidates, key=lambda n: (-len(q & words[n]), _h(seed, e.id, n)))
    own = [e.gold[0], *near[:2]]

    def item(offer: str, tools: list[str], abstain: bool) -> AbstainItem:
        order = sorted(tools, key=lambda n: _h(seed, "order", e.id, n))
        return AbstainItem(
            id=f"{e.id}#{offer}",
            source=e.source,
            text=e.text,
            offered=order,
            should_abstain=abstain,
            split=e.split,
            offer=offer,
        )

    return [
        item("near-1", near[:1], True),
        item("near-3", near[:3], True),
        item("own-1", [e.gold[0]], False),
        item("own-3", own, False),
    ]


def near_abstain_items(sources: Sequence[RouterSource], seed: int = 0) -> list[AbstainItem]:
    """Near-domain offers for every single-step foreign request and :data:`GENERATED_SAMPLE` generated ones (see
    the module doc)."""
    items: list[AbstainItem] = []
    for src in sources:
        if not src.examples:
            continue
        words = {str(t["name"]): _words(t) for t in src.tools}
        if src.family == "generated":
            items += _generated(src, words, seed)
            continue
        if src.name in labels()["scenario_sources"]:
            continue
        share: dict[str, int] = {}
        for e in src.examples:
            for g in set(e.gold):
                share[g] = share.get(g, 0) + 1
        generic = {n for n, c in share.items() if c >= GENERIC_SHARE * len(src.examples)}
        for e in filter(single_step, src.examples):
            serving = _serving(src, e)
            items += _offers(e, [n for n in words if n not in serving and n not in generic], words, seed)
    return items


def _generated(src: RouterSource, words: dict[str, set[str]], seed: int) -> list[AbstainItem]:
    """Near-domain offers of generated single-tool requests: same domain, another capability."""
    version = src.version.removeprefix("seed ")
    es = build_evalset(int(version) if version.isdigit() else seed)
    cap: dict[str, str] = {}  # tool -> "domain:action_object" (from the single-tool requests' template keys)
    for q in es.queries:
        if q.kind == "single" and q.gold and ":" in q.template:
            cap.setdefault(q.gold[0], q.template.split("#")[0])
    by_domain: dict[str, list[str]] = {}
    for name, key in cap.items():
        if name in words:
            by_domain.setdefault(key.split(":")[0], []).append(name)
    single = [e for e in src.examples if e.kind == "single" and e.gold and e.gold[0] in cap]
    picked = sorted(single, key=lambda e: _h(seed, "near-sample", e.id))[:GENERATED_SAMPLE]
    items: list[AbstainItem] = []
    for e in sorted(picked, key=lambda e: e.id):
        mine = cap[e.gold[0]]
        same = [n for n in by_domain.get(mine.split(":")[0], []) if cap[n] != mine]
        items += _offers(e, sorted(same), words, seed)
    return items
