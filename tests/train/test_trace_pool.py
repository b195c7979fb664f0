"""Traces that transfer: a tool similar traced requests used joins the re-ranker's candidates even when its
description ranks it out of reach, and the per-tool mean of its traced requests is a signal of its own.

Registry and requests are written here: tools with in-house names whose descriptions say nothing users say,
among plainly described tools; held-out requests paraphrase the traced ones (no shared sentence).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agentfn.router import Router
from agentfn.router.encoder import Encoder
from agentfn.router.pipeline import Ranking
from agentfn.router.rerank import RECALL_LIMIT, TraceMemory, request_key
from agentfn.router.trace_pool import fused_score_of, widened
from agentfn.train.router import train_router

from .conftest import PEOPLE, queries, tool_specs

HIDDEN = {
    "vantor_read": ("Read a vantor entry.", [
        "when is my next dentist appointment", "what time do I see the doctor on Friday",
        "is my eye exam still booked for next week", "which day did I schedule the physiotherapy session"],
        ["when am I booked in for my checkup", "remind me of my upcoming clinic visit"]),
    "plimb_write": ("Write plimb data.", [
        "renew the books I borrowed from the library", "extend the loan on my library novels",
        "keep my borrowed library books for two more weeks", "push back the due date of my library loans"],
        ["I need more time with the books I checked out", "renew my borrowed library items please"]),
    "suxo_run": ("Run a suxo task.", [
        "water the plants in the back garden", "turn on the sprinklers for the lawn",
        "give the vegetable beds a soak", "start watering the flower borders"],
        ["the garden looks dry, water it", "run the irrigation for the yard"]),
}
PLAIN = [
    ("book_flight", "Book a flight between two airports."), ("order_pizza", "Order a pizza for delivery."),
    ("play_music", "Play a song or playlist."), ("set_alarm", "Set an alarm for a time."),
    ("check_bank_balance", "Check the balance of a bank account."), ("send_text", "Send a text message."),
    ("find_recipe", "Find a recipe by ingredient."), ("get_news", "Latest news headlines on a topic."),
    ("translate_phrase", "Translate a phrase into another language."), ("call_taxi", "Call a taxi to an address."),
    ("schedule_meeting", "Schedule a meeting with colleagues."), ("track_parcel", "Track a parcel by number."),
    ("library_catalog_search", "Search the library catalogue for a title."),
    ("doctor_directory", "List doctors near an address."), ("garden_tips", "Gardening tips for a plant."),
]


def registry() -> list[dict[str, object]]:
    rows = [(n, d) for n, (d, _, _) in HIDDEN.items()] + PLAIN
    return [{"name": n, "description": d, "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}
            for n, d in rows]


def rank_of(router: Router, text: str, tool: str) -> int:
    return [n for n, _ in router.route(text, k=len(router)).ranked].index(tool)


def test_trained_router_ranks_a_traced_tool_higher_for_a_paraphrase(encoder: Encoder) -> None:
    cold = Router.build(registry(), encoder=encoder)
    trained = Router.build(registry(), encoder=encoder)
    for r in (cold, trained):
        r.config.rerank_depth = 3  # the hidden tools rank below the re-ranker's cold-start head
    train = [(t, [n]) for n, (_, ts, _) in HIDDEN.items() for t in ts[:3]]
    dev = [(ts[3], [n]) for n, (_, ts, _) in HIDDEN.items()]
    fitted = trained.fit_from_traces(train, dev=dev, fresh=True, rerank=True)
    assert fitted["rerank_on"] == 1.0
    held = [(t, n) for n, (_, _, ts) in HIDDEN.items() for t in ts]
    before = [rank_of(cold, t, n) for t, n in held]
    after = [rank_of(trained, t, n) for t, n in held]
    assert sum(b >= 3 for b in before) >= 3  # out of the re-ranker's reach without the traces' recall
    assert all(a <= b for a, b in zip(after, before, strict=True))
    assert sum(after) < sum(before)
    assert sum(a < 5 for a in after) > sum(b < 5 for b in before)


def _memory() -> TraceMemory:
    mem = TraceMemory(2, floor=0.5)
    vecs = np.asarray([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    mem.add(vecs, [["a", "b"], ["c"], ["d"]], ["first request", "second request", "third request"])
    return mem


def test_widened_adds_recalled_tools_after_the_head_with_their_own_scores() -> None:
    pool = [("x", 0.9), ("y", 0.8), ("c", 0.3), ("z", 0.2), ("a", 0.1)]
    scores = dict(pool) | {"b": 0.15}
    head, rest = widened(pool, 2, _memory(), np.asarray([1.0, 0.0], dtype=np.float32), scores.get)
    # rows above the floor (0.5): "first" (1.0), then "second" (0.8); "third" (0.0) recalls nothing
    assert head == [("x", 0.9), ("y", 0.8), ("c", 0.3), ("b", 0.15), ("a", 0.1)]
    assert rest == [("z", 0.2)]
    assert len(head) - 2 <= RECALL_LIMIT


def test_widened_adds_nothing_below_the_floor_unscored_or_excluded() -> None:
    pool = [("x", 0.9), ("y", 0.8)]
    far = np.asarray([-1.0, 0.0], dtype=np.float32)
    assert widened(pool, 1, _memory(), far, {"a": 0.1}.get) == ([("x", 0.9)], [("y", 0.8)])
    near = np.asarray([1.0, 0.0], dtype=np.float32)
    assert widened(pool, 1, _memory(), near, lambda _: None) == ([("x", 0.9)], [("y", 0.8)])
    head, _ = widened(pool, 1, _memory(), near, {"a": 0.1, "b": 0.1, "c": 0.2}.get, exclude="first request")
    assert [n for n, _ in head] == ["x", "c"]
    assert widened(pool, 1, None, near, {"a": 0.1}.get) == ([("x", 0.9)], [("y", 0.8)])


def test_centroid_is_the_mean_of_a_tools_traced_requests_without_the_excluded_one() -> None:
    mem = TraceMemory(2)
    vecs = np.asarray([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], dtype=np.float32)
    mem.add(vecs, [["a"], ["a"], ["b"]], ["one", "two", "three"])
    q = np.asarray([1.0, 0.0], dtype=np.float32)
    a, b, unknown = mem.centroids(q, ["a", "b", "nobody"])
    assert abs(a - 1 / np.sqrt(2)) < 1e-6 and abs(b) < 1e-6 and unknown == 0.0
    assert mem.centroids(q, ["a"], exclude="one") == [0.0]  # only "two" is left: orthogonal
    assert mem.centroids(q, ["a"], exclude="two")[0] > 0.999


def test_trained_router_remembers_every_usable_trace_once_its_reranker_passed(
    traced: Path, encoder: Encoder, tmp_path: Path
) -> None:
    base = Router.build(tool_specs(), encoder=encoder)
    result = train_router(traced, None, tmp_path / "r", base=base, train_encoder=False, promote=True, min_examples=10)
    fitted = result.metrics["fitted"]
    assert fitted["rerank_on"] == 1.0 and result.promoted and fitted["memory_test_rows"] > 0
    saved = Router.load(tmp_path / "r" / "active", encoder=encoder).memory
    assert saved is not None
    # The traced store's requests with tools (train, dev and the trainer's own test split), each remembered once.
    assert sorted(saved.keys) == sorted({request_key(q.text) for q in queries(slice(0, 4), PEOPLE[:4])})


def test_a_tool_left_out_of_the_head_blend_joins_behind_every_blended_tool() -> None:
    fused = np.asarray([0.9, -np.inf, 0.4, -np.inf], dtype=np.float32)
    dense = np.asarray([0.5, 0.2, 0.3, 0.1], dtype=np.float32)
    rk = Ranking("t", "", None, {"dense": dense, "lexical": dense, "weighted": fused, "fused": fused,
                                 "abstain": fused}, None, fused)
    score = fused_score_of(rk, {"x": 0, "a": 1, "y": 2, "b": 3})
    assert [score(n) for n in ("x", "a", "y", "nobody")] == [pytest.approx(0.9), pytest.approx(0.4),
                                                              pytest.approx(0.4), None]
    head, rest = widened([("x", 0.9), ("y", 0.4)], 1, _memory(), np.asarray([1.0, 0.0], dtype=np.float32), score)
    assert head == [("x", pytest.approx(0.9)), ("a", pytest.approx(0.4)), ("b", pytest.approx(0.4))]
    assert rest == [("y", 0.4)]  # traced "a", "b" (first row) join at the lowest blended score
    pooled = Ranking("t", "", None, rk.whole, np.asarray([0, 2], dtype=np.int64), np.asarray([0.9, 0.4]))
    assert fused_score_of(pooled, {"x": 0, "a": 1, "y": 2})("a") is None  # outside the ANN pool: not scored
