"""An approximate nearest-neighbour (HNSW) index over router slots, on usearch.

The router keeps its exact float32 tool vectors; this index only proposes
*candidates* for a query, which the router then re-scores exactly. So the
index may store a compact copy of the vectors (``f16`` by default, ``i8`` for a
quarter of the memory) without changing any score the router reports.

Keys are router slot ids. Slots are never reused (a removed tool that comes back
gets a new slot), so ``remove`` marks a key deleted and ``add`` always inserts a
fresh one. After :meth:`Router.load` the slots are renumbered compactly; the
saved index keeps its old keys and ``keys.npy`` maps them to the new slots, so
loading re-inserts nothing.

usearch is an optional dependency (``agentfn[ann]``), imported on first use.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from agentfn.exceptions import ConfigError, MissingExtraError

__all__ = ["AnnIndex", "AnnParams"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
AnnDtype = Literal["f32", "f16", "i8"]

_INDEX_FILE = "index.usearch"
_KEYS_FILE = "keys.npy"
_META_FILE = "ann.json"


def _usearch_index() -> Any:
    """The ``usearch.index.Index`` class, or a MissingExtraError naming the extra."""
    # usearch's compiled module (pybind11 3) makes a *later* ``import onnxruntime``
    # (the fast query encoder) segfault; the other order is fine. So load
    # onnxruntime first whenever it is installed.
    if "onnxruntime" not in sys.modules and importlib.util.find_spec("onnxruntime") is not None:
        with contextlib.suppress(ImportError):  # a broken install: the encoder falls back to numpy anyway
            importlib.import_module("onnxruntime")
    try:
        from usearch.index import Index
    except ImportError as exc:
        raise MissingExtraError("the router's ANN index (index='usearch')", extra="ann", module="usearch") from exc
    return Index


class AnnParams:
    """HNSW settings; ``connectivity`` and ``dtype`` are fixed once the index exists. ``threads`` (bulk inserts;
    0 = all cores) is not saved: several threads insert in a varying order, so only 1 builds the same graph
    every time."""

    def __init__(self, connectivity: int = 32, expansion_add: int = 128, expansion_search: int = 2048, dtype: AnnDtype = "f16",
                 threads: int = 0) -> None:
        self.connectivity = connectivity
        self.expansion_add = expansion_add
        self.expansion_search = expansion_search
        self.dtype: AnnDtype = dtype
        self.threads = threads

    def as_dict(self) -> dict[str, Any]:
        return {"connectivity": self.connectivity, "expansion_add": self.expansion_add,
                "expansion_search": self.expansion_search, "dtype": self.dtype}


class AnnIndex:
    """Inner-product HNSW index over L2-normalised vectors, addressed by router slot."""

    def __init__(self, dim: int, params: AnnParams | None = None, *, threads: int = 0) -> None:
        self.dim = dim
        self.params = params or AnnParams()
        self.threads = threads
        """Threads for bulk inserts (0 = all cores); a search always uses one."""
        index_cls = _usearch_index()
        # Inner product = cosine on normalised vectors, without usearch re-normalising each one.
        self._index: Any = index_cls(
            ndim=dim, metric="ip", dtype=self.params.dtype, connectivity=self.params.connectivity,
            expansion_add=self.params.expansion_add, expansion_search=self.params.expansion_search,
        )
        # key -> slot; identity until a load renumbers the slots (-1: no such key).
        self._slot_of_key: IntArray = np.zeros(0, dtype=np.int64)
        self._key_of_slot: IntArray = np.zeros(0, dtype=np.int64)
        self._next_key = 0

    def __len__(self) -> int:
        """Number of live vectors."""
        return len(self._index)

    def _map(self, slots: IntArray, keys: IntArray) -> None:
        if slots.size == 0:
            return
        self._key_of_slot = _grown(self._key_of_slot, int(slots.max()) + 1)
        self._slot_of_key = _grown(self._slot_of_key, int(keys.max()) + 1)
        self._key_of_slot[slots] = keys
        self._slot_of_key[keys] = slots
        self._next_key = max(self._next_key, int(keys.max()) + 1)

    def add(self, slots: npt.ArrayLike, vectors: FloatArray) -> None:
        """Insert ``vectors`` (one row per slot) under fresh keys."""
        slot_arr = np.asarray(slots, dtype=np.int64).reshape(-1)
        if slot_arr.size == 0:
            return
        if vectors.shape != (slot_arr.size, self.dim):
            raise ConfigError(f"ANN index: vectors have shape {vectors.shape}, expected {(slot_arr.size, self.dim)}")
        keys = np.arange(self._next_key, self._next_key + slot_arr.size, dtype=np.int64)
        self._index.add(keys.astype(np.uint64), np.ascontiguousarray(vectors, dtype=np.float32), threads=self.threads)
        self._map(slot_arr, keys)

    def remove(self, slot: int) -> None:
        """Delete the vector in ``slot`` (no-op if it has none)."""
        if slot >= self._key_of_slot.shape[0] or self._key_of_slot[slot] < 0:
            return
        key = int(self._key_of_slot[slot])
        self._index.remove(key)
        self._key_of_slot[slot] = -1
        self._slot_of_key[key] = -1

    def search(self, qvec: FloatArray, m: int) -> IntArray:
        """Slots of (approximately) the ``m`` vectors with the largest dot product with ``qvec``."""
        if m <= 0 or len(self) == 0:
            return np.zeros(0, dtype=np.int64)
        # usearch's search breadth is max(expansion_search, m): asking for more candidates searches wider.
        matches = self._index.search(np.asarray(qvec, dtype=np.float32), min(m, len(self)), threads=1)
        keys = np.asarray(matches.keys, dtype=np.int64)
        slots = self._slot_of_key[keys]
        return slots[slots >= 0]

    def set_expansion(self, expansion_add: int, expansion_search: int) -> None:
        """Change the HNSW search breadths (unlike connectivity and dtype, they can change any time)."""
        if (expansion_add, expansion_search) != (self.params.expansion_add, self.params.expansion_search):
            self.params.expansion_add = expansion_add
            self.params.expansion_search = expansion_search
            self._index.expansion_add = expansion_add
            self._index.expansion_search = expansion_search

    @property
    def memory_bytes(self) -> int:
        return int(self._index.memory_usage)

    # ------------------------------------------------------------ persistence

    def save(self, folder: Path, slots_in_order: IntArray) -> None:
        """Write the index to ``folder``; ``slots_in_order[i]`` is the slot that becomes ``i`` on load."""
        folder.mkdir(parents=True, exist_ok=True)
        self._index.save(str(folder / _INDEX_FILE))
        keys = self._key_of_slot[slots_in_order] if slots_in_order.size else np.zeros(0, dtype=np.int64)
        np.save(folder / _KEYS_FILE, keys.astype(np.int64), allow_pickle=False)
        meta = {"dim": self.dim, "next_key": self._next_key, **self.params.as_dict()}
        (folder / _META_FILE).write_text(json.dumps(meta))

    @classmethod
    def load(cls, folder: Path, *, dim: int, n_slots: int, threads: int = 0) -> AnnIndex:
        """Read an index written by :meth:`save`; slot ``i`` gets the ``i``-th saved key.

        Raises:
            ConfigError: the files are missing or do not match ``dim``/``n_slots``.
        """
        meta_file = folder / _META_FILE
        if not meta_file.exists():
            raise ConfigError(f"{folder}: no saved ANN index")
        meta = json.loads(meta_file.read_text())
        if meta.get("dim") != dim:
            raise ConfigError(f"{folder}: ANN index has dimension {meta.get('dim')}, the encoder has {dim}")
        params = AnnParams(meta["connectivity"], meta["expansion_add"], meta["expansion_search"], meta["dtype"])
        out = cls(dim, params, threads=threads)
        out._index.load(str(folder / _INDEX_FILE))
        keys = np.load(folder / _KEYS_FILE, allow_pickle=False).astype(np.int64)
        if keys.shape != (n_slots,) or len(out) != n_slots:
            raise ConfigError(f"{folder}: ANN index holds {len(out)} vectors / {keys.shape[0]} keys, expected {n_slots}")
        out._map(np.arange(n_slots, dtype=np.int64), keys)
        out._next_key = max(out._next_key, int(meta.get("next_key", 0)))
        return out


def _grown(arr: IntArray, size: int) -> IntArray:
    """``arr`` extended with -1 to at least ``size`` (doubling, so appends stay amortised O(1))."""
    if size <= arr.shape[0]:
        return arr
    out = np.full(max(size, 2 * arr.shape[0], 64), -1, dtype=np.int64)
    out[: arr.shape[0]] = arr
    return out
