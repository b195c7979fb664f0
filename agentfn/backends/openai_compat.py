"""Any OpenAI-compatible ``/v1/chat/completions`` server (vLLM, OpenAI, llama.cpp, TGI ...).

The production path. The server's own tool-call parsing is not trusted (see
``shared/notes/offline-models.md``): calls left in the text or in a reasoning block are parsed
client-side, double-encoded arguments are decoded, and ``parallel_tool_calls=False`` is
enforced by keeping the first call.

Error policy:
    * connection refused, timeouts, 429 and 5xx, and a 200 whose body is not a chat completion
      (invalid JSON, a proxy's HTML page): ``max_retries`` retries with exponential backoff, then
      :class:`~agentfn.exceptions.ModelUnavailableError`. A stream that breaks off (connection
      error, a line that is not JSON, or a clean end in the middle of a call's arguments without
      ``finish_reason``) raises it at once: its deltas were already delivered.
    * other 4xx: :class:`~agentfn.exceptions.ModelError` carrying the server's message.
    * a tool call cut off by the token limit (``finish_reason="length"`` with raw call text
      and no parsed call): the request is repeated up to ``truncated_call_retries`` times,
      sampled (a greedy request gets a temperature and a seed: greedy decoding would loop the same
      way), then :class:`~agentfn.exceptions.UnexpectedModelBehavior` is raised with the raw text
      in ``body``. The agent loop may treat that error as a retryable model failure. When
      streaming, deltas were already delivered, so it raises without repeating.

Forced calls (``tool_choice`` a tool name or ``"required"``; :mod:`agentfn.backends._served_calls`): the
schema the server builds the call's grammar from is the one sent, so with ``constrain_forced_calls``
(the default) the forced tools' ``parameters`` are bounded (``maxLength``, ``maxItems``) and marked
``"strict": true``, and with ``extractive`` narrowed to the values the conversation offers (auto: on
for a call forced by name, off on OpenAI's own API), within the served model's context (read once from
``GET /v1/models``, vLLM's ``max_model_len``: a narrowed request that would leave no room for the reply
is sent with the wider schema; :mod:`agentfn.backends._openai_wire`). A forced call that does not
complete (cut off, raw call text, arguments that are not JSON) is repeated with a different request: sampled and seeded,
a ``repetition_penalty`` (not on OpenAI's API) and tighter bounds; a constrained request the server
rejects (4xx) is sent once more with the tools as they are. A forced call's ``max_tokens`` (when the request
sets one) is raised to cover the longest string choice of the tools sent, and a passage the request pastes
is not sent as a parameter to fill but copied into the call (:mod:`agentfn.backends._pasted`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from agentfn._sync import LoopLocal
from agentfn.backends._constrain import (
    DEFAULT_MAX_ITEMS,
    DEFAULT_MAX_STRING_LENGTH,
    is_call_forced,
)
from agentfn.backends._decoding import retry_sampling_temperature
from agentfn.backends._grammar import call_token_budget
from agentfn.backends._lazy import import_extra
from agentfn.backends._openai_wire import (
    InvalidBody,
    ModelCard,
    checked_completion,
    complete_json,
    extra_field,
    http_errors,
    model_cards,
    normalise_base_url,
    request_token_budget,
    server_message,
    usage_of,
)
from agentfn.backends._pasted import PastedFill, forced_fill
from agentfn.backends._served_calls import (
    DEFAULT_RETRY_REPETITION_PENALTY,
    RETRY_MAX_ITEMS,
    RETRY_MAX_STRING_LENGTH,
    call_failure,
    extraction_applies,
    forced_call_tools,
    retry_overrides,
)
from agentfn.backends._toolcalls import (
    enforce_single_call,
    looks_like_truncated_call,
    parse_text_calls,
    repair_calls,
    text_events,
    text_stream_parser,
)
from agentfn.backends.base import (
    Done,
    Model,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
)
from agentfn.exceptions import ModelError, ModelUnavailableError, UnexpectedModelBehavior
from agentfn.messages import AssistantMessage, ToolCall, Usage, messages_to_openai, new_call_id

__all__ = ["OpenAIModel", "StructuredOutputMode"]

StructuredOutputMode = Literal["response_format", "structured_outputs"]
"""How ``output_schema`` is sent: OpenAI's ``response_format`` json_schema (understood by
vLLM too) or vLLM's ``extra_body={"structured_outputs": {"json": schema}}``."""

_T = TypeVar("_T")
_log = logging.getLogger("agentfn.backends.openai_compat")


class OpenAIModel(Model):
    """A model behind an OpenAI-compatible chat-completions endpoint.

    Args:
        model: the served model name; None asks the server (``GET /v1/models``) on first use.
        base_url: e.g. ``http://127.0.0.1:8000/v1`` (``/v1`` is appended to a bare host).
            None uses ``OPENAI_BASE_URL`` or OpenAI itself.
        api_key: None uses ``OPENAI_API_KEY`` or ``"EMPTY"`` (local servers ignore it).
        http_client: the async HTTP client the installed ``openai`` takes (``httpx2.AsyncClient``
            for openai>=3, ``httpx.AsyncClient`` before), e.g. with a mock transport; it is not
            closed by :meth:`aclose`, and it is used from whichever event loop calls (without
            one, each event loop gets its own connections, so ``run_sync`` and repeated
            ``asyncio.run`` calls work against keep-alive servers).
        parser: parser name(s) for calls found in text, or ``"auto"`` (hermes first, then
            the others registered).
        structured_outputs: how ``output_schema`` is sent (see :data:`StructuredOutputMode`).
        strict_tools: mark every tool ``"strict": true`` (vLLM then checks arguments too).
        output_schema_with_tools: also constrain output when a call is still possible. Off by
            default because vLLM applies the constraint to the whole reply, which rules out calls.
        max_retries: retries after a connection error, timeout, 429 or 5xx.
        backoff: first retry delay in seconds, doubled each time up to ``max_backoff``.
        timeout: seconds per HTTP request.
        truncated_call_retries: repeats of a request whose call was cut by the token limit (and,
            with ``constrain_forced_calls``, of a forced call that did not complete).
        extractive: narrow a forced call's tool schema to argument values the conversation
            offers (:func:`agentfn.backends._extract.extractive_spec`); None (auto): on for a call
            forced by name (``follow_route``), except on OpenAI's own API.
        constrain_forced_calls: bound and mark strict the schemas of forced tools, and repeat a
            forced call that did not complete with a different request (see the module docstring).
            False sends tools as given and repeats only a cut-off call, sampled.
        max_string_length: ``maxLength`` added to unbounded strings of forced tools (None: none).
        max_items: ``maxItems`` added to unbounded arrays of forced tools (None: none).
        retry_repetition_penalty: vLLM's ``repetition_penalty`` on the repeat of a failed forced
            call (+0.2 per further repeat); None sends none. Never sent to OpenAI's API.
        context_length: the served model's context in tokens; None reads it from the server
            (``GET /v1/models``: vLLM's ``max_model_len``), once per model, the first time a forced
            call is narrowed. A narrowed request that would not leave room for the reply
            (``max_tokens``, else 256 tokens) is sent with the forced tool's wider schema instead.
        extra_body: sent with every request (server-specific fields).
        name: display name; defaults to ``openai:<model>``.
    """

    supports_constrained_decoding = True

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        http_client: Any = None,
        parser: str | Sequence[str] = "auto",
        structured_outputs: StructuredOutputMode = "response_format",
        strict_tools: bool = False,
        output_schema_with_tools: bool = False,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        timeout: float = 120.0,
        truncated_call_retries: int = 1,
        extra_body: Mapping[str, Any] | None = None,
        name: str | None = None,
        extractive: bool | None = None,
        constrain_forced_calls: bool = True,
        max_string_length: int | None = DEFAULT_MAX_STRING_LENGTH,
        max_items: int | None = DEFAULT_MAX_ITEMS,
        retry_repetition_penalty: float | None = DEFAULT_RETRY_REPETITION_PENALTY,
        context_length: int | None = None,
    ) -> None:
        openai = import_extra("openai", feature="OpenAIModel", extra="openai")
        self._openai: Any = openai
        url = base_url or os.environ.get("OPENAI_BASE_URL")
        self.base_url = normalise_base_url(url) if url else None
        options: dict[str, Any] = {
            "api_key": api_key or os.environ.get("OPENAI_API_KEY") or "EMPTY",
            "base_url": self.base_url,
            "max_retries": 0,  # retries are ours: typed errors and a bounded, tested policy
            "timeout": timeout,
        }
        # An injected client is used as it is, on whatever loop calls. Otherwise each event loop
        # gets a client of its own: pooled keep-alive connections belong to the loop that opened
        # them, and reusing one from another (or a closed) loop fails with "Event loop is closed".
        self._shared_client: Any = (
            openai.AsyncOpenAI(http_client=http_client, **options) if http_client is not None else None
        )
        self._clients: LoopLocal[Any] = LoopLocal(lambda: openai.AsyncOpenAI(**options), _close_client)
        self.model = model
        self.parser = parser
        self.structured_outputs: StructuredOutputMode = structured_outputs
        self.strict_tools = strict_tools
        self.output_schema_with_tools = output_schema_with_tools
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.truncated_call_retries = truncated_call_retries
        self.extra_body = dict(extra_body or {})
        self.extractive = extractive
        self.constrain_forced_calls = constrain_forced_calls
        self.max_string_length = max_string_length
        self.max_items = max_items
        self.retry_repetition_penalty = retry_repetition_penalty
        self.context_length = context_length
        self._contexts: dict[str, int | None] = {}
        """Context length per served model, as the server's model list reported it (None: not said)."""
        self._fixed_name = name is not None
        self.name = name or f"openai:{model or '?'}"

    # --- plumbing -----------------------------------------------------------

    async def _client(self) -> Any:
        """The ``AsyncOpenAI`` client for the running event loop."""
        if self._shared_client is not None:
            return self._shared_client
        return await self._clients.get()

    async def _with_retries(self, call: Callable[[], Awaitable[_T]]) -> _T:
        openai = self._openai
        attempt = 0
        while True:
            try:
                return await call()
            except openai.APIStatusError as exc:
                status = int(getattr(exc, "status_code", 0) or 0)
                if status != 429 and status < 500:
                    raise ModelError(f"model server rejected the request ({status}): {server_message(exc)}") from exc
                failure: Exception = exc
                status_code: int | None = status
            except openai.APIConnectionError as exc:  # includes APITimeoutError
                failure, status_code = exc, None
            except (json.JSONDecodeError, InvalidBody) as exc:  # a 200 whose body is not a completion (a proxy's page)
                failure, status_code = exc, None
            if attempt >= self.max_retries:
                where = self.base_url or "the OpenAI API"
                raise ModelUnavailableError(
                    f"model server at {where} unavailable after {attempt + 1} attempt(s): "
                    f"{type(failure).__name__}: {server_message(failure)}",
                    status_code=status_code,
                    attempts=attempt + 1,
                ) from failure
            await asyncio.sleep(min(self.max_backoff, self.backoff * (2**attempt)))
            attempt += 1

    async def _model_cards(self, *, retry: bool = True) -> list[ModelCard]:
        """The server's models (``GET /v1/models``); their context lengths are remembered."""

        async def listing() -> list[ModelCard]:
            page: Any = await (await self._client()).models.list()
            return model_cards(list(page.data))

        cards = await (self._with_retries(listing) if retry else listing())
        for card in cards:
            self._contexts.setdefault(card.id, card.context_length)
        return cards

    async def _model_name(self) -> str:
        if self.model is None:
            cards = await self._model_cards()
            if not cards:
                raise ModelError(f"the server at {self.base_url} serves no models")
            self.model = cards[0].id
            if not self._fixed_name:
                self.name = f"openai:{self.model}"
        return self.model

    async def _context_length(self) -> int | None:
        """The served model's context in tokens: ``context_length`` if given, else what the server's model
        list says, read once per model (a server without a model list, or silent on it: None)."""
        if self.context_length is not None:
            return self.context_length
        name = await self._model_name()
        if name not in self._contexts:
            try:  # one try, no retries: a budget is a refinement, never a reason to fail a request
                await self._model_cards(retry=False)
            except self._openai.APIConnectionError as exc:  # unreachable now: asked again next time
                _log.info("the server's model list did not answer (%s); no request budget this time", exc)
                return None
            except (self._openai.APIError, json.JSONDecodeError, AttributeError) as exc:  # no model list (404, 501)
                _log.info("the server has no model list (%s); no request budget", exc)
            self._contexts.setdefault(name, None)
        return self._contexts[name]

    async def _params(self, request: ModelRequest) -> dict[str, Any]:
        return (await self._request_params(request))[0]

    async def _sent_tools(
        self, request: ModelRequest, attempt: int, constrain: bool, fill: PastedFill | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """The tool specs sent, and whether the forced ones were narrowed or bounded (a pasted passage's
        parameter, ``fill``, is never sent: it is copied into the call afterwards)."""
        tools = [self._tool_spec(t if fill is None else fill.reduced(t)) for t in request.tools]
        extractive = constrain and extraction_applies(self.extractive, request.tool_choice, self.base_url)
        if not constrain or not (extractive or self.constrain_forced_calls):
            return tools, False
        strings, items = (self.max_string_length, self.max_items) if self.constrain_forced_calls else (None, None)
        if attempt:  # a repeat after a call that did not complete: tighter bounds
            strings = min(strings, RETRY_MAX_STRING_LENGTH) if strings is not None else None
            items = min(items, RETRY_MAX_ITEMS) if items is not None else None
        budget = request_token_budget(await self._context_length(), request.max_tokens) if extractive else None
        messages = request.messages if fill is None else fill.elided(request.messages)
        return forced_call_tools(tools, request.tool_choice, messages, extractive=extractive,
                                 max_string_length=strings, max_items=items, max_request_tokens=budget)

    async def _request_params(
        self, request: ModelRequest, attempt: int = 0, constrain: bool = True, fill: PastedFill | None = None
    ) -> tuple[dict[str, Any], bool]:
        """The request's parameters, and whether forced tools were constrained; ``attempt`` > 0 is the
        repeat of a forced call that did not complete (see :mod:`agentfn.backends._served_calls`). A forced
        call's ``max_tokens`` covers the longest string choice of the tools sent (:func:`call_token_budget`)."""
        constrained = False
        params: dict[str, Any] = {
            "model": await self._model_name(),
            "messages": messages_to_openai(request.messages),
        }
        extra_body = dict(self.extra_body)
        calls_possible = bool(request.tools) and request.tool_choice != "none"
        max_tokens = request.max_tokens
        if request.tools:
            tools, constrained = await self._sent_tools(request, attempt, constrain, fill)
            params["tools"] = tools
            if is_call_forced(request.tool_choice):
                forced = [t for t in tools if request.tool_choice in ("required", t.get("function", {}).get("name"))]
                max_tokens = call_token_budget(request.max_tokens, forced)
            choice = request.tool_choice
            params["tool_choice"] = (
                choice if choice in ("auto", "required", "none") else {"type": "function", "function": {"name": choice}}
            )
            if calls_possible:
                params["parallel_tool_calls"] = request.parallel_tool_calls
        if request.output_schema is not None and (not calls_possible or self.output_schema_with_tools):
            if self.structured_outputs == "structured_outputs":
                extra_body["structured_outputs"] = {"json": request.output_schema}
            else:
                params["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "output", "schema": request.output_schema, "strict": True},
                }
        for key, value in (
            ("max_tokens", max_tokens),
            ("temperature", request.temperature),
            ("seed", request.seed),
            ("stop", request.stop),
        ):
            if value is not None:
                params[key] = value
        if attempt and self.constrain_forced_calls:
            fields, extra = retry_overrides(attempt, temperature=request.temperature, seed=request.seed,
                                            repetition_penalty=self.retry_repetition_penalty, base_url=self.base_url)
            params.update(fields)
            extra_body.update(extra)
        if extra_body:
            params["extra_body"] = extra_body
        return params, constrained

    def _tool_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        if not self.strict_tools:
            return spec
        fn = dict(spec.get("function", {}))
        fn["strict"] = True
        return {**spec, "function": fn}

    def _response(
        self,
        request: ModelRequest,
        *,
        content: str | None,
        calls: list[ToolCall],
        reasoning: str | None,
        finish_reason: str | None,
        usage: Usage,
        model_name: str,
    ) -> ModelResponse:
        """Apply the untrusting clean-up shared by :meth:`request` and :meth:`stream`."""
        raw_text: str | None = None
        calls_possible = bool(request.tools) and request.tool_choice != "none"
        if calls_possible and not calls:
            # The server's parser missed them (or none is configured): look in the text, then
            # in the reasoning block, where some models put their calls.
            found = parse_text_calls(content, self.parser)
            if found.tool_calls:
                raw_text, content, calls = content, found.content, found.tool_calls
                reasoning = reasoning or found.reasoning
            elif reasoning:
                in_reasoning = parse_text_calls(reasoning, self.parser)
                if in_reasoning.tool_calls:
                    raw_text, calls = reasoning, in_reasoning.tool_calls
                    reasoning = in_reasoning.content
        if calls:
            calls = enforce_single_call(repair_calls(calls, request.tools), request.parallel_tool_calls)
            content = content if content and content.strip() else None
        return ModelResponse(
            message=AssistantMessage(content=content, tool_calls=calls, reasoning=reasoning),
            usage=usage,
            model_name=model_name,
            finish_reason=finish_reason,
            raw_text=raw_text,
        )

    # --- Model API ----------------------------------------------------------

    async def request(self, request: ModelRequest) -> ModelResponse:
        """One chat completion, cleaned up; see the module docstring for the error and retry policy."""
        client = await self._client()
        attempts = 0
        constrain = True
        fill = forced_fill(request)
        if fill is not None and (direct := fill.direct(self.model or await self._model_name())) is not None:
            return direct  # the pasted passage is the call's only argument: nothing for the model to write
        params, constrained = await self._request_params(request, fill=fill)
        while True:
            try:
                completion: Any = await self._with_retries(
                    lambda sent=params: checked_completion(client.chat.completions.create(**sent)))
            except (ModelUnavailableError, UnexpectedModelBehavior):
                raise
            except ModelError as exc:
                if not constrained:
                    raise
                # The server cannot use the constrained schema (its grammar compiler rejects it): send as given.
                _log.warning("the server rejected the constrained schema of a forced call (%s); "
                             "sending the tools as they are", exc)
                constrain = False
                params, constrained = await self._request_params(request, attempts, constrain=False, fill=fill)
                continue
            response, failure = self._read_completion(request, completion, params)
            if fill is not None:
                response = fill.complete(response)
            if failure is None:
                return response
            if attempts >= self.truncated_call_retries:
                if response.message.tool_calls:
                    return response  # arguments that are not JSON: the agent's validation reports them
                raise UnexpectedModelBehavior(
                    f"the tool call did not complete ({failure}; max_tokens={request.max_tokens}) "
                    f"after {attempts + 1} attempt(s)",
                    body=response.message.content,
                )
            attempts += 1
            if self.constrain_forced_calls:
                params, constrained = await self._request_params(request, attempts, constrain, fill)
            elif not request.temperature:  # greedy decoding would write the same cut-off call again
                params = {**params, "temperature": retry_sampling_temperature(attempts),
                          "seed": (request.seed or 0) + attempts}

    def _read_completion(self, request: ModelRequest, completion: Any, params: dict[str, Any]) -> tuple[ModelResponse, str | None]:
        """The cleaned-up reply, and why its call did not complete (None when it did)."""
        if not completion.choices:
            raise UnexpectedModelBehavior("the server returned no choices", body=str(completion))
        choice: Any = completion.choices[0]
        message: Any = choice.message
        raw_calls: list[Any] = list(message.tool_calls or [])
        calls = [
            ToolCall(id=str(tc.id or new_call_id()), name=str(tc.function.name or ""), arguments=str(tc.function.arguments or ""))
            for tc in raw_calls
            if getattr(tc, "function", None) is not None
        ]
        response = self._response(
            request,
            content=message.content,
            calls=calls,
            reasoning=extra_field(message, "reasoning_content", "reasoning"),
            finish_reason=choice.finish_reason,
            usage=usage_of(completion.usage),
            model_name=str(completion.model or params["model"]),
        )
        if not response.message.tool_calls and looks_like_truncated_call(message.content, choice.finish_reason):
            return response, "cut off by the token limit"
        if not self.constrain_forced_calls:
            return response, None
        return response, call_failure(request.tool_choice, message.content, response.message.tool_calls,
                                      choice.finish_reason)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """Stream text and native tool-call deltas; the final :class:`Done` holds the cleaned-up reply.

        Calls the server left in the text are only found once the text is complete, so they
        appear in ``Done.response`` without earlier :class:`ToolCallDelta` events.
        """
        params = await self._params(request)
        params["stream"] = True
        params["stream_options"] = {"include_usage": True}
        client = await self._client()
        stream: Any = await self._with_retries(lambda: client.chat.completions.create(**params))
        text: list[str] = []
        reasoning: list[str] = []
        calls_possible = bool(request.tools) and request.tool_choice != "none"
        # Calls a server leaves in the text are cut out of the text stream as they complete.
        text_parser = text_stream_parser(self.parser) if calls_possible else None
        text_calls: list[ToolCall] = []
        calls: dict[int, dict[str, str]] = {}
        finish_reason: str | None = None
        usage = Usage(requests=1)
        model_name = str(params["model"])
        try:
            async for chunk in stream:
                if getattr(chunk, "usage", None) is not None:
                    usage = usage_of(chunk.usage)
                if getattr(chunk, "model", None):
                    model_name = str(chunk.model)
                choices: list[Any] = list(chunk.choices or [])
                for choice in choices:
                    if choice.index not in (0, None):
                        continue
                    finish_reason = str(choice.finish_reason or "") or finish_reason
                    delta: Any = choice.delta
                    if delta is None:
                        continue
                    piece = extra_field(delta, "reasoning_content", "reasoning")
                    if piece:
                        reasoning.append(str(piece))
                    if delta.content:
                        piece_text = str(delta.content)
                        text.append(piece_text)
                        if text_parser is None:
                            yield TextDelta(text=piece_text)
                        else:
                            for event in text_events(text_parser.feed(piece_text), text_calls):
                                yield event
                    call_deltas: list[Any] = list(delta.tool_calls or [])
                    for tc in call_deltas:
                        index = int(tc.index or 0)
                        slot = calls.setdefault(index, {"id": "", "name": "", "arguments": ""})
                        fn: Any = tc.function
                        name = str(fn.name or "") if fn is not None else ""
                        args = str(fn.arguments or "") if fn is not None else ""
                        call_id = str(tc.id) if tc.id else None
                        if call_id:
                            slot["id"] = call_id
                        slot["name"] += name
                        slot["arguments"] += args
                        yield ToolCallDelta(index=index, id=call_id, name=name or None, arguments=args)
        except (self._openai.APIError, http_errors(), json.JSONDecodeError) as exc:
            raise ModelUnavailableError(
                f"the stream from {self.base_url or 'the OpenAI API'} broke off: {type(exc).__name__}: {exc}",
                status_code=getattr(exc, "status_code", None),
            ) from exc
        if finish_reason is None and any(not complete_json(slot["arguments"]) for slot in calls.values()):
            # The body ended cleanly (a proxy or HTTP/1.0 server closing the connection) in the middle
            # of a call's arguments: no finish_reason, no [DONE]. Not a reply to act on.
            raise ModelUnavailableError(
                f"the stream from {self.base_url or 'the OpenAI API'} ended in the middle of a tool call's arguments"
            )
        content = "".join(text) or None
        if text_parser is not None:
            for event in text_events(text_parser.flush(), text_calls):
                yield event
            parsed = text_parser.finish()
            if parsed.tool_calls and not calls:
                # Same call ids as the deltas already sent; the raw text stays available.
                response = self._response(
                    request,
                    content=parsed.content,
                    calls=list(parsed.tool_calls),
                    reasoning="".join(reasoning) or parsed.reasoning,
                    finish_reason=finish_reason,
                    usage=usage,
                    model_name=model_name,
                )
                yield Done(response=response.model_copy(update={"raw_text": content}))
                return
        assembled = [
            ToolCall(id=slot["id"] or new_call_id(), name=slot["name"], arguments=slot["arguments"])
            for _, slot in sorted(calls.items())
        ]
        response = self._response(
            request,
            content=content,
            calls=assembled,
            reasoning="".join(reasoning) or None,
            finish_reason=finish_reason,
            usage=usage,
            model_name=model_name,
        )
        if not response.message.tool_calls and looks_like_truncated_call(content, finish_reason):
            raise UnexpectedModelBehavior(
                f"the streamed tool call was cut off by the token limit (max_tokens={request.max_tokens})",
                body=content,
            )
        yield Done(response=response)

    async def aclose(self) -> None:
        """Close the HTTP connections (not an injected ``http_client``). Safe to call twice; a
        later request opens new ones. Clients of other event loops are also closed when their
        loop shuts down (``asyncio.run`` does), so a forgotten ``aclose`` leaks nothing there."""
        await self._clients.aclose()


async def _close_client(client: Any) -> None:
    await client.close()
