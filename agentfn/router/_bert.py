"""BERT sentence-transformers weights and the parts every BERT encoder shares.

Both local encoders (:class:`~agentfn.router.encoder.NumpyBertEncoder` and
:class:`~agentfn.router.onnx_encoder.OnnxBertEncoder`) read the same folder the
same way: safetensors weights, ``tokenizer.json``, mean pooling over real
tokens, L2 normalisation. Keeping that here means the two produce the same
vectors from the same inputs, so tool vectors embedded by one match query
vectors from the other. A few texts (a request, its steps, its context) are
packed end to end into one row and encoded in one forward pass (:class:`Batch`:
segment ids keep attention within each text, positions restart per text).
Vectors of parts of the first text (a request's steps, its words between values) are
pooled from that pass's token states (:meth:`LocalBertEncoder.encode_pooled`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
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

PACK_TOKENS = 512
"""Up to this many tokens in all, a few texts share one packed forward pass (see :func:`packed`)."""


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


@dataclass
class Batch:
    """One forward pass's inputs: token ids, positions and segment ids (batch x tokens, int64).

    A row holds one text (right-padded) or several texts packed end to end;
    ``segments`` numbers the texts of a row from 1 (0 is padding) and a token
    attends only to tokens of its own segment, so a packed text gets exactly
    the hidden states it gets alone (positions restart at 0 for each text).
    """

    tokens: IntArray
    positions: IntArray
    segments: IntArray

    def attention_bias(self) -> FloatArray:
        """Additive attention bias (batch x 1 x tokens x tokens): 0 within a segment, -1e9 across."""
        seg = self.segments
        return np.where(seg[:, :, None] == seg[:, None, :], np.float32(0.0), np.float32(-1e9))[:, None].astype(np.float32)


def padded(batch: list[list[int]]) -> Batch:
    """One text per row, right-padded with token 0 (segment 0)."""
    n, t = len(batch), max(len(x) for x in batch)
    tokens = np.zeros((n, t), dtype=np.int64)
    segments = np.zeros((n, t), dtype=np.int64)
    for i, row in enumerate(batch):
        tokens[i, : len(row)] = row
        segments[i, : len(row)] = 1
    positions = np.ascontiguousarray(np.broadcast_to(np.arange(t, dtype=np.int64), (n, t)))
    return Batch(tokens, positions, segments)


def packed(texts: list[list[int]]) -> Batch:
    """All ``texts`` end to end in one row: one forward pass, no padding."""
    tokens = np.concatenate([np.asarray(x, dtype=np.int64) for x in texts])[None]
    positions = np.concatenate([np.arange(len(x), dtype=np.int64) for x in texts])[None]
    segments = np.concatenate([np.full(len(x), i + 1, dtype=np.int64) for i, x in enumerate(texts)])[None]
    return Batch(tokens, positions, segments)


def segment_means(hidden: FloatArray, batch: Batch) -> FloatArray:
    """Mean hidden state of every text of ``batch`` (row by row, segment by segment), L2-normalised."""
    rows: list[FloatArray] = []
    for r in range(batch.segments.shape[0]):
        seg = batch.segments[r]
        bounds = np.flatnonzero(np.diff(seg, prepend=-1, append=-1))  # starts of runs, then the end
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
            if seg[a] > 0:
                rows.append(hidden[r, a:b].mean(0))
    pooled = np.stack(rows)
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


def pool_groups(
    row: FloatArray, offsets: Sequence[tuple[int, int]], special: Sequence[int], groups: Sequence[Sequence[tuple[int, int]]]
) -> list[FloatArray | None]:
    """Per group of character spans, the normalised mean of ``row``'s states of the tokens inside any span.

    ``offsets`` and ``special`` are the tokenizer's character offsets and special-token mask for
    ``row``'s tokens; special tokens and empty tokens never count. A group no token falls in gets None.
    """
    starts = np.array([a for a, _ in offsets], dtype=np.int64)
    ends = np.array([b for _, b in offsets], dtype=np.int64)
    real = (np.asarray(special, dtype=np.int64) == 0) & (ends > starts)
    out: list[FloatArray | None] = []
    for group in groups:
        sel = np.zeros(len(starts), dtype=bool)
        for a, b in group:
            sel |= (starts >= a) & (ends <= b)
        sel &= real
        if not sel.any():
            out.append(None)
            continue
        v = row[sel].mean(0)
        out.append((v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32))
    return out


class LocalBertEncoder:
    """What both local BERT encoders share: folder, tokenizer, ``spec``/``dim``, batching.

    Subclasses load their weights first (so a non-BERT folder fails with :class:`ConfigError`
    before the tokenizer is looked for), call this ``__init__``, and implement :meth:`_hidden`
    for one :class:`Batch`.
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

    @property
    def tokenizer(self) -> Tokenizer:
        """The folder's tokenizer (truncating at ``max_length``, unpadded)."""
        return self._tok

    def token_count(self, text: str) -> int:
        """Tokens the model reads for ``text`` (special tokens included, after truncation)."""
        return len(self._tok.encode(text).ids)

    def encode(self, texts: list[str], batch_size: int = 64) -> FloatArray:
        """Embed ``texts`` (mean pooling over real tokens, L2-normalised), in input order.

        Length-sorted padded batches, as tool vectors have always been embedded
        (saved vectors stay valid); a request's few texts go through
        :meth:`encode_packed` instead.
        """
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        ids = [e.ids for e in self._tok.encode_batch(texts)]
        out = np.zeros((len(ids), self._dim), dtype=np.float32)
        for chunk in length_sorted_batches(ids, batch_size):
            out[chunk] = self._forward(padded([ids[i] for i in chunk]))
        return out

    def encode_spans(self, text: str, spans: list[tuple[int, int]]) -> tuple[FloatArray, list[FloatArray | None]]:
        """``text``'s vector and one vector per character span of it, from a single forward pass.

        A span's vector is the normalised mean of the final hidden states of the
        tokens inside it ("late chunking"): each step of a multi-step request is
        embedded in the context of the whole request at no extra cost. A span
        with no token left after truncation gets ``None`` (encode it alone).
        """
        vecs, out = self.encode_packed([text], spans)
        return vecs[0], out

    def encode_packed(
        self, texts: list[str], spans: Sequence[tuple[int, int]] = (), *, max_tokens: int | None = None
    ) -> tuple[FloatArray, list[FloatArray | None]]:
        """Vectors of ``texts`` and span vectors of ``texts[0]`` (see :meth:`encode_spans`), in one forward pass.

        The texts (a request, its steps, its context) are packed end to end in one
        row (up to :data:`PACK_TOKENS` tokens; beyond, one padded batch): one pass,
        no padding. Each gets its one-by-one vector up to float rounding (~1e-7).
        ``max_tokens`` cuts each text to its first tokens (the closing special
        token kept); a span past the cut gets ``None``.
        """
        return self.encode_pooled(texts, [[span] for span in spans], max_tokens=max_tokens)

    def encode_pooled(
        self, texts: list[str], groups: Sequence[Sequence[tuple[int, int]]] = (), *, max_tokens: int | None = None
    ) -> tuple[FloatArray, list[FloatArray | None]]:
        """:meth:`encode_packed` with one vector per *group* of character spans of ``texts[0]``.

        A group's vector is the normalised mean of the final hidden states of the
        tokens inside any of its spans: a request's steps (one span each) and the
        request without its values (the spans between the values) are pooled from
        the request's own pass, so each word is encoded once. A group with no
        token left after truncation gets ``None``.
        """
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32), []
        encs = self._tok.encode_batch(texts)
        ids = [e.ids for e in encs]
        if max_tokens is not None and max_tokens >= 2:
            ids = [x if len(x) <= max_tokens else [*x[: max_tokens - 1], x[-1]] for x in ids]
        batch = packed(ids) if sum(len(x) for x in ids) <= PACK_TOKENS else padded(ids)
        hidden = self._hidden(batch)
        row = hidden[0, : len(ids[0])]  # the first text leads row 0, packed or padded
        out = pool_groups(row, encs[0].offsets[: len(ids[0])], encs[0].special_tokens_mask[: len(ids[0])], groups)
        return segment_means(hidden, batch), out

    def forward_batch(self, batch: Batch) -> FloatArray:
        """Normalised mean-pooled vectors of every text of one prepared :class:`Batch`."""
        return self._forward(batch)

    def hidden(self, batch: Batch) -> FloatArray:
        """The model's last hidden states (rows x tokens x dim) of one prepared :class:`Batch`."""
        return self._hidden(batch)

    def _forward(self, batch: Batch) -> FloatArray:
        return segment_means(self._hidden(batch), batch)

    def _hidden(self, batch: Batch) -> FloatArray:
        """Final hidden states (rows x tokens x dim) of one batch."""
        raise NotImplementedError
