"""A static (model2vec-style) encoder distilled from the shipped MiniLM: one table row per token.

Every vocabulary token is passed through all-MiniLM-L6-v2 once, alone
(``[CLS] token [SEP]``, mean-pooled as the model pools sentences); a text's
vector is then the weighted mean of its tokens' rows, L2-normalised. No
forward pass at query time: a request of 100 tokens costs a table lookup and a
sum (tens of microseconds) instead of ~20 MFLOP per token. Context is lost
(each token means what it means alone), so it ranks worse than the model it
comes from; ``benchmarks/router_encoders.py`` measures by how much.

Token weights are 1 minus the token's cosine with the table's mean row, floored
at 0.05 (tokens close to the common direction, such as punctuation and
function words, weigh little), and the mean row itself is removed before
normalising (SIF's common-component removal, with the mean for the component).

The table is built on first use (about a minute of CPU) and cached under
``$AGENTFN_HOME/static/`` keyed by the model's sha256, so it never changes
unless the weights do. Select it with ``RouterConfig(encoder="minilm-static")``;
tool vectors are embedded with it as well (the spaces differ from MiniLM's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from agentfn.exceptions import ConfigError
from agentfn.router._bert import FloatArray, LocalBertEncoder, load_tokenizer, max_seq_length, padded

STATIC_ENCODER = "minilm-static"
"""Encoder spec of the static table distilled from the default MiniLM."""

__all__ = ["STATIC_ENCODER", "StaticEncoder", "distill_table", "load_static"]


_BATCH = 512


def distill_table(model: LocalBertEncoder, ids: Sequence[int] | None = None) -> FloatArray:
    """One row per vocabulary id (or per id of ``ids``): the model's normalised sentence vector of that token alone."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model.folder / "tokenizer.json"))
    size = tok.get_vocab_size()  # pyright: ignore[reportUnknownMemberType]
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")  # pyright: ignore[reportUnknownMemberType]
    if cls_id is None or sep_id is None:
        raise ConfigError(f"{model.folder}: the tokenizer has no [CLS]/[SEP] tokens")
    todo = list(range(size)) if ids is None else list(ids)
    table = np.zeros((len(todo), model.dim), dtype=np.float32)
    for start in range(0, len(todo), _BATCH):
        rows = [[cls_id, i, sep_id] for i in todo[start : start + _BATCH]]
        table[start : start + len(rows)] = model.forward_batch(padded(rows))
    return table


class StaticEncoder:
    """Texts to vectors by a weighted mean of per-token rows (see the module docstring).

    Args:
        folder: the sentence-transformers folder the table was distilled from (its tokenizer is used).
        table: ``vocabulary x dim`` rows from :func:`distill_table`.
        spec: the string recorded in saved routers.
    """

    def __init__(self, folder: Path, table: FloatArray, *, spec: str = STATIC_ENCODER) -> None:
        self._spec = spec
        self._tok = load_tokenizer(folder, max_seq_length(folder, 512))
        self._tok.no_truncation()
        mean = table.mean(0)
        self._common: FloatArray = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
        weights = np.clip(1.0 - table @ self._common, 0.05, None).astype(np.float32)
        self._rows: FloatArray = (table * weights[:, None]).astype(np.float32)
        self._weights = weights

    @property
    def spec(self) -> str:
        return self._spec

    @property
    def dim(self) -> int:
        return int(self._rows.shape[1])

    def token_count(self, text: str) -> int:
        """Tokens looked up for ``text`` (no special tokens)."""
        return len(self._tok.encode(text, add_special_tokens=False).ids)

    def encode(self, texts: list[str], batch_size: int = 64) -> FloatArray:
        """One normalised vector per text; a text with no token gets the zero vector."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, enc in enumerate(self._tok.encode_batch(texts, add_special_tokens=False)):
            ids = enc.ids
            if not ids:
                continue
            v = self._rows[ids].sum(0) / max(float(self._weights[ids].sum()), 1e-12)
            v = v - float(v @ self._common) * self._common
            out[i] = v / max(float(np.linalg.norm(v)), 1e-12)
        return out


def load_static(folder: Path, digest: str, model: Callable[[], LocalBertEncoder]) -> StaticEncoder:
    """The static encoder of ``folder``'s model, its table read from (or distilled into) the cache.

    ``digest`` names the weights (their sha256); ``model`` gives the BERT
    encoder to distil with, called only when the table is not cached yet.
    """
    import os
    import tempfile

    home = Path(os.environ.get("AGENTFN_HOME") or Path.home() / ".agentfn")
    path = home / "static" / f"{digest[:16]}.npy"
    if path.exists():
        table = np.load(path, allow_pickle=False).astype(np.float32)
    else:
        table = distill_table(model())
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy")  # written whole, then renamed: no torn reads
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, table, allow_pickle=False)
        os.replace(tmp, path)
    return StaticEncoder(folder, table)
