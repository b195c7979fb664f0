"""A saved router on disk: ``router.json`` + ``embeddings.npy`` + ``heads.npy`` (+ ``encoder/``, ``ann/``).

``router.json`` holds the format version, the :class:`RouterConfig`, the tool
records (in slot order) and whatever the router learned from traces
(``co_usage``, ``flow``, ``memory`` sections; absent ones load empty). An
encoder loaded from a local folder (a fine-tuned one) is copied into
``encoder/`` and the config points at ``./encoder``, so the folder is
self-contained. ``heads.npy`` holds each tool's head vector (name + first
sentence, :mod:`agentfn.router.heads`; an all-zero row: not embedded yet); a
router saved before it existed loads without it and embeds heads on first use.
Arrays learned from traces go beside it as ``.npy`` files.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agentfn.exceptions import ConfigError, UserError
from agentfn.router.config import RouterConfig
from agentfn.router.encoder import DEFAULT_ENCODER
from agentfn.router.index import FloatArray
from agentfn.router.text import ToolRecord

__all__ = ["FORMAT_VERSION", "SavedRouter", "read_embeddings", "read_heads", "read_router", "write_router"]

FORMAT_VERSION = 1


@dataclass
class SavedRouter:
    """Everything :func:`read_router` found in a router folder."""

    config: RouterConfig
    records: list[ToolRecord]
    sections: dict[str, Any] = field(default_factory=dict[str, Any])
    """Learned state by name (``co_usage``, ``flow``, ...)."""
    arrays: dict[str, FloatArray] = field(default_factory=dict[str, FloatArray])
    ann_dir: Path | None = None


def write_router(
    root: Path,
    config: RouterConfig,
    records: list[ToolRecord],
    embeddings: FloatArray | None,
    sections: dict[str, Any],
    arrays: dict[str, FloatArray] | None = None,
    *,
    heads: FloatArray | None = None,
) -> RouterConfig:
    """Write the folder; returns the config as saved (encoder path made relative).

    ``heads`` are the tools' head vectors (rows as ``embeddings``), written to ``heads.npy``.
    """
    root.mkdir(parents=True, exist_ok=True)
    config = config.model_copy()
    spec = config.encoder
    if spec not in (None, DEFAULT_ENCODER) and Path(spec).is_dir():
        target = root / "encoder"
        if Path(spec).resolve() != target.resolve():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(spec, target)
        config.encoder = "./encoder"
    meta: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "config": config.model_dump(),
        "tools": [r.model_dump() for r in records],
        **sections,
        "arrays": sorted((arrays or {}).keys()),
    }
    (root / "router.json").write_text(json.dumps(meta, indent=1))
    if embeddings is not None:
        np.save(root / "embeddings.npy", embeddings, allow_pickle=False)
    if heads is not None:
        np.save(root / "heads.npy", heads, allow_pickle=False)
    else:
        (root / "heads.npy").unlink(missing_ok=True)  # an earlier save's heads would not match
    for name, arr in (arrays or {}).items():
        np.save(root / f"{name}.npy", arr, allow_pickle=False)
    return config


def read_router(root: Path) -> SavedRouter:
    """Read a folder written by :func:`write_router` (embeddings: :func:`read_embeddings`)."""
    meta_file = root / "router.json"
    if not meta_file.exists():
        raise UserError(f"{root} is not a saved router (no router.json)")
    meta = json.loads(meta_file.read_text())
    if meta.get("format_version") != FORMAT_VERSION:
        raise ConfigError(f"{root}: unsupported router format {meta.get('format_version')!r}")
    config = RouterConfig.model_validate(meta["config"])
    if config.encoder and config.encoder.startswith("./"):
        config.encoder = str((root / config.encoder[2:]).resolve())
    recs = [ToolRecord.model_validate(t) for t in meta["tools"]]
    skip = {"format_version", "config", "tools", "arrays"}
    saved = SavedRouter(config=config, records=recs, sections={k: v for k, v in meta.items() if k not in skip})
    for name in meta.get("arrays", []):
        saved.arrays[name] = np.load(root / f"{name}.npy", allow_pickle=False).astype(np.float32)
    if (root / "ann").is_dir():
        saved.ann_dir = root / "ann"
    return saved


def read_embeddings(root: Path, n: int, dim: int) -> FloatArray:
    """``embeddings.npy`` of a saved router, checked against ``(n, dim)``."""
    emb = np.load(root / "embeddings.npy", allow_pickle=False)
    if emb.shape != (n, dim):
        raise ConfigError(f"{root}: embeddings.npy has shape {emb.shape}, expected {(n, dim)}")
    return emb.astype(np.float32)


def read_heads(root: Path, n: int, dim: int) -> FloatArray | None:
    """``heads.npy`` of a saved router, checked against ``(n, dim)``; None when the folder has none (older format)."""
    path = root / "heads.npy"
    if not path.exists():
        return None
    heads = np.load(path, allow_pickle=False)
    if heads.shape != (n, dim):
        raise ConfigError(f"{root}: heads.npy has shape {heads.shape}, expected {(n, dim)}")
    return heads.astype(np.float32)
