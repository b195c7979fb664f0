"""Fits and caches the shallow request encoder's layer map (:mod:`agentfn.router.shallow_encoder`).

The map is fitted on texts this project ships and wrote itself: the generated evaluation set's
tool texts (as the router embeds them, :func:`~agentfn.router.text.dense_text`) and the requests
of half of its templates (chosen by a hash of the template key, so the same half every time).
No foreign benchmark text is used. Deterministic: the same weights and layers give the same map.

    python -m agentfn.evals.layer_map_fit --layers 3

Writes ``$AGENTFN_HOME/layermap/<sha256>-l3-v1.npz``; ``RouterConfig(encoder="minilm-l3")`` reads it.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from agentfn.evals.evalset import build_evalset
from agentfn.exceptions import ConfigError
from agentfn.router._bert import LocalBertEncoder
from agentfn.router.encoder import DEFAULT_ENCODER, default_model_dir, load_encoder, weights_digest
from agentfn.router.onnx_encoder import OnnxBertEncoder
from agentfn.router.shallow_encoder import SHALLOW_LAYERS, fit_layer_map, layer_map_path, save_layer_map
from agentfn.router.text import dense_text

__all__ = ["fit_texts", "main", "write_layer_map"]


def fit_texts(seed: int = 0) -> list[str]:
    """Generated tool texts plus the requests of the templates whose hash is even (see the module docstring)."""
    es = build_evalset(seed)
    tools = [dense_text(t) for t in es.tools]
    asks = [q.text for q in es.queries if hashlib.sha256(q.template.encode()).digest()[0] % 2 == 0]
    return tools + asks


def write_layer_map(layers: int, *, force: bool = False) -> Path:
    """Fit the map for ``layers`` on :func:`fit_texts` and cache it; an existing one is kept unless ``force``.

    Raises:
        ConfigError: ``layers`` is not in :data:`~agentfn.router.shallow_encoder.SHALLOW_LAYERS`.
    """
    if layers not in SHALLOW_LAYERS:
        raise ConfigError(f"a shallow encoder runs {SHALLOW_LAYERS.start} to {SHALLOW_LAYERS.stop - 1} of MiniLM's "
                          f"layers, not {layers}")
    folder = default_model_dir()
    digest = weights_digest(folder)
    path = layer_map_path(digest, layers)
    if path.exists() and not force:
        return path
    full = load_encoder(DEFAULT_ENCODER)
    assert isinstance(full, LocalBertEncoder)
    shallow = OnnxBertEncoder(folder, layers=layers)
    return save_layer_map(fit_layer_map(full, shallow, fit_texts()), digest, layers)


def main() -> None:
    ap = argparse.ArgumentParser(description="Fit and cache the shallow request encoder's layer map.")
    ap.add_argument("--layers", type=int, nargs="+", default=[3], choices=SHALLOW_LAYERS)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    for k in args.layers:
        print(write_layer_map(k, force=args.force))


if __name__ == "__main__":
    main()
