"""A cheaper request encoder: MiniLM's first k layers, then a linear map onto the full model's space.

Requests (their one packed pass, :meth:`~agentfn.router._bert.LocalBertEncoder.encode_pooled`)
go through only the first ``k`` of the model's transformer layers; each token's state is then
sent through an affine map ``h @ W + b`` fitted so that pooled vectors match the full model's
(:func:`fit_layer_map`). Mean pooling commutes with an affine map, so a text's vector and every
span pooled from it (steps, the bare text) get the map for free. Tool texts are still embedded by
the full model: a router keeps its tool vectors, and only the request side changes.

With ``from_tokens`` only requests of at least that many tokens take the shallow pass (the long
requests that set the p95); shorter ones run the full model.

Specs: ``"minilm-l3"`` (k=3, every request), ``"minilm-l3-from48"`` (requests of 48 tokens or
more). The map is fitted once per weights and k and cached under ``$AGENTFN_HOME/layermap/``,
keyed by the weights' sha256 (:func:`load_layer_map`, :func:`save_layer_map`).

Guarantees: :func:`fit_layer_map` is deterministic (same texts, same map); vectors are
L2-normalised; tool-side vectors equal the full model's exactly.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from agentfn.exceptions import ConfigError
from agentfn.router._bert import Batch, FloatArray, LocalBertEncoder, length_sorted_batches, padded

__all__ = [
    "SHALLOW_LAYERS",
    "LayerMap",
    "MappedLayers",
    "ShallowRequests",
    "fit_layer_map",
    "layer_map_path",
    "load_layer_map",
    "parse_shallow_spec",
    "save_layer_map",
]

SHALLOW_LAYERS = range(1, 6)
"""How many of MiniLM's 6 layers a shallow request encoder may run (fewer than all, at least one)."""
_SPEC = re.compile(rf"^minilm-l([{SHALLOW_LAYERS.start}-{SHALLOW_LAYERS.stop - 1}])(?:-from(\d+))?$")
_FORMAT = 1
"""Bumped whenever :func:`fit_layer_map` changes what it fits: older cached maps are ignored."""
_SPANS_PER_TEXT = 3


def parse_shallow_spec(spec: str) -> tuple[int, int] | None:
    """``(layers, from_tokens)`` of a shallow spec (``"minilm-l3"``, ``"minilm-l3-from48"``), else None."""
    m = _SPEC.match(spec)
    return None if m is None else (int(m.group(1)), int(m.group(2) or 0))


class LayerMap:
    """An affine map ``h @ weight + bias`` from layer-k token states to the full model's space."""

    def __init__(self, weight: FloatArray, bias: FloatArray) -> None:
        self.weight = np.ascontiguousarray(weight, dtype=np.float32)
        self.bias = np.ascontiguousarray(bias, dtype=np.float32)

    def __call__(self, states: FloatArray) -> FloatArray:
        return (states @ self.weight + self.bias).astype(np.float32, copy=False)


class MappedLayers(LocalBertEncoder):
    """A shallow BERT encoder (``OnnxBertEncoder(layers=k)``) whose token states go through a :class:`LayerMap`."""

    def __init__(self, shallow: LocalBertEncoder, layer_map: LayerMap) -> None:
        super().__init__(shallow.folder, shallow.dim, spec=shallow.spec, max_length=shallow.max_length)
        self.shallow = shallow
        self.layer_map = layer_map

    def _hidden(self, batch: Batch) -> FloatArray:
        return self.layer_map(self.shallow.hidden(batch))


def _pairs(full: LocalBertEncoder, shallow: LocalBertEncoder, texts: Sequence[str], seed: int) -> tuple[FloatArray, FloatArray]:
    """Pooled (shallow, full) state pairs: each text's mean and a few random spans' means.

    Spans stand for what the router pools from a request's pass (its steps, its bare text).
    """
    rng = np.random.default_rng(seed)
    ids = [e.ids for e in full.tokenizer.encode_batch(list(texts))]
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    for chunk in length_sorted_batches(ids, 64):
        batch = padded([ids[i] for i in chunk])
        low, high = shallow.hidden(batch), full.hidden(batch)
        for row, i in enumerate(chunk):
            n = len(ids[i])
            cuts = [(0, n)] + [tuple(sorted(rng.choice(n + 1, 2, replace=False).tolist())) for _ in range(_SPANS_PER_TEXT)]
            for a, b in cuts:
                xs.append(low[row, a:b].mean(0))
                y = high[row, a:b].mean(0)
                ys.append(y / max(float(np.linalg.norm(y)), 1e-12))
    return np.stack(xs).astype(np.float32), np.stack(ys).astype(np.float32)


def fit_layer_map(
    full: LocalBertEncoder, shallow: LocalBertEncoder, texts: Sequence[str], *, ridge: float = 1e-3, seed: int = 0
) -> LayerMap:
    """Least-squares (ridge) map from ``shallow``'s pooled states to ``full``'s normalised pooled vectors.

    Fitted on every text's mean and on random spans of it (seeded: the same texts give the same
    map). ``ridge`` is relative to the number of pairs; the bias is not shrunk.

    Raises:
        ConfigError: no texts.
    """
    if not texts:
        raise ConfigError("fit_layer_map needs texts to fit on")
    x, y = _pairs(full, shallow, texts, seed)
    x1 = np.hstack([x, np.ones((len(x), 1), dtype=np.float32)]).astype(np.float64)
    gram = x1.T @ x1
    shrink = ridge * len(x1) * np.eye(x1.shape[1])
    shrink[-1, -1] = 0.0
    sol = np.linalg.solve(gram + shrink, x1.T @ y.astype(np.float64))
    return LayerMap(sol[:-1].astype(np.float32), sol[-1].astype(np.float32))


def layer_map_path(digest: str, layers: int) -> Path:
    """Where the map for weights ``digest`` (sha256) and ``layers`` is cached."""
    home = Path(os.environ.get("AGENTFN_HOME") or Path.home() / ".agentfn")
    return home / "layermap" / f"{digest[:16]}-l{layers}-v{_FORMAT}.npz"


def save_layer_map(layer_map: LayerMap, digest: str, layers: int) -> Path:
    """Write ``layer_map`` to the cache (whole, then renamed: no torn reads)."""
    path = layer_map_path(digest, layers)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    with os.fdopen(fd, "wb") as fh:
        np.savez(fh, weight=layer_map.weight, bias=layer_map.bias)
    os.replace(tmp, path)
    return path


def load_layer_map(digest: str, layers: int) -> LayerMap:
    """The cached map for weights ``digest`` and ``layers``.

    Raises:
        ConfigError: not fitted yet (``python -m agentfn.evals.layer_map_fit --layers K`` fits and caches it).
    """
    path = layer_map_path(digest, layers)
    if not path.exists():
        raise ConfigError(
            f"no layer map for {layers} layers at {path}; fit it with "
            f"`python -m agentfn.evals.layer_map_fit --layers {layers}`"
        )
    with np.load(path, allow_pickle=False) as data:
        return LayerMap(data["weight"], data["bias"])


class ShallowRequests:
    """Tool texts through the full model, request-side passes through :class:`MappedLayers`.

    Args:
        full: the full encoder (tool vectors, short requests).
        mapped: the shallow encoder with its fitted map.
        spec: recorded in saved routers (``"minilm-l3"``...).
        from_tokens: only requests of at least this many tokens go shallow (0: all).
    """

    def __init__(self, full: LocalBertEncoder, mapped: MappedLayers, spec: str, from_tokens: int = 0) -> None:
        self.full = full
        self.mapped = mapped
        self._spec = spec
        self.from_tokens = from_tokens

    @property
    def spec(self) -> str:
        return self._spec

    @property
    def dim(self) -> int:
        return self.full.dim

    def token_count(self, text: str) -> int:
        return self.full.token_count(text)

    def _model(self, texts: list[str]) -> LocalBertEncoder:
        if not texts or self.from_tokens <= 0 or self.full.token_count(texts[0]) >= self.from_tokens:
            return self.mapped
        return self.full

    def encode(self, texts: list[str], batch_size: int = 64) -> FloatArray:
        return self.full.encode(texts, batch_size)

    def encode_packed(
        self, texts: list[str], spans: Sequence[tuple[int, int]] = ()
    ) -> tuple[FloatArray, list[FloatArray | None]]:
        return self._model(texts).encode_packed(texts, spans)

    def encode_pooled(
        self, texts: list[str], groups: Sequence[Sequence[tuple[int, int]]] = ()
    ) -> tuple[FloatArray, list[FloatArray | None]]:
        return self._model(texts).encode_pooled(texts, groups)
