"""In-process vLLM (``vllm.LLM``): batched local inference without a server.

vLLM renders the tools with the chat template but returns raw text, so calls are parsed with
agentfn's parsers. A forced call (``required`` or a tool name) is prefilled with the call tag
and constrained with ``SamplingParams(structured_outputs=StructuredOutputsParams(json=...))``
to the call envelope of the allowed tools; ``output_schema`` (when no call is possible) is
constrained the same way. One call per forced turn; its token budget covers the longest string choice of
its tools, and a passage the request pastes is copied into the call, not generated
(:mod:`agentfn.backends._pasted`).

Batching (the default): requests from any number of concurrent runs, in any threads or event
loops, go to one engine thread (:mod:`agentfn.backends._vllm_batch`) that adds them to the
running vLLM engine between decoding steps, so they decode together, each with its own
``SamplingParams``, template flags and tools. ``batching=False`` keeps the older path: one
``LLM.chat`` call at a time behind a lock, in a worker thread.

Errors: a request vLLM refuses (prompt too long, template error) raises
:class:`~agentfn.exceptions.ModelError`; an engine that cannot start or fails raises
:class:`~agentfn.exceptions.ModelUnavailableError` (after an engine failure every request does,
until :meth:`VLLMModel.aclose`); a forced call cut off by the token limit raises
:class:`~agentfn.exceptions.UnexpectedModelBehavior`. Cancelling a request aborts it in vLLM.

vLLM starts worker processes: scripts using this backend need an
``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from agentfn.backends._chat import load_chat_template, messages_to_chat
from agentfn.backends._constrain import (
    DEFAULT_MAX_ITEMS,
    DEFAULT_MAX_STRING_LENGTH,
    bounded_schema,
    call_envelope_schema,
    forced_tools,
    is_call_forced,
)
from agentfn.backends._grammar import call_token_budget
from agentfn.backends._lazy import import_extra
from agentfn.backends._local import CALL_OPEN, local_response
from agentfn.backends._pasted import PastedFill, forced_fill
from agentfn.backends._vllm_batch import BatchStats, ChatJob, EngineBatcher, map_vllm_error
from agentfn.backends.base import Model, ModelRequest, ModelResponse
from agentfn.exceptions import ModelUnavailableError
from agentfn.messages import Usage

__all__ = ["BatchStats", "VLLMModel"]

_FEATURE = "VLLMModel"


class VLLMModel(Model):
    """A model run by ``vllm.LLM`` in this process.

    Args:
        model: a local folder or hub id.
        chat_template: ``"auto"`` (the model's own if it mentions tools, else ``hermes``), a
            shipped template name, template source, or ``"model"``.
        parser: how free text is searched for calls (a parser name, list or ``"auto"``).
        max_model_len: context length (small values save KV-cache memory).
        enforce_eager: skip graph capture (much faster start on CPU).
        max_new_tokens: cap for free text when the request sets no ``max_tokens``.
        max_call_tokens: cap for a constrained call or structured output.
        max_string_length: ``maxLength`` added to unbounded strings under constraint.
        max_items: ``maxItems`` added to unbounded arrays under constraint.
        call_prefix: text that opens a call in this model's format (prefilled when forced).
        cpu_kv_cache_gb: KV-cache size for CPU builds of vLLM, set as ``VLLM_CPU_KVCACHE_SPACE``
            unless that variable is already set (the CPU default reserves most of the RAM and
            refuses to start on a busy machine); GPU builds ignore it. None leaves it alone.
        batching: concurrent requests decode together in one engine thread (continuous
            batching); False serialises them behind a lock, one ``LLM.chat`` call each.
        batch_wait_ms: how long an idle engine waits after a request for others to join it.
        llm_kwargs: further ``vllm.LLM`` arguments (``dtype``, ``seed``, ``max_num_seqs``, ...).
        llm: an already-built ``vllm.LLM`` (skips loading; :meth:`aclose` leaves it running).
            Two models sharing one ``llm`` must not generate at the same time.
        name: display name.
    """

    supports_constrained_decoding = True

    def __init__(
        self,
        model: str,
        *,
        chat_template: str = "auto",
        parser: str | Sequence[str] = "auto",
        max_model_len: int = 2048,
        enforce_eager: bool = True,
        max_new_tokens: int = 512,
        max_call_tokens: int = 256,
        max_string_length: int | None = DEFAULT_MAX_STRING_LENGTH,
        max_items: int | None = DEFAULT_MAX_ITEMS,
        call_prefix: str = CALL_OPEN,
        cpu_kv_cache_gb: float | None = 1.0,
        batching: bool = True,
        batch_wait_ms: float = 5.0,
        llm_kwargs: Mapping[str, Any] | None = None,
        llm: Any = None,
        name: str | None = None,
    ) -> None:
        self.path = model
        self.chat_template = chat_template
        self.parser = parser
        self.max_model_len = max_model_len
        self.enforce_eager = enforce_eager
        self.max_new_tokens = max_new_tokens
        self.max_call_tokens = max_call_tokens
        self.max_string_length = max_string_length
        self.max_items = max_items
        self.call_prefix = call_prefix
        self.cpu_kv_cache_gb = cpu_kv_cache_gb
        self.batching = batching
        self.batch_wait_ms = batch_wait_ms
        self.llm_kwargs = dict(llm_kwargs or {})
        self.name = name or f"vllm:{model}"
        self._llm: Any = llm
        self._owns_llm = llm is None
        self._template: str | None = None
        self._template_resolved = False
        self._lock = threading.Lock()
        self._batcher: EngineBatcher | None = None

    def load(self) -> Any:
        """Build the ``vllm.LLM`` (done on first request otherwise); returns it.

        Raises:
            ModelUnavailableError: vLLM could not start (bad path, not enough memory, ...).
        """
        with self._lock:
            return self._load_locked()

    def _load_locked(self) -> Any:
        if self._llm is None:
            vllm = import_extra("vllm", feature=_FEATURE, extra="vllm")
            if self.cpu_kv_cache_gb is not None:
                # read by vLLM's CPU worker processes, which inherit this environment
                os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", f"{self.cpu_kv_cache_gb:g}")
            kwargs: dict[str, Any] = {"max_model_len": self.max_model_len, "enforce_eager": self.enforce_eager}
            kwargs.update(self.llm_kwargs)
            try:
                self._llm = vllm.LLM(model=self.path, **kwargs)
            except Exception as exc:  # vLLM raises many kinds (OSError, ValueError, RuntimeError...)
                raise ModelUnavailableError(f"vLLM could not start {self.path}: {exc}") from exc
            self._owns_llm = True
        if not self._template_resolved:
            self._template = self._resolve_template()
            self._template_resolved = True
        return self._llm

    def _resolve_template(self) -> str | None:
        if self.chat_template == "model":
            return None
        if self.chat_template == "auto":
            tokenizer: Any = self._llm.get_tokenizer()
            own: Any = getattr(tokenizer, "chat_template", None)
            return None if isinstance(own, str) and "tools" in own else load_chat_template("hermes")
        if "{%" in self.chat_template or "{{" in self.chat_template:
            return self.chat_template
        return load_chat_template(self.chat_template)

    def _sampling(self, request: ModelRequest, max_tokens: int, schema: dict[str, Any] | None) -> Any:
        sampling = import_extra("vllm.sampling_params", feature=_FEATURE, extra="vllm")
        params: dict[str, Any] = {
            "max_tokens": max_tokens,
            "temperature": request.temperature or 0.0,
            "seed": request.seed,
            "stop": request.stop,
        }
        if schema is not None:
            params["structured_outputs"] = sampling.StructuredOutputsParams(json=schema, disable_any_whitespace=True)
        return sampling.SamplingParams(**params)

    def _job(self, request: ModelRequest, fill: PastedFill | None = None) -> tuple[ChatJob, bool]:
        """The vLLM chat arguments for ``request`` (template filled in later) and whether a call is forced.

        A forced call's budget covers the longest string choice of its tools (:func:`call_token_budget`);
        a pasted passage (``fill``) is left out of the constraint, copied in afterwards."""
        forced = bool(request.tools) and is_call_forced(request.tool_choice)
        calls_possible = bool(request.tools) and request.tool_choice != "none"
        bounds: dict[str, Any] = {"max_string_length": self.max_string_length, "max_items": self.max_items}
        schema: dict[str, Any] | None = None
        messages = messages_to_chat(request.messages)
        if forced:
            allowed = [dict(t) for t in forced_tools(request.tools, request.tool_choice)]
            if fill is not None:
                allowed = [fill.reduced(t) for t in allowed]
            schema = call_envelope_schema(allowed, **bounds)
            cap = min(request.max_tokens or self.max_call_tokens, self.max_call_tokens)
            max_tokens = call_token_budget(cap, allowed) or cap
            messages.append({"role": "assistant", "content": self.call_prefix})
        elif request.output_schema is not None and not calls_possible:
            schema = bounded_schema(request.output_schema, **bounds)
            max_tokens = request.max_tokens or self.max_call_tokens
        else:
            max_tokens = request.max_tokens or self.max_new_tokens
        job = ChatJob(
            messages=messages,
            sampling_params=self._sampling(request, max_tokens, schema),
            add_generation_prompt=not forced,
            continue_final_message=forced,
            tools=request.tools if calls_possible else None,
        )
        return job, forced

    def _response(
        self, request: ModelRequest, job: ChatJob, forced: bool, result: Any, fill: PastedFill | None = None
    ) -> ModelResponse:
        completion: Any = result.outputs[0]
        usage = Usage(
            requests=1,
            input_tokens=len(result.prompt_token_ids or []),
            output_tokens=len(completion.token_ids or []),
        )
        constrained = job.sampling_params.structured_outputs is not None
        response = local_response(
            request, str(completion.text), forced=forced, constrained=constrained, parser=self.parser,
            call_prefix=self.call_prefix, usage=usage, finish_reason=str(completion.finish_reason or "stop"),
            model_name=self.name,
        )
        return response if fill is None else fill.complete(response)

    def _request_sync(self, request: ModelRequest) -> ModelResponse:
        """The serialised path (``batching=False``): one ``LLM.chat`` call at a time."""
        fill = forced_fill(request)
        if fill is not None and (direct := fill.direct(self.name)) is not None:
            return direct
        job, forced = self._job(request, fill)
        with self._lock:
            llm = self._load_locked()
            try:
                outputs: Any = llm.chat(
                    job.messages,
                    job.sampling_params,
                    use_tqdm=False,
                    chat_template=self._template,
                    add_generation_prompt=job.add_generation_prompt,
                    continue_final_message=job.continue_final_message,
                    tools=job.tools,
                )
            except Exception as exc:
                raise map_vllm_error(exc, adding=False) from exc
        return self._response(request, job, forced, outputs[0], fill)

    def _start_batcher(self) -> EngineBatcher:
        with self._lock:
            llm = self._load_locked()
            if self._batcher is None:
                self._batcher = EngineBatcher(llm, batch_wait_s=self.batch_wait_ms / 1000, name=self.name)
            return self._batcher

    async def request(self, request: ModelRequest) -> ModelResponse:
        """Generate one reply: queued for the shared engine batch, or serialised when not batching."""
        if not self.batching:
            return await asyncio.to_thread(self._request_sync, request)
        fill = forced_fill(request)
        if fill is not None and (direct := fill.direct(self.name)) is not None:
            return direct  # the pasted passage is the call's only argument
        job, forced = self._job(request, fill)
        batcher = self._batcher or await asyncio.to_thread(self._start_batcher)
        job.chat_template = self._template
        future = batcher.submit(job)
        try:
            result = await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            batcher.cancel(future)
            raise
        return self._response(request, job, forced, result, fill)

    def batch_stats(self) -> BatchStats:
        """Engine steps and requests per step so far (all zero when not batching or not started)."""
        batcher = self._batcher
        return batcher.stats() if batcher is not None else BatchStats()

    def _close_sync(self) -> None:
        with self._lock:
            batcher, self._batcher = self._batcher, None
            if batcher is not None:
                batcher.close()
            llm = self._llm
            if self._owns_llm and llm is not None:
                self._llm = None
                core: Any = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
                shutdown: Any = getattr(core, "shutdown", None)
                if callable(shutdown):
                    shutdown()  # stop vLLM's engine process now rather than at garbage collection
            self._template_resolved = False

    async def aclose(self) -> None:
        """Stop the engine thread (requests still in flight raise ``ModelUnavailableError``) and
        shut down the engine this model built. Safe to call twice."""
        await asyncio.to_thread(self._close_sync)
