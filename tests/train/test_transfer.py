"""Training that transfers: what traces teach must not push down tools no trace used, and traced data flow
(which argument came from which earlier result) pulls the producer in after ``train_router``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from agentfn.messages import UserMessage
from agentfn.router import Router
from agentfn.router.encoder import Encoder
from agentfn.router.fit_rerank import source_of
from agentfn.router.rerank import TraceMemory, gate
from agentfn.traces.records import Run, Step, ToolCallRecord
from agentfn.train.router import train_router

from .conftest import DISTRACTORS, PEOPLE, opaque_pairs, opaque_specs

# A second source no trace comes from: namespaced like an MCP server, worded like nothing traced.
UNTRACED = [
    ("garden__water_plants", "Water the plants in a garden zone for some minutes."),
    ("garden__soil_moisture", "Read the soil moisture sensor of a garden zone."),
    ("garden__mow_lawn", "Start the robot lawn mower."),
]
UNLIKE = [  # requests unlike every trace, each for a tool of the untraced source
    ("water the tomato bed for ten minutes", "garden__water_plants"),
    ("how damp is the soil by the roses", "garden__soil_moisture"),
    ("cut the grass in the back yard", "garden__mow_lawn"),
    ("give the herb patch a drink of water", "garden__water_plants"),
]


def specs() -> list[dict[str, object]]:
    return opaque_specs(*UNTRACED)


def traced_pairs(templates: slice, people: list[str]) -> list[tuple[str, list[str]]]:
    return opaque_pairs(templates, people)


def rank(router: Router, query: str, tool: str) -> int:
    return [n for n, _ in router.route(query, k=len(router)).ranked].index(tool) + 1


def test_trained_router_does_not_lower_untraced_tools_on_requests_unlike_the_traces(encoder: Encoder) -> None:
    cold = Router.build(specs(), encoder=encoder)
    trained = Router.build(specs(), encoder=encoder)
    fitted = trained.fit_from_traces(traced_pairs(slice(0, 4), PEOPLE[:4]), dev=traced_pairs(slice(4, 6), PEOPLE[4:6]),
                                     fresh=True, rerank=True)
    assert fitted["rerank_on"] == 1.0 and trained.memory is not None
    # Chosen on dev played as an unseen source: the re-ranker ranks that no worse than the router without it.
    assert fitted["rerank_dev_mrr_unseen"] >= fitted["rerank_dev_mrr_base"] - 1e-3
    for query, tool in UNLIKE:
        assert rank(trained, query, tool) <= rank(cold, query, tool), query
    # What traces teach still lifts new requests for traced tools.
    held_out = traced_pairs(slice(4, 6), PEOPLE[6:])
    assert sum(rank(trained, q, g[0]) for q, g in held_out) < sum(rank(cold, q, g[0]) for q, g in held_out)


def test_trace_signals_read_zero_below_the_floor() -> None:
    mem = TraceMemory(2, floor=0.5)
    mem.add(np.asarray([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32), [["a"], ["b", "a"]], ["first", "second"])
    far = np.asarray([0.4, 0.3], dtype=np.float32)  # cosine <= 0.4 with every traced request
    feats = mem.features(far, ["a", "b", "c"])
    assert [f["memory"] for f in feats] == [0.0, 0.0, 0.0] and [f["prior"] for f in feats] == [0.0, 0.0, 0.0]
    near = np.asarray([0.9, 0.1], dtype=np.float32)
    a, b, c = mem.features(near, ["a", "b", "c"])
    assert a["memory"] == pytest.approx(gate(0.9, 0.5)) and gate(0.9, 0.5) > 0 and b["memory"] == 0.0 and c["memory"] == 0.0
    assert a["prior"] > b["prior"] > 0 and c["prior"] == 0.0
    # Leave-one-out, a copy without a source's rows, and the floor travel with the saved memory.
    assert mem.features(near, ["a"], exclude="first")[0]["trace_sim"] < 0.9
    assert len(mem.without(lambda row: "b" in row)) == 1
    saved = TraceMemory.from_saved(json.loads(json.dumps(mem.to_json())), mem.vectors, 2)
    assert saved.floor == 0.5 and saved.features(near, ["a"]) == mem.features(near, ["a"])
    assert source_of("garden__mow_lawn") == "garden" and source_of("send_email") == "send_email"


# ---------------------------------------------------------------- data flow learned by `train_router`

FLOW_TOOLS = [
    {"name": "zorp_lookup", "description": "Zorp lookup.",
     "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}},
    {"name": "kelvo_run", "description": "Run kelvo.",
     "parameters": {"type": "object", "properties": {"handle": {"type": "string"}}, "required": ["handle"]}},
    *[{"name": n, "description": d, "parameters": {"type": "object", "properties": {"text": {"type": "string"}}}}
      for n, d in DISTRACTORS],
]
ACCOUNTS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka", "tyrell", "cyberdyne",
            "soylent", "aperture", "oscorp", "vandelay", "dunder", "pied piper", "massive", "gringotts", "monarch",
            "nakatomi", "virtucon", "yoyodyne", "zorg", "blue sun"]


def flow_run(i: int, account: str) -> Run:
    """A run whose ``kelvo_run`` handle was found in ``zorp_lookup``'s result (nothing in the schemas says so)."""
    handle = f"H-{7000 + i}-{account[:3].upper()}"

    def call(step: int, name: str, args: dict[str, object], content: str) -> ToolCallRecord:
        return ToolCallRecord(step=step, index=0, call_id=f"c{i}-{step}", name=name, raw_arguments=json.dumps(args),
                              arguments=args, status="ok", content=content)

    return Run(
        id=f"flow{i}", started_at=float(i), outcome="answered",
        input_messages=[UserMessage(content=f"run kelvo for the {account} account")],
        steps=[Step(step=0, time=0.0, tool_calls=[call(0, "zorp_lookup", {"q": account}, json.dumps({"h": handle}))]),
               Step(step=1, time=0.0, tool_calls=[call(1, "kelvo_run", {"handle": handle}, "done")])],
    )


def test_training_on_traces_with_data_flow_lifts_the_producer(encoder: Encoder, tmp_path: Path) -> None:
    runs = [flow_run(i, a) for i, a in enumerate(ACCOUNTS)]
    request = "run kelvo for the contoso account"
    cold = Router.build(FLOW_TOOLS, encoder=encoder)
    assert cold.route(request).selected == ["kelvo_run"]  # "handle" is free text: assumed given
    held = [flow_run(100 + i, a) for i, a in enumerate(["contoso", "fabrikam", "northwind"])]
    result = train_router(runs, None, tmp_path / "out", base=Router.build(FLOW_TOOLS, encoder=encoder),
                          train_encoder=False, holdout=[*held, runs[0]])  # a fitted request is left out
    assert result.metrics["data"]["holdout"] == 3 and set(result.metrics["holdout"]) == {"traces"}
    assert "Held-out traces never fitted (3 requests)" in (tmp_path / "out" / "MODEL_CARD.md").read_text()
    split = result.metrics["data"]["split"]
    assert result.metrics["data"]["flow_links"] == split["train"] + split["dev"]  # one link per fitting run
    plan = result.router.route(request)
    assert plan.selected == ["zorp_lookup", "kelvo_run"]  # the producer, before its consumer
    assert "zorp_lookup" in [n for n, _ in plan.ranked[:5]]
    assert rank(result.router, request, "zorp_lookup") < rank(cold, request, "zorp_lookup")
