"""In-process transformers backend: the laptop/CPU path and the engine of the embedded model.

Prompts come from the model's own chat template when it supports tools, else from a shipped
template (``prompts/chat/hermes.jinja``). Generation modes:

* a call is required (``tool_choice="required"`` or a tool name): the prompt ends with the
  opening ``<tool_call>`` tag and decoding is constrained (xgrammar) to one JSON call
  envelope ``{"name": ..., "arguments": ...}`` valid for one allowed tool, with bounded
  strings/arrays and no free whitespace, so even a 135M model emits a schema-valid call.
  One call per forced turn.
* ``output_schema`` and no call possible: decoding is constrained to the (bounded) schema.
* ``output_schema`` and ``auto`` with tools: constrained to *either* a tagged call or the schema.
* otherwise the model writes freely and calls are parsed from the text (``parser``).

A named forced call shows the model only that tool. Grammars that the engine cannot compile
degrade per tool instead of failing (:mod:`agentfn.backends._grammar`). Decoding stops at a
repeated short token cycle (:func:`~agentfn.backends._decoding.loop_start`); a forced call
that does not complete is sampled once more before
:class:`~agentfn.exceptions.UnexpectedModelBehavior` is raised, and a forced call to a tool
that already failed in this turn is sampled rather than decoded greedily again. A passage the request
pastes is copied into the call, not generated (:mod:`agentfn.backends._pasted`). With
``answer_mode="grounded"`` the turn after tool results is written from the results
(:func:`agentfn._answer.grounded_answer`) instead of generated: a 135M model's own final
turn mostly echoes the tool's JSON.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Literal

from agentfn.backends._chat import load_chat_template, messages_to_chat, render_chat_template
from agentfn.backends._constrain import (
    DEFAULT_MAX_ITEMS,
    DEFAULT_MAX_STRING_LENGTH,
    bounded_schema,
    call_envelope_schema,
    forced_tools,
    is_call_forced,
)
from agentfn.backends._decoding import grounded_reply, loop_start, retry_temperature
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._grammar import call_token_budget, compile_call_grammar, grammar_safe_schema
from agentfn.backends._lazy import import_extra, quiet_progress_bars
from agentfn.backends._local import CALL_CLOSE, CALL_OPEN, local_response
from agentfn.backends._pasted import PastedFill, forced_fill
from agentfn.backends._toolcalls import text_events, text_stream_parser
from agentfn.backends.base import Done, Model, ModelRequest, ModelResponse, StreamEvent, TextDelta
from agentfn.exceptions import ModelUnavailableError, UnexpectedModelBehavior
from agentfn.messages import ToolCall, Usage

__all__ = ["TransformersModel"]

_FEATURE = "TransformersModel"
_log = logging.getLogger("agentfn.backends.transformers")
_RETRY_TEMPERATURE = 0.8


def _function_name(spec: Any) -> str:
    fn: Any = spec.get("function", spec)
    return str(fn.get("name"))


def _template_supports_tools(template: Any) -> bool:
    if isinstance(template, dict):  # named templates: {"default": ..., "tool_use": ...}
        return "tool_use" in template or any(_template_supports_tools(t) for t in template.values())  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    return isinstance(template, str) and "tools" in template


def _callback_streamer(tokenizer: Any, on_text: Callable[[str], None], stop_ids: Sequence[int]) -> Any:
    """A transformers streamer that hands each finished piece of text to ``on_text``.

    Decodes like the final response (special tokens kept, the closing stop token dropped), so
    the streamed text adds up to the response text.
    """
    hf = import_extra("transformers", feature=_FEATURE, extra="transformers")
    stops = set(stop_ids)

    class CallbackStreamer(hf.TextStreamer):  # pyright: ignore[reportUntypedBaseClass]
        def put(self, value: Any) -> None:
            prompt: bool = self.next_tokens_are_prompt
            if not prompt and value.numel() == 1 and int(value.reshape(-1)[0]) in stops:
                return
            super().put(value)  # pyright: ignore[reportUnknownMemberType]

        def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
            if text:
                on_text(text)

    return CallbackStreamer(tokenizer, skip_prompt=True, skip_special_tokens=False)


def _loop_criteria(prompt_length: int) -> Any:
    """A stopping criterion that ends generation at a repeated short token cycle."""
    hf = import_extra("transformers", feature=_FEATURE, extra="transformers")
    torch = import_extra("torch", feature=_FEATURE, extra="transformers")

    class LoopCriteria(hf.StoppingCriteria):  # pyright: ignore[reportUntypedBaseClass]
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            tail: list[int] = input_ids[0, max(prompt_length, input_ids.shape[1] - 64) :].tolist()
            looping = loop_start(tail) is not None
            return torch.full((input_ids.shape[0],), looping, dtype=torch.bool, device=input_ids.device)

    return hf.StoppingCriteriaList([LoopCriteria()])


class TransformersModel(Model):
    """A causal LM run with ``transformers`` in this process.

    Args:
        model: a local folder or a hub id (offline machines need a folder).
        chat_template: ``"auto"`` (the model's own if it mentions tools, else ``hermes``), a
            shipped template name, template source, or ``"model"`` to force the model's own.
        parser: how free text is searched for calls (a parser name, list or ``"auto"``).
        device: torch device string.
        dtype: ``"auto"`` (as saved), or a torch dtype name such as ``"float32"``.
        max_new_tokens: cap for free text when the request sets no ``max_tokens``.
        max_call_tokens: cap for a constrained call or structured output.
        max_string_length: ``maxLength`` added to unbounded strings under constraint.
        max_items: ``maxItems`` added to unbounded arrays under constraint.
        call_prefix: text that opens a call in this model's format (prefilled when forced).
        answer_mode: ``"model"`` (the model writes the final answer) or ``"grounded"`` (the
            answer after tool results is written from the results; for models too small to
            phrase one).
        extractive: constrain a forced call's argument values to what the conversation offers
            (:mod:`agentfn.backends._extract`); a retry of a failed call avoids its values.
        today_in_prompt: tell the model today's date in the system text (shipped templates).
        name: display name.
        tokenizer: an already-loaded tokenizer (skips loading).
        hf_model: an already-loaded model (skips loading).
    """

    supports_constrained_decoding = True

    def __init__(
        self,
        model: str,
        *,
        chat_template: str = "auto",
        parser: str | Sequence[str] = "auto",
        device: str = "cpu",
        dtype: str = "auto",
        max_new_tokens: int = 512,
        max_call_tokens: int = 256,
        max_string_length: int | None = DEFAULT_MAX_STRING_LENGTH,
        max_items: int | None = DEFAULT_MAX_ITEMS,
        call_prefix: str = CALL_OPEN,
        answer_mode: Literal["model", "grounded"] = "model",
        extractive: bool = False,
        today_in_prompt: bool = False,
        name: str | None = None,
        tokenizer: Any = None,
        hf_model: Any = None,
    ) -> None:
        self.path = model
        self.chat_template = chat_template
        self.parser = parser
        self.device = device
        self.dtype = dtype
        self.max_new_tokens = max_new_tokens
        self.max_call_tokens = max_call_tokens
        self.max_string_length = max_string_length
        self.max_items = max_items
        self.call_prefix = call_prefix
        self.answer_mode = answer_mode
        self.extractive = extractive
        self.today_in_prompt = today_in_prompt
        self._call_grammars: dict[str, Any] = {}
        self.name = name or f"transformers:{model}"
        self._tokenizer: Any = tokenizer
        self._model: Any = hf_model
        self._compiler: Any = None
        self._stop_ids: list[int] = []
        self._template: str | None = None  # our template source, or None for the model's own
        self._lock = threading.Lock()  # one generation at a time: the weights are shared
        self._loaded = False

    # --- loading ------------------------------------------------------------

    def load(self) -> None:
        """Load tokenizer, weights and grammar compiler (done on first request otherwise)."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> None:
        if self._loaded:
            return
        torch = import_extra("torch", feature=_FEATURE, extra="transformers")
        hf = import_extra("transformers", feature=_FEATURE, extra="transformers")
        xgr = import_extra("xgrammar", feature=_FEATURE, extra="transformers")
        try:
            if self._tokenizer is None:
                self._tokenizer = hf.AutoTokenizer.from_pretrained(self.path)
            if self._model is None:
                dtype = "auto" if self.dtype == "auto" else getattr(torch, self.dtype)
                with quiet_progress_bars():
                    self._model = hf.AutoModelForCausalLM.from_pretrained(self.path, dtype=dtype)
                self._model.to(self.device)
        except (OSError, ValueError) as exc:  # no such folder or no model in it; the hub could not provide it
            raise ModelUnavailableError(_load_failure(self.path, exc)) from exc
        self._model.eval()
        tok = self._tokenizer
        own = getattr(tok, "chat_template", None)
        if self.chat_template == "model":
            self._template = None
        elif self.chat_template == "auto":
            self._template = None if _template_supports_tools(own) else load_chat_template("hermes")
        elif "{%" in self.chat_template or "{{" in self.chat_template:
            self._template = self.chat_template
        else:
            self._template = load_chat_template(self.chat_template)
        self._stop_ids = self._stop_token_ids()
        vocab_size = int(getattr(self._model.config, "vocab_size", 0) or len(tok))
        info = xgr.TokenizerInfo.from_huggingface(tok, vocab_size=vocab_size, stop_token_ids=self._stop_ids)
        self._compiler = xgr.GrammarCompiler(info, max_threads=1)
        self._loaded = True

    def _stop_token_ids(self) -> list[int]:
        tok = self._tokenizer
        ids: list[int] = []
        eos: Any = getattr(self._model.generation_config, "eos_token_id", None)
        for value in [*(eos if isinstance(eos, list) else [eos]), tok.eos_token_id]:  # pyright: ignore[reportUnknownVariableType]
            if isinstance(value, int) and value not in ids:
                ids.append(value)
        for text in ("<|im_end|>", "<|eot_id|>", "<|end|>"):
            token_id: Any = tok.convert_tokens_to_ids(text)
            unk: Any = getattr(tok, "unk_token_id", None)
            if isinstance(token_id, int) and token_id >= 0 and token_id != unk and token_id not in ids:
                ids.append(token_id)
        return ids

    # --- prompt -------------------------------------------------------------

    def render_prompt(self, request: ModelRequest) -> str:
        """The prompt text for ``request`` (without the forced-call prefix)."""
        with self._lock:
            self._load_locked()
        return self._render(request)

    def _render(self, request: ModelRequest) -> str:
        messages = messages_to_chat(request.messages)
        tools = request.tools if request.tools and request.tool_choice != "none" else None
        if tools and request.tool_choice not in ("auto", "required"):
            tools = [dict(t) for t in forced_tools(tools, request.tool_choice)]  # a named call: only that tool
        tok = self._tokenizer
        extra: dict[str, Any] = {}
        if self.today_in_prompt and tools:  # for choosing arguments, not for prompt-backed functions
            today = dt.date.today()
            extra["date_string"] = f"{today.isoformat()} ({today.strftime('%A')})"
        if self._template is None:
            return str(tok.apply_chat_template(messages, tools=tools, add_generation_prompt=True, tokenize=False,
                                               **extra))
        return render_chat_template(
            self._template,
            messages,
            tools,
            add_generation_prompt=True,
            bos_token=tok.bos_token or "",
            eos_token=tok.eos_token or "",
            **extra,
        )

    # --- generation ---------------------------------------------------------

    def _grammar(
        self, request: ModelRequest, forced: bool, fill: PastedFill | None = None
    ) -> tuple[Any, list[dict[str, Any]]]:
        """The compiled constraint for this request (None for free generation), and a forced call's tools as
        constrained (empty when no call is forced): its token budget covers their longest string choice.

        An extractive constraint offers a long span of the request as one choice; a call capped below that
        span's length could start it and never complete. A pasted passage (``fill``) is no choice at all: its
        parameter is left out of the grammar and the other arguments are extracted from the request without it.
        """
        xgr = import_extra("xgrammar", feature=_FEATURE, extra="transformers")
        bounds: dict[str, Any] = {"max_string_length": self.max_string_length, "max_items": self.max_items}
        json_options: dict[str, Any] = {"any_whitespace": False, "strict_mode": True}
        calls_possible = bool(request.tools) and request.tool_choice != "none"
        if forced:
            allowed = forced_tools(request.tools, request.tool_choice)
            messages = request.messages
            if fill is not None:
                allowed, messages = [fill.reduced(t) for t in allowed], fill.elided(messages)
            if self.extractive:  # a retry avoids the values of the failed call
                today = dt.date.today().isoformat()
                allowed = [
                    extractive_spec(t, ExtractionSources.from_messages(messages, today, _function_name(t)))
                    for t in allowed
                ]
            key = json.dumps([allowed, bounds], sort_keys=True)
            if key not in self._call_grammars:
                if len(self._call_grammars) >= 256:
                    self._call_grammars.clear()
                self._call_grammars[key] = compile_call_grammar(
                    allowed, lambda schema: self._compiler.compile_json_schema(json.dumps(schema), **json_options),
                    **bounds,
                ).grammar
            return self._call_grammars[key], [dict(t) for t in allowed]
        if request.output_schema is None:
            return None, []
        output = json.dumps(grammar_safe_schema(bounded_schema(request.output_schema, **bounds))[0])
        try:
            if not calls_possible:
                return self._compiler.compile_json_schema(output, **json_options), []
            envelope = json.dumps(grammar_safe_schema(call_envelope_schema(request.tools, **bounds))[0])
            tagged_call = xgr.Grammar.concat(
                xgr.Grammar.from_ebnf(f"root ::= {json.dumps(self.call_prefix)}"),
                xgr.Grammar.from_json_schema(envelope, **json_options),
                xgr.Grammar.from_ebnf(f"root ::= {json.dumps(CALL_CLOSE)}"),
            )
            either = xgr.Grammar.union(tagged_call, xgr.Grammar.from_json_schema(output, **json_options))
            return self._compiler.compile_grammar(either), []
        except Exception as exc:  # the engine rejects the schema: generate freely, validate afterwards
            _log.warning("constrained decoding: the output schema does not compile (%s); generating "
                         "unconstrained, validated afterwards", str(exc).strip().splitlines()[0][:200] if str(exc) else exc)
            return None, []

    def _generate(
        self,
        prompt: str,
        grammar: Any,
        max_new: int,
        request: ModelRequest,
        on_text: Callable[[str], None] | None = None,
        temperature: float | None = None,
    ) -> tuple[str, int, int, bool]:
        """Run ``generate``; returns (text, prompt tokens, new tokens, hit the token cap or looped).

        ``temperature`` overrides the request's (a retry samples where the first try was greedy).
        """
        torch = import_extra("torch", feature=_FEATURE, extra="transformers")
        tok = self._tokenizer
        encoded: Any = tok(prompt, return_tensors="pt", add_special_tokens=False)
        input_ids: Any = encoded["input_ids"].to(self.device)
        kwargs: dict[str, Any] = {
            "max_new_tokens": max_new,
            "eos_token_id": self._stop_ids,
            "pad_token_id": tok.pad_token_id if tok.pad_token_id is not None else self._stop_ids[0],
            "attention_mask": encoded["attention_mask"].to(self.device),
        }
        temperature = temperature if temperature is not None else request.temperature
        if temperature:
            kwargs.update(do_sample=True, temperature=temperature, top_k=0, top_p=1.0)
            torch.manual_seed(request.seed if request.seed is not None else 0)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if grammar is not None:
            xgr_hf = import_extra("xgrammar.contrib.hf", feature=_FEATURE, extra="transformers")
            kwargs["logits_processor"] = [xgr_hf.LogitsProcessor(grammar)]
        if on_text is not None:
            kwargs["streamer"] = _callback_streamer(tok, on_text, self._stop_ids)
        kwargs["stopping_criteria"] = _loop_criteria(int(input_ids.shape[1]))
        with torch.inference_mode():
            output: Any = self._model.generate(input_ids, **kwargs)
        new_ids: list[int] = output[0, input_ids.shape[1] :].tolist()
        n_new = len(new_ids)
        stopped = bool(new_ids) and new_ids[-1] in self._stop_ids
        if stopped:
            new_ids = new_ids[:-1]
        looped = loop_start(new_ids)
        if looped is not None:
            new_ids = new_ids[:looped]
        text = str(tok.decode(new_ids, skip_special_tokens=False))
        if request.stop:
            cut = min((i for i in (text.find(s) for s in request.stop) if i >= 0), default=-1)
            if cut >= 0:
                text, stopped = text[:cut], True
        return text, int(input_ids.shape[1]), n_new, not stopped

    def _request_sync(self, request: ModelRequest, on_text: Callable[[str], None] | None = None) -> ModelResponse:
        with self._lock:
            self._load_locked()
            if self.answer_mode == "grounded" and (reply := grounded_reply(request, self.name)) is not None:
                return reply
            forced = bool(request.tools) and is_call_forced(request.tool_choice)
            fill = forced_fill(request)
            if fill is not None and (direct := fill.direct(self.name)) is not None:
                return direct  # the passage is the only argument: nothing for the model to write
            grammar, constrained_tools = self._grammar(request, forced, fill)
            prompt = self._render(request)
            temperature: float | None = None
            if forced:
                prompt += self.call_prefix
                # room for the longest passage the constraint leaves as the only choice, whatever the cap
                cap = min(request.max_tokens or self.max_call_tokens, self.max_call_tokens)
                max_new = call_token_budget(cap, constrained_tools) or cap
                if request.tool_choice != "required":
                    temperature = retry_temperature(request, request.tool_choice)
            elif grammar is not None:
                max_new = request.max_tokens or self.max_call_tokens
            else:
                max_new = request.max_tokens or self.max_new_tokens
            usage = Usage()
            for attempt in range(2 if forced else 1):
                text, n_in, n_out, capped = self._generate(prompt, grammar, max_new, request, on_text, temperature)
                usage = usage + Usage(requests=1, input_tokens=n_in, output_tokens=n_out)
                try:
                    response = local_response(
                        request, text, forced=forced, constrained=grammar is not None, parser=self.parser,
                        call_prefix=self.call_prefix, usage=usage, finish_reason="length" if capped else "stop",
                        model_name=self.name,
                    )
                    return response if fill is None else fill.complete(response)
                except UnexpectedModelBehavior:
                    if attempt == 1 or not forced:
                        raise
                    # greedy decoding would write the same cut-off call again: sample once more
                    temperature = _RETRY_TEMPERATURE
                    _log.info("forced call did not complete in %d tokens; sampling once more", n_out)
            raise AssertionError("unreachable")

    async def request(self, request: ModelRequest) -> ModelResponse:
        """Generate one reply in a worker thread (generation blocks)."""
        return await asyncio.to_thread(self._request_sync, request)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Stream free text as it is generated; calls in it become :class:`ToolCallDelta` events.

        Constrained generations (forced calls, structured output) arrive whole, as from
        :meth:`Model.stream`. ``stop`` strings are applied to the final response only.
        """
        if (request.tools and is_call_forced(request.tool_choice)) or request.output_schema is not None:
            async for event in super().stream(request):
                yield event
            return
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        def on_text(piece: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, piece)

        worker = asyncio.ensure_future(asyncio.to_thread(self._request_sync, request, on_text))
        worker.add_done_callback(lambda _: loop.call_soon_threadsafe(queue.put_nowait, None))
        parser = text_stream_parser(self.parser) if request.tools and request.tool_choice != "none" else None
        streamed: list[ToolCall] = []
        try:
            while (piece := await queue.get()) is not None:
                if parser is None:
                    yield TextDelta(text=piece)
                else:
                    for event in text_events(parser.feed(piece), streamed):
                        yield event
            if parser is not None:
                for event in text_events(parser.flush(), streamed):
                    yield event
            response = await worker
        finally:
            if not worker.done():
                await asyncio.wait({worker})  # generation cannot be interrupted; let it finish
        calls = response.message.tool_calls
        if streamed and len(streamed) == len(calls):
            # keep the ids the deltas announced
            fixed = [c.model_copy(update={"id": s.id}) for c, s in zip(calls, streamed, strict=True)]
            response = response.model_copy(update={"message": response.message.model_copy(update={"tool_calls": fixed})})
        yield Done(response=response)

    async def aclose(self) -> None:
        """Drop the weights so memory can be reclaimed."""
        with self._lock:
            self._model = None
            self._compiler = None
            self._loaded = False


def _load_failure(path: str, exc: Exception) -> str:
    """One line for a model that could not be loaded: what was tried and what to use instead."""
    import os

    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if os.path.isdir(path):
        where = f"the folder holds no loadable model ({first})"
    elif path.startswith(("/", ".", "~")) or path.strip("/").count("/") > 1:  # a hub id has one slash: org/name
        where = "no such folder"
    else:
        where = f"not a local folder, and the Hugging Face hub could not provide it ({first})"
    return (
        f"cannot load model {path!r}: {where}. "
        "Use the default embedded model (no --model), a local model folder, or --base-url for a server"
    )
