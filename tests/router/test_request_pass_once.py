"""A request's quoted values are stripped once (``Scorer.rank_text``): its steps, vectors and BM25
query all read that one text, and a request's scores are the same alone as with its steps."""

from __future__ import annotations

import numpy as np

from agentfn.router import Router
from agentfn.router.pipeline import first_pass
from agentfn.router.text import tokenize, without_quoted

# Stripping twice would differ from stripping once: the inner quote goes first, which joins
# the outer one ("'the 'final' report'" -> "'the report'" -> nothing).
NESTED = "translate 'the 'final' report' into German and email it to my boss"


def test_stripping_twice_differs_here_so_once_matters() -> None:
    once = without_quoted(NESTED)
    assert once != NESTED and without_quoted(once) != once


def test_every_signal_reads_the_text_stripped_once(router: Router) -> None:
    sc = router.scorer
    ranked = sc.rank_text(NESTED)
    assert ranked == without_quoted(NESTED)
    rk = first_pass(sc, NESTED, "", 10, probe_threshold=router.probe_threshold, approximate=False)
    def bm25(text: str) -> np.ndarray:
        raw, scale = sc.lexical_raw(text, "")
        assert scale == sc.index.lex.max_score(tokenize(text))
        return raw / max(scale, 1e-6)

    once, twice = bm25(ranked), bm25(without_quoted(ranked))
    assert not np.array_equal(once, twice)  # the two texts score differently by BM25 ...
    assert np.array_equal(rk.whole["lexical"], once)  # ... and routing reads the one stripped once
    assert rk.qvec is not None
    alone = sc.score_all(NESTED)  # the public entry strips the raw request itself, once
    assert np.array_equal(alone["lexical"], rk.whole["lexical"])


def test_a_request_scores_the_same_alone_as_with_its_steps(router: Router) -> None:
    sc = router.scorer
    texts = ["convert 20 USD to EUR", "email it to Ann", "what's the weather in Oslo"]
    vecs = sc.encode(texts)
    together = sc.score_many(list(zip(texts, vecs, strict=True)))
    for t, v, got in zip(texts, vecs, together, strict=True):
        alone = sc.score_ranked(t, "", v)
        assert np.array_equal(got["dense"], alone["dense"])  # one product per query: the same floats
        assert np.array_equal(got["lexical"], alone["lexical"])
