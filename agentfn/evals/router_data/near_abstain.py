"""Near-domain abstention items: a request offered 1-3 tools of its own source (or domain) that do not serve it.

The original abstention set (:func:`~agentfn.evals.router_data.dataset.build_abstain`) offers a request
another source's tools when nothing fits: easy, since those tools are about something else. Function-calling
APIs are often given one to three tools, from a neighbouring domain (a triangle-area tool for a circle-area
question, "turn off" for "turn on"). :func:`near_abstain_items` builds, for every request of a foreign source
and a sample of the generated set, four offers, split like the request:

* ``near-1`` / ``near-3``: the one or three tools of the same source (the same domain for the generated set)
  that share most words with the request but are not among its gold tools (should abstain);
* ``own-1``: its first gold tool alone; ``own-3``: that tool with the two nearest non-gold ones (should not).

Tools a large share of a source's requests use (``GENERIC_SHARE``: look-ups such as ``get_order_details``)
are never offered as non-fitting: a request whose gold list lacks one may still be served by it in part. In
the generated set, another provider's tool with the same capability is never offered as non-fitting either.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from agentfn.evals.evalset import build_evalset
from agentfn.evals.router_data.records import AbstainItem, RouterExample, RouterSource
from agentfn.router.text import split_name, tokenize

__all__ = ["GENERATED_SAMPLE", "GENERIC_SHARE", "OFFERS", "near_abstain_items"]

GENERIC_SHARE = 0.3
"""A tool used by at least this share of its source's requests is never offered as "does not serve it"."""
GENERATED_SAMPLE = 240
"""Generated requests (single-tool ones, by id hash) given near-domain offers."""
OFFERS = ("near-1", "near-3", "own-1", "own-3")


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
    """Near-domain offers for every foreign request and :data:`GENERATED_SAMPLE` generated ones (see module doc)."""
    items: list[AbstainItem] = []
    for src in sources:
        if not src.examples:
            continue
        words = {str(t["name"]): _words(t) for t in src.tools}
        if src.family == "generated":
            items += _generated(src, words, seed)
            continue
        share: dict[str, int] = {}
        for e in src.examples:
            for g in set(e.gold):
                share[g] = share.get(g, 0) + 1
        generic = {n for n, c in share.items() if c >= GENERIC_SHARE * len(src.examples)}
        for e in src.examples:
            items += _offers(e, [n for n in words if n not in e.gold and n not in generic], words, seed)
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
