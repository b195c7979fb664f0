"""A few worker processes that apply one function to chunks, results in submission order.

Used by the JSONL import to parse lines while the importing process writes rows.
Workers are plain ``python -c`` subprocesses fed over pipes, not
:mod:`multiprocessing`: its spawn start method re-imports the caller's
``__main__`` (breaking any script without an ``if __name__ == "__main__"``
guard), and fork is unsafe in a process that runs threads.

Each worker holds at most one chunk at a time and the parent reads results in
order, so no pipe can fill in both directions at once (no deadlock), while the
parent's own work on one result overlaps the workers' work on the next chunks.
"""

from __future__ import annotations

import contextlib
import pickle
import struct
import subprocess
import sys
from collections.abc import Iterable, Iterator
from importlib import import_module
from typing import IO, Any

__all__ = ["map_in_workers"]

_LEN = struct.Struct(">Q")
_BOOT = (
    "import pickle,struct,sys\n"
    "n,=struct.unpack('>Q',sys.stdin.buffer.read(8))\n"
    "cfg=pickle.loads(sys.stdin.buffer.read(n))\n"
    "sys.path[:0]=cfg['sys_path']\n"
    "from agentfn.traces._workers import worker_main\n"
    "worker_main(cfg)\n"
)


def _send(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LEN.pack(len(data)) + data)
    stream.flush()


def _recv(stream: IO[bytes]) -> Any:
    head = stream.read(_LEN.size)
    if len(head) < _LEN.size:
        raise EOFError
    (size,) = _LEN.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def worker_main(config: dict[str, Any]) -> None:
    """Worker entry: apply ``config['function']`` to each chunk read from stdin."""
    module, _, name = config["function"].partition(":")
    fn = getattr(import_module(module), name)
    args = config["args"]
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            chunk = _recv(stdin)
        except EOFError:
            return
        try:
            _send(stdout, (True, fn(chunk, *args)))
        except Exception as exc:
            _send(stdout, (False, f"{type(exc).__name__}: {exc}"))


def map_in_workers(function: str, chunks: Iterable[Any], args: tuple[Any, ...], workers: int) -> Iterator[Any]:
    """Yield ``function(chunk, *args)`` for each chunk, computed in ``workers`` processes.

    Args:
        function: ``"module:name"`` of a module-level function (workers import it).
        chunks: picklable inputs, consumed lazily.
        args: picklable extra arguments, sent once per worker.
        workers: number of processes.

    Raises:
        RuntimeError: a worker raised (its message is kept) or died.
    """
    config = {"sys_path": list(sys.path), "function": function, "args": args}
    boot = pickle.dumps(config)
    procs = [
        subprocess.Popen([sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for _ in range(workers)
    ]
    try:
        for p in procs:
            assert p.stdin is not None
            p.stdin.write(_LEN.pack(len(boot)) + boot)
        it = iter(chunks)
        busy: list[subprocess.Popen[bytes]] = []  # workers holding a chunk, in submission order
        for p in procs:
            chunk = next(it, None)
            if chunk is None:
                break
            assert p.stdin is not None
            _send(p.stdin, chunk)
            busy.append(p)
        while busy:
            p = busy.pop(0)
            assert p.stdout is not None and p.stdin is not None
            try:
                ok, result = _recv(p.stdout)
            except EOFError:
                raise RuntimeError(f"a worker process ({function}) died") from None
            if not ok:
                raise RuntimeError(f"a worker process failed: {result}")
            chunk = next(it, None)
            if chunk is not None:  # hand it the next chunk before the caller works on this result
                _send(p.stdin, chunk)
                busy.append(p)
            yield result
    finally:
        for p in procs:
            if p.stdin is not None:
                with contextlib.suppress(OSError):
                    p.stdin.close()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            if p.stdout is not None:
                p.stdout.close()
