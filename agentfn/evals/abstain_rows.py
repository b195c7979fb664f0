"""Abstention rows computed the way the router decides at runtime: the abstention fit's and miss report's input.

:func:`router_kit` gives ``build(tools)`` (a model-mode router over only the offered tools, sharing one memoised
encoder) and ``row(router, text, k, y, group, source)`` (routes and records the abstention model's features,
``Router.route(features=...)``). The encoder is the one ``Router.build`` wraps by default (request-token cut, int8
twin), and a request's pass goes to its ``encode_pooled``
(:func:`~agentfn.evals.router_data.scoring.memo_encoder`), so the request's, its steps' and its bare text's
vectors are pooled from one forward pass exactly as routing does and as
:func:`~agentfn.evals.router_data.router_abstentions` scores the benchmark. Features fitted on another encoding
path drift from the ones the shipped model then sees.

:func:`foreign_rows` adds the foreign benchmark's abstention items (``RouterData.abstain``: each request offered
its own tools, gold plus same-source neighbours, or another source's nearest tools); a row's ``group`` is the
item's split (``train`` named ``fit``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from agentfn.evals.router_data.dataset import RouterData
from agentfn.evals.router_data.scoring import memo_encoder
from agentfn.router.calibration import DEFAULT_ABSTAIN_WEIGHTS, OBJECT_VECTOR_FEATURES
from agentfn.router.router import Router

__all__ = ["Build", "Row", "foreign_rows", "router_kit"]

Build = Callable[[Sequence[Any]], Router]
"""Builds a router over the given tools (or tool records)."""
Row = Callable[[Router, str, int, int, str, str], None]
"""Routes ``text`` with ``k`` on a router and appends its labelled feature row (``y``, ``group``, ``source``)."""


def router_kit() -> tuple[Build, Row, list[dict[str, Any]]]:
    """``build(tools)``, ``row(router, text, k, y, group, source)`` (appends to ``rows``) and ``rows``."""
    base = Router.build([])  # the default encoder, wrapped as the router wraps it
    enc = memo_encoder(base.encoder)
    rows: list[dict[str, Any]] = []
    # Rows record every feature, so the object text is encoded even when the shipped weights give its features
    # none (a weight too small to move any decision switches it on).
    weights = {**DEFAULT_ABSTAIN_WEIGHTS, **{k: DEFAULT_ABSTAIN_WEIGHTS.get(k) or 1e-12 for k in OBJECT_VECTOR_FEATURES}}
    config = base.config.model_copy(update={"abstain_mode": "model", "abstain_weights": weights}, deep=True)

    def build(tools: Sequence[Any]) -> Router:
        return Router.build(tools, encoder=enc, config=config.model_copy(deep=True))

    def row(router: Router, text: str, k: int, y: int, group: str, source: str) -> None:
        feats: dict[str, float] = {}
        plan = router.route(text, k=k, features=feats)
        rows.append({"group": group, "source": source, "y": y, "text": text, "offered": len(router),
                     "top": [n for n, _ in plan.ranked[:3]], **feats})

    return build, row, rows


def foreign_rows(data: RouterData, build: Build, row: Row, rows: list[dict[str, Any]]) -> None:
    """One row per foreign abstention item (``names``: the offered tools, ``id``: the item's id)."""
    recs = {r.name: r for r in data.records()}
    for it in data.abstain:
        row(build([recs[n] for n in it.offered]), it.text, len(it.offered), 0 if it.should_abstain else 1,
            "fit" if it.split == "train" else it.split, it.source)
        rows[-1]["names"] = list(it.offered)
        rows[-1]["id"] = it.id
