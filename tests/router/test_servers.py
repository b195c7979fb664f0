"""Server coherence: tools of one ``server__`` namespace lift each other; un-namespaced registries are unchanged."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agentfn.router import Router, RouterConfig
from agentfn.router._bert import length_sorted_batches
from agentfn.router.encoder import Encoder
from agentfn.router.servers import server_boost, server_of

from .conftest import SPECS


def test_server_of_reads_the_namespace_prefix() -> None:
    assert server_of("workspace__search_calendar_events") == "workspace"
    assert server_of("search_calendar_events") == ""
    assert server_of("__private") == ""
    assert server_of("trailing__") == ""


def test_boost_lifts_siblings_of_the_top_tools_above_another_servers_tool() -> None:
    # slots: 0 shop__find_order, 1 shop__list_orders, 2 mail__refund (near-duplicate of 3), 3 shop__refund_order, 4 plain
    fused = np.asarray([1.0, 0.9, 0.62, 0.6, 0.5, 0.1, 0.0], dtype=np.float32)
    ids = np.asarray([1, 1, 2, 1, 0, 3, 3], dtype=np.int64)
    out = server_boost(fused, ids, 4, weight=0.2, depth=5, spread_rank=7)
    assert out[3] > out[2]  # the shop's refund tool now beats the other server's
    assert out[2] == fused[2] and out[4] == fused[4]  # no support, or no server: unchanged
    assert list(np.argsort(-out)[:2]) == [0, 1]
    assert np.array_equal(server_boost(fused, ids, 4, weight=0.0), fused)


def test_boost_leaves_minus_infinity_alone() -> None:
    fused = np.asarray([1.0, 0.5, -np.inf], dtype=np.float32)
    out = server_boost(fused, np.asarray([1, 1, 1]), 2, weight=0.5)
    assert np.isneginf(out[2]) and out[1] > fused[1]


def _prefixed(prefix: str, names: list[str]) -> list[dict[str, Any]]:
    by_name = {s["name"]: s for s in SPECS}
    return [{**{k: v for k, v in by_name[n].items() if k != "return_schema"}, "name": f"{prefix}__{n}"} for n in names]


def test_unnamespaced_registries_rank_the_same_with_the_boost(encoder: Encoder) -> None:
    on = Router.build(SPECS, encoder=encoder)
    off = Router.build(SPECS, encoder=encoder, config=RouterConfig(server_boost=0.0))
    for query in ("email the report to Ana and then put a review on my calendar", "price of AAPL in euros"):
        assert on.route(query).ranked == off.route(query).ranked


def test_a_servers_tools_travel_together(encoder: Encoder) -> None:
    tools = (_prefixed("office", ["send_email", "create_calendar_event", "list_files", "delete_file"])
             + _prefixed("chat", ["send_sms", "sendSlackMessage"]) + _prefixed("travel", ["book_flight"]))
    on = Router.build(tools, encoder=encoder)
    off = Router.build(tools, encoder=encoder, config=RouterConfig(server_boost=0.0))
    query = "email Ana the agenda, put the review on my calendar and clean up the old files"
    rank_on = [n for n, _ in on.route(query).ranked]
    rank_off = [n for n, _ in off.route(query).ranked]
    office_on = [i for i, n in enumerate(rank_on) if n.startswith("office__")]
    office_off = [i for i, n in enumerate(rank_off) if n.startswith("office__")]
    assert sum(office_on) <= sum(office_off)
    assert set(rank_on[:4]) == {n for n in rank_on if n.startswith("office__")}


@pytest.mark.parametrize(("lengths", "batches"), [
    ([5, 6, 7], [[0, 1, 2]]),
    ([60, 4, 5, 6], [[1, 2, 3], [0]]),
    ([3, 3, 3, 3, 3], [[0, 1], [2, 3], [4]]),
])
def test_encoder_batches_split_where_lengths_jump(lengths: list[int], batches: list[list[int]]) -> None:
    ids = [[1] * n for n in lengths]
    assert list(length_sorted_batches(ids, 2 if len(lengths) == 5 else 64)) == batches


def test_split_batches_embed_like_one_text_at_a_time(encoder: Encoder) -> None:
    texts = ["You want to exchange the keyboard of order 12 for one with clicky switches, and you are Yusuf in 19122.",
             "exchange it", "and then", "book a flight"]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_lexical_routers_keep_the_threshold_rule() -> None:
    router = Router.build(SPECS, encoder=None)
    assert not router.uses_model_abstention
    plan = router.route("convert 20 dollars to euros")
    assert not plan.abstain and plan.ranked[0][0] == "convert_currency"


def test_a_new_config_reaches_the_scorer() -> None:
    router = Router.build(SPECS, encoder=None)
    cfg = RouterConfig(encoder=None, server_boost=0.0, w_lexical=0.5)
    router.config = cfg
    assert router.scorer.config is cfg and router.config is cfg
