"""The trace writer in its own process: the agent's process only hands events over.

Why a process: building rows, redacting, JSON-encoding and SQL cost ~50 us per
event in Python. In a writer *thread* that CPU competes with the agent for the
GIL, so a fast agent slows down by most of it. In a child process it runs on
another core; the agent's process pays for a deque append per event and, every
``flush_interval``, one pickling pass over the batch (in a sender thread).

Protocol (pipes, length-prefixed frames):

* parent -> child, on stdin: the configuration (store URL, redactor, retries;
  sent by :func:`~agentfn.traces._child.start_child`), then ``events`` (a
  pickled list), ``flush`` (a token) and ``stop`` frames;
* child -> parent, on stdout: ``fatal`` when the store cannot be opened, ``log``
  records, ``ack`` (token + counters) after everything sent before a ``flush``
  is stored, and final counters.

The child ignores SIGINT and runs in its own session, so Ctrl-C in a terminal
stops the agent but not the writer: it drains what it has, sees end-of-file on
stdin and exits. A parent killed outright loses only what it had not sent yet
(at most ``flush_interval`` of events), as with the thread writer.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import importlib
import io
import logging
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import IO, Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from agentfn.traces._assemble import EventAssembler
from agentfn.traces._child import start_child
from agentfn.traces._ops import WriteOp
from agentfn.traces._writing import FailureLog, WriteStats, write_with_retries

__all__ = ["ProcessWriter", "child_main"]

log = logging.getLogger("agentfn.traces")

_HEADER = struct.Struct(">IBI")
_MIN_BATCH = 64  # events; see ProcessWriter._send_loop  # payload length, frame kind, event count
_EVENTS, _FLUSH, _STOP, _FATAL, _ACK, _FINAL, _LOG = range(7)

# Types pickled as themselves. Anything else (a user's output model, a dataclass in run
# metadata) becomes its JSON-able form here: the child may not be able to import its class,
# and the store keeps JSON anyway.
_PLAIN_MODULES = ("builtins", "datetime", "decimal", "uuid", "collections")



_new = object.__new__
_set = object.__setattr__


_CLASSES: dict[str, type[BaseModel]] = {}


def _class(key: str) -> type[BaseModel]:
    cls = _CLASSES.get(key)
    if cls is None:
        module, _, qualname = key.partition(":")
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
        cls = _CLASSES[key] = found
    return cls


def _rebuild(key: str, state: dict[str, Any]) -> BaseModel:
    """The model as it was pickled, without validation (what pydantic's ``__setstate__`` restores).

    ~10x cheaper than ``model_construct``, which re-applies defaults the state already holds.
    The class travels as a ``module:qualname`` string: pickling a string costs the sender
    less than pickling a class by reference (an import check per class per batch).
    Models with private attributes or extra fields are pickled the ordinary way instead.
    """
    obj = _new(_class(key))
    _set(obj, "__dict__", state)
    _set(obj, "__pydantic_fields_set__", set(state))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def _identity(value: Any) -> Any:
    return value


_MODEL, _PLAIN, _JSONABLE = range(3)
_HOW: dict[type[Any], int] = {}
_KEYS: dict[type[Any], str] = {}


def _how_to_pickle(cls: type[Any]) -> int:
    module: str = cls.__module__
    if module.startswith("agentfn."):
        plain_model = (
            issubclass(cls, BaseModel)
            and not cls.__private_attributes__
            and cls.model_config.get("extra") != "allow"
        )
        how = _MODEL if plain_model else _PLAIN
        _KEYS[cls] = f"{module}:{cls.__qualname__}"
    elif module in _PLAIN_MODULES or issubclass(cls, type):
        how = _PLAIN
    else:
        how = _JSONABLE
    _HOW[cls] = how
    return how


class _EventPickler(pickle.Pickler):
    """Pickles agentfn's pydantic models as (class, field dict): ~5x cheaper than their default reduce.

    Runs on the agent's process for every object in every event, so the per-object work is one
    dict lookup of the object's type.
    """

    def reducer_override(self, obj: Any) -> Any:
        cls: type[Any] = type(obj)  # pyright: ignore[reportUnknownVariableType]
        how = _HOW.get(cls)
        if how is None:
            how = _how_to_pickle(cls)
        if how == _MODEL:
            return _rebuild, (_KEYS[cls], obj.__dict__)
        if how == _PLAIN:
            return NotImplemented
        return _identity, (to_jsonable_python(obj, fallback=repr),)


def dump_events(events: list[Any]) -> bytes:
    buf = io.BytesIO()
    _EventPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(events)
    return buf.getvalue()


def _frame(kind: int, payload: bytes = b"", count: int = 0) -> bytes:
    return _HEADER.pack(len(payload), kind, count) + payload


def _read_frame(stream: IO[bytes]) -> tuple[int, int, bytes] | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    size, kind, count = _HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        return None
    return kind, count, payload


class _Marker:
    __slots__ = ("done", "token")

    def __init__(self, token: int) -> None:
        self.token = token
        self.done = threading.Event()


_STOP_ITEM = object()


class ProcessWriter:
    """Parent side: buffers events, ships batches to the child, tracks its acknowledgements.

    Counters are the child's (cumulative, refreshed by every acknowledgement) plus events
    this side could not hand over.
    """

    def __init__(self, url: str, redact: Any, *, flush_interval: float, max_queue: int, retries: int) -> None:
        self.flush_interval = max(flush_interval, 0.001)
        self.max_queue = max_queue
        self.child_stats = WriteStats()
        self.lost = 0  # events never handed to a child (queue full, child gone)
        self.alive = True
        self._buffer: collections.deque[Any] = collections.deque()
        self._wake = threading.Event()
        self._has_data = threading.Event()
        self._markers: dict[int, _Marker] = {}
        self._next_token = 0
        self._closing = False
        # A new session: no terminal Ctrl-C, the writer finishes its work.
        self._proc = start_child(
            "agentfn.traces._procwriter:child_main", {"url": url, "redact": redact, "retries": retries}, new_session=True
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._stdin: IO[bytes] = self._proc.stdin
        self._stdout: IO[bytes] = self._proc.stdout
        self._reader = threading.Thread(target=self._read_loop, name="agentfn-trace-acks", daemon=True)
        self._reader.start()
        self._sender = threading.Thread(target=self._send_loop, name="agentfn-trace-sender", daemon=True)
        self._sender.start()

    # -- called from the recorder ------------------------------------------------------

    def put(self, event: Any) -> bool:
        """Buffer one event; False when the buffer is full or the child is gone."""
        if not self.alive or len(self._buffer) >= self.max_queue:
            return False
        self._buffer.append(event)
        if len(self._buffer) == 1:
            self._has_data.set()  # wake an idle sender (once per batch, not per event)
        return True

    @property
    def pending(self) -> int:
        return len(self._buffer)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def flush(self, timeout: float | None) -> bool:
        """Wait until the child has stored everything put before this call."""
        if not self.alive:
            return False
        self._next_token += 1
        marker = _Marker(self._next_token)
        self._markers[marker.token] = marker
        self._buffer.append(marker)
        self._has_data.set()
        self._wake.set()
        ok = marker.done.wait(timeout)
        self._markers.pop(marker.token, None)
        return ok and self.alive

    def close(self, timeout: float | None) -> None:
        """Send what is buffered, stop the child and wait for it (``timeout`` seconds)."""
        self._closing = True
        self._buffer.append(_STOP_ITEM)
        self._has_data.set()
        self._wake.set()
        self._sender.join(timeout)
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("trace writer process did not finish in %ss; stopping it", timeout)
            self._proc.kill()
            self._proc.wait()
        self._reader.join(5)
        self.alive = False
        self.lost += len([x for x in self._buffer if not isinstance(x, _Marker) and x is not _STOP_ITEM])
        self._buffer.clear()
        for stream in (self._stdin, self._stdout):
            with contextlib.suppress(OSError):
                stream.close()

    # -- threads -------------------------------------------------------------------------

    def _send_loop(self) -> None:
        stop = False
        while not stop:
            # Idle: sleep until put() sees an empty buffer fill. The timeout (one wake-up a second
            # while nothing happens) only bounds a wake-up missed by threads putting at one instant.
            self._has_data.clear()
            if not self._buffer:
                self._has_data.wait(1.0)
                if not self._buffer:
                    continue
            # Then let a batch gather: flush_interval, stretched up to 10x while fewer than
            # _MIN_BATCH events came (flush and close cut it short). A fast agent ships every
            # 5 ms, so events are not held long (holding them costs it); a slow one ships
            # fewer, larger batches, so it pays the per-batch cost less often.
            deadline = time.monotonic() + self.flush_interval * 10
            while not self._wake.wait(self.flush_interval):
                if len(self._buffer) >= _MIN_BATCH or time.monotonic() >= deadline:
                    break
            self._wake.clear()
            batch: list[Any] = []
            frames: list[bytes] = []
            for _ in range(len(self._buffer)):
                item = self._buffer.popleft()
                if isinstance(item, _Marker) or item is _STOP_ITEM:
                    if batch:
                        frames.append(self._events_frame(batch))
                        batch = []
                    if item is _STOP_ITEM:
                        frames.append(_frame(_STOP))
                        stop = True
                        break
                    frames.append(_frame(_FLUSH, struct.pack(">Q", item.token)))
                else:
                    batch.append(item)
            if batch:
                frames.append(self._events_frame(batch))
            if frames and not self._send(b"".join(frames)):
                return
        with contextlib.suppress(OSError):
            self._stdin.close()  # end of file: the child drains and exits

    def _events_frame(self, batch: list[Any]) -> bytes:
        try:
            return _frame(_EVENTS, dump_events(batch), len(batch))
        except Exception as exc:  # an event pydantic cannot even make JSON-able
            self.lost += len(batch)
            log.warning("trace events could not be serialised; %d event(s) not stored: %s", len(batch), exc)
            return b""

    def _send(self, data: bytes) -> bool:
        try:
            self._stdin.write(data)
            self._stdin.flush()
            return True
        except (OSError, ValueError) as exc:
            self._gone(f"trace writer process is gone ({exc})")
            return False

    def _gone(self, why: str) -> None:
        if self.alive:
            self.alive = False
            if not self._closing:
                # Events still buffered here are lost with the child (what it was sent but had
                # not stored yet cannot be known); later events go to an in-process writer.
                lost = sum(1 for x in list(self._buffer) if not isinstance(x, _Marker) and x is not _STOP_ITEM)
                self._buffer.clear()
                self.lost += lost
                log.warning("%s; %d buffered event(s) lost, later events are written in-process", why, lost)
        for marker in list(self._markers.values()):
            marker.done.set()

    def _read_loop(self) -> None:
        while True:
            frame = _read_frame(self._stdout)
            if frame is None:
                break
            kind, _, payload = frame
            if kind == _FATAL:
                log.warning("trace writer process could not start: %s", payload.decode("utf-8", "replace"))
            elif kind == _LOG:
                level, message = pickle.loads(payload)
                # The child's warnings reach the agent's own logging set-up.
                log.log(level, "%s (trace writer process)", message)
            elif kind in (_ACK, _FINAL):
                token, stats = pickle.loads(payload)
                self._update(stats)
                marker = self._markers.get(token)
                if marker is not None:
                    marker.done.set()
        self._gone("trace writer process exited")

    def _update(self, stats: dict[str, Any]) -> None:
        s = self.child_stats
        s.written, s.errors, s.dropped = stats["written"], stats["errors"], stats["dropped"]
        if stats["last_error"] is not None:
            from agentfn.exceptions import TraceStoreError

            s.last_error = TraceStoreError(stats["last_error"])


# -- the child ------------------------------------------------------------------------------


def child_main(config: dict[str, Any]) -> None:
    """Entry point of the writer process (started by :class:`ProcessWriter`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = sys.stdout.buffer
    stdin = sys.stdin.buffer

    def reply(kind: int, payload: bytes) -> None:
        out.write(_frame(kind, payload))
        out.flush()

    class _ToParent(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            reply(_LOG, pickle.dumps((record.levelno, record.getMessage())))

    agentfn_log = logging.getLogger("agentfn")
    agentfn_log.addHandler(_ToParent(logging.WARNING))
    agentfn_log.propagate = False

    from agentfn.traces.store import TraceStore

    # This process only turns batches of events into rows: every object it makes is garbage a
    # batch later and none forms cycles, yet with the default thresholds the collector would run
    # every few hundred allocations, traversing every run still open (measured: unpickling took
    # ~1.7x as long). Keep the collector, but run it ~15x less often; what the imports made is
    # frozen out of its scans.
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    try:
        store = TraceStore.open(config["url"])
    except Exception as exc:
        reply(_FATAL, str(exc).encode())
        return
    stats = WriteStats()
    failure_log = FailureLog()
    assembler = EventAssembler(config["redact"])

    def counters(token: int) -> bytes:
        last = None if stats.last_error is None else str(stats.last_error)
        payload = {"written": stats.written, "errors": stats.errors, "dropped": stats.dropped, "last_error": last}
        return pickle.dumps((token, payload))

    try:
        while (frame := _read_frame(stdin)) is not None:
            kind, count, payload = frame
            if kind == _STOP:
                break
            if kind == _FLUSH:
                reply(_ACK, counters(struct.unpack(">Q", payload)[0]))
                continue
            if kind != _EVENTS:
                continue
            try:
                events: list[Any] = pickle.loads(payload)
            except Exception as exc:
                stats.errors += 1
                stats.dropped += count
                stats.last_error = exc
                failure_log("trace events could not be read", exc)
                continue
            ops: list[WriteOp] = []
            for event in events:
                try:
                    ops.extend(assembler.feed(event))
                except Exception as exc:
                    stats.errors += 1
                    stats.dropped += 1
                    stats.last_error = exc
                    failure_log("trace recorder could not process an event", exc)
            write_with_retries(store, ops, len(events), stats, config["retries"], failure_log)
        reply(_FINAL, counters(0))
    finally:
        store.close()
