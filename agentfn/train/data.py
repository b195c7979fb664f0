"""Training examples from call traces, and leak-free splits.

A trace becomes one :class:`Example`: the request text, the tools that were
called successfully (in call order, repeats collapsed) and the tools that must
*not* be offered for it (negatives):

* calls that failed and were never retried into success (the model picked a
  wrong tool, or the tool could not serve the request);
* the tools of runs with negative feedback (score < 0): the run is not a
  positive example, its tools are negatives for its request;
* runs that ended in an error, a limit or a guard are excluded (what they
  called says little about what the request needed); so are runs still open.

A run that answered without calling any tool is a "no tool fits" example, which
the abstention threshold is fitted on.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentfn.exceptions import UserError

if TYPE_CHECKING:
    from agentfn.traces.records import Run

__all__ = [
    "Example",
    "Split",
    "examples_from_runs",
    "fingerprint",
    "load_runs",
    "normalize_request",
    "split_examples",
]

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


@dataclass
class Example:
    """One request and what the traces say about it."""

    run_id: str
    request: str
    tools: list[str]
    """Tools called successfully, in call order; empty = no tool was needed."""
    negatives: list[str] = field(default_factory=list[str])
    """Tools that were tried and failed for this request, or belong to a run rated bad."""
    weight: float = 1.0

    @property
    def key(self) -> str:
        """Duplicate key: examples sharing it always land in the same split."""
        return normalize_request(self.request)


def normalize_request(text: str) -> str:
    """Case-, accent-, punctuation- and whitespace-insensitive form of a request.

    ``"Send Ann an e-mail!"`` and ``"send ann an e mail"`` collide, so a
    duplicate can never sit on both sides of a split.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def example_from_run(run: Run) -> Example | None:
    """The example a run gives, or None when the run is excluded."""
    request = run.request.strip()
    if not request or run.outcome != "answered":
        return None
    calls = run.tool_calls
    ok = list(dict.fromkeys(c.name for c in calls if c.ok))
    failed = list(dict.fromkeys(c.name for c in calls if c.status is not None and not c.ok and c.name not in ok))
    if any(c.status is None for c in calls):
        return None  # a call whose result was never seen: the run is incomplete
    bad = run.feedback_score is not None and run.feedback_score < 0
    if bad:
        return Example(run.id, request, [], negatives=list(dict.fromkeys(ok + failed)), weight=0.0)
    weight = 1.0 if run.feedback_score is None else 1.0 + max(run.feedback_score, 0.0)
    return Example(run.id, request, ok, negatives=failed, weight=weight)


def examples_from_runs(runs: Iterable[Run]) -> tuple[list[Example], dict[str, int]]:
    """Examples from runs, and counts of what was kept and why the rest was dropped.

    Runs rated bad are returned with ``weight == 0`` and no positive tools: the
    trainer uses their tools only as negatives.
    """
    out: list[Example] = []
    counts = {"runs": 0, "kept": 0, "no_tool": 0, "negative_feedback": 0, "excluded": 0}
    for run in runs:
        counts["runs"] += 1
        ex = example_from_run(run)
        if ex is None:
            counts["excluded"] += 1
            continue
        if ex.weight == 0.0:
            counts["negative_feedback"] += 1
        elif not ex.tools:
            counts["no_tool"] += 1
        counts["kept"] += 1
        out.append(ex)
    return out, counts


def _jsonl_runs(path: Path) -> Iterator[Run]:
    from agentfn.traces.jsonl import run_from_openai

    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record: Any = json.loads(line)
                # Stable ids and times so splits do not depend on when the file is read.
                yield run_from_openai(record, run_id=f"{path.name}:{n}", started_at=float(n))
            except ValueError as exc:
                raise UserError(f"{path}:{n}: not a chat fine-tuning record: {exc}") from None


def load_runs(source: str | Path) -> list[Run]:
    """Every run of a trace store URL/path or of a chat fine-tuning JSONL file.

    Raises:
        UserError: the source does not exist or a JSONL line is malformed.
    """
    text = str(source)
    path = Path(text)
    if path.suffix in (".jsonl", ".json") or (path.is_file() and not _is_sqlite(path)):
        if not path.is_file():
            raise UserError(f"trace file {path} does not exist")
        return list(_jsonl_runs(path))
    if "://" not in text and not path.exists():
        raise UserError(f"trace store {path} does not exist (give a store URL/path or a .jsonl file)")
    from agentfn.traces.store import TraceStore

    store = TraceStore.open(text, upgrade=False)
    try:
        return list(store.iter_runs())
    finally:
        store.close()


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(16) == b"SQLite format 3\x00"


@dataclass
class Split:
    """Train / dev / test examples; duplicates of a request never straddle two parts."""

    train: list[Example]
    dev: list[Example]
    test: list[Example]

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "dev": len(self.dev), "test": len(self.test)}


def split_examples(
    examples: Sequence[Example], *, seed: int = 0, dev: float = 0.15, test: float = 0.2
) -> Split:
    """Split by run, grouping runs whose requests normalise to the same text.

    Groups are ordered by a hash of their key mixed with the seed, so the split
    is deterministic, independent of input order, and stable when runs are added
    (a group keeps its side unless the fractions change).
    """
    groups: dict[str, list[Example]] = {}
    for ex in examples:
        groups.setdefault(ex.key, []).append(ex)

    def rank(key: str) -> float:
        digest = hashlib.sha256(f"{seed}\x00{key}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    parts = Split([], [], [])
    for key in sorted(groups):
        r = rank(key)
        target = parts.test if r < test else parts.dev if r < test + dev else parts.train
        target.extend(groups[key])
    for part in (parts.train, parts.dev, parts.test):
        part.sort(key=lambda e: e.run_id)
        random.Random(seed).shuffle(part)
    return parts


def fingerprint(examples: Sequence[Example], extra: dict[str, Any] | None = None) -> str:
    """Hash of the training data and settings: a checkpoint resumes only on a match."""
    h = hashlib.sha256()
    for ex in examples:
        h.update(json.dumps([ex.run_id, ex.request, ex.tools, ex.negatives, ex.weight]).encode())
    h.update(json.dumps(extra or {}, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]
