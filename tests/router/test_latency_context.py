"""The context's BM25 is computed once per context and registry state, with the same scores as afresh."""

from __future__ import annotations

import numpy as np

from agentfn.router import Router
from agentfn.router.text import tokenize

from .conftest import SPECS


def _afresh(router: Router, text: str, context: str) -> tuple[np.ndarray, float]:
    lex, n, cw = router.index.lex, router.index.n_slots, router.config.context_weight
    toks, ctx = tokenize(text), tokenize(context)
    raw, scale = lex.scores(toks)[:n], lex.max_score(toks)
    if ctx:
        raw = np.asarray(raw + cw * lex.scores(ctx)[:n], dtype=np.float32)
        scale += cw * lex.max_score(ctx)
    return raw, scale


def test_context_scores_equal_afresh_and_follow_registry_edits() -> None:
    router = Router.build(SPECS[:-1], encoder=None)
    sc = router.scorer
    context = "I am flying from Lisbon to Boston next week and need to send the itinerary by email"
    for text in ("book the flight", "then send an email to my boss", "?!"):
        got, scale = sc.lexical_raw(text, context)
        want, want_scale = _afresh(router, text, context)
        assert np.array_equal(got, want) and scale == want_scale
    router.add(SPECS[-1])  # a new tool: every BM25 statistic moves, the remembered context too
    got, scale = sc.lexical_raw("book the flight", context)
    want, want_scale = _afresh(router, "book the flight", context)
    assert got.shape == want.shape and np.array_equal(got, want) and scale == want_scale
    assert sc.context_lexical("?! ...") is None  # no words: nothing mixed in


def test_conversation_plans_do_not_depend_on_what_was_routed_before() -> None:
    messages = [{"role": "user", "content": "what's the weather in Paris tomorrow?"},
                {"role": "assistant", "content": "Sunny."},
                {"role": "user", "content": "and convert 20 euros to dollars"}]
    first = Router.build(SPECS, encoder=None)
    first.route("list the files in my documents folder")
    second = Router.build(SPECS, encoder=None)
    assert first.route(messages) == second.route(messages)
