"""Continuous batching for the in-process vLLM backend: one engine thread, many callers.

:class:`EngineBatcher` owns a ``vllm.LLM`` while it runs. Callers (any thread, any event loop)
:meth:`~EngineBatcher.submit` a :class:`ChatJob` and get a :class:`concurrent.futures.Future`
that resolves to vLLM's finished ``RequestOutput``. The engine thread:

1. waits for work; when the engine is idle it keeps collecting jobs for ``batch_wait_s`` after
   the first one, so jobs that arrive together are prefilled together;
2. renders and adds each job with ``LLM.enqueue_chat`` (its own template flags, tools and
   ``SamplingParams``, structured outputs included);
3. calls ``LLM.llm_engine.step()`` while anything is in flight, adding new jobs between steps,
   so requests join the running batch (vLLM schedules them together) instead of waiting for it;
4. resolves each future when its request finishes.

Errors: a job vLLM refuses (prompt too long, template failure) fails alone with
:class:`~agentfn.exceptions.ModelError`; an engine failure fails everything in flight, and every
later job, with :class:`~agentfn.exceptions.ModelUnavailableError`. :meth:`~EngineBatcher.cancel`
aborts a request in the engine; :meth:`~EngineBatcher.close` aborts what is in flight, fails it
with ``ModelUnavailableError`` and joins the thread. Only the engine thread touches the ``LLM``.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, field
from typing import Any

from agentfn.exceptions import ModelError, ModelUnavailableError

__all__ = ["BatchStats", "ChatJob", "EngineBatcher", "map_vllm_error"]


def map_vllm_error(exc: BaseException, *, adding: bool) -> ModelError:
    """agentfn's exception for a vLLM failure.

    vLLM's server-side errors (``EngineDeadError``...) mean the engine is unusable:
    :class:`ModelUnavailableError`. Its client-side errors and ``ValueError``/``TypeError``/
    ``KeyError`` are about the request: :class:`ModelError`. Anything else counts as the
    request's fault while it is being rendered and added (``adding``), else as the engine's.
    """
    errors: Any = sys.modules.get("vllm.exceptions")  # loaded whenever vLLM raised
    server: Any = getattr(errors, "VLLMServerError", ())
    client: Any = getattr(errors, "VLLMClientError", ())
    if isinstance(exc, server):
        return ModelUnavailableError(f"the in-process vLLM engine failed: {exc!r}")
    if isinstance(exc, (ValueError, TypeError, KeyError, client)) or adding:
        return ModelError(f"vLLM rejected the request: {exc}")
    return ModelUnavailableError(f"the in-process vLLM engine failed: {exc!r}")


@dataclass
class ChatJob:
    """One conversation to generate for, with the arguments ``LLM.enqueue_chat`` takes."""

    messages: list[dict[str, Any]]
    sampling_params: Any
    chat_template: str | None = None
    add_generation_prompt: bool = True
    continue_final_message: bool = False
    tools: list[dict[str, Any]] | None = None
    future: Future[Any] = field(default_factory=Future[Any])


@dataclass
class BatchStats:
    """What the engine thread did: engine steps, requests added, and how many shared each step."""

    steps: int = 0
    requests: int = 0
    request_steps: int = 0
    """Sum over steps of the requests in flight during the step."""
    max_batch: int = 0

    @property
    def mean_batch(self) -> float:
        """Requests in flight per engine step, on average (1.0 means no sharing)."""
        return self.request_steps / self.steps if self.steps else 0.0


class _Stop:
    pass


@dataclass
class _Abort:
    future: Future[Any]


_Command = ChatJob | _Abort | _Stop


class EngineBatcher:
    """Drives ``llm`` (a ``vllm.LLM``) from one thread so concurrent requests decode together.

    Args:
        llm: the engine; it needs ``enqueue_chat`` and ``llm_engine.step/has_unfinished_requests/
            abort_request``.
        batch_wait_s: how long an idle engine waits after a first job for others to join it.
        name: used in thread names and error messages.
    """

    def __init__(self, llm: Any, *, batch_wait_s: float = 0.005, name: str = "vllm") -> None:
        self._llm = llm
        self._engine: Any = llm.llm_engine
        self._batch_wait_s = batch_wait_s
        self._name = name
        self._commands: queue.SimpleQueue[_Command] = queue.SimpleQueue()
        self._in_flight: dict[str, ChatJob] = {}
        self._failure: ModelUnavailableError | None = None
        self._state_lock = threading.Lock()
        self._closed = False
        self._stats = BatchStats()
        self._thread = threading.Thread(target=self._run, name=f"agentfn-{name}-engine", daemon=True)
        self._thread.start()

    # --- caller side ---------------------------------------------------------

    def submit(self, job: ChatJob) -> Future[Any]:
        """Queue ``job``; its future gets the finished ``RequestOutput`` or a ``ModelError``."""
        with self._state_lock:
            if self._failure is not None:
                job.future.set_exception(self._failure)
            elif self._closed:
                job.future.set_exception(ModelUnavailableError(f"{self._name} is closed"))
            else:
                self._commands.put(job)
        return job.future

    def cancel(self, future: Future[Any]) -> None:
        """Drop a job: unstarted ones never reach vLLM, running ones are aborted in the engine (their
        future then raises ``CancelledError``)."""
        if not future.cancel():
            self._commands.put(_Abort(future))

    def stats(self) -> BatchStats:
        """A copy of the counters so far."""
        with self._state_lock:
            s = self._stats
            return BatchStats(s.steps, s.requests, s.request_steps, s.max_batch)

    @property
    def failed(self) -> bool:
        """True once the engine failed (every job now fails at once)."""
        return self._failure is not None

    def close(self, timeout: float | None = 60.0) -> None:
        """Abort what is in flight, fail it with ``ModelUnavailableError`` and stop the thread."""
        with self._state_lock:
            self._closed = True
        self._commands.put(_Stop())
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    # --- engine thread ---------------------------------------------------------

    def _run(self) -> None:
        while True:
            commands = self._collect(block=not self._in_flight)
            if any(isinstance(c, _Stop) for c in commands):
                self._shutdown(commands)
                return
            try:
                for command in commands:
                    if isinstance(command, _Abort):
                        self._abort(command.future)
                    elif isinstance(command, ChatJob):
                        self._add(command)
                if self._in_flight:
                    self._step()
            except Exception as exc:  # any engine failure ends the engine
                error = map_vllm_error(exc, adding=False)
                failure = error if isinstance(error, ModelUnavailableError) else ModelUnavailableError(str(error))
                self._fail_all(failure, commands)
                return

    def _collect(self, *, block: bool) -> list[_Command]:
        commands: list[_Command] = []
        if block:
            commands.append(self._commands.get())
            deadline = time.monotonic() + self._batch_wait_s
            while (left := deadline - time.monotonic()) > 0:
                try:
                    commands.append(self._commands.get(timeout=left))
                except queue.Empty:
                    break
        while True:
            try:
                commands.append(self._commands.get_nowait())
            except queue.Empty:
                return commands

    def _add(self, job: ChatJob) -> None:
        if not job.future.set_running_or_notify_cancel():
            return  # cancelled before it reached the engine
        try:
            ids: list[str] = self._llm.enqueue_chat(
                job.messages,
                job.sampling_params,
                use_tqdm=False,
                chat_template=job.chat_template,
                add_generation_prompt=job.add_generation_prompt,
                continue_final_message=job.continue_final_message,
                tools=job.tools,
            )
        except Exception as exc:  # mapped: this request's fault, or the engine's
            error = map_vllm_error(exc, adding=True)
            job.future.set_exception(error)
            if isinstance(error, ModelUnavailableError):
                raise
            return
        self._in_flight[ids[0]] = job
        with self._state_lock:
            self._stats.requests += 1

    def _abort(self, future: Future[Any]) -> None:
        for request_id, job in list(self._in_flight.items()):
            if job.future is future:
                del self._in_flight[request_id]
                self._engine.abort_request([request_id], internal=True)
                job.future.set_exception(CancelledError())  # already running: cannot be marked cancelled

    def _step(self) -> None:
        if not self._engine.has_unfinished_requests():
            lost = list(self._in_flight.values())
            self._in_flight.clear()
            for job in lost:
                job.future.set_exception(ModelError("vLLM finished without returning this request"))
            return
        with self._state_lock:
            size = len(self._in_flight)
            self._stats.steps += 1
            self._stats.request_steps += size
            self._stats.max_batch = max(self._stats.max_batch, size)
        outputs: Sequence[Any] = self._engine.step()
        for output in outputs:
            if not output.finished:
                continue
            request_id = self._match(str(output.request_id))
            if request_id is not None:
                self._in_flight.pop(request_id).future.set_result(output)

    def _match(self, output_id: str) -> str | None:
        """Our key for an output: vLLM reports the id it was given, ``enqueue_chat`` returns it
        with a random ``-suffix`` appended."""
        if output_id in self._in_flight:
            return output_id
        return next((k for k in self._in_flight if k.startswith(output_id + "-")), None)

    def _fail_all(self, error: ModelUnavailableError, pending: Sequence[_Command] = ()) -> None:
        """Fail everything in flight or queued; later submissions fail at once."""
        with self._state_lock:
            self._failure = error
        jobs = [*self._in_flight.values(), *(c for c in pending if isinstance(c, ChatJob))]
        self._in_flight.clear()
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                break
            if isinstance(command, ChatJob):
                jobs.append(command)
        for job in jobs:
            if not job.future.done():
                job.future.set_exception(error)

    def _shutdown(self, commands: Sequence[_Command]) -> None:
        if self._in_flight:
            with contextlib.suppress(Exception):  # closing anyway; the futures still fail below
                self._engine.abort_request(list(self._in_flight), internal=True)
        self._fail_all(ModelUnavailableError(f"{self._name} was closed before the request finished"), commands)
