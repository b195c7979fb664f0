"""A request, its steps (in any order) and its extra texts take one forward pass of the encoder."""

from __future__ import annotations

from typing import Any

import numpy as np

from agentfn.router import Router, RouterConfig
from agentfn.router.encoder import Encoder

from .conftest import SPECS, CountingEncoder


class PassCounter(CountingEncoder):
    """Counts forward passes too (a call of either method is one pass for a request's few texts)."""

    passes = 0

    def encode(self, texts: list[str], batch_size: int = 64) -> Any:
        self.passes += 1
        return super().encode(texts, batch_size)

    def encode_packed(self, texts: list[str], spans: Any = ()) -> Any:
        self.passes += 1
        return super().encode_packed(texts, spans)

    def encode_pooled(self, texts: list[str], groups: Any = ()) -> Any:
        self.passes += 1
        return super().encode_pooled(texts, groups)


def test_steps_out_of_order_share_the_request_pass(encoder: Encoder) -> None:
    r = Router.build(SPECS, encoder=encoder, config=RouterConfig(step_vectors="spans"))
    counter = PassCounter(encoder)
    r.index.encoder = counter  # queries only from here: the tools are embedded
    text = "Book a flight from Oslo to Rome, then send an email to Ann with the times"
    steps = ["send an email to Ann with the times", "Book a flight from Oslo to Rome"]  # second one not after the first
    whole, step_vecs, others = r.scorer.encode_all(text, steps, ["Book a flight from to , then send an email to with the times"])
    assert counter.passes == 1
    alone = encoder.encode([steps[1]])[0]
    assert np.allclose(step_vecs[1], alone, atol=1e-5)  # not found after the first step: its own vector
    assert float(step_vecs[0] @ whole) < 0.999 and len(others) == 1
