"""Import and export in the chat fine-tuning format (and Parquet).

One record per line::

    {"messages": [...OpenAI chat messages, assistant tool_calls, tool replies...],
     "tools": [...OpenAI tool specs...]}

Round trips are lossless for everything a line carries: message fields that
agentfn's typed messages do not model (``weight``, content parts, a missing
``name`` on a tool reply, extra keys) and extra top-level keys are kept in the
run's metadata under ``"openai"`` and restored on export.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pickle
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, cast

import pydantic_core
from pydantic import ValidationError

from agentfn.exceptions import MissingExtraError, TraceStoreError
from agentfn.messages import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolMessage,
    messages_from_openai,
    messages_to_openai,
)
from agentfn.traces import _codec as codec
from agentfn.traces._ops import RunStartOp, StepOp, WriteOp
from agentfn.traces.records import Run, Step, ToolCallRecord, ToolOffered
from agentfn.traces.redact import Redactor
from agentfn.traces.store import TraceStore

__all__ = [
    "ImportReport",
    "export_jsonl",
    "export_parquet",
    "import_jsonl",
    "run_from_openai",
    "run_to_openai",
]

_META_KEY = "openai"


@dataclass
class ImportReport:
    """What an import did. ``errors`` lists (line number, problem) for every skipped line."""

    path: str
    imported: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list[tuple[int, str]])
    run_ids: list[str] = field(default_factory=list[str])
    seconds: float = 0.0


def spec_hash(spec: Mapping[str, Any]) -> str:
    """The same hash ``Tool.schema_hash`` gives when ``spec`` is the tool's ``openai_schema()``."""
    canonical = json.dumps(spec, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _spec_name(spec: Any) -> str | None:
    if not isinstance(spec, dict):
        return None
    spec = cast(dict[str, Any], spec)
    fn = spec.get("function", spec)
    name = cast(dict[str, Any], fn).get("name") if isinstance(fn, dict) else None
    return name if isinstance(name, str) and name else None


@dataclass
class _Parsed:
    messages: list[Message]
    tools: list[ToolOffered]
    tools_json: str
    meta: dict[str, Any]
    first_assistant: int
    groups: list[list[Message]]
    answered: bool


_ToolsCache = dict[bytes, tuple[list[ToolOffered], str]]


def _parse_record(record: Mapping[str, Any], redact: Redactor | None, tools_cache: _ToolsCache | None) -> _Parsed:
    raw_messages = record.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise ValueError('"messages" must be a non-empty list')
    raw_list = cast(list[Any], raw_messages)
    for i, m in enumerate(raw_list):
        if not isinstance(m, dict):
            raise ValueError(f"message {i} is not an object")
    raw_tools = record.get("tools", [])
    if raw_tools is None:
        raw_tools = []
    if not isinstance(raw_tools, list):
        raise ValueError('"tools" must be a list')
    tools, tools_json = _offered(cast(list[Any], raw_tools), tools_cache)
    dicts = cast(list[dict[str, Any]], raw_list)
    try:
        messages = messages_from_openai(dicts)
    except ValidationError as exc:
        raise ValueError(_short_validation(exc)) from None

    # What our typed messages do not reproduce, kept so export gives the line back exactly.
    extras: dict[str, dict[str, Any]] = {}
    drops: dict[str, list[str]] = {}
    for i, (orig, produced) in enumerate(zip(dicts, messages_to_openai(messages), strict=True)):
        extra = {k: v for k, v in orig.items() if k not in produced or produced[k] != v}
        drop = [k for k in produced if k not in orig]
        if extra:
            extras[str(i)] = extra
        if drop:
            drops[str(i)] = drop
    meta: dict[str, Any] = {}
    top = {k: v for k, v in record.items() if k not in ("messages", "tools")}
    if "tools" not in record:
        top["__no_tools__"] = True
    if extras or drops or top:
        meta[_META_KEY] = {"extras": extras, "drop": drops, "record": top}

    if redact is not None:
        messages = [_redact_message(m, redact) for m in messages]
    first = next((i for i, m in enumerate(messages) if isinstance(m, AssistantMessage)), len(messages))
    # A step is an assistant message and what follows it up to the next assistant message.
    groups: list[list[Message]] = []
    for m in messages[first:]:
        if isinstance(m, AssistantMessage) or not groups:
            groups.append([m])
        else:
            groups[-1].append(m)
    last = messages[-1]
    answered = isinstance(last, AssistantMessage) and not last.tool_calls
    return _Parsed(messages, tools, tools_json, meta, first, groups, answered)


def _offered(raw_tools: list[Any], cache: _ToolsCache | None) -> tuple[list[ToolOffered], str]:
    # Files repeat the same tool list on every line: hash and validate each distinct list once.
    key = pydantic_core.to_json(raw_tools) if cache is not None else b""
    if cache is not None and (hit := cache.get(key)) is not None:
        return list(hit[0]), hit[1]
    tools: list[ToolOffered] = []
    for i, spec in enumerate(raw_tools):
        name = _spec_name(spec)
        if name is None:
            raise ValueError(f"tool {i} has no function name")
        tools.append(ToolOffered(name=name, schema_hash=spec_hash(spec), spec=spec))
    text = codec.tools_json(tools)
    if cache is not None:
        if len(cache) > 1_000:
            cache.clear()
        cache[key] = (tools, text)
    return list(tools), text


def _calls(group: list[Message]) -> list[tuple[ToolCall, ToolMessage | None, str | None]]:
    """(call, its reply, status) for each call of the assistant message heading a step."""
    head = group[0]
    if not isinstance(head, AssistantMessage) or not head.tool_calls:
        return []
    replies = {m.tool_call_id: m for m in group if isinstance(m, ToolMessage)}
    out: list[tuple[ToolCall, ToolMessage | None, str | None]] = []
    for call in head.tool_calls:
        reply = replies.get(call.id)
        out.append((call, reply, None if reply is None else ("error" if reply.is_error else "ok")))
    return out


def run_from_openai(
    record: Mapping[str, Any],
    *,
    run_id: str | None = None,
    started_at: float | None = None,
    agent_name: str = "import",
    redact: Redactor | None = None,
) -> Run:
    """Read one chat fine-tuning record into a :class:`Run` (``source="import"``).

    Imported tool calls answered by a tool message count as successful (the format has no
    error flag); their arguments are the parsed JSON, not schema-validated.

    Raises:
        ValueError: the record is not in the format (the message says what is wrong).
    """
    p = _parse_record(record, redact, None)
    when = time.time() if started_at is None else started_at
    steps: list[Step] = []
    for n, group in enumerate(p.groups):
        head = group[0]
        calls = [
            ToolCallRecord(
                step=n, index=i, call_id=call.id, name=call.name, raw_arguments=call.arguments,
                arguments=call.arguments_dict() if status == "ok" else None, status=status,
                content=None if reply is None else reply.content,
            )
            for i, (call, reply, status) in enumerate(_calls(group))
        ]
        steps.append(
            Step(step=n, time=when, model_output=head if isinstance(head, AssistantMessage) else None,
                 tool_calls=calls, new_messages=group)
        )
    run = Run(
        id=run_id or uuid.uuid4().hex,
        started_at=when,
        ended_at=when,
        agent_name=agent_name,
        source="import",
        input_messages=p.messages[: p.first_assistant],
        tools=p.tools,
        metadata=p.meta,
        outcome="answered" if p.answered else "incomplete",
        steps=steps,
        step_count=len(steps),
    )
    run.usage.tool_calls = sum(len(st.tool_calls) for st in steps)
    return run


def _record_ops(p: _Parsed, run_id: str, when: float, agent_name: str) -> list[WriteOp]:
    """Rows for a parsed record built directly: the import hot path, same rows as ``run_to_ops``."""
    step_ops: list[WriteOp] = []
    n_calls = 0
    for n, group in enumerate(p.groups):
        calls: list[dict[str, Any]] = []
        for i, (call, reply, status) in enumerate(_calls(group)):
            args = None
            if status == "ok" and call.arguments_dict() is not None:
                args = call.arguments  # already the JSON text of an object
            calls.append({
                "run_id": run_id, "step": n, "idx": i, "call_id": call.id, "name": call.name,
                "raw_arguments": call.arguments, "arguments": args, "status": status, "error": None,
                "content": None if reply is None else reply.content, "latency_s": 0.0,
            })
        n_calls += len(calls)
        step_ops.append(StepOp({
            "run_id": run_id, "step": n, "time": when, "complete": True,
            "model_output": None,  # the step's first new message; step_from_row restores it
            "raw_text": None, "finish_reason": None, "model_name": None, "model_latency_s": None, "route": None,
            "new_messages": codec.messages_json(group), "requests": 0, "input_tokens": 0, "output_tokens": 0,
        }, calls))
    run_row: dict[str, Any] = {
        "id": run_id, "started_at": when, "ended_at": when, "agent_name": agent_name, "model_name": "",
        "backend": "", "source": "import", "input_messages": codec.messages_json(p.messages[: p.first_assistant]),
        "tools": p.tools_json, "metadata": codec.dumps(p.meta), "outcome": "answered" if p.answered else "incomplete",
        "reason": None, "output": None, "tool_call_count": n_calls, "latency_s": None,
        "step_count": len(p.groups), "feedback_score": None, "requests": 0, "input_tokens": 0, "output_tokens": 0,
    }
    return [RunStartOp(run_row), *step_ops]


def _short_validation(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(x) for x in first["loc"])
    return f"invalid message ({loc}: {first['msg']})"


def _redact_message(m: Message, redact: Redactor) -> Message:
    if isinstance(m, AssistantMessage):
        return m.model_copy(
            update={
                "content": None if m.content is None else redact(m.content),
                "tool_calls": [c.model_copy(update={"arguments": redact(c.arguments)}) for c in m.tool_calls],
            }
        )
    return m.model_copy(update={"content": redact(m.content)})


def run_to_openai(run: Run) -> dict[str, Any]:
    """The chat fine-tuning record of a run (the inverse of :func:`run_from_openai`).

    Tools of agent runs whose spec was not recorded are written as ``{"type": "function",
    "function": {"name": ...}}``.
    """
    messages = messages_to_openai(run.messages())
    meta = run.metadata.get(_META_KEY)
    extras: dict[str, Any] = {}
    drops: dict[str, Any] = {}
    top: dict[str, Any] = {}
    if isinstance(meta, dict):
        meta = cast(dict[str, Any], meta)
        extras = meta.get("extras") or {}
        drops = meta.get("drop") or {}
        top = dict(meta.get("record") or {})
    for key, extra in extras.items():
        i = int(key)
        if i < len(messages):
            messages[i].update(extra)
    for key, names in drops.items():
        i = int(key)
        if i < len(messages):
            for k in names:
                messages[i].pop(k, None)
    out: dict[str, Any] = {"messages": messages}
    if not top.pop("__no_tools__", False):
        out["tools"] = [
            t.spec if t.spec is not None else {"type": "function", "function": {"name": t.name}} for t in run.tools
        ]
    out.update(top)
    return out


# -- import ----------------------------------------------------------------------------


def _lines(source: str | os.PathLike[str] | IO[str]) -> tuple[str, Iterator[str], IO[str] | None]:
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if path == "-":
            import sys

            return "<stdin>", iter(sys.stdin), None
        fh = open(path, encoding="utf-8")  # noqa: SIM115 - closed by the caller
        return path, iter(fh), fh
    return getattr(source, "name", "<stream>"), iter(source), None


def import_jsonl(
    store: TraceStore,
    source: str | os.PathLike[str] | IO[str],
    *,
    batch_size: int = 1_000,
    agent_name: str = "import",
    redact: Redactor | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import a chat fine-tuning JSONL file into ``store``.

    Bad lines (not JSON, not an object, wrong message shapes) are reported in the
    returned :class:`ImportReport` with their line number and skipped. Records are committed
    in batches; if the store fails mid-way, every earlier batch stays stored and the error
    (a :class:`TraceStoreError`) says how many lines were imported.

    Args:
        workers: processes that parse lines while this one writes. None: one per core (at
            most 4) for files of 16 MB or more, else 0 (parse here). Parsing is most of the
            work, so on two cores this imports ~1.5x faster; the result is the same.
    """
    started = time.perf_counter()
    name, lines, fh = _lines(source)
    report = ImportReport(path=name)
    base = time.time()
    if workers is None:
        workers = _auto_workers(source, redact)
    batch: list[tuple[int, str, list[WriteOp]]] = []
    try:
        if workers > 0:
            parsed = _parse_in_processes(lines, workers, redact, base, agent_name)
        else:
            cache: _ToolsCache = {}
            parsed = (_parse_line(n, line, redact, cache, base, agent_name) for n, line in enumerate(lines, start=1))
        for lineno, run_id, result in parsed:
            if run_id is None:
                if result is not None:  # None: a blank line
                    report.skipped += 1
                    report.errors.append((lineno, cast(str, result)))
                continue
            batch.append((lineno, run_id, cast(list[WriteOp], result)))
            if len(batch) >= batch_size:
                _write_batch(store, batch, report)
                batch = []
        if batch:
            _write_batch(store, batch, report)
    finally:
        if fh is not None:
            fh.close()
    report.seconds = time.perf_counter() - started
    return report


_Line = tuple[int, str | None, "list[WriteOp] | str | None"]


def _parse_line(
    lineno: int, line: str, redact: Redactor | None, cache: _ToolsCache, base: float, agent_name: str
) -> _Line:
    """``(lineno, run_id, ops)`` for a record, ``(lineno, None, error)`` for a bad line."""
    if not line.strip():
        return lineno, None, None
    try:
        try:
            record = pydantic_core.from_json(line)
        except ValueError as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
        if not isinstance(record, dict):
            raise ValueError("line is not a JSON object")
        parsed = _parse_record(cast(dict[str, Any], record), redact, cache)
    except ValueError as exc:
        return lineno, None, str(exc)
    # Time-ordered ids: rows append to the end of each index instead of landing at random
    # pages, which keeps large imports fast once the store outgrows the page cache.
    run_id = f"{int((base + lineno * 1e-6) * 1e6):014x}{os.urandom(5).hex()}"
    # A microsecond apart so listing by time keeps the file's order.
    return lineno, run_id, _record_ops(parsed, run_id, base + lineno * 1e-6, agent_name)


_WORKER_CACHE: _ToolsCache = {}


def parse_chunk(chunk: list[tuple[int, str]], redact: Redactor | None, base: float, agent_name: str) -> list[_Line]:
    """Worker-process entry (by name, from :func:`_parse_in_processes`): parse a run of lines.

    Tool specs are cached per worker process.
    """
    return [_parse_line(n, line, redact, _WORKER_CACHE, base, agent_name) for n, line in chunk]


def _auto_workers(source: str | os.PathLike[str] | IO[str], redact: Redactor | None) -> int:
    if not isinstance(source, (str, os.PathLike)) or os.fspath(source) == "-":
        return 0
    try:
        big = os.path.getsize(source) >= 16 * 2**20
        pickle.dumps(redact)  # workers need the redactor by reference
    except Exception:
        return 0
    return min(4, os.cpu_count() or 1) if big else 0


def _parse_in_processes(
    lines: Iterator[str], workers: int, redact: Redactor | None, base: float, agent_name: str, chunk_lines: int = 500
) -> Iterator[_Line]:
    """Parse chunks of lines in worker processes, yielding results in file order."""
    import itertools

    from agentfn.traces._workers import map_in_workers

    numbered = enumerate(lines, start=1)
    chunks = iter(lambda: list(itertools.islice(numbered, chunk_lines)), [])
    for done in map_in_workers("agentfn.traces.jsonl:parse_chunk", chunks, (redact, base, agent_name), workers):
        yield from done


def _write_batch(store: TraceStore, batch: list[tuple[int, str, list[WriteOp]]], report: ImportReport) -> None:
    try:
        store.write([op for _, _, ops in batch for op in ops])
    except TraceStoreError as batch_error:
        # Find the records the database refuses (e.g. a name too long for PostgreSQL) one by
        # one. When every one fails the store itself is down: stop, keeping earlier batches.
        failed: list[tuple[int, str]] = []
        ok = 0
        for lineno, run_id, ops in batch:
            try:
                store.write(ops)
            except TraceStoreError as exc:
                failed.append((lineno, f"store refused the record: {exc}"))
                continue
            ok += 1
            report.imported += 1
            report.run_ids.append(run_id)
        if ok == 0:
            raise TraceStoreError(
                f"import stopped at line {batch[0][0]} after {report.imported} record(s) were stored:"
                f" {batch_error}"
            ) from batch_error
        report.skipped += len(failed)
        report.errors.extend(failed)
        return
    report.imported += len(batch)
    report.run_ids.extend(run_id for _, run_id, _ in batch)


# -- export ----------------------------------------------------------------------------


def export_jsonl(store: TraceStore, dest: str | os.PathLike[str] | IO[str], **filters: Any) -> int:
    """Write matching runs (filters as in :meth:`TraceStore.iter_runs`) as chat JSONL; returns the count."""
    if isinstance(dest, (str, os.PathLike)):
        with open(dest, "w", encoding="utf-8") as fh:
            return _export_lines(store.iter_runs(**filters), fh)
    return _export_lines(store.iter_runs(**filters), dest)


def _export_lines(runs: Iterable[Run], fh: IO[str]) -> int:
    n = 0
    for run in runs:
        fh.write(json.dumps(run_to_openai(run), ensure_ascii=False))
        fh.write("\n")
        n += 1
    return n


def export_parquet(store: TraceStore, dest: str | os.PathLike[str], *, row_group: int = 5_000, **filters: Any) -> int:
    """Write matching runs to a Parquet file, one row per run; returns the count.

    Columns: ``id``, ``started_at``, ``agent_name``, ``model_name``, ``backend``, ``source``,
    ``outcome``, ``reason``, ``feedback_score``, ``request``, ``tools_called`` and
    ``successful_tools`` (lists in call order), ``failed_calls``, ``input_tokens``,
    ``output_tokens``, ``latency_s``, ``steps``, and ``messages``/``tools``/``extra`` holding the
    JSON text of the chat record's parts (``extra``: its other top-level keys, or null), so the
    JSONL record is ``{"messages": ..., "tools": ..., **extra}`` (``tools`` omitted when null).
    """
    try:
        pa: Any = importlib.import_module("pyarrow")
        pq: Any = importlib.import_module("pyarrow.parquet")
    except ImportError as exc:
        raise MissingExtraError("Parquet export", "parquet", "pyarrow") from exc

    schema = pa.schema(
        [
            ("id", pa.string()),
            ("started_at", pa.float64()),
            ("agent_name", pa.string()),
            ("model_name", pa.string()),
            ("backend", pa.string()),
            ("source", pa.string()),
            ("outcome", pa.string()),
            ("reason", pa.string()),
            ("feedback_score", pa.float64()),
            ("request", pa.string()),
            ("tools_called", pa.list_(pa.string())),
            ("successful_tools", pa.list_(pa.string())),
            ("failed_calls", pa.int64()),
            ("input_tokens", pa.int64()),
            ("output_tokens", pa.int64()),
            ("latency_s", pa.float64()),
            ("steps", pa.int64()),
            ("messages", pa.string()),
            ("tools", pa.string()),
            ("extra", pa.string()),
        ]
    )
    n = 0
    rows: list[dict[str, Any]] = []
    with pq.ParquetWriter(os.fspath(dest), schema) as writer:
        for run in store.iter_runs(**filters):
            record = run_to_openai(run)
            top = {k: v for k, v in record.items() if k not in ("messages", "tools")}
            rows.append(
                {
                    "id": run.id,
                    "started_at": run.started_at,
                    "agent_name": run.agent_name,
                    "model_name": run.model_name,
                    "backend": run.backend,
                    "source": run.source,
                    "outcome": run.outcome,
                    "reason": run.reason,
                    "feedback_score": run.feedback_score,
                    "request": run.request,
                    "tools_called": [c.name for c in run.tool_calls],
                    "successful_tools": run.successful_tools(),
                    "failed_calls": len(run.failed_calls()),
                    "input_tokens": run.usage.input_tokens,
                    "output_tokens": run.usage.output_tokens,
                    "latency_s": run.latency_s,
                    "steps": run.step_count,
                    "messages": json.dumps(record["messages"], ensure_ascii=False),
                    "tools": None if "tools" not in record else json.dumps(record["tools"], ensure_ascii=False),
                    "extra": json.dumps(top, ensure_ascii=False) if top else None,
                }
            )
            n += 1
            if len(rows) >= row_group:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                rows = []
        if rows or n == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
    return n
