"""The fusion weight moves only when the move transfers: chosen without each source, it lifts that source."""

from __future__ import annotations

import numpy as np

from agentfn.router.fitting import choose_transferring


def per_request(a: float, b: float, n: int = 6) -> np.ndarray:
    """Scores of ``n`` requests of source ``a`` then ``n`` of source ``b``."""
    return np.asarray([a] * n + [b] * n)


LABELS = ["mail"] * 6 + ["maps"] * 6


def test_a_weight_one_source_likes_and_another_dislikes_is_refused() -> None:
    per = {1.0: per_request(0.5, 0.8), 1.5: per_request(0.9, 0.6)}  # mean 0.65 -> 0.75, but "maps" loses
    chosen, info = choose_transferring(per, LABELS, 1.0)
    assert chosen == 1.0 and info["fusion_kept_by_lofo"] == 1.5 and info["fusion_lofo_gain"] < 0


def test_a_weight_every_source_likes_is_taken() -> None:
    per = {1.0: per_request(0.5, 0.6), 1.5: per_request(0.7, 0.65)}
    chosen, info = choose_transferring(per, LABELS, 1.0)
    assert chosen == 1.5 and info["fusion_lofo_gain"] > 0 and "fusion_kept_by_lofo" not in info


def test_one_source_or_a_small_gain_keeps_the_plain_rule() -> None:
    per = {1.0: per_request(0.5, 0.8), 1.5: per_request(0.9, 0.6)}
    assert choose_transferring(per, ["mail"] * 12, 1.0) == (1.5, {})  # nothing to leave out
    assert choose_transferring({1.0: per_request(0.5, 0.5), 0.5: per_request(0.505, 0.5)}, LABELS, 1.0)[0] == 1.0


def test_a_gain_on_one_source_only_does_not_transfer() -> None:
    per = {1.0: per_request(0.5, 0.5), 1.5: per_request(0.53, 0.5)}  # overall +0.015, all of it from "mail"
    chosen, info = choose_transferring(per, LABELS, 1.0)
    assert chosen == 1.0 and info["fusion_kept_by_lofo"] == 1.5 and info["fusion_lofo_gain"] == 0.0
