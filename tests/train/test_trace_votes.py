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


SHOP_TOOLS = {
    "shop__find_customer": "Look up a customer account record by e-mail address.",
    "shop__cancel_order": "Cancel a pending order.",
    "shop__start_return": "Start a return for delivered items.",
    "shop__exchange_item": "Exchange a delivered item for another variant.",
    "shop__update_address": "Change the shipping address of a pending order.",
}
OTHER_TOOLS = {
    "play_music": "Play a song or playlist.", "set_alarm": "Set an alarm for a time.",
    "get_news": "Latest news headlines on a topic.", "call_taxi": "Call a taxi to an address.",
    "track_parcel": "Track a parcel by number.", "find_recipe": "Find a recipe by ingredient.",
    "send_text": "Send a text message.", "book_flight": "Book a flight between two airports.",
}
TRACED = [
    ("I'm jo@ex.com and the toaster from my last purchase arrived broken, I'd like my money back", "shop__start_return"),
    ("this is sam@mail.org, please stop my order 4411 from being sent", "shop__cancel_order"),
    ("kim@home.net here: the sweater I got is too small, swap it for a large", "shop__exchange_item"),
    ("I moved house, I'm lee@web.io, send order 7710 to 5 Oak Lane instead", "shop__update_address"),
    ("ana@post.com: the blender I received is the wrong colour, I want the red one", "shop__exchange_item"),
    ("I'm raj@box.net and the lamp I bought flickers, refund it please", "shop__start_return"),
    ("it's tom@inbox.com, I changed my mind about order 3020, call it off", "shop__cancel_order"),
    ("eve@site.org here, my order 5151 should go to my office on King Street", "shop__update_address"),
]
HELD = [
    ("hi, I'm max@letters.com, the headphones I got crackle and I want to send them back", "shop__start_return"),
    ("zoe@mail.com here, don't ship order 8080 after all", "shop__cancel_order"),
]


def test_a_lookup_every_traced_request_of_a_service_used_rises_for_new_requests(encoder: object) -> None:
    from agentfn.router import Router

    specs = [{"name": n, "description": d, "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}
             for n, d in {**SHOP_TOOLS, **OTHER_TOOLS}.items()]
    cold = Router.build(specs, encoder=encoder)  # pyright: ignore[reportArgumentType]
    trained = Router.build(specs, encoder=encoder)  # pyright: ignore[reportArgumentType]
    pairs = [(q, ["shop__find_customer", a]) for q, a in TRACED]
    fitted = trained.fit_from_traces(pairs[:6], dev=pairs[6:], fresh=True, rerank=True)
    assert fitted["rerank_on"] == 1.0

    def rank(router: Router, text: str, tool: str) -> int:
        return [n for n, _ in router.route(text, k=len(router)).ranked].index(tool)

    before = [rank(cold, text, "shop__find_customer") for text, _ in HELD]
    after = [rank(trained, text, "shop__find_customer") for text, _ in HELD]
    assert all(a <= b for a, b in zip(after, before, strict=True)) and sum(after) < sum(before)
    assert all(a < 3 for a in after)
