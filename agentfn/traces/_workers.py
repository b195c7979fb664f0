"""A few worker processes that apply one function to chunks, results in submission order.

Used by the JSONL import to parse lines while the importing process writes rows.
Workers are plain ``python -c`` subprocesses fed over pipes
(:func:`agentfn.traces._child.start_child`, which says why not multiprocessing).

Each worker holds at most one chunk at a time and the parent reads results in
order, so no pipe can fill in both directions at once (no deadlock), while the
parent's own work on one result overlaps the workers' work on the next chunks.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterable, Iterator
from importlib import import_module
from typing import Any

from agentfn.traces._child import recv_object, send_object, start_child

__all__ = ["map_in_workers"]

def worker_main(config: dict[str, Any]) -> None:
    """Worker entry: apply ``config['function']`` to each chunk read from stdin."""
    module, _, name = config["function"].partition(":")
    fn = getattr(import_module(module), name)
    args = config["args"]
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            chunk = recv_object(stdin)
        except EOFError:
            return
        try:
            send_object(stdout, (True, fn(chunk, *args)))
        except Exception as exc:
            send_object(stdout, (False, f"{type(exc).__name__}: {exc}"))


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
    procs = [
        start_child("agentfn.traces._workers:worker_main", {"function": function, "args": args})
        for _ in range(workers)
    ]
    try:
        it = iter(chunks)
        busy: list[subprocess.Popen[bytes]] = []  # workers holding a chunk, in submission order
        for p in procs:
            chunk = next(it, None)
            if chunk is None:
                break
            assert p.stdin is not None
            send_object(p.stdin, chunk)
            busy.append(p)
        while busy:
            p = busy.pop(0)
            assert p.stdout is not None and p.stdin is not None
            try:
                ok, result = recv_object(p.stdout)
            except EOFError:
                raise RuntimeError(f"a worker process ({function}) died") from None
            if not ok:
                raise RuntimeError(f"a worker process failed: {result}")
            chunk = next(it, None)
            if chunk is not None:  # hand it the next chunk before the caller works on this result
                send_object(p.stdin, chunk)
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
