"""A development set for data-flow chains, written for agentfn (not third-party data).

``agentfn/evals/data/flow_chains.json`` holds 49 MCP tools (``inputSchema`` and
``outputSchema``: travel, mail, files, CRM, chat, calendar, finance) and 42
requests, 34 of them multi-step (2-4 tools whose outputs feed each other, such
as an airport lookup before a flight search) and 8 one-step guards whose
request gives every value. ``gold`` lists the tools a request needs in an order
their data flow allows. Settings of :mod:`agentfn.router.chain` were developed
on it, so its scores are development figures, not held-out ones.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from agentfn.evals.router_data.records import RouterExample, RouterSource

__all__ = ["SOURCE", "flow_chains_source"]

SOURCE = "flow-chains (written here)"


def flow_chains_source() -> RouterSource:
    """The set as a :class:`~agentfn.evals.router_data.records.RouterSource` (every request in split ``dev``)."""
    data: dict[str, Any] = json.loads(
        resources.files("agentfn.evals").joinpath("data", "flow_chains.json").read_text(encoding="utf-8"))
    examples = [
        RouterExample(id=f"flow-{i}", source=SOURCE, text=str(r["text"]), gold=list(r["gold"]), chain=list(r["gold"]),
                      kind="multi" if len(r["gold"]) > 1 else "single", split="dev")
        for i, r in enumerate(data["requests"])
    ]
    return RouterSource(name=SOURCE, family="agentfn", package="agentfn", version="", licence="the project's own",
                        tools=list(data["tools"]), examples=examples, notes=str(data.get("about", "")))
