"""The generated evaluation set and the metrics."""

from __future__ import annotations

from agentfn.evals.evalset import EvalSet, build_evalset
from agentfn.evals.evaluate import evaluate
from agentfn.router import Router


def test_evalset_is_deterministic_and_large_enough() -> None:
    a, b = build_evalset(0), build_evalset(0)
    assert a == b
    assert build_evalset(1).queries != a.queries
    stats = a.stats()
    assert stats["tools"] >= 2000 and stats["queries"] >= 1000
    assert stats["multi"] >= 200 and stats["none"] >= 100
    assert stats["verbatim_gold_name_rate"] < 0.05
    names = {t.name for t in a.tools}
    assert len(names) == len(a.tools)
    for q in a.queries:
        assert set(q.gold) <= names
        assert (q.kind == "none") == (not q.gold)
        assert (q.kind == "multi") == (len(q.gold) > 1)


def test_evalset_round_trips(tmp_path) -> None:  # type: ignore[no-untyped-def]
    e = build_evalset(3, n_single=20, n_multi=5, n_none=5)
    e.save(tmp_path / "e.json")
    assert EvalSet.load(tmp_path / "e.json") == e
    assert len(e.tool_specs()) == len(e.tools)


def test_evaluate_reports_all_metrics_in_range() -> None:
    e = build_evalset(2, n_single=40, n_multi=10, n_none=10)
    r = Router.build(e.tools, encoder=None)
    m = evaluate(r, e)
    assert m["queries"] == 60 and m["with_gold"] == 50
    for key in ("recall@1", "recall@5", "recall@10", "complete_hit@5", "selected_exact",
                "abstain_precision", "abstain_recall", "abstain_f1"):
        assert 0.0 <= m[key] <= 1.0
    assert m["recall@1"] <= m["recall@5"] <= m["recall@10"]
    assert m["recall@5"] > 0.4  # BM25 alone already finds many
    assert set(m["latency"]) == {"p50_ms", "p95_ms", "p99_ms", "mean_ms"}
