"""Development sets for data-flow chains, written for agentfn (not third-party data).

``agentfn/evals/data/flow_chains.json`` (set ``a``) holds 49 MCP tools
(``inputSchema`` and ``outputSchema``: travel, mail, files, CRM, chat,
calendar, finance) and 42 requests, 34 of them multi-step (2-4 tools whose
outputs feed each other, such as an airport lookup before a flight search) and
8 one-step guards whose request gives every value. Settings of
:mod:`agentfn.router.chain` were developed on it, so its scores are development
figures, not held-out ones.

``flow_chains_b.json`` (set ``b``) was written later, before any fix was made
for it: 45 MCP tools in other domains (recipes, GitHub, CI, music, smart home,
Jira, places, movies, crypto, files, language, libraries) named in varied
styles, and 45 requests (33 of 2-5 steps, 12 one-step guards). Its first score
(main's router, before fixes) is the untuned figure.

``flow_chains_c.json`` (set ``c``) was written the same way, before any fix
for it: 63 MCP tools (numeric helpers feeding each other, nested calls, unit
and currency conversions, id lookups then actions, near-duplicate tools,
output fields named unlike the inputs they feed) and 54 requests (43 of 2-4
steps, 11 one-step guards).

``flow_chains_d.json`` (set ``d``) was written the same way, before any fix
for it: 32 MCP tools (statistics, arithmetic, finance, geometry, unit
conversion, a shop, home listings) and 33 requests (26 of 2-3 steps, 7
one-step guards): outer operations around two inner results, math words that
are also shop words ("product of"), hyphenated compounds that are parameter
values ("30-year", "3-bedroom"), "the first one" of an earlier list.

``flow_chains_e.json`` (set ``e``) was written the same way, before any fix
for it: 46 MCP tools (landmarks and geocoding, airports and flights, hotels,
rides, restaurants, time zones, cloud VMs, DNS, Kubernetes, billing, concerts,
shipping, postcodes, medicines) and 43 requests (35 of 2-4 steps, 8 one-step
guards): lookups that resolve an id, code or coordinates before an action,
needed inputs left implicit ("the city where the Eiffel Tower is"), one tool on
two values, inputs named unlike the fields feeding them (``iata`` vs
``airport_code``, ``lat``/``lng`` vs ``latitude``/``longitude``).

``flow_chains_f.json`` (set ``f``) was written the same way, before any fix
for it: 46 MCP tools named in mixed conventions (dotted ``maps.geocode``,
camelCase ``getOrderTotal``, verbs fetch/retrieve/query) over orders, VAT and
currency, maps, stocks, HR, warehouses, football fixtures, electricity meters
and exam scores, and 44 requests (36 of 2-7 steps, 8 one-step guards): longer
chains, one result feeding two later calls (fan-out), two results feeding one
call (fan-in), arithmetic helpers between API calls, goal-only requests.

``flow_chains_g.json`` (set ``g``) was written the same way, before any fix
for it: 55 MCP tools over domains sets a-f did not use (ocean freight and
customs, payroll, FHIR-style health records, CI pipelines and package
advisories, IoT fleets and firmware, podcasts, a learning-management system,
a food database) with nested output fields and ids named unlike the inputs
they feed (``empId`` vs ``employee_id``, ``feedId`` vs ``feed_id``), and 46
requests (37 of 2-7 steps, 9 one-step guards) with implied lookups.

``gold`` lists the tools a request needs in an order their data flow allows.
Guarantees: every example is in split ``dev``; ``chain`` equals ``gold``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Literal

from agentfn.evals.router_data.records import RouterExample, RouterSource

__all__ = ["SOURCE", "SOURCE_B", "SOURCE_C", "SOURCE_D", "SOURCE_E", "SOURCE_F", "SOURCE_G", "flow_chains_source"]

SOURCE = "flow-chains (written here)"
SOURCE_B = "flow-chains-b (written here, untuned)"
SOURCE_C = "flow-chains-c (written here, untuned)"
SOURCE_D = "flow-chains-d (written here, untuned)"
SOURCE_E = "flow-chains-e (written here, untuned)"
SOURCE_F = "flow-chains-f (written here, untuned)"
SOURCE_G = "flow-chains-g (written here, untuned)"
_SETS = {"a": (SOURCE, "flow_chains.json", "flow"), "b": (SOURCE_B, "flow_chains_b.json", "flowb"),
         "c": (SOURCE_C, "flow_chains_c.json", "flowc"), "d": (SOURCE_D, "flow_chains_d.json", "flowd"),
         "e": (SOURCE_E, "flow_chains_e.json", "flowe"),
         "f": (SOURCE_F, "flow_chains_f.json", "flowf"), "g": (SOURCE_G, "flow_chains_g.json", "flowg")}


def flow_chains_source(which: Literal["a", "b", "c", "d", "e", "f", "g"] = "a") -> RouterSource:
    """Set ``which`` as a :class:`~agentfn.evals.router_data.records.RouterSource` (every request in split ``dev``)."""
    name, file, prefix = _SETS[which]
    data: dict[str, Any] = json.loads(
        resources.files("agentfn.evals").joinpath("data", file).read_text(encoding="utf-8"))
    examples = [
        RouterExample(id=f"{prefix}-{i}", source=name, text=str(r["text"]), gold=list(r["gold"]), chain=list(r["gold"]),
                      kind="multi" if len(r["gold"]) > 1 else "single", split="dev")
        for i, r in enumerate(data["requests"])
    ]
    return RouterSource(name=name, family="agentfn", package="agentfn", version="", licence="the project's own",
                        tools=list(data["tools"]), examples=examples, notes=str(data.get("about", "")))
