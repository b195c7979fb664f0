"""The ANN (usearch HNSW) option of the router's dense search, against exact search."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from agentfn.evals.evalset import build_evalset
from agentfn.router import Router, RouterConfig
from agentfn.router.encoder import Encoder
from agentfn.router.text import ToolRecord, dense_text

from .conftest import SPECS, CountingEncoder

# Not importorskip: importing usearch before onnxruntime crashes a later onnxruntime import
# (see agentfn/router/ann.py), and the encoder fixture may not have loaded it yet.
if importlib.util.find_spec("usearch") is None:
    pytest.skip("usearch (agentfn[ann]) is not installed", allow_module_level=True)

FloatArray = npt.NDArray[np.float32]
ROOT = Path(__file__).resolve().parents[2]
# Small HNSW settings, so a few thousand tools are searched approximately rather than exhaustively.
ANN = {"index": "usearch", "ann_candidates": 50, "ann_expansion_search": 128, "ann_lexical_candidates": 100}


@pytest.fixture(scope="module")
def registry(encoder: Encoder) -> tuple[list[ToolRecord], FloatArray, list[str]]:
    """4,000 tools: 500 eval-set tools (real vectors) and 7 provider copies of each.

    Copies get a numbered name, "(partner N)" in the description and their
    original's vector plus noise (renormalised), like benchmarks/router_bench.py:
    tight clusters of near-duplicates, the hard case for an HNSW graph.
    """
    ev = build_evalset(0)
    base = ev.tools[:500]
    base_vecs = encoder.encode([dense_text(t) for t in base])
    rng = np.random.default_rng(0)
    recs: list[ToolRecord] = list(base)
    rows = list(range(len(base)))
    for copy in range(1, 8):
        for i, rec in enumerate(base):
            recs.append(rec.model_copy(update={"name": f"{rec.name}_p{copy}", "description": f"{rec.description} (partner {copy})"}))
            rows.append(i)
    vecs = base_vecs[rows] + rng.normal(0.0, 0.02, size=(len(recs), base_vecs.shape[1])).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    base_names = {t.name for t in base}
    queries = [q.text for q in ev.queries if set(q.gold) <= base_names][:120]
    return recs, vecs.astype(np.float32), queries


@pytest.fixture(scope="module")
def exact(registry: tuple[list[ToolRecord], FloatArray, list[str]], encoder: Encoder) -> Router:
    recs, vecs, _ = registry
    return Router.build(recs, encoder=encoder, embeddings=vecs)


@pytest.fixture(scope="module")
def ann(registry: tuple[list[ToolRecord], FloatArray, list[str]], encoder: Encoder) -> Router:
    recs, vecs, _ = registry
    return Router.build(recs, encoder=encoder, embeddings=vecs, config=RouterConfig(**ANN))  # type: ignore[arg-type]


def _agreement(a: Router, b: Router, queries: list[str], k: int = 10) -> dict[str, float]:
    overlap, top1, selected, abstain = [], [], [], []
    for q in queries:
        pa, pb = a.route(q, k=k), b.route(q, k=k)
        na, nb = [n for n, _ in pa.ranked], [n for n, _ in pb.ranked]
        overlap.append(len(set(na) & set(nb)) / max(len(na), 1))
        top1.append(na[:1] == nb[:1])
        selected.append(pa.selected == pb.selected)
        abstain.append(pa.abstain == pb.abstain)
    return {"overlap": float(np.mean(overlap)), "top1": float(np.mean(top1)),
            "selected": float(np.mean(selected)), "abstain": float(np.mean(abstain))}


def test_ann_ranking_agrees_with_exact(exact: Router, ann: Router, registry: tuple[list[ToolRecord], FloatArray, list[str]]) -> None:
    queries = registry[2]
    assert exact.uses_ann is False and ann.uses_ann is True
    assert ann.threshold == pytest.approx(exact.threshold, abs=1e-6)
    agree = _agreement(exact, ann, queries)
    assert agree["overlap"] >= 0.97, agree
    assert agree["top1"] >= 0.97 and agree["selected"] >= 0.95 and agree["abstain"] >= 0.97, agree
    # A tool both rankings hold has the same (exactly computed) score in both, before the server lift
    # (agentfn.router.servers) and the mood penalty (agentfn.router.mood), which depend on the
    # spread of the candidate pool, and the near-duplicate head (agentfn.router.neardup), which
    # re-orders near-ties and hands them the cluster's scores in the new order.
    boost, mood, head = exact.config.server_boost, exact.config.mood_weight, exact.config.head_margin
    exact.config.server_boost = ann.config.server_boost = 0.0
    exact.config.mood_weight = ann.config.mood_weight = 0.0
    exact.config.head_margin = ann.config.head_margin = 0.0
    try:
        for q in queries[:30]:
            e, a = dict(exact.route(q).ranked), dict(ann.route(q).ranked)
            for name in e.keys() & a.keys():
                assert a[name] == pytest.approx(e[name], abs=1e-5)
    finally:
        exact.config.server_boost = ann.config.server_boost = boost
        exact.config.mood_weight = ann.config.mood_weight = mood
        exact.config.head_margin = ann.config.head_margin = head


def test_candidate_scores_are_exact_and_others_minus_inf(exact: Router, ann: Router, registry: tuple[list[ToolRecord], FloatArray, list[str]]) -> None:
    for q in registry[2][:20]:
        full = exact.score_all(q)
        approx = ann.score_all(q, approximate=True)
        assert np.array_equal(approx["lexical"], full["lexical"])
        cand = np.flatnonzero(np.isfinite(approx["weighted"]))
        assert 0 < cand.shape[0] <= ann.config.ann_candidates + ann.config.ann_lexical_candidates
        for key in ("dense", "weighted", "fused", "abstain"):
            assert np.allclose(approx[key][cand], full[key][cand], atol=1e-5)
            assert np.all(np.isneginf(np.delete(approx[key], cand)))
        # The BM25 side of the pool: the best lexical tool (ties: the lowest slot) is a candidate.
        if full["lexical"].max() > 0:
            assert int(np.argmax(full["lexical"])) in set(cand.tolist())
    # score_all stays exact by default (trainers rely on it), whatever config.index says.
    q = registry[2][0]
    assert np.array_equal(ann.score_all(q)["weighted"], exact.score_all(q)["weighted"])


def test_k_larger_than_the_candidate_pool_widens_it(ann: Router) -> None:
    plan = ann.route("send an email to Ann", k=150)
    assert len(plan.ranked) == 150


def test_small_registry_equals_exact_search(encoder: Encoder) -> None:
    """With fewer tools than candidates the pool is everything: identical plans."""
    exact = Router.build(SPECS, encoder=encoder)
    ann = Router.build(SPECS, encoder=encoder, config=RouterConfig(index="usearch"))
    for q in ["convert 20 USD to EUR and email it to Ann", "will it rain in Oslo tomorrow", "tell me a joke about penguins"]:
        assert ann.route(q) == exact.route(q)


def test_incremental_add_remove_equals_rebuild(registry: tuple[list[ToolRecord], FloatArray, list[str]], encoder: Encoder) -> None:
    recs, vecs, queries = registry
    head = 3_900
    counting = CountingEncoder(encoder)
    # One insert thread: each graph is the same on every run (several threads insert in a varying order, and
    # the near-duplicate clusters here then flip a few heads from run to run).
    one = RouterConfig(**{**ANN, "ann_threads": 1})  # type: ignore[arg-type]
    r = Router.build(recs[:head], encoder=counting, embeddings=vecs[:head], config=one)
    for rec in recs[head:]:
        r.add(rec)  # embedded by the encoder, inserted into the HNSW graph
    removed = [recs[3].name, recs[head + 5].name, recs[1000].name]
    for name in removed:
        r.remove(name)
    r.add(recs[3])  # back in, under a new slot, its vector from the cache
    assert counting.texts == len(recs) - head  # only the added tools were embedded
    tail_vecs = encoder.encode([dense_text(rec) for rec in recs[head:]])
    all_vecs = np.concatenate([vecs[:head], tail_vecs])
    keep = [i for i, rec in enumerate(recs) if rec.name not in removed[1:]]
    rebuilt = Router.build([recs[i] for i in keep], encoder=encoder, embeddings=all_vecs[keep], config=one.model_copy())
    assert sorted(r.names()) == sorted(rebuilt.names())
    assert len(r.index.ann or []) == len(r) == len(rebuilt)
    agree = _agreement(r, rebuilt, queries)
    assert agree["overlap"] >= 0.97 and agree["top1"] >= 0.97, agree
    gone = set(removed[1:])
    for q in queries:
        assert not gone & {n for n, _ in r.route(q, k=50).ranked}


def test_save_load_equals_original_without_rebuilding(tmp_path: Path, registry: tuple[list[ToolRecord], FloatArray, list[str]], encoder: Encoder) -> None:
    recs, vecs, queries = registry
    r = Router.build(recs, encoder=encoder, embeddings=vecs, config=RouterConfig(**ANN))  # type: ignore[arg-type]
    for name in (recs[0].name, recs[7].name, recs[2500].name):
        r.remove(name)  # slots are no longer compact: the saved index must be re-keyed on load
    r.add(recs[7])
    r.save(tmp_path / "r")
    assert (tmp_path / "r" / "ann" / "index.usearch").exists()
    counting = CountingEncoder(encoder)
    loaded = Router.load(tmp_path / "r", encoder=counting)
    assert counting.texts == 0
    assert loaded.config == r.config and loaded.names() == r.names()
    assert loaded.uses_ann
    for q in queries:
        assert loaded.route(q) == r.route(q)
    # still incremental after loading
    loaded.remove(recs[7].name)
    loaded.add(recs[7])
    assert recs[7].name in loaded.names() and len(loaded.index.ann or []) == len(loaded)
    # a later exact-mode save into the same folder drops the stale index
    loaded.config.index = "exact"
    loaded.save(tmp_path / "r")
    assert not (tmp_path / "r" / "ann").exists()
    assert not Router.load(tmp_path / "r", encoder=encoder).uses_ann


def test_config_round_trip_and_old_router_json(tmp_path: Path, encoder: Encoder) -> None:
    cfg = RouterConfig(index="auto", ann_min_tools=5, ann_candidates=77, ann_connectivity=8,
                       ann_expansion_add=64, ann_expansion_search=99, ann_dtype="i8")
    r = Router.build(SPECS, encoder=encoder, config=cfg)
    r.save(tmp_path / "new")
    loaded = Router.load(tmp_path / "new", encoder=encoder)
    assert loaded.config == cfg
    assert loaded.route("will it rain in Oslo tomorrow") == r.route("will it rain in Oslo tomorrow")
    # router.json written before the ANN option existed: no index fields, no ann/ folder.
    exact = Router.build(SPECS, encoder=encoder)
    exact.save(tmp_path / "old")
    meta = json.loads((tmp_path / "old" / "router.json").read_text())
    meta["config"] = {k: v for k, v in meta["config"].items() if k != "index" and not k.startswith("ann_")}
    (tmp_path / "old" / "router.json").write_text(json.dumps(meta))
    old = Router.load(tmp_path / "old", encoder=encoder)
    assert old.config.index == "exact" and not old.uses_ann
    assert old.route("will it rain in Oslo tomorrow") == exact.route("will it rain in Oslo tomorrow")
    # the same old folder switched to usearch builds its index from the saved vectors
    meta["config"]["index"] = "usearch"
    (tmp_path / "old" / "router.json").write_text(json.dumps(meta))
    switched = Router.load(tmp_path / "old", encoder=encoder)
    assert switched.uses_ann and len(switched.index.ann or []) == len(SPECS)


def test_auto_switches_at_the_size_threshold(encoder: Encoder) -> None:
    r = Router.build(SPECS[:8], encoder=encoder, config=RouterConfig(index="auto", ann_min_tools=10))
    assert not r.uses_ann and r.index.ann is None
    for spec in SPECS[8:]:
        r.add(spec)
    assert r.uses_ann and len(r.index.ann or []) == len(SPECS)
    reference = Router.build(SPECS, encoder=encoder)
    q = "convert 20 USD to EUR and email it to Ann"
    assert r.route(q) == reference.route(q)
    r.remove("send_sms")
    r.remove("delete_file")
    r.remove("list_files")
    assert not r.uses_ann  # exact again below the threshold; the index stays in sync meanwhile
    assert len(r.index.ann or []) == len(r)


def test_lexical_mode_ignores_the_index_and_set_encoder_builds_it(encoder: Encoder) -> None:
    r = Router.build(SPECS, config=RouterConfig(encoder=None, index="usearch"))
    assert not r.uses_ann and r.index.ann is None
    r.set_encoder(encoder)
    assert r.uses_ann and len(r.index.ann or []) == len(SPECS)
    assert r.route("how much is 20 dollars in euros").ranked[0][0] == "convert_currency"


_BLOCK_USEARCH = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "usearch" or name.startswith("usearch."):
            raise ImportError(f"blocked: {name}")
        return None
sys.meta_path.insert(0, Block())
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_missing_usearch_names_the_extra() -> None:
    out = _run(_BLOCK_USEARCH + """
from agentfn.exceptions import MissingExtraError
from agentfn.router import Router, RouterConfig
from agentfn.router.ann import AnnIndex
from tests.router.conftest import SPECS
try:
    AnnIndex(8)
except MissingExtraError as e:
    assert e.extra == "ann" and "agentfn[ann]" in str(e), e
else:
    raise SystemExit("no error")
assert Router.build(SPECS).route("will it rain in Oslo tomorrow").ranked[0][0] == "get_weather_forecast"
try:
    Router.build(SPECS, config=RouterConfig(index="usearch"))
except MissingExtraError as e:
    print("OK", e.extra)
""")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "OK ann"


def test_onnxruntime_still_imports_after_the_index() -> None:
    """usearch loaded first used to make ``import onnxruntime`` segfault; ann.py orders the imports."""
    pytest.importorskip("onnxruntime")
    out = _run("""
import numpy as np
from agentfn.router.ann import AnnIndex
index = AnnIndex(4)
index.add([0], np.ones((1, 4), dtype=np.float32))
import onnxruntime
print("OK", index.search(np.ones(4, dtype=np.float32), 1).tolist())
""")
    assert out.returncode == 0, (out.returncode, out.stderr)
    assert out.stdout.strip() == "OK [0]"


def test_one_insert_thread_builds_the_same_graph_every_time(registry: tuple[list[ToolRecord], FloatArray, list[str]],
                                                            encoder: Encoder) -> None:
    recs, vecs, queries = registry
    config = RouterConfig(**{**ANN, "ann_threads": 1})  # type: ignore[arg-type]
    a, b = (Router.build(recs, encoder=encoder, embeddings=vecs, config=config.model_copy()) for _ in range(2))
    assert all(a.route(q, k=10).ranked == b.route(q, k=10).ranked for q in queries[:40])
