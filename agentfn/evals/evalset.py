"""A synthetic, deterministic evaluation set for routing.

``build_evalset(seed)`` makes a registry of a few thousand tools (many domains,
several providers each, overlapping names such as ``gmail_send_email`` /
``slack_send_message`` / ``twilio_sms_send_message``, mixed naming styles) and
requests whose wording paraphrases the capability: single-tool requests,
multi-tool requests with an ordered gold list, and requests no tool serves.
The same seed always gives the same set.
"""

from __future__ import annotations

import json
import random
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from agentfn.router.text import ToolRecord

__all__ = ["EvalQuery", "EvalSet", "build_evalset"]

# The vocabulary (package data ``data/router_vocabulary.json``; its "about" field explains the compact format):
# slots, domains as [name, providers, capabilities], generic tools, requests no tool serves, extra providers.
_VOCABULARY: dict[str, Any] = json.loads(
    resources.files("agentfn.evals").joinpath("data", "router_vocabulary.json").read_text(encoding="utf-8")
)
SLOTS: dict[str, list[str]] = _VOCABULARY["slots"]
DOMAINS: list[tuple[str, list[str], list[str]]] = [(d[0], d[1], d[2]) for d in _VOCABULARY["domains"]]
GENERIC: list[str] = _VOCABULARY["generic"]
NO_TOOL: list[str] = _VOCABULARY["no_tool"]
EXTRA_PROVIDERS: dict[str, list[str]] = _VOCABULARY["extra_providers"]

_TYPES = {"s": "string", "n": "number", "i": "integer", "b": "boolean", "a": "array"}


class EvalQuery(BaseModel):
    id: str
    text: str
    gold: list[str] = Field(default_factory=list[str])
    """Tools that serve the request, in execution order; empty = no tool fits."""
    kind: Literal["single", "multi", "none"]
    template: str
    """Template key(s) the text came from, for leak-free splits."""


class EvalSet(BaseModel):
    seed: int
    tools: list[ToolRecord]
    queries: list[EvalQuery]

    def tool_specs(self) -> list[dict[str, Any]]:
        """The tools as OpenAI function specs (what ``Tool.from_schema`` reads)."""
        return [
            {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
            for t in self.tools
        ]

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.model_dump_json())

    @classmethod
    def load(cls, path: str | Path) -> EvalSet:
        return cls.model_validate_json(Path(path).read_text())

    def stats(self) -> dict[str, Any]:
        """Sizes and how often a gold tool name appears verbatim in its request."""
        verbatim = 0
        positives = [q for q in self.queries if q.gold]
        for q in positives:
            low = q.text.lower()
            if any(g.lower() in low or re.sub(r"[_\-]+", " ", g.lower()) in low for g in q.gold):
                verbatim += 1
        kinds = {k: sum(1 for q in self.queries if q.kind == k) for k in ("single", "multi", "none")}
        return {
            "tools": len(self.tools),
            "queries": len(self.queries),
            **kinds,
            "verbatim_gold_name_rate": verbatim / max(len(positives), 1),
        }


def _parse_cap(line: str) -> dict[str, Any]:
    action, obj, desc, params, returns, queries = (p.strip() for p in line.split("|"))
    props: dict[str, Any] = {}
    for item in filter(None, params.split(";")):
        pname, ptype, pdesc = item.split(":", 2)
        schema: dict[str, Any] = {"type": _TYPES[ptype], "description": pdesc}
        if ptype == "a":
            schema["items"] = {"type": "string"}
        props[pname] = schema
    rprops = {r.split(":")[0]: {"type": _TYPES[r.split(":")[1]]} for r in filter(None, returns.split(","))}
    return {
        "action": action,
        "object": obj,
        "description": desc,
        "parameters": {"type": "object", "properties": props, "required": list(props)[:1]},
        "returns": {"type": "object", "properties": rprops} if rprops else None,
        "queries": [q.strip() for q in queries.split("//")],
    }


def _camel(words: list[str]) -> str:
    return words[0] + "".join(w.capitalize() for w in words[1:])


def _tool_name(style: int, stem: str, action: str, obj: str) -> str:
    s, a, o = stem.split("_"), action.split("_"), obj.split("_")
    return [
        "_".join(s + a + o),
        "_".join(a + o + s),
        _camel(s + a + o),
        "__".join(["_".join(s), "_".join(a + o)]),
        "-".join(s + a + o),
    ][style]


_DESC_FORMS = ["{d} Uses {p}.", "[{p}] {d}", "{p}: {d}", "{d} ({p} API)"]
_VIA = [" via {p}", " using {p}", " on {p}", " in {p}", " with {p}", " through {p}"]
_PRE = ["On {p}, ", "Using {p}, ", "In {p}: "]
_POLITE = ["", "", "", "please ", "can you ", "could you ", "I need to ", "hey, ", "quick one: "]
_JOIN = [" and ", ", then ", " and then ", "; after that ", ", and also ", ". Then "]


def _polite(rng: random.Random, text: str) -> str:
    if text[:1].isupper():  # already starts with "On Slack, ..." style prefix
        return text
    return rng.choice(_POLITE) + text


def _fill(template: str, rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(SLOTS[m.group(1)]), template)


def build_evalset(
    seed: int = 0, *, n_single: int = 800, n_multi: int = 250, n_none: int = 150, coverage: float = 0.95
) -> EvalSet:
    """Generate the registry and requests. Defaults give ~2,300 tools and 1,200 requests."""
    rng = random.Random(seed)
    tools: list[ToolRecord] = []
    # (tool name, query templates, provider aliases or [] for generic tools)
    entries: list[tuple[str, str, list[str], list[str]]] = []
    for domain, providers, caps in DOMAINS:
        parsed = [_parse_cap(c) for c in caps]
        for prov in providers + EXTRA_PROVIDERS.get(domain, []):
            stem, aliases_text = prov.split("=")
            aliases = aliases_text.split("/")
            style = rng.randrange(5)
            chosen = [c for c in parsed if rng.random() < coverage] or [rng.choice(parsed)]
            for cap in chosen:
                name = _tool_name(style, stem, cap["action"], cap["object"])
                form = rng.choice(_DESC_FORMS)
                tools.append(
                    ToolRecord(
                        name=name,
                        description=form.format(d=cap["description"], p=aliases[0]),
                        parameters=cap["parameters"],
                        return_schema=cap["returns"],
                    )
                )
                key = f"{domain}:{cap['action']}_{cap['object']}"
                for q in cap["queries"]:
                    entries.append((name, q, aliases, [key]))
    for line in GENERIC:
        cap = _parse_cap(line)
        name = "_".join([cap["action"], cap["object"]])
        tools.append(
            ToolRecord(name=name, description=cap["description"], parameters=cap["parameters"], return_schema=cap["returns"])
        )
        for q in cap["queries"]:
            entries.append((name, q, [], [f"generic:{name}"]))

    by_tool: dict[str, list[tuple[str, list[str], str]]] = {}
    for name, q, aliases, key in entries:
        by_tool.setdefault(name, []).append((q, aliases, key[0]))
    tool_names = sorted(by_tool)

    def request(name: str) -> tuple[str, str]:
        template, aliases, key = rng.choice(by_tool[name])
        text = _fill(template, rng)
        if aliases:
            alias = rng.choice(aliases)
            text = rng.choice(_PRE).format(p=alias) + text if rng.random() < 0.2 else text + rng.choice(_VIA).format(p=alias)
        return text, f"{key}#{template}"

    def domain_of(name: str) -> str:
        return next(k for _, _, k in by_tool[name]).split(":")[0]

    queries: list[EvalQuery] = []
    for i in range(n_single):
        name = rng.choice(tool_names)
        text, tkey = request(name)
        queries.append(EvalQuery(id=f"s{i}", text=_polite(rng, text), gold=[name], kind="single", template=tkey))
    for i in range(n_multi):
        size = 3 if rng.random() < 0.2 else 2
        picked: list[str] = []
        while len(picked) < size:
            cand = rng.choice(tool_names)
            if all(domain_of(cand) != domain_of(p) for p in picked):
                picked.append(cand)
        parts = [request(n) for n in picked]
        text = parts[0][0]
        for part, _ in parts[1:]:
            text += rng.choice(_JOIN) + part
        queries.append(
            EvalQuery(
                id=f"m{i}", text=_polite(rng, text), gold=picked, kind="multi", template="+".join(k for _, k in parts)
            )
        )
    for i in range(n_none):
        template = rng.choice(NO_TOOL)
        queries.append(EvalQuery(id=f"n{i}", text=_fill(template, rng), gold=[], kind="none", template=f"none#{template}"))
    rng.shuffle(queries)
    return EvalSet(seed=seed, tools=tools, queries=queries)


def write_tools_jsonl(evalset: EvalSet, path: str | Path) -> Path:
    """Write the registry as JSONL of OpenAI tool specs (what ``--tools`` reads)."""
    out = Path(path)
    out.write_text("".join(json.dumps(s) + "\n" for s in evalset.tool_specs()))
    return out
