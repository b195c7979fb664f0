"""Abstention rows computed the way the router decides at runtime: shared by the abstention fit and miss reports.

:func:`router_kit` gives ``build(tools)`` (a model-mode router over only the offered tools, sharing one memoised
encoder) and ``row(router, text, k, y, group, source)`` (routes and records the abstention model's features,
``Router.route(features=...)``). The encoder is the one ``Router.build`` wraps by default (request-token cut,
int8 twin), and a request's pass goes to its ``encode_pooled``, so the request's, its steps' and its bare text's
vectors are pooled from one forward pass exactly as routing does (and as
``agentfn.evals.router_data.router_abstentions`` scores the benchmark). Features fitted on another encoding path
drift from the ones the shipped model then sees.

:func:`foreign_rows` are the foreign benchmark's abstention items (``RouterData.abstain``): each request offered
its own tools (gold plus same-source neighbours) or another source's nearest tools; ``group`` is the item's split
(``train`` named ``fit``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["PoolingMemo", "foreign_rows", "router_kit"]


class PoolingMemo:
    """An encoder that remembers every text it encoded and hands request passes to the wrapped ``encode_pooled``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.memo: dict[str, Any] = {}

    spec = property(lambda self: self.inner.spec)
    dim = property(lambda self: self.inner.dim)

    def encode(self, texts: list[str], batch_size: int = 64) -> Any:
        miss = [t for t in dict.fromkeys(texts) if t not in self.memo]
        for t, v in zip(miss, self.inner.encode(miss, batch_size=batch_size) if miss else [], strict=True):
            self.memo[t] = v
        return np.stack([self.memo[t] for t in texts]) if texts else self.inner.encode([])

    def encode_pooled(self, texts: list[str], groups: Any = ()) -> Any:
        return self.inner.encode_pooled(texts, groups)


def router_kit() -> tuple[Any, Any, list[dict[str, Any]]]:
    """``build(tools)``, ``row(router, text, k, y, group, source)`` (appends to ``rows``) and ``rows``."""
    from agentfn.router import Router

    base = Router.build([])  # the default encoder, wrapped as the router wraps it
    inner = base.encoder
    assert inner is not None
    enc = PoolingMemo(inner)
    rows: list[dict[str, Any]] = []
    config = base.config.model_copy(update={"abstain_mode": "model"}, deep=True)

    def build(tools: Any) -> Any:
        return Router.build(tools, encoder=enc, config=config.model_copy(deep=True))

    def row(router: Any, text: str, k: int, y: int, group: str, source: str) -> None:
        feats: dict[str, float] = {}
        router.route(text, k=k, features=feats)
        rows.append({"group": group, "source": source, "y": y, "text": text, "offered": len(router), **feats})

    return build, row, rows


def foreign_rows(data: Any, build: Any, row: Any, rows: list[dict[str, Any]]) -> None:
    """One row per foreign abstention item (``names`` holds the offered tools, ``id`` the item's id)."""
    recs = {r.name: r for r in data.records()}
    for it in data.abstain:
        row(build([recs[n] for n in it.offered]), it.text, len(it.offered), 0 if it.should_abstain else 1,
            "fit" if it.split == "train" else it.split, it.source)
        rows[-1]["names"] = list(it.offered)
        rows[-1]["id"] = it.id
