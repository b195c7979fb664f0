"""Training that transfers, fast (no encoder fine-tune): the re-ranker and its trace memory, fitted from traces.

Tools with in-house names and terse descriptions: what users ask for is not
written in them, so only traces can teach which request goes where. Training
requests and held-out requests share no phrasing and no person.
"""

from __future__ import annotations

from pathlib import Path

from agentfn.router import Router
from agentfn.router.encoder import Encoder

from .conftest import DISTRACTORS, NEAR_DUPLICATES, OPAQUE, PEOPLE


def tools() -> list[dict[str, object]]:
    specs = [(n, d) for n, (d, _) in OPAQUE.items()] + DISTRACTORS + NEAR_DUPLICATES
    return [{"name": n, "description": d, "parameters": {"type": "object", "properties": {"key": {"type": "string"}}}}
            for n, d in specs]


def pairs(templates: slice, people: list[str]) -> list[tuple[str, list[str]]]:
    return [(t.format(p=p), [name]) for name, (_, ts) in OPAQUE.items() for t in ts[templates] for p in people]


def mean_rank(router: Router, data: list[tuple[str, list[str]]]) -> float:
    ranks = [[n for n, _ in router.route(q, k=len(router)).ranked].index(g[0]) + 1 for q, g in data]
    return sum(ranks) / len(ranks)


def test_reranker_and_memory_lift_unseen_paraphrases(encoder: Encoder, tmp_path: Path) -> None:
    base = Router.build(tools(), encoder=encoder)
    held_out = pairs(slice(4, 6), PEOPLE[6:])
    before = mean_rank(base, held_out)
    trained = Router.build(tools(), encoder=encoder)
    fitted = trained.fit_from_traces(pairs(slice(0, 3), PEOPLE[:3]), dev=pairs(slice(3, 4), PEOPLE[3:6]),
                                     fresh=True, rerank=True)
    assert fitted["rerank_on"] == 1.0 and trained.config.rerank_weights is not None
    assert trained.memory is not None and len(trained.memory) == 12 * 3  # train + dev after the final fit
    after = mean_rank(trained, held_out)
    assert after < before
    assert after <= 1.5
    # Saved and loaded, the router ranks the same (memory and weights travel with it).
    trained.save(tmp_path / "r")
    loaded = Router.load(tmp_path / "r", encoder=encoder)
    assert loaded.memory is not None and len(loaded.memory) == len(trained.memory)
    q = held_out[0][0]
    assert loaded.route(q).ranked == trained.route(q).ranked


def test_reranker_stays_off_when_dev_shows_no_gain(encoder: Encoder) -> None:
    r = Router.build(tools(), encoder=encoder)
    easy = [("send an email to Bob", ["send_email"]), ("weather in Paris today", ["get_weather"]),
            ("convert 5 dollars to yen", ["convert_currency"])]
    fitted = r.fit_from_traces(easy, dev=easy, rerank=True)
    assert fitted["rerank_on"] == 0.0 and r.config.rerank_weights is None
