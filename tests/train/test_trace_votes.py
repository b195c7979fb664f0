"""Neighbour votes of the trace memory: how many near traced requests used a tool, its family's share of them,
how often the family's requests use the tool, and the same vote over shared words.

Vectors and requests are written here (unit vectors in a small space; a shop service whose every request looks
the customer up first, and a music service).
"""

from __future__ import annotations

import numpy as np

from agentfn.router.rerank import TRACE_FEATURES, TraceMemory, gated, request_key
from agentfn.router.trace_words import TraceWords

SHOP = [
    ("change the delivery address of order 51 to my office", ["shop__find_customer", "shop__update_address"]),
    ("send back the kettle from order 77, it leaks", ["shop__find_customer", "shop__start_return"]),
    ("swap the blue mug in order 12 for the green one", ["shop__find_customer", "shop__exchange_item"]),
    ("cancel order 93 before it ships", ["shop__find_customer", "shop__cancel_order"]),
]
MUSIC = [("play some jazz in the kitchen", ["music__play"]), ("skip this song", ["music__next"])]


def unit(*xs: float) -> np.ndarray:
    v = np.asarray(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def memory() -> TraceMemory:
    rows = [*SHOP, *MUSIC]
    vecs = np.stack([unit(1.0, 0.1 * i, 0.0) for i in range(len(SHOP))] + [unit(0.0, 0.0, 1.0), unit(0.0, 0.1, 1.0)])
    mem = TraceMemory(3, floor=0.0)
    mem.add(vecs, [t for _, t in rows], [q for q, _ in rows])
    return mem


def test_every_near_request_used_the_lookup_so_its_vote_beats_each_action() -> None:
    votes, families = memory().votes(unit(1.0, 0.15, 0.0))
    assert abs(votes["shop__find_customer"] - 1.0) < 1e-6
    assert all(votes[t] < 0.9 for t in ("shop__update_address", "shop__start_return", "shop__exchange_item"))
    assert families["shop"] > families.get("music", 0.0)
    assert abs(sum(v for n, v in votes.items() if n.startswith("shop__") and n != "shop__find_customer")
               - families["shop"]) < 1e-6  # each shop row used one action besides the lookup


def test_rate_is_the_share_of_the_family_requests_that_used_the_tool_leaving_the_request_out() -> None:
    mem = memory()
    assert mem.rates(["shop__find_customer", "shop__cancel_order", "music__play", "other"]) == [1.0, 0.25, 0.5, 0.0]
    own = request_key(SHOP[3][0])
    assert mem.rates(["shop__cancel_order", "shop__find_customer"], exclude=own) == [0.0, 1.0]


def test_family_feature_lifts_the_tool_a_service_always_needs_and_reads_zero_at_floor_one() -> None:
    mem = memory()
    names = ["shop__find_customer", "shop__cancel_order", "music__play"]
    feats = mem.features(unit(1.0, 0.15, 0.0), names, text="please cancel order 40")
    by = dict(zip(names, feats, strict=True))
    assert by["shop__find_customer"]["family"] > by["shop__cancel_order"]["family"] > by["music__play"]["family"]
    assert set(TRACE_FEATURES) <= set(by["shop__find_customer"])
    assert gated(feats[0], 1.0)["family"] == 0.0 and gated(feats[0], 1.0)["words"] == 0.0


def test_word_vote_follows_shared_words_and_skips_the_request_itself() -> None:
    rows = [*SHOP, *MUSIC]
    words = TraceWords([q for q, _ in rows], [t for _, t in rows], [request_key(q) for q, _ in rows])
    vote = words.vote("I want to cancel order 93 please")
    assert max(vote, key=lambda n: vote[n]) in {"shop__cancel_order", "shop__find_customer"}
    assert vote["shop__cancel_order"] > vote.get("shop__start_return", 0.0)
    assert all(0.0 <= v <= 1.0 for v in vote.values())
    assert words.vote("completely unrelated gibberish zzz") == {}
    left = words.vote(SHOP[3][0], exclude=request_key(SHOP[3][0]))
    assert left.get("shop__cancel_order", 0.0) == 0.0
