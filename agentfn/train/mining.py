"""Hard negatives for the encoder, mined from the current router and BM25.

For each (request, gold tool) pair the negatives are, in this order and
without repeats: tools the traces show failing for the request (or rated bad),
the tools the current router ranks highest that are not gold (its own
mistakes), and the tools BM25 ranks highest that are not gold (lexical
neighbours, which a dense encoder tends to confuse with the gold tool).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from agentfn.router.text import dense_text
from agentfn.train.data import Example
from agentfn.train.encoder import EncoderRow

if TYPE_CHECKING:
    from agentfn.router.router import Router

__all__ = ["mine_rows"]


def _ranked_names(router: Router, scores: np.ndarray, skip: set[str], limit: int) -> list[str]:
    names = router.tool_names()  # slot order matches score_all
    out: list[str] = []
    for i in np.argsort(-scores, kind="stable"):
        if not np.isfinite(scores[i]):
            break
        name = names[int(i)]
        if name is not None and name not in skip:
            out.append(name)
            if len(out) >= limit:
                break
    return out


def mine_rows(
    router: Router, examples: Iterable[Example], *, negatives: int = 2, extra_negatives: dict[str, Sequence[str]] | None = None
) -> list[EncoderRow]:
    """One row per (example, gold tool), each with exactly ``negatives`` hard negatives.

    Args:
        router: the router before training (its mistakes are the hard negatives).
        examples: positive examples (requests with tools); tools unknown to the router are skipped.
        negatives: hard negatives per row (0 = in-batch negatives only).
        extra_negatives: more negatives per normalised request (e.g. from runs rated bad).
    """
    rows: list[EncoderRow] = []
    extra = extra_negatives or {}
    todo = [ex for ex in examples if any(t in router for t in ex.tools)]
    # Encode every request in batches up front: one query at a time costs ~10x more per query.
    encoder = router.encoder
    vectors = encoder.encode([ex.request for ex in todo]) if encoder is not None and negatives else None
    for i, ex in enumerate(todo):
        gold = [t for t in ex.tools if t in router]
        skip = set(gold)
        pool: list[str] = [n for n in [*ex.negatives, *extra.get(ex.key, ())] if n in router and n not in skip]
        if negatives:
            signals = router.score_all(ex.request, vector=None if vectors is None else vectors[i])
            mistakes = _ranked_names(router, signals["weighted"], skip, negatives)
            lexical = _ranked_names(router, signals["lexical"], skip, negatives)
            # Interleave so both kinds are represented when only a few are kept.
            for a, b in zip(mistakes, lexical, strict=False):
                pool += [a, b]
            pool += mistakes + lexical
        chosen = list(dict.fromkeys(pool))[:negatives]
        if len(chosen) < negatives:
            continue  # a registry too small to supply negatives
        neg_texts = tuple(dense_text(router.record(n)) for n in chosen)
        for tool in gold:
            rows.append(
                EncoderRow(
                    anchor=ex.request,
                    positive=tool,
                    positive_text=dense_text(router.record(tool)),
                    negatives=tuple(chosen),
                    negative_texts=neg_texts,
                )
            )
    return rows
