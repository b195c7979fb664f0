"""A bounded spin (worker threads busy-wait only while a pass runs) changes no vector, and is opted into
per encoder or by ``$AGENTFN_ENCODER_SPIN``."""

from __future__ import annotations

import numpy as np
import pytest

from agentfn.router.encoder import Encoder, with_request_tokens
from agentfn.router.onnx_encoder import OnnxBertEncoder, spin_default, spin_options

TEXTS = [
    "book a table for four at an Italian place near the harbour tonight",
    "Find my last three invoices, add up what I owe, then remind me on Monday to pay it.",
    "ok",
]


def test_spin_options_end_the_spin_with_the_pass() -> None:
    assert spin_options(False) == {"session.intra_op.allow_spinning": "0"}
    assert spin_options(True) == {"session.intra_op.allow_spinning": "1", "session.force_spinning_stop": "1"}


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("on", True), ("0", False), ("", False), ("no", False)])
def test_spin_default_reads_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("AGENTFN_ENCODER_SPIN", value)
    assert spin_default() is expected


def test_a_spinning_session_gives_the_same_vectors(encoder: Encoder) -> None:
    assert isinstance(encoder, OnnxBertEncoder)
    spinning = OnnxBertEncoder(encoder.folder, spec=encoder.spec, spin=True)
    assert spinning.spin and not OnnxBertEncoder(encoder.folder, spin=False).spin
    assert np.array_equal(spinning.encode(TEXTS), encoder.encode(TEXTS))
    text = TEXTS[1]
    whole, spans = spinning.encode_packed([text], [(0, text.index(","))])
    ref_whole, ref_spans = encoder.encode_packed([text], [(0, text.index(","))])
    assert np.array_equal(whole, ref_whole)
    assert spans[0] is not None and ref_spans[0] is not None and np.array_equal(spans[0], ref_spans[0])


def test_the_int8_twin_spins_as_its_float_model_does(encoder: Encoder) -> None:
    assert isinstance(encoder, OnnxBertEncoder)
    spinning = OnnxBertEncoder(encoder.folder, spec=encoder.spec, spin=True)
    twin = getattr(with_request_tokens(spinning, None, int8=True), "queries", None)
    assert isinstance(twin, OnnxBertEncoder) and twin.int8 and twin.spin
    still = getattr(with_request_tokens(encoder, None, int8=True), "queries", None)
    assert isinstance(still, OnnxBertEncoder) and still.int8 and still.spin is encoder.spin
