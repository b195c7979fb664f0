"""The fused-attention MiniLM graph gives the standard graph's vectors, packed, padded and pooled."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from agentfn.router.encoder import default_model_dir
from agentfn.router.onnx_encoder import OnnxBertEncoder

REQUESTS = [
    "Find the cheapest train from Leeds to York on Sunday, then reserve two seats by the window.",
    "ok",
    "My printer keeps jamming. Order a new toner cartridge and open a repair ticket for the paper tray, "
    "and tell the office manager when it will arrive.",
    "Überweise 30 € an Jürgen 😀 und schick ihm eine Nachricht",
]


@pytest.fixture(scope="module")
def pair() -> tuple[OnnxBertEncoder, OnnxBertEncoder]:
    folder = default_model_dir()
    return OnnxBertEncoder(folder, fused_attention=True), OnnxBertEncoder(folder, fused_attention=False)


def test_fused_is_the_default_and_int8_keeps_the_standard_graph() -> None:
    folder = default_model_dir()
    assert OnnxBertEncoder(folder).fused_attention
    assert not OnnxBertEncoder(folder, int8=True).fused_attention


def test_padded_batches_give_the_standard_vectors(pair: tuple[OnnxBertEncoder, OnnxBertEncoder]) -> None:
    fused, plain = pair
    assert np.abs(fused.encode(REQUESTS, batch_size=3) - plain.encode(REQUESTS, batch_size=3)).max() < 1e-5


def test_one_packed_pass_gives_the_standard_vectors_and_pooled_spans(pair: tuple[OnnxBertEncoder, OnnxBertEncoder]) -> None:
    fused, plain = pair
    text = REQUESTS[2]
    groups = [[(0, 26)], [(27, 100)], [(0, 10), (40, 90)], [(len(text) + 5, len(text) + 9)]]
    for texts in ([text], [text, "office supplies", REQUESTS[0]]):
        a, pa = fused.encode_pooled(texts, groups)
        b, pb = plain.encode_pooled(texts, groups)
        assert np.abs(a - b).max() < 1e-5
        assert pa[-1] is None and pb[-1] is None  # a span past the text pools nothing in either
        for u, v in zip(pa[:-1], pb[:-1], strict=True):
            assert u is not None and v is not None and np.abs(u - v).max() < 1e-5
    # Packed texts attend only within themselves: each gets the vector it gets alone.
    alone = np.stack([fused.encode_pooled([t])[0][0] for t in REQUESTS])
    assert np.abs(fused.encode_pooled(REQUESTS)[0] - alone).max() < 1e-5
