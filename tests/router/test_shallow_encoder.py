"""The shallow request encoder: MiniLM's first layers plus a fitted linear map (agentfn.router.shallow_encoder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agentfn.exceptions import ConfigError
from agentfn.router import Router, RouterConfig
from agentfn.router._bert import LocalBertEncoder
from agentfn.router.encoder import Encoder, default_model_dir, load_encoder, weights_digest
from agentfn.router.onnx_encoder import OnnxBertEncoder
from agentfn.router.shallow_encoder import (
    LayerMap,
    MappedLayers,
    ShallowRequests,
    fit_layer_map,
    load_layer_map,
    parse_shallow_spec,
    save_layer_map,
)

from .conftest import SPECS

# Texts written for this test: tool-like descriptions and requests of several shapes.
FIT = [
    "Convert an amount of money from one currency to another.",
    "Send an email to a colleague with a subject line and a short body.",
    "What will the weather be like in Lisbon over the weekend?",
    "Book a table for four at an Italian restaurant tomorrow at eight.",
    "List every file in the downloads folder, then delete the oldest one.",
    "Translate this paragraph into Japanese and read it back to me.",
    "How much is a share of the electric car maker trading at right now?",
    "Create a calendar event called design review on Monday at ten with Priya and Tom.",
    "Find flights from Boston to Denver next Friday and book the cheapest.",
    "Post a message to the team channel saying the build is green.",
    "Look up the postal code for the town of Bergen.",
    "Turn the living room lights down to thirty percent.",
    "Start a timer for twelve minutes for the pasta.",
    "Summarise the attached report in three bullet points.",
    "Order a large pepperoni pizza to my home address.",
    "Check the status of order 58213 and tell me when it ships.",
    "Schedule a reminder to call the dentist next Tuesday morning.",
    "Search recent news articles about solar panel prices in Europe.",
    "Create a new repository named garden-planner and invite Sam.",
    "Get directions by bike from the station to the museum.",
    "Play some calm piano music in the kitchen.",
    "Add milk, eggs and bread to the shopping list.",
    "How many steps did I walk yesterday compared to last week?",
    "Reset the password for the account registered to jo@example.org.",
]
HELD_OUT = [
    "Email the quarterly figures to the finance team and copy my manager.",
    "Is it going to snow in Oslo on Thursday?",
    "Exchange 250 pounds into Swiss francs.",
    "Remove the temporary files from the build directory.",
]


@pytest.fixture(scope="module")
def shallow() -> OnnxBertEncoder:
    return OnnxBertEncoder(default_model_dir(), layers=3)


@pytest.fixture(scope="module")
def layer_map(encoder: Encoder, shallow: OnnxBertEncoder) -> LayerMap:
    assert isinstance(encoder, LocalBertEncoder)
    return fit_layer_map(encoder, shallow, FIT, ridge=1e-2)


def test_specs_parse() -> None:
    assert parse_shallow_spec("minilm-l3") == (3, 0)
    assert parse_shallow_spec("minilm-l2-from48") == (2, 48)
    assert parse_shallow_spec("minilm") is None and parse_shallow_spec("minilm-l9") is None


def test_fit_is_deterministic(encoder: Encoder, shallow: OnnxBertEncoder, layer_map: LayerMap) -> None:
    assert isinstance(encoder, LocalBertEncoder)
    again = fit_layer_map(encoder, shallow, FIT, ridge=1e-2)
    assert np.array_equal(again.weight, layer_map.weight) and np.array_equal(again.bias, layer_map.bias)
    with pytest.raises(ConfigError):
        fit_layer_map(encoder, shallow, [])


def test_mapped_vectors_come_closer_to_the_full_model(encoder: Encoder, shallow: OnnxBertEncoder,
                                                      layer_map: LayerMap) -> None:
    full = encoder.encode(HELD_OUT)
    raw = shallow.encode(HELD_OUT)
    mapped = MappedLayers(shallow, layer_map).encode(HELD_OUT)
    assert np.allclose(np.linalg.norm(mapped, axis=1), 1.0, atol=1e-5)
    cos_raw, cos_mapped = (full * raw).sum(1), (full * mapped).sum(1)
    assert cos_mapped.mean() > cos_raw.mean() + 0.1  # the map moves layer-3 vectors toward the full ones
    assert (cos_mapped > cos_raw).all()


def test_router_records_the_spec_and_keeps_full_tool_vectors(
    encoder: Encoder, layer_map: LayerMap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTFN_HOME", str(tmp_path / "home"))
    digest = weights_digest(default_model_dir())
    with pytest.raises(ConfigError, match="layer_map_fit"):
        load_layer_map(digest, 3)
    save_layer_map(layer_map, digest, 3)
    loaded = load_layer_map(digest, 3)
    assert np.array_equal(loaded.weight, layer_map.weight)
    r = Router.build(SPECS, config=RouterConfig(encoder="minilm-l3-from20"))
    assert isinstance(r.encoder, ShallowRequests) and r.encoder.spec == "minilm-l3-from20"
    full = Router.build(SPECS, encoder=encoder)
    names = r.names()
    assert np.array_equal(r.index.live_vectors(names), full.index.live_vectors(names))  # tools: the full model
    short = "send an email to Bob"  # under 20 tokens: the full model
    assert np.array_equal(r.encoder.encode_packed([short])[0], full.encoder.encode_packed([short])[0])  # pyright: ignore[reportOptionalMemberAccess, reportAttributeAccessIssue, reportUnknownMemberType]
    long = "please find out what the weather will be in Paris on Saturday and Sunday, then email it to my sister"
    vec, _ = r.encoder.encode_packed([long])
    assert np.array_equal(vec, MappedLayers(r.encoder.mapped.shallow, loaded).encode_packed([long])[0])
    path = r.save(tmp_path / "router")
    back = Router.load(path)
    assert back.config.encoder == "minilm-l3-from20" and isinstance(back.encoder, ShallowRequests)
    assert back.route(long).ranked


def test_loaded_encoders_are_memoised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layer_map: LayerMap) -> None:
    monkeypatch.setenv("AGENTFN_HOME", str(tmp_path))
    save_layer_map(layer_map, weights_digest(default_model_dir()), 3)
    assert load_encoder("minilm-l3", backend="numpy") is load_encoder("minilm-l3", backend="numpy")


@pytest.mark.parametrize("layers", [0, 6, 9])
def test_fitting_a_map_for_no_or_all_layers_is_a_clear_error(layers: int) -> None:
    from agentfn.evals.layer_map_fit import write_layer_map

    with pytest.raises(ConfigError, match="1 to 5 of MiniLM's layers"):
        write_layer_map(layers)
