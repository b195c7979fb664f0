"""The ``@tool`` decorator and the :class:`Tool` it produces.

A :class:`Tool` wraps a typed function: it knows its JSON Schema, validates
arguments the way a model sends them (JSON text, sometimes slightly wrong),
calls the function (sync or async, with an injected :class:`RunContext` when
asked) and turns the result into text a model can read. Calling the tool
object directly calls the original function, unchanged.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import hashlib
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from typing import Any, Generic, Literal, ParamSpec, TypeVar, cast, overload

import pydantic_core
from pydantic import ValidationError

from agentfn._repair import decode_arguments, repair_arguments
from agentfn._schema import (
    DocstringFormat,
    FunctionSchema,
    build_function_schema,
    return_schema_for,
    strict_schema,
)
from agentfn._sync import run_sync
from agentfn.context import RunContext
from agentfn.exceptions import ToolArgumentError, ToolDefinitionError

__all__ = ["SideEffects", "Tool", "tool"]

P = ParamSpec("P")
R = TypeVar("R")
SideEffects = Literal["none", "read", "write", "external"]

class _Unset:
    """Marks a lazily computed attribute that has not been computed yet."""


_UNSET = _Unset()

_NAME_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _check_name(name: str) -> None:
    # OpenAI-compatible servers require ^[a-zA-Z0-9_-]{1,64}$.
    if not name or len(name) > 64 or not set(name) <= _NAME_OK:
        raise ToolDefinitionError(name, ["tool names must match ^[a-zA-Z0-9_-]{1,64}$"])


class Tool(Generic[P, R]):
    """A function the model can call.

    Build one with :func:`tool` (from a function) or :meth:`from_schema` (from
    an OpenAI-format definition). See ``docs/architecture.md`` for the contract.
    """

    function: Callable[..., Any] | None
    __name__: str
    __doc__: str | None

    def __init__(
        self,
        function: Callable[P, R] | None,
        *,
        name: str | None = None,
        description: str | None = None,
        docstring_format: DocstringFormat = "auto",
        requires_approval: bool = False,
        timeout: float | None = None,
        retries: int | None = None,
        side_effects: SideEffects = "none",
        idempotent: bool | None = None,
        cost_hint: float | None = None,
        latency_hint: float | None = None,
        strict: bool = False,
        metadata: Mapping[str, Any] | None = None,
        blocking: bool = True,
        is_output_tool: bool = False,
        _schema: FunctionSchema | None = None,
        _validator: Callable[[Any], dict[str, Any]] | None = None,
        _parameters: dict[str, Any] | None = None,
        _return_schema: dict[str, Any] | None = None,
    ) -> None:
        if function is None and _parameters is None:
            raise ToolDefinitionError(name or "<unnamed>", ["a tool needs a function or a schema"])
        self.function = function
        self.name = name or getattr(function, "__name__", "")
        if not self.name:
            raise ToolDefinitionError(repr(function), ["this callable has no __name__; pass name=..."])
        _check_name(self.name)
        self.requires_approval = requires_approval
        self.timeout = timeout
        self.retries = retries
        self.side_effects: SideEffects = side_effects
        # Reads and pure functions are safe to repeat; writes are not unless declared.
        self.idempotent = idempotent if idempotent is not None else side_effects in ("none", "read")
        self.cost_hint = cost_hint
        self.latency_hint = latency_hint
        self.strict = strict
        self.blocking = blocking
        # The agent's ``final_result`` tool: its validated value is the run's answer, not a tool result.
        self.is_output_tool = is_output_tool
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.warnings: list[str] = []
        self._validator = _validator
        if function is not None and _parameters is None:
            schema = _schema or build_function_schema(
                function, name=self.name, description=description, docstring_format=docstring_format
            )
            self._fs: FunctionSchema | None = schema
            self.description = schema.description
            self.parameters = schema.parameters
            self._return_schema: dict[str, Any] | _Unset | None = _UNSET
            self.takes_ctx = schema.ctx_param is not None
            self.is_async = schema.is_async
            # Name, docstring and module of the function; not its __dict__, which could shadow our attributes.
            functools.update_wrapper(self, function, updated=())  # pyright: ignore[reportArgumentType]
        else:
            self._fs = None
            self.description = description or ""
            self.parameters = _parameters or {"type": "object", "properties": {}}
            self._return_schema = _return_schema
            self.takes_ctx = False
            self.is_async = function is not None and inspect.iscoroutinefunction(function)
        # Sync, no context, no positional-only parameters: call as function(**validated).
        self._plain = (
            function is not None
            and not self.is_async
            and (self._fs is None or (self._fs.ctx_param is None and not self._fs.positional_only))
        )
        self._schema_cache: dict[bool, dict[str, Any]] = {}
        self._hash: str | None = None

    @property
    def return_schema(self) -> dict[str, Any] | None:
        """JSON Schema of the return value (from the return annotation), or None.

        Computed on first use: it is informational, and building it for every
        tool would double the cost of decorating.
        """
        if isinstance(self._return_schema, _Unset):
            annotation = self._fs.return_annotation if self._fs is not None else None
            self._return_schema = return_schema_for(annotation)
        return self._return_schema

    # -- calling the original function ------------------------------------------------

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self.function is None:
            raise TypeError(f"tool {self.name!r} has no Python function bound")
        return cast(R, self.function(*args, **kwargs))

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r}, side_effects={self.side_effects!r})"

    def with_name(self, name: str) -> Tool[P, R]:
        """A copy under another name (same function, schema and policy); records ``original_name``.

        Raises:
            ToolDefinitionError: the name is not a valid tool name.
        """
        _check_name(name)
        clone = copy.copy(self)
        clone.name = name
        clone._schema_cache = {}
        clone._hash = None
        clone.metadata = {**self.metadata, "original_name": self.metadata.get("original_name", self.name)}
        clone.warnings = list(self.warnings)
        return clone

    # -- schema -----------------------------------------------------------------------

    def openai_schema(self, strict: bool | None = None) -> dict[str, Any]:
        """The OpenAI function-tool definition.

        Args:
            strict: the strict-mode variant for constrained decoding; defaults
                to the tool's own ``strict`` flag.
        """
        use_strict = self.strict if strict is None else strict
        cached = self._schema_cache.get(use_strict)
        if cached is None:
            parameters = strict_schema(self.parameters) if use_strict else self.parameters
            function: dict[str, Any] = {
                "name": self.name,
                "description": self.description,
                "parameters": parameters,
            }
            if use_strict:
                function["strict"] = True
            cached = {"type": "function", "function": function}
            self._schema_cache[use_strict] = cached
        return cached

    @property
    def schema(self) -> dict[str, Any]:
        """``{"type": "function", "function": {"name", "description", "parameters"}}``."""
        return self.openai_schema()

    @property
    def schema_hash(self) -> str:
        """A short, stable hash of the schema; traces use it to spot changed tools."""
        if self._hash is None:
            canonical = json.dumps(self.openai_schema(strict=False), sort_keys=True, ensure_ascii=False)
            self._hash = hashlib.sha256(canonical.encode()).hexdigest()[:16]
        return self._hash

    # -- validation -------------------------------------------------------------------

    def validate(self, arguments: str | bytes | Mapping[str, Any] | None) -> dict[str, Any]:
        """Validate arguments as a model sent them.

        Accepts a dict or JSON text. Common small-model mistakes are repaired
        when that loses nothing: arguments double-encoded as a JSON string,
        arguments wrapped in ``{"arguments": {...}}``, numbers sent as strings,
        ``null`` for a parameter that has a default.

        Raises:
            ToolArgumentError: with every field error, phrased for the model.
        """
        fs = self._fs
        if fs is None:
            if self._validator is None:
                return decode_arguments(self.name, arguments)
            return self._validator(arguments)
        validator = fs.validator
        if type(arguments) is str and arguments:
            try:
                # The fast path: one pass through pydantic-core, straight to the keyword arguments.
                return validator.validate_json(arguments)
            except ValidationError:
                pass  # fall through to decoding and repairs
        data = decode_arguments(self.name, arguments)
        try:
            return validator.validate_python(data)
        except ValidationError as first_error:
            repaired = repair_arguments(data, self.parameters)
            if repaired is not None:
                try:
                    return validator.validate_python(repaired)
                except ValidationError as exc:
                    raise ToolArgumentError(self.name, _errors(exc, self.parameters)) from None
            raise ToolArgumentError(self.name, _errors(first_error, self.parameters)) from None

    # -- execution --------------------------------------------------------------------

    @property
    def runs_inline(self) -> bool:
        """True for a sync tool declared ``blocking=False``: every path calls it on the caller's thread."""
        return not self.is_async and not self.blocking

    def _invoke(self, validated: dict[str, Any], ctx: RunContext[Any] | None) -> Any:
        function = self.function
        if function is None:
            raise TypeError(f"tool {self.name!r} is schema-only; bind a function with from_schema(..., function=)")
        fs = self._fs
        if fs is None or self._plain:
            return function(**validated)
        args: list[Any] = []
        if fs.ctx_param is not None:
            if ctx is None:
                ctx = RunContext(deps=None, tool_name=self.name)
            if fs.ctx_positional:
                args.append(ctx)
            else:
                validated = {fs.ctx_param: ctx, **validated}
        if fs.positional_only:
            args.extend(validated.pop(n) for n in fs.positional_only if n in validated)
        return function(*args, **validated)

    async def call(
        self,
        arguments: str | bytes | Mapping[str, Any] | None,
        ctx: RunContext[Any] | None = None,
        *,
        validated: bool = False,
        in_thread: bool = False,
        executor: Executor | None = None,
    ) -> Any:
        """Validate and run the tool; await it when async. The one way every caller runs a tool.

        A sync function runs inline (cheapest) unless ``in_thread`` or
        ``executor`` is given, and always inline when it is declared
        ``blocking=False``; otherwise it runs on ``executor`` (the agent
        loop passes its own thread pool, so a blocking tool cannot stall the
        event loop or the other calls) or, with ``in_thread``, on asyncio's
        default thread pool.

        Args:
            arguments: raw arguments (JSON text or dict), or already validated
                ones with ``validated=True``.
            ctx: the run context, injected when the function asks for it.
            validated: skip validation (the caller already ran :meth:`validate`).
            in_thread: run a blocking sync function in a worker thread.
            executor: run a blocking sync function on this executor.
        """
        if validated and not isinstance(arguments, str | bytes):
            values = dict(arguments or {})
        else:
            values = self.validate(arguments)
        if self.is_async:
            return await cast(Awaitable[Any], self._invoke(values, ctx))
        if self.blocking:
            if executor is not None:
                return await asyncio.get_running_loop().run_in_executor(executor, self._invoke, values, ctx)
            if in_thread:
                return await asyncio.to_thread(self._invoke, values, ctx)
        function = self.function
        if self._plain and function is not None:
            return function(**values)
        return self._invoke(values, ctx)

    def call_sync(
        self,
        arguments: str | bytes | Mapping[str, Any] | None,
        ctx: RunContext[Any] | None = None,
    ) -> Any:
        """Validate and run from synchronous code.

        Async tools run on agentfn's background loop (see ``agentfn._sync.run_sync``): any
        number of times, from any thread, or inside a running loop (the caller blocks).
        """
        values = self.validate(arguments)
        function = self.function
        if self._plain and function is not None:
            return function(**values)
        if not self.is_async:
            return self._invoke(values, ctx)

        async def run() -> Any:
            return await self._invoke(values, ctx)

        return run_sync(run(), instead=f"await {self.name}.call(...)")

    @staticmethod
    def to_content(result: Any) -> str:
        """Render a return value as text for the model: strings as they are, the rest as JSON.

        Anything pydantic can serialise (models, dataclasses, datetimes, UUIDs,
        Decimals, sets, enums...) becomes JSON; NaN and infinities become
        ``null`` so the text stays valid JSON; bytes that are not UTF-8 are
        base64-encoded; any other object falls back to its ``repr``.
        """
        if isinstance(result, str):
            return result
        try:
            return pydantic_core.to_json(result, fallback=repr, inf_nan_mode="null").decode()
        except pydantic_core.PydanticSerializationError:
            return pydantic_core.to_json(
                result, fallback=repr, inf_nan_mode="null", bytes_mode="base64"
            ).decode()

    # -- construction from foreign definitions ----------------------------------------

    @classmethod
    def from_schema(
        cls,
        spec: Mapping[str, Any],
        function: Callable[..., Any] | None = None,
        **options: Any,
    ) -> Tool[..., Any]:
        """Build a tool from an OpenAI-format function definition.

        Accepts ``{"name", "description", "parameters"}`` or the
        ``{"type": "function", "function": {...}}`` envelope (or an MCP tool
        with ``inputSchema``), in the loose JSON-Schema dialect found in the
        wild; what had to be normalised is listed in ``tool.warnings``. An
        output schema travels with the tool as ``tool.return_schema``, as a
        return annotation does for ``@tool``: MCP ``outputSchema``,
        ``returns``/``output_parameters``/``response`` fields, or OpenAPI
        ``responses`` (first 2xx JSON schema).

        Args:
            spec: the definition.
            function: optional callable to bind; it receives the validated
                arguments as keyword arguments.
            **options: policy metadata, as for :func:`tool`.

        Raises:
            ToolSchemaError: the definition cannot be understood.
        """
        from agentfn._foreign import normalize_spec
        from agentfn._foreign_output import output_schema

        normalized = normalize_spec(spec)
        validator = normalized.make_validator()
        options.setdefault("strict", normalized.strict)  # a strict spec stays strict when re-emitted
        # An explicit return schema (e.g. an MCP client's unwrapped one) wins over what the definition declares.
        if "_return_schema" not in options:
            options["_return_schema"] = output_schema(spec, normalized.warnings)
        built: Tool[..., Any] = cls(
            function,
            name=normalized.name,
            description=normalized.description,
            _parameters=normalized.parameters,
            _validator=validator,
            **options,
        )
        built.warnings = normalized.warnings
        if normalized.original_name != normalized.name:
            built.metadata["original_name"] = normalized.original_name
        return built


_FRIENDLY = {
    "missing_keyword_only_argument": "Field required",
    "missing_argument": "Field required",
    "missing": "Field required",
}


def _errors(exc: ValidationError, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"loc", "msg", "input"}`` dicts a model can act on."""
    known = ", ".join(cast(Mapping[str, Any], (parameters or {}).get("properties", {})))
    out: list[dict[str, Any]] = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        kind = err["type"]
        msg = _FRIENDLY.get(kind, err["msg"])
        if kind in ("unexpected_keyword_argument", "extra_forbidden"):
            msg = "unknown parameter" if len(err["loc"]) == 1 else "unknown field"
            if len(err["loc"]) == 1 and known:
                msg += f"; this tool takes: {known}"
        out.append({"loc": loc, "msg": msg, "input": err.get("input"), "type": kind})
    return out


@overload
def tool(function: Callable[P, R], /) -> Tool[P, R]: ...
@overload
def tool(
    name: str,
    /,
    *,
    description: str | None = None,
    docstring_format: DocstringFormat = "auto",
    requires_approval: bool = False,
    timeout: float | None = None,
    retries: int | None = None,
    side_effects: SideEffects = "none",
    idempotent: bool | None = None,
    cost_hint: float | None = None,
    latency_hint: float | None = None,
    strict: bool = False,
    metadata: Mapping[str, Any] | None = None,
    blocking: bool = True,
) -> Callable[[Callable[P, R]], Tool[P, R]]: ...
@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    docstring_format: DocstringFormat = "auto",
    requires_approval: bool = False,
    timeout: float | None = None,
    retries: int | None = None,
    side_effects: SideEffects = "none",
    idempotent: bool | None = None,
    cost_hint: float | None = None,
    latency_hint: float | None = None,
    strict: bool = False,
    metadata: Mapping[str, Any] | None = None,
    blocking: bool = True,
) -> Callable[[Callable[P, R]], Tool[P, R]]: ...
def tool(
    function_or_name: Callable[P, R] | str | None = None,
    /,
    *,
    name: str | None = None,
    **options: Any,
) -> Tool[P, R] | Callable[[Callable[P, R]], Tool[P, R]]:
    """Turn a typed function into a :class:`Tool`.

    All of ``@tool``, ``@tool()``, ``@tool("name")``,
    ``@tool(name=..., description=...)`` and ``tool(fn)`` work. The decorated
    name still calls the original function.

    Args:
        function_or_name: the function, or the tool name.
        name: the tool name (defaults to the function's name).
        **options: ``description``, ``docstring_format``, ``requires_approval``,
            ``timeout`` (seconds), ``retries``, ``side_effects``
            (none/read/write/external), ``idempotent``, ``cost_hint``,
            ``latency_hint``, ``strict``, ``metadata``, ``blocking`` (False for a
            sync function that never blocks, e.g. pure arithmetic: the agent
            loop then calls it inline instead of handing it to a worker thread).

    Raises:
        ToolDefinitionError: every problem with the signature, at once.
    """
    if callable(function_or_name):
        return Tool(function_or_name, name=name, **options)
    tool_name = function_or_name if isinstance(function_or_name, str) else name

    def decorate(function: Callable[P, R]) -> Tool[P, R]:
        return Tool(function, name=tool_name, **options)

    return decorate
