"""BERT sentence-transformers weights and the parts every BERT encoder shares.

Both local encoders (:class:`~agentfn.router.encoder.NumpyBertEncoder` and
:class:`~agentfn.router.onnx_encoder.OnnxBertEncoder`) read the same folder the
same way: safetensors weights, ``tokenizer.json``, mean pooling over real
tokens, L2 normalisation. Keeping that here means the two produce the same
vectors from the same inputs, so tool vectors embedded by one match query
vectors from the other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from agentfn.exceptions import ConfigError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass
class BertWeights:
    """One BERT encoder's float32 weights, laid out for ``x @ W`` row products.

    Each entry of ``layers`` holds ``qkv_w`` (query, key and value fused into
    one matrix: fewer, larger products), ``qkv_b``, ``o_w``, ``o_b``, ``ln1_w``,
    ``ln1_b``, ``i_w``, ``i_b``, ``f_w``, ``f_b``, ``ln2_w``, ``ln2_b``.
    """

    heads: int
    eps: float
    word: FloatArray
    pos: FloatArray
    type0: FloatArray
    emb_ln: tuple[FloatArray, FloatArray]
    layers: list[dict[str, FloatArray]] = field(default_factory=lambda: [])

    @property
    def dim(self) -> int:
        return int(self.word.shape[1])


def load_bert_weights(folder: Path) -> BertWeights:
    """Read ``model.safetensors`` + ``config.json`` of a BERT folder.

    Raises:
        ConfigError: the folder holds another architecture.
    """
    from safetensors.numpy import load_file  # pyright: ignore[reportUnknownVariableType]

    config: dict[str, Any] = json.loads((folder / "config.json").read_text())
    if config.get("model_type") != "bert":
        raise ConfigError(f"{folder}: a BERT model is needed here, got {config.get('model_type')!r}")
    raw = load_file(str(folder / "model.safetensors"))
    # Fine-tuned copies may be saved from BertForX with a "bert." prefix.
    w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in raw.items() if v.dtype != np.int64}
    weights = BertWeights(
        heads=int(config["num_attention_heads"]),
        eps=float(config.get("layer_norm_eps", 1e-12)),
        word=w["embeddings.word_embeddings.weight"],
        pos=w["embeddings.position_embeddings.weight"],
        type0=w["embeddings.token_type_embeddings.weight"][0],
        emb_ln=(w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"]),
    )
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        qkv = ("query", "key", "value")
        weights.layers.append(
            {
                "qkv_w": np.concatenate([w[p + f"attention.self.{n}.weight"] for n in qkv], axis=0).T.copy(),
                "qkv_b": np.concatenate([w[p + f"attention.self.{n}.bias"] for n in qkv]),
                "o_w": w[p + "attention.output.dense.weight"].T.copy(),
                "o_b": w[p + "attention.output.dense.bias"],
                "ln1_w": w[p + "attention.output.LayerNorm.weight"],
                "ln1_b": w[p + "attention.output.LayerNorm.bias"],
                "i_w": w[p + "intermediate.dense.weight"].T.copy(),
                "i_b": w[p + "intermediate.dense.bias"],
                "f_w": w[p + "output.dense.weight"].T.copy(),
                "f_b": w[p + "output.dense.bias"],
                "ln2_w": w[p + "output.LayerNorm.weight"],
                "ln2_b": w[p + "output.LayerNorm.bias"],
            }
        )
    return weights


def max_seq_length(folder: Path, default: int = 256) -> int:
    """sentence-transformers' ``max_seq_length`` for the folder (256 if unset)."""
    st_cfg = folder / "sentence_bert_config.json"
    if not st_cfg.exists():
        return default
    return int(json.loads(st_cfg.read_text()).get("max_seq_length", default))


def load_tokenizer(folder: Path, max_length: int) -> Tokenizer:
    """The folder's fast tokenizer, truncating at ``max_length``, unpadded."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.enable_truncation(max_length=max_length)  # pyright: ignore[reportUnknownMemberType]
    tok.no_padding()
    return tok


def padded(batch: list[list[int]]) -> tuple[IntArray, FloatArray]:
    """Token ids right-padded with 0, and the matching 0/1 attention mask."""
    n, t = len(batch), max(len(x) for x in batch)
    tokens = np.zeros((n, t), dtype=np.int64)
    mask = np.zeros((n, t), dtype=np.float32)
    for i, row in enumerate(batch):
        tokens[i, : len(row)] = row
        mask[i, : len(row)] = 1.0
    return tokens, mask


def mean_pool_normalise(hidden: FloatArray, mask: FloatArray) -> FloatArray:
    """Mean over real tokens, then L2-normalise each row (sentence-transformers' recipe)."""
    pooled = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def length_sorted_batches(ids: list[list[int]], batch_size: int, *, max_pad: float = 1.5) -> Iterator[list[int]]:
    """Indices of ``ids`` in batches of similar length, so each batch pads little.

    A batch also ends where the next text is more than ``max_pad`` times (plus
    8 tokens) the batch's shortest: a request encoded with its short steps
    would otherwise pad every step to the whole request's length.
    """
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    chunk: list[int] = []
    for i in order:
        if chunk and (len(chunk) >= batch_size or len(ids[i]) > max_pad * len(ids[chunk[0]]) + 8):
            yield chunk
            chunk = []
        chunk.append(i)
    if chunk:
        yield chunk


class LocalBertEncoder:
    """What both local BERT encoders share: folder, tokenizer, ``spec``/``dim``, batching.

    Subclasses load their weights first (so a non-BERT folder fails with :class:`ConfigError`
    before the tokenizer is looked for), call this ``__init__``, and implement :meth:`_forward`
    for one length-sorted batch of token ids.
    """

    def __init__(self, folder: Path, dim: int, *, spec: str | None, max_length: int | None) -> None:
        self.folder = folder
        self._spec = spec or str(folder)
        self._dim = dim
        self.max_length = max_length or max_seq_length(folder)
        self._tok = load_tokenizer(folder, self.max_length)

    @property
    def spec(self) -> str:
        return self._spec

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: list[str], batch_size: int = 64) -> FloatArray:
        """Embed ``texts`` (mean pooling over real tokens, L2-normalised), in input order."""
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self._tok.encode_batch(texts)]
        for chunk in length_sorted_batches(ids, batch_size):
            out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def encode_spans(self, text: str, spans: list[tuple[int, int]]) -> tuple[FloatArray, list[FloatArray | None]]:
        """``text``'s vector and one vector per character span of it, from a single forward pass.

        A span's vector is the normalised mean of the final hidden states of the
        tokens inside it ("late chunking"): each step of a multi-step request is
        embedded in the context of the whole request at no extra cost. A span
        with no token left after truncation gets ``None`` (encode it alone).
        """
        enc = self._tok.encode(text)
        hidden, mask = self._hidden([enc.ids])
        whole = mean_pool_normalise(hidden, mask)[0]
        special = enc.special_tokens_mask
        starts = np.array([a for a, _ in enc.offsets])
        ends = np.array([b for _, b in enc.offsets])
        real = np.array([not m for m in special], dtype=bool)
        out: list[FloatArray | None] = []
        for a, b in spans:
            sel = real & (starts >= a) & (ends <= b) & (ends > starts)
            if not sel.any():
                out.append(None)
                continue
            v = hidden[0][sel].mean(0)
            out.append((v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32))
        return whole, out

    def _forward(self, batch: list[list[int]]) -> FloatArray:
        return mean_pool_normalise(*self._hidden(batch))

    def _hidden(self, batch: list[list[int]]) -> tuple[FloatArray, FloatArray]:
        """Final hidden states (batch x tokens x dim) and the 0/1 mask of one batch of token ids."""
        raise NotImplementedError
