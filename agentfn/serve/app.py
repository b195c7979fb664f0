"""The ASGI app behind ``agentfn serve``: agents as OpenAI-compatible models.

Endpoints: ``POST /v1/chat/completions`` (JSON or SSE; the tool loop runs here),
``GET /v1/models``, ``GET /v1/tools``, ``POST /v1/route``, ``GET /healthz``,
``GET /readyz``, ``GET /metrics``.

Request checks, in order: API key (401), rate limit (429 + ``Retry-After``),
body size (413), JSON and fields (400), message count (413), agent access (403/404).
Client-supplied ``tools`` are refused with 400 (``client_tools = "ignore"`` drops
them instead): the server only ever runs the tools it was configured with.
"""

from __future__ import annotations

import copy
import json
import logging
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError

# This module is imported only by create_app, after the serve extra was checked; FastAPI
# resolves the handlers' annotations from these module globals.
from starlette.requests import Request
from starlette.responses import Response

from agentfn._followups import resolve_followups
from agentfn.agent import Agent, AgentRun
from agentfn.events import (
    AgentEvent,
    ModelResponseEvent,
    RunEnd,
    TextDeltaEvent,
    ToolCallEvent,
    ToolResultEvent,
)
from agentfn.exceptions import ModelError, ModelUnavailableError, UserError
from agentfn.messages import Message, messages_from_openai
from agentfn.serve.agents import AgentPool
from agentfn.serve.config import ServeConfig
from agentfn.serve.metrics import ServerMetrics
from agentfn.serve.openai_api import (
    APIError,
    ChatRequest,
    chunk,
    completion,
    error_body,
    finish_reason,
    now,
    sse,
    tool_step,
)
from agentfn.serve.security import KeyRing, Principal, RateLimiter

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Receive, Scope, Send
    from starlette.types import Message as ASGIMessage

    from agentfn.backends.base import Model
    from agentfn.durable.serving import DurableServing
    from agentfn.toolset import Toolset

__all__ = ["create_app"]

log = logging.getLogger("agentfn.serve")

_KNOWN_PATHS = frozenset({
    "/v1/chat/completions", "/v1/models", "/v1/tools", "/v1/route", "/healthz", "/readyz", "/metrics",
})


class _MetricsMiddleware:
    """Times every request to its last byte (so streams count fully) and counts it by status."""

    def __init__(self, app: ASGIApp, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_wrapper(message: ASGIMessage) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            path = scope["path"] if scope["path"] in _KNOWN_PATHS else "other"
            self.metrics.observe_request(path, scope["method"], status[0], time.perf_counter() - started)


class _Server:
    """Request handling; one per app, no per-client state beyond rate-limit buckets."""

    def __init__(self, config: ServeConfig, pool: AgentPool, metrics: ServerMetrics) -> None:
        self.config = config
        self.pool = pool
        self.metrics = metrics
        self.keys = KeyRing(config)
        self.limiter = RateLimiter()
        self.ready = False
        self.durable: DurableServing | None = None

    # -- guards -----------------------------------------------------------------------

    def guard(self, request: Request) -> Principal:
        client = request.client.host if request.client else "unknown"
        principal = self.keys.authenticate(request.headers.get("authorization"), client)
        if principal is None:
            self.metrics.error("unauthorized")
            raise APIError(401, "missing or invalid API key (send Authorization: Bearer KEY)",
                           code="invalid_api_key", headers={"WWW-Authenticate": "Bearer"})
        retry_after = self.limiter.check(principal)
        if retry_after:
            self.metrics.rate_limited.inc()
            raise APIError(429, f"rate limit exceeded for {principal.name}; retry in {retry_after}s",
                           type="rate_limit_error", code="rate_limit_exceeded",
                           headers={"Retry-After": str(retry_after)})
        return principal

    async def read_json(self, request: Request) -> Any:
        limit = self.config.limits.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise APIError(413, f"request body is {declared} bytes; the limit is {limit}", code="body_too_large")
        body = bytearray()
        async for part in request.stream():
            body += part
            if len(body) > limit:
                raise APIError(413, f"request body exceeds the limit of {limit} bytes", code="body_too_large")
        try:
            return json.loads(body)
        except ValueError as exc:
            raise APIError(400, f"request body is not JSON: {exc}", code="invalid_json") from None

    def served(self, name: str | None, principal: Principal) -> tuple[str, Agent[Any, str]]:
        served = self.pool.get(name)
        if served is None:
            raise APIError(404, f"the model {name!r} does not exist (models: {', '.join(self.pool.agents)})",
                           code="model_not_found", param="model")
        if not principal.may_use_agent(served.name):
            raise APIError(403, f"this key may not use the model {served.name!r}", type="permission_error",
                           code="model_not_allowed", param="model")
        return served.name, served.for_principal(principal)

    # -- chat completions ---------------------------------------------------------------

    def prepare(self, data: Any, principal: Principal) -> tuple[ChatRequest, str, Agent[Any, str], list[Message]]:
        if not isinstance(data, dict):
            raise APIError(400, "request body must be a JSON object")
        try:
            req = ChatRequest.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors(include_url=False)
            )
            raise APIError(400, f"invalid request: {problems}") from None
        limits = self.config.limits
        if len(req.messages) > limits.max_messages:
            raise APIError(413, f"{len(req.messages)} messages; the limit is {limits.max_messages}",
                           code="too_many_messages", param="messages")
        if (req.tools or req.functions) and self.config.client_tools == "reject":
            raise APIError(400, "client-supplied tools are not accepted: this server runs its own tools "
                           "(GET /v1/tools lists them); remove `tools`", code="client_tools_unsupported",
                           param="tools")
        if req.n not in (None, 1):
            raise APIError(400, "only n=1 is supported", param="n")
        if req.response_format and req.response_format.get("type", "text") != "text":
            raise APIError(400, "response_format other than text is not supported", param="response_format")
        name, agent = self.served(req.model, principal)
        choice = req.agent_tool_choice()
        if choice is not None and choice not in ("auto", "none", "required") and choice not in agent.toolset:
            raise APIError(400, f"tool_choice names {choice!r}, which is not an available tool", param="tool_choice")
        settings = req.model_settings()
        if settings or req.parallel_tool_calls is not None:
            agent = copy.copy(agent)
            agent.model_settings = {**agent.model_settings, **settings}
            if req.parallel_tool_calls is not None:
                agent.parallel_tool_calls = req.parallel_tool_calls
        try:
            messages = messages_from_openai(req.messages)
        except (ValueError, AttributeError, TypeError) as exc:
            raise APIError(400, f"invalid messages: {exc}", param="messages") from None
        if not any(m.role != "system" for m in messages):
            raise APIError(400, "messages must contain at least one non-system message", param="messages")
        if agent.follow_route:  # the small path: an elliptical follow-up is made a request that stands alone
            messages = resolve_followups(messages)
        return req, name, agent, messages

    def run_failed(self, end: RunEnd, run: AgentRun[Any]) -> APIError | None:
        error = run.result.error if end.outcome == "error" else None
        if isinstance(error, ModelError):
            kind = "model_unavailable" if isinstance(error, ModelUnavailableError) else "model_error"
            self.metrics.error(kind)
            status = 503 if isinstance(error, ModelUnavailableError) else 502
            return APIError(status, f"the model failed: {error}", type="server_error", code=kind)
        return None

    async def complete(self, request: Request) -> Response:
        from starlette.responses import JSONResponse

        principal = self.guard(request)
        req, name, agent, messages = self.prepare(await self.read_json(request), principal)
        include_steps = self.config.include_tool_steps if req.include_tool_steps is None else req.include_tool_steps
        request_id = request.headers.get("x-request-id") or f"req-{random.getrandbits(64):016x}"
        metadata = {"api_key": principal.name, "request_id": request_id, "served_as": name}
        if self.durable is not None:
            run = self.durable.iter(name, agent, principal, req.model_settings(), req.parallel_tool_calls, messages,
                                    tool_choice=req.agent_tool_choice(), stream=req.stream, metadata=metadata)
        else:
            run = agent.iter(messages, tool_choice=req.agent_tool_choice(), stream=req.stream, metadata=metadata)
        events = run.__aiter__()
        self.metrics.in_progress.inc()
        if req.stream:
            return await self._stream(req, name, run, events, include_steps)
        calls: dict[str, ToolCallEvent] = {}
        steps: list[dict[str, Any]] = []
        end: RunEnd | None = None
        try:
            async for event in events:
                self.metrics.observe_event(name, event)
                if isinstance(event, ToolCallEvent):
                    calls[event.call.id] = event
                elif isinstance(event, ToolResultEvent):
                    steps.append(tool_step(calls.get(event.call_id), event))
                elif isinstance(event, RunEnd):
                    end = event
        except UserError as exc:
            raise APIError(400, str(exc)) from None
        finally:
            self.metrics.in_progress.dec()
        assert end is not None
        failure = self.run_failed(end, run)
        if failure is not None:
            raise failure
        output = run.result.output if end.outcome == "answered" else None
        body = completion(
            completion_id=f"chatcmpl-{end.run_id}", model=name, created=now(),
            content=None if output is None else str(output), end=end,
            tool_steps=steps if include_steps else None,
        )
        return JSONResponse(body)

    async def _stream(
        self, req: ChatRequest, name: str, run: AgentRun[Any], events: AsyncIterator[AgentEvent], include_steps: bool
    ) -> Response:
        from starlette.responses import StreamingResponse

        # Wait for the first model output before answering 200, so a model that is down
        # is an HTTP error (503) rather than an error buried in a stream.
        head: list[AgentEvent] = []
        try:
            async for event in events:
                self.metrics.observe_event(name, event)
                head.append(event)
                if isinstance(event, TextDeltaEvent | ModelResponseEvent | RunEnd):
                    break
        except UserError as exc:
            self.metrics.in_progress.dec()
            raise APIError(400, str(exc)) from None
        except BaseException:
            self.metrics.in_progress.dec()
            raise
        if head and isinstance(head[-1], RunEnd):
            failure = self.run_failed(head[-1], run)
            if failure is not None:
                self.metrics.in_progress.dec()
                raise failure
        run_id = head[0].run_id if head else "unknown"
        body = self._chunks(req, name, f"chatcmpl-{run_id}", run, head, events, include_steps)
        return StreamingResponse(body, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def _chunks(
        self,
        req: ChatRequest,
        name: str,
        completion_id: str,
        run: AgentRun[Any],
        head: list[AgentEvent],
        events: AsyncIterator[AgentEvent],
        include_steps: bool,
    ) -> AsyncIterator[bytes]:
        encoder = _ChunkEncoder(self, req, name, completion_id, run, include_steps)
        try:
            # Events already in hand go out in one write (fewer syscalls per response).
            first = [sse(chunk(completion_id, name, encoder.created, {"role": "assistant", "content": ""}))]
            first += [encoder.encode(e) for e in head]
            yield b"".join(first)
            if not encoder.finished:
                async for event in events:
                    self.metrics.observe_event(name, event)
                    data = encoder.encode(event)
                    if data:
                        yield data
                    if encoder.finished:
                        break
        except Exception as exc:  # after the 200 went out, errors can only travel in the stream
            log.exception("stream failed")
            self.metrics.error("stream")
            yield sse(error_body(f"internal error: {type(exc).__name__}", "server_error")) + sse("[DONE]")
        finally:
            self.metrics.in_progress.dec()
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()

    # -- the other endpoints ------------------------------------------------------------

    def models(self, request: Request) -> dict[str, Any]:
        principal = self.guard(request)
        created = now()
        data = [
            {"id": name, "object": "model", "created": created, "owned_by": "agentfn"}
            for name in self.pool.agents if principal.may_use_agent(name)
        ]
        return {"object": "list", "data": data}

    def tools(self, request: Request) -> dict[str, Any]:
        principal = self.guard(request)
        name, agent = self.served(request.query_params.get("model"), principal)
        strict = request.query_params.get("strict", "").lower() in ("1", "true", "yes")
        data: list[dict[str, Any]] = []
        for t in agent.toolset:
            spec = t.openai_schema(strict=strict)
            spec["agentfn"] = {
                "requires_approval": t.requires_approval, "side_effects": t.side_effects,
                "idempotent": t.idempotent, "schema_hash": t.schema_hash,
            }
            data.append(spec)
        return {"object": "list", "model": name, "data": data}

    async def route(self, request: Request) -> dict[str, Any]:
        principal = self.guard(request)
        raw = await self.read_json(request)
        if not isinstance(raw, dict):
            raise APIError(400, "request body must be a JSON object")
        data = cast(dict[str, Any], raw)
        served = self.pool.get(data.get("model"))
        name, agent = self.served(data.get("model"), principal)
        if served is None or served.router is None:
            raise APIError(404, f"the model {name!r} has no router configured", code="router_not_configured")
        k = data.get("k", agent.route_k)
        if not isinstance(k, int) or k < 1:
            raise APIError(400, "k must be a positive integer", param="k")
        query: Any
        if isinstance(data.get("messages"), list):
            if len(data["messages"]) > self.config.limits.max_messages:
                raise APIError(413, "too many messages", code="too_many_messages", param="messages")
            try:
                query = messages_from_openai(data["messages"])
            except (ValueError, AttributeError, TypeError) as exc:
                raise APIError(400, f"invalid messages: {exc}", param="messages") from None
        elif isinstance(data.get("query"), str):
            query = data["query"]
        else:
            raise APIError(400, "send `query` (text) or `messages` (OpenAI chat messages)")
        plan = served.router.route(query, k=k)
        allowed = set(agent.toolset.names())
        return {
            "model": name,
            "ranked": [[n, s] for n, s in plan.ranked if n in allowed],
            "selected": [n for n in plan.selected if n in allowed],
            "abstain": plan.abstain,
            "confidence": plan.confidence,
        }


class _ChunkEncoder:
    """Turns run events into SSE bytes in OpenAI's chunk format (empty bytes for events not shown)."""

    def __init__(
        self, server: _Server, req: ChatRequest, name: str, completion_id: str, run: AgentRun[Any], include_steps: bool
    ) -> None:
        self.server = server
        self.req = req
        self.name = name
        self.id = completion_id
        self.run = run
        self.include_steps = include_steps
        self.created = now()
        self.calls: dict[str, ToolCallEvent] = {}
        self.finished = False
        self.text_step: int | None = None

    def encode(self, event: AgentEvent) -> bytes:
        cid, name, created = self.id, self.name, self.created
        if isinstance(event, TextDeltaEvent) and event.text:
            # Text a model writes before its tool calls streams too; a blank line keeps it apart
            # from the next step's text (the non-streaming content is the final answer only).
            text = event.text
            if self.text_step is not None and event.step != self.text_step:
                text = "\n\n" + text
            self.text_step = event.step
            return sse(chunk(cid, name, created, {"content": text}))
        if isinstance(event, ToolCallEvent):
            self.calls[event.call.id] = event
            if self.include_steps:
                info = {"type": "tool_call", "id": event.call.id, "name": event.call.name,
                        "arguments": event.call.arguments, "step": event.step}
                return sse(chunk(cid, name, created, agentfn=info))
        elif isinstance(event, ToolResultEvent) and self.include_steps:
            info = {"type": "tool_result", **tool_step(self.calls.get(event.call_id), event)}
            return sse(chunk(cid, name, created, agentfn=info))
        elif isinstance(event, RunEnd):
            self.finished = True
            failure = self.server.run_failed(event, self.run)
            if failure is not None:
                return sse({**failure.body(), "agentfn": {"run_id": event.run_id}}) + sse("[DONE]")
            meta = {"type": "run_end", "run_id": event.run_id, "outcome": event.outcome,
                    "reason": event.reason, "steps": event.steps}
            out = sse(chunk(cid, name, created, finish=finish_reason(event.outcome), agentfn=meta))
            if self.req.stream_options is not None and self.req.stream_options.include_usage:
                out += sse(chunk(cid, name, created, usage=event.usage, no_choices=True))
            return out + sse("[DONE]")
        return b""


def create_app(
    config: ServeConfig,
    *,
    model: Model | None = None,
    toolsets: dict[str, Toolset] | None = None,
) -> FastAPI:
    """Build the ASGI app.

    Args:
        config: a checked :class:`ServeConfig` (see :func:`agentfn.serve.config.load_config`).
        model: use this model for every agent instead of the config's specs (tests, embedding).
        toolsets: ready toolsets by agent name, instead of the agents' ``tools`` specs.
    """
    try:
        from contextlib import asynccontextmanager

        from fastapi import FastAPI
        from starlette.responses import JSONResponse
    except ImportError as exc:
        from agentfn.exceptions import MissingExtraError

        raise MissingExtraError("agentfn serve", "serve", "fastapi") from exc

    config.check()
    metrics = ServerMetrics()
    pool = AgentPool(config, model=model, toolsets=toolsets)
    server = _Server(config, pool, metrics)
    from agentfn.traces.otel import OTelRecorder

    otel = OTelRecorder.from_env()  # AGENTFN_OTEL=1 or `agentfn serve --otel`; None (nothing imported) when off
    if otel is not None:
        for served in pool.agents.values():
            served.agent.handlers.append(otel)
    if config.durable:
        from agentfn.durable.serving import DurableServing

        server.durable = DurableServing(config, pool)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncGenerator[None]:
        if server.durable is not None:
            await server.durable.start()  # resumes runs that stopped processes left pending
        server.ready = True
        try:
            yield
        finally:
            server.ready = False
            if server.durable is not None:
                await server.durable.aclose()
            await pool.aclose()
            if otel is not None:
                otel.close()

    app = FastAPI(title="agentfn", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.agentfn = server

    @app.exception_handler(APIError)
    async def api_error(_request: Request, exc: APIError) -> Response:  # pyright: ignore[reportUnusedFunction]
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(Exception)
    async def internal_error(_request: Request, exc: Exception) -> Response:  # pyright: ignore[reportUnusedFunction]
        log.exception("request failed", exc_info=exc)
        metrics.error("internal")
        return JSONResponse(error_body(f"internal error: {type(exc).__name__}", "server_error"), status_code=500)

    async def chat_completions(request: Request) -> Response:
        return await server.complete(request)

    # A plain Starlette route: the hot path skips FastAPI's dependency resolution, which it does
    # not use (it reads, limits and validates its body itself).
    app.router.add_route("/v1/chat/completions", chat_completions, methods=["POST"])

    @app.get("/v1/models")
    async def list_models(request: Request) -> dict[str, Any]:  # pyright: ignore[reportUnusedFunction]
        return server.models(request)

    @app.get("/v1/tools")
    async def list_tools(request: Request) -> dict[str, Any]:  # pyright: ignore[reportUnusedFunction]
        return server.tools(request)

    @app.post("/v1/route")
    async def route(request: Request) -> dict[str, Any]:  # pyright: ignore[reportUnusedFunction]
        return await server.route(request)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:  # pyright: ignore[reportUnusedFunction]
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> Response:  # pyright: ignore[reportUnusedFunction]
        body = {"status": "ready" if server.ready else "starting", "models": list(pool.agents),
                "trace_store": pool.recorder is not None}
        return JSONResponse(body, status_code=200 if server.ready else 503)

    if config.metrics:
        @app.get("/metrics")
        async def prometheus() -> Response:  # pyright: ignore[reportUnusedFunction]
            payload, content_type = metrics.render()
            return Response(payload, media_type=content_type)

    if config.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=config.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(_MetricsMiddleware, metrics=metrics)
    return app
