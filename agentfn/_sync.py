"""Synchronous entry points, and resources that belong to one event loop.

:func:`run_sync` is how every synchronous entry point (``Agent.run_sync``,
``LLMFunction.run_sync``, ``Tool.call_sync`` of an async tool or pipeline) runs its
coroutine. It does not use ``asyncio.run``, which closes its loop after each call and
so strands whatever was bound to that loop (an HTTP client's pooled keep-alive
connection: ``RuntimeError: Event loop is closed`` on the second call). Instead one
long-lived loop runs in a daemon thread (``agentfn-sync``), started on first use:

* called any number of times, loop-bound resources made by one call stay valid for the next;
* called from several threads at once, the calls run concurrently on that loop;
* called inside a running loop (Jupyter, an async web handler), the calling thread blocks
  until the result is there, as any synchronous call does (``await`` the async API to
  not block);
* called from a coroutine that itself runs on that loop (``run_sync`` nested in an async
  tool of a ``run_sync`` run), it would wait for itself: :class:`~agentfn.exceptions.UserError`
  says to ``await`` instead.

The caller's context variables are visible in the coroutine; Ctrl-C in the caller
cancels it. After ``os.fork`` the child starts a loop of its own. At exit the loop's async
generators are finished, as ``asyncio.run`` would, so resources still open are closed.

:class:`LoopLocal` keeps one resource per event loop (one HTTP client per loop), closing
each when its loop shuts down its async generators (``asyncio.run`` and
``asyncio.Runner`` do, before closing the loop), when :meth:`LoopLocal.aclose` is
called, or when the owner is garbage-collected while the loop still runs (then on that loop).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from agentfn.exceptions import UserError

__all__ = ["LoopLocal", "run_sync", "sync_loop"]

T = TypeVar("T")


class _Runner:
    """The one background loop (per process) behind :func:`run_sync`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            loop, thread = self._loop, self._thread
            if loop is not None and thread is not None and thread.is_alive() and self._pid == os.getpid():
                return loop
            loop = asyncio.new_event_loop()
            started = threading.Event()

            def serve() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()

            thread = threading.Thread(target=serve, name="agentfn-sync", daemon=True)
            thread.start()
            started.wait()
            self._loop, self._thread, self._pid = loop, thread, os.getpid()
            atexit.register(self._shutdown, loop, thread)
            return loop

    def _shutdown(self, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
        """At exit, as ``asyncio.run`` would: finish async generators (closing LoopLocal resources)."""
        if self._pid != os.getpid() or loop.is_closed() or not thread.is_alive():
            return
        with contextlib.suppress(Exception):  # exiting anyway: never turn a clean exit into a traceback
            asyncio.run_coroutine_threadsafe(loop.shutdown_asyncgens(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        if not thread.is_alive():
            loop.close()


_runner = _Runner()


def sync_loop() -> asyncio.AbstractEventLoop:
    """The event loop :func:`run_sync` runs coroutines on (started on first use)."""
    return _runner.loop()


def run_sync(coro: Coroutine[Any, Any, T], *, instead: str = "await the async API") -> T:
    """Run ``coro`` to completion from synchronous code and return its result.

    Args:
        coro: the coroutine (not yet started).
        instead: what the error tells a caller on the runner's own loop to do instead,
            e.g. ``"await agent.run(...)"``.

    Raises:
        UserError: called from a coroutine running on the runner's own loop.
        whatever ``coro`` raises.
    """
    loop = _runner.loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coro.close()
        raise UserError(
            "a synchronous agentfn call (run_sync/call_sync) was made from a coroutine that agentfn's own "
            f"synchronous runner is running; it would wait for itself: {instead} there instead"
        )
    future = asyncio.run_coroutine_threadsafe(coro, loop)  # the task copies the caller's context
    try:
        return future.result()
    except BaseException:
        future.cancel()  # Ctrl-C (or an error while waiting) cancels the task
        raise


@dataclass
class _Entry(Generic[T]):
    loop: asyncio.AbstractEventLoop
    value: T
    guard: AsyncGenerator[None, None]
    owner_gone: weakref.finalize[Any, Any]


async def _guard(value: T, close: Callable[[T], Awaitable[None]]) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:  # the loop shuts down its async generators, or aclose(), or the owner was collected
        await close(value)


def _close_on(loop: asyncio.AbstractEventLoop, guard: AsyncGenerator[None, None]) -> None:
    """The owner was collected: close its resource on the loop it belongs to, if that still runs."""
    if not loop.is_closed():
        with contextlib.suppress(RuntimeError):  # closed in the meantime
            asyncio.run_coroutine_threadsafe(_finish(guard), loop)


async def _finish(guard: AsyncGenerator[None, None]) -> None:
    await guard.aclose()


class LoopLocal(Generic[T]):
    """One ``T`` per event loop, made by ``factory`` when a loop first asks, closed with its loop.

    Args:
        factory: makes the resource (called on the loop that will use it).
        close: releases it (awaited on the same loop).
    """

    def __init__(self, factory: Callable[[], T], close: Callable[[T], Awaitable[None]]) -> None:
        self._factory = factory
        self._close = close
        self._entries: dict[int, _Entry[T]] = {}

    async def get(self) -> T:
        """The resource of the running loop."""
        loop = asyncio.get_running_loop()
        entry = self._entries.get(id(loop))
        if entry is not None and entry.loop is loop:
            return entry.value
        self._prune()
        value = self._factory()
        guard = _guard(value, self._close)
        # The first step registers the generator with the loop's async-generator hooks, so the
        # loop's shutdown closes it; it runs to its ``yield`` without suspending (no race here).
        await anext(guard)
        # The finalizer, not this object, keeps the guard (and so the resource) reachable: when
        # the owner dies, even inside a reference cycle, the resource is closed on its loop
        # instead of being torn down by the garbage collector ("unclosed transport").
        owner_gone = weakref.finalize(self, _close_on, loop, guard)
        owner_gone.atexit = False  # the runner's own exit hook finishes its loop's generators
        self._entries[id(loop)] = _Entry(loop, value, guard, owner_gone)
        return value

    def _prune(self) -> None:
        for key, entry in list(self._entries.items()):
            if entry.loop.is_closed():
                entry.owner_gone.detach()
                del self._entries[key]

    def __len__(self) -> int:
        self._prune()
        return len(self._entries)

    async def aclose(self) -> None:
        """Close the running loop's resource now, and ask other running loops to close theirs."""
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            entry.owner_gone.detach()
            if entry.loop is current:
                await entry.guard.aclose()
            elif entry.loop.is_running():
                asyncio.run_coroutine_threadsafe(_finish(entry.guard), entry.loop)
