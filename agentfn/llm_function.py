"""``@llm_function``: a typed signature plus a jinja2 template, implemented by a model.

```python
from agentfn.llm_function import llm_function

@llm_function("functions/translate.jinja")
async def translate(text: str, target: str = "en") -> str:
    '''Translate text into the target language.'''
    ...

await translate("你好", target="en", model=my_model)
```

Declare it ``async def`` (calls are awaited). The body is never run (write ``...``): its signature is the tool schema, its
docstring the description, its return annotation the output type. A call renders
the arguments into the template (``StrictUndefined``: a missing variable is an
error, not an empty string), asks the model for JSON with ``output_schema`` set
(constrained decoding on backends that support it; a return type that is not an
object, such as ``str``, ``Literal`` or ``list``, is wrapped as ``{"result": ...}``),
validates the reply with pydantic (or with jsonschema for a JSON-Schema output) and,
when it does not validate, sends the error back and asks again (``retries`` times).

The result is an ordinary :class:`~agentfn.tool.Tool`: agents offer it and call it
(the model comes from the run), routers index it, and Python calls it directly.
The model is taken from, in order: the ``model=`` keyword of a direct call, the
agent's run context, :func:`set_default_model`, ``agentfn.backends.load_model(None)``.

Templates are package data loaded with :mod:`importlib.resources` (they work from
an installed wheel): by default ``functions/<name>.jinja`` in the ``prompts``
package; pass ``package=`` for your own package or ``prompt=`` for inline text.
Every template sees the call's arguments and ``output_schema`` (the JSON Schema
text the reply must match); the ``tojson`` filter writes JSON without HTML escaping.

Its tool timeout is :data:`MODEL_TOOL_TIMEOUT_S` unless ``timeout=`` says otherwise: an agent's default tool
timeout (60 s) is for tools that compute, and a model's generation on a busy CPU (the embedded default) takes
longer without being a hang (every chit-chat reply through ``generate`` was stopped and asked again).
"""

from __future__ import annotations

import functools
import importlib.resources
import inspect
import json
import re
import typing
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, cast

import jinja2
import pydantic_core
from pydantic import TypeAdapter, ValidationError

from agentfn._schema import inline_refs
from agentfn._sync import run_sync
from agentfn.backends.base import Model, ModelRequest
from agentfn.context import RunContext
from agentfn.exceptions import ConfigError, ToolDefinitionError, ToolRetry, UnexpectedModelBehavior, UserError
from agentfn.messages import AssistantMessage, Message, SystemMessage, UserMessage
from agentfn.tool import Tool

__all__ = [
    "MODEL_TOOL_TIMEOUT_S",
    "LLMFunction",
    "OutputTarget",
    "default_options",
    "get_default_model",
    "llm_function",
    "parse_output",
    "render_template",
    "set_default_model",
]

P = ParamSpec("P")
R = TypeVar("R")
OutputTarget = Any
"""A Python type (validated with pydantic) or a JSON Schema dict (validated with jsonschema)."""

DEFAULT_SYSTEM = (
    "You are a function implemented by a language model. Do exactly what the user message asks. "
    "Reply with only a JSON object that matches this JSON Schema, with no other text:\n{{ output_schema }}"
)
_CTX_PARAM = "_agentfn_ctx"
MODEL_TOOL_TIMEOUT_S = 300.0
"""The tool timeout of a model-implemented function (see the module docstring)."""

# -- default model -------------------------------------------------------------------

_default_model: Model | None = None
_default_spec: Model | str | None = None


def set_default_model(model: Model | str | None) -> None:
    """Set the model LLM functions use when neither the call nor an agent gives one.

    Args:
        model: a :class:`Model`, a spec string for :func:`agentfn.backends.load_model`,
            or None for the embedded default (built on first use).
    """
    global _default_model, _default_spec
    _default_spec = model
    _default_model = model if isinstance(model, Model) else None


def get_default_model() -> Model:
    """The configured default model, built on first use."""
    global _default_model
    if _default_model is None:
        from agentfn.backends import load_model

        _default_model = load_model(_default_spec)
    return _default_model


# -- templates -----------------------------------------------------------------------


def _json_filter(value: Any, indent: int | None = None) -> str:
    return json.dumps(pydantic_core.to_jsonable_python(value, fallback=repr), ensure_ascii=False, indent=indent)


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["tojson"] = _json_filter  # pyright: ignore[reportUnknownMemberType]
    return env


@functools.cache
def _load_template(package: str, name: str) -> jinja2.Template:
    try:
        source = importlib.resources.files(package).joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
        raise ConfigError(f"template {name!r} not found in package {package!r} ({exc})") from None
    return _compile(source, f"{package}:{name}")


def _compile(source: str, label: str) -> jinja2.Template:
    try:
        return _environment().from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"template {label}: syntax error on line {exc.lineno}: {exc.message}") from None


def render_template(template: str | jinja2.Template, variables: Mapping[str, Any], *, package: str = "agentfn.prompts") -> str:
    """Render a template (a name inside ``package``, or a compiled template) with StrictUndefined.

    Raises:
        UserError: a variable the template uses is missing.
    """
    compiled = _load_template(package, template) if isinstance(template, str) else template
    try:
        return compiled.render(**variables).strip()
    except jinja2.UndefinedError as exc:
        raise UserError(f"template {template if isinstance(template, str) else '<inline>'}: {exc.message}") from None


# -- output schemas and parsing ------------------------------------------------------


@dataclass
class _Output:
    """How one output target is requested and checked."""

    schema: dict[str, Any]
    wrapped: bool
    adapter: TypeAdapter[Any] | None
    json_schema: dict[str, Any] | None
    plain_text: bool  # a str result: accept an unwrapped plain-text reply too


def _is_object(schema: Mapping[str, Any]) -> bool:
    return schema.get("type") == "object" and bool(schema.get("properties"))


def _output_for(target: OutputTarget) -> _Output:
    if isinstance(target, Mapping):
        schema = dict(cast(Mapping[str, Any], target))
        try:
            import jsonschema

            jsonschema.Draft202012Validator.check_schema(schema)
        except Exception as exc:
            raise ToolRetry(f"the output JSON Schema is invalid: {str(exc).splitlines()[0]}") from None
        if _is_object(schema):
            return _Output(schema, False, None, schema, False)
        wrapped = {"type": "object", "properties": {"result": schema}, "required": ["result"]}
        return _Output(wrapped, True, None, schema, schema.get("type") == "string")
    try:
        return _output_for_type(target)
    except TypeError:  # an unhashable annotation: build it uncached
        return _output_for_type.__wrapped__(target)


_SCHEMA_KEYS = frozenset({"type", "properties", "anyOf", "oneOf", "allOf", "enum", "const", "items", "$ref"})


def _strip_titles(node: Any) -> Any:
    """Drop ``title`` from schema nodes (noise and tokens for a model); data is left alone."""
    if isinstance(node, list):
        return [_strip_titles(v) for v in cast(list[Any], node)]
    if not isinstance(node, dict):
        return node
    src = cast(dict[str, Any], node)
    is_schema = bool(_SCHEMA_KEYS & src.keys())
    out: dict[str, Any] = {}
    for key, value in src.items():
        if key == "title" and is_schema and isinstance(value, str):
            continue
        out[key] = value if key in ("default", "enum", "const", "examples") else _strip_titles(value)
    return out


@functools.lru_cache(maxsize=256)
def _output_for_type(target: Any) -> _Output:
    adapter = TypeAdapter[Any](target)
    schema = cast(dict[str, Any], _strip_titles(inline_refs(adapter.json_schema(), strip_titles=True)))
    if _is_object(schema):
        return _Output(schema, False, adapter, None, False)
    wrapped = {"type": "object", "properties": {"result": schema}, "required": ["result"]}
    if "$defs" in schema:
        wrapped["$defs"] = schema.pop("$defs")
    return _Output(wrapped, True, adapter, None, target is str)


_FENCE = re.compile(r"^```[\w-]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)


def _decode(text: str) -> tuple[bool, Any]:
    """``(True, value)`` for the JSON in a reply (fenced, or the first object in prose)."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group(1).strip()
    try:
        return True, json.loads(stripped)
    except ValueError:
        pass
    start = stripped.find("{")
    if start >= 0:
        try:
            value, _ = json.JSONDecoder().raw_decode(stripped[start:])
            return True, value
        except ValueError:
            pass
    return False, None


def _pydantic_errors(exc: ValidationError, prefix: tuple[str, ...] = ()) -> str:
    lines = [
        f"- {'.'.join((*prefix, *(str(p) for p in e['loc']))) or '(value)'}: {e['msg']}"
        for e in exc.errors(include_url=False)
    ]
    return "\n".join(lines[:20])


def parse_output(text: str, target: OutputTarget) -> Any:
    """Validate a model reply against ``target``; never returns an invalid value.

    Accepts the JSON object, the same in a code fence or after some prose, a bare
    value where a ``{"result": ...}`` wrapper was asked for, and plain text for a
    ``str`` result.

    Raises:
        ValueError: with a message for the model saying what is wrong.
    """
    spec = _output_for(target)
    ok, data = _decode(text)
    if not ok:
        if spec.plain_text and text.strip():
            return text.strip()
        raise ValueError("the reply is not JSON")
    decoded: Any = data
    candidates: list[tuple[tuple[str, ...], Any]] = []
    if spec.wrapped:
        if isinstance(data, dict) and "result" in data:
            candidates.append((("result",), cast(dict[str, Any], data)["result"]))
        candidates.append(((), decoded))  # a bare value where the wrapper was asked for
    else:
        candidates.append(((), decoded))
    first_error = ""
    for prefix, candidate in candidates:
        if spec.adapter is not None:
            try:
                return spec.adapter.validate_python(candidate)
            except ValidationError as exc:
                first_error = first_error or _pydantic_errors(exc, prefix)
        elif spec.json_schema is not None:
            import jsonschema

            validator = jsonschema.Draft202012Validator(spec.json_schema)
            errors: list[Any] = list(validator.iter_errors(candidate))  # pyright: ignore[reportUnknownMemberType]
            problems = sorted(errors, key=str)
            if not problems:
                return candidate
            first_error = first_error or "\n".join(
                f"- {'.'.join((*prefix, *(str(p) for p in e.absolute_path))) or '(value)'}: {e.message}"
                for e in problems[:20]
            )
    raise ValueError(first_error or "the reply does not match the schema")


# -- the function object -------------------------------------------------------------


class LLMFunction(Tool[P, R]):
    """A tool whose implementation is a prompt and a model. Built by :func:`llm_function`."""

    def __init__(
        self,
        original: Callable[..., Any],
        *,
        template: str | None,
        package: str,
        prompt: str | None,
        system: str | None,
        retries: int,
        output_type: OutputTarget | None,
        output_from: Callable[[dict[str, Any]], OutputTarget] | None,
        finalize: Callable[[Any, dict[str, Any]], Any] | None,
        model_settings: Mapping[str, Any] | None,
        name: str | None,
        tool_options: dict[str, Any],
    ) -> None:
        fn_name = name or original.__name__
        try:
            hints = typing.get_type_hints(original, include_extras=True)
        except Exception as exc:
            raise ToolDefinitionError(fn_name, [f"cannot resolve type hints: {exc}"]) from exc
        if "return" not in hints:
            raise ToolDefinitionError(fn_name, ["an LLM function needs a return annotation (its output type)"])
        self.original = original
        self.signature = inspect.signature(original)
        self.package = package
        self.template_name = None if prompt is not None else (template or f"functions/{fn_name}.jinja")
        self._template = _compile(prompt, fn_name) if prompt is not None else _load_template(package, cast(str, self.template_name))
        self._system = _compile(system if system is not None else DEFAULT_SYSTEM, f"{fn_name} system prompt")
        self.max_retries = max(0, retries)
        self.output_from = output_from
        self.output_type: OutputTarget = output_type if output_type is not None else hints["return"]
        self.finalize = finalize
        self.model_settings: dict[str, Any] = dict(model_settings or {})
        if output_from is None:
            try:  # fail at definition time, not at the first call
                _output_for(self.output_type)
            except Exception as exc:
                raise ToolDefinitionError(fn_name, [f"output type {self.output_type!r} has no JSON Schema: {exc}"]) from exc
        wrapper = self._make_wrapper(hints)
        options: dict[str, Any] = {"side_effects": "none", "timeout": MODEL_TOOL_TIMEOUT_S, **tool_options}
        options["metadata"] = {"llm_function": True, "template": self.template_name, **dict(options.get("metadata") or {})}
        super().__init__(cast(Callable[P, R], wrapper), name=fn_name, **options)
        # help() and IDEs show the Python signature (``await fn(text, ...)``), not the injected context.
        self.__signature__ = self.signature

    def _make_wrapper(self, hints: dict[str, Any]) -> Callable[..., Coroutine[Any, Any, Any]]:
        async def implementation(**kwargs: Any) -> Any:
            ctx = cast(RunContext[Any] | None, kwargs.pop(_CTX_PARAM, None))
            return await self.run(kwargs, ctx=ctx)

        params = [inspect.Parameter(_CTX_PARAM, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=RunContext[Any])]
        annotations: dict[str, Any] = {_CTX_PARAM: RunContext[Any], "return": hints["return"]}
        for pname, param in self.signature.parameters.items():
            if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                raise ToolDefinitionError(self.original.__name__, [f"{pname}: *args/**kwargs cannot be described to a model"])
            annotation = hints.get(pname, inspect.Parameter.empty)
            params.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
            annotations[pname] = annotation
        implementation.__signature__ = inspect.Signature(params, return_annotation=hints["return"])  # type: ignore[attr-defined]
        implementation.__annotations__ = annotations
        implementation.__name__ = implementation.__qualname__ = self.original.__name__
        implementation.__module__ = self.original.__module__
        implementation.__doc__ = self.original.__doc__
        return implementation

    # -- direct calls -----------------------------------------------------------------

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call from Python: ``await fn(...)``; ``model=`` picks the model and ``model_settings=``
        adds :class:`ModelRequest` fields (``max_tokens``, ``temperature``...) for this call."""
        model = cast(Model | str | None, kwargs.pop("model", None))
        settings = cast(Mapping[str, Any] | None, kwargs.pop("model_settings", None))
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return cast(R, self.run(dict(bound.arguments), model=model, model_settings=settings))

    def run_sync(self, *args: Any, **kwargs: Any) -> Any:
        """Call from synchronous code: any number of times, from any thread, or inside a running
        event loop (the caller blocks until the result is there; ``await fn(...)`` does not)."""
        return run_sync(cast(Coroutine[Any, Any, Any], self(*args, **kwargs)), instead=f"await {self.name}(...)")

    # -- the implementation -----------------------------------------------------------

    def render(self, arguments: Mapping[str, Any]) -> list[Message]:
        """The messages a call with these arguments sends (system + rendered template)."""
        spec = _output_for(self._target(arguments))
        variables = {**arguments, "output_schema": json.dumps(spec.schema, ensure_ascii=False)}
        return [
            SystemMessage(content=render_template(self._system, variables)),
            UserMessage(content=render_template(self._template, variables)),
        ]

    def _target(self, arguments: Mapping[str, Any]) -> OutputTarget:
        return self.output_from(dict(arguments)) if self.output_from is not None else self.output_type

    def resolve_model(self, model: Model | str | None, ctx: RunContext[Any] | None) -> Model:
        """The model a run would use: ``model`` (an instance or a name), else the run context's, else the default."""
        if isinstance(model, Model):
            return model
        if isinstance(model, str):
            from agentfn.backends import load_model

            return load_model(model)
        if ctx is not None and ctx.model is not None:
            return ctx.model
        return get_default_model()

    async def run(
        self,
        arguments: Mapping[str, Any],
        *,
        model: Model | str | None = None,
        ctx: RunContext[Any] | None = None,
        model_settings: Mapping[str, Any] | None = None,
    ) -> R:
        """Render, generate, validate, retry; return the validated (and finalized) result.

        Raises:
            UnexpectedModelBehavior: no valid reply after ``1 + retries`` attempts.
            ModelError: the model failed (server down, ...).
        """
        args = dict(arguments)
        target = self._target(args)
        spec = _output_for(target)
        backend = self.resolve_model(model, ctx)
        messages = self.render(args)
        last_text, error = "", ""
        for _attempt in range(1 + self.max_retries):
            request = ModelRequest(
                messages=list(messages), tools=[], tool_choice="none", output_schema=spec.schema,
                **{**self.model_settings, **(model_settings or {})},
            )
            response = await backend.request(request)
            last_text = response.message.content or ""
            try:
                value = parse_output(last_text, target)
                if self.finalize is not None:
                    value = self.finalize(value, args)
                return cast(R, value)
            except (ValueError, ToolRetry) as exc:
                error = exc.message if isinstance(exc, ToolRetry) else str(exc)
            messages.append(AssistantMessage(content=last_text))
            messages.append(UserMessage(content=(
                f"Your reply was not valid:\n{error}\n"
                "Reply again with only a JSON object that matches the schema."
            )))
        raise UnexpectedModelBehavior(
            f"{self.name}: no valid output after {1 + self.max_retries} attempt(s); last problem: {error}",
            body=last_text,
        )


def default_options(**options: Any) -> dict[str, Any]:
    """The :class:`LLMFunction` constructor options ``@llm_function()`` gives (the default template
    ``functions/<name>.jinja`` in ``agentfn.prompts``, 2 retries...), updated by ``options``: where a
    subclass's own decorator starts."""
    return {
        "template": None, "package": "agentfn.prompts", "prompt": None, "system": None, "retries": 2,
        "output_type": None, "output_from": None, "finalize": None, "model_settings": None, "name": None,
        "tool_options": {}, **options,
    }


def llm_function(
    template: str | None = None,
    *,
    name: str | None = None,
    package: str = "agentfn.prompts",
    prompt: str | None = None,
    system: str | None = None,
    retries: int = 2,
    output_type: OutputTarget | None = None,
    output_from: Callable[[dict[str, Any]], OutputTarget] | None = None,
    finalize: Callable[[Any, dict[str, Any]], Any] | None = None,
    model_settings: Mapping[str, Any] | None = None,
    **tool_options: Any,
) -> Callable[[Callable[P, R]], LLMFunction[P, R]]:
    """Turn a typed signature plus a template into a model-implemented :class:`Tool`.

    Args:
        template: template path inside ``package``; default ``functions/<name>.jinja``.
        name: the tool name (default: the function's name).
        package: the package holding the template (``prompts`` ships with agentfn).
        prompt: inline template text instead of a file.
        system: system prompt template; the default asks for JSON matching ``output_schema``.
        retries: how often an invalid reply is sent back for another try.
        output_type: what the model must produce, when it differs from the return
            annotation (``finalize`` turns it into the return value).
        output_from: computes the output target from the call's arguments (a type or a
            JSON Schema dict), for functions whose output shape is an argument.
        finalize: ``(value, arguments) -> result``, run after validation; raise
            ``ValueError`` or ``ToolRetry`` to send a problem back to the model.
        model_settings: extra :class:`ModelRequest` fields (``max_tokens``, ``temperature``...).
        **tool_options: :func:`agentfn.tool` options (``side_effects``, ``timeout``...).

    Raises:
        ToolDefinitionError: the signature cannot be a tool.
        ConfigError: the template is missing or malformed.
    """
    if callable(template):
        raise UserError("use @llm_function(...) with parentheses (or @llm_function() for the default template)")

    def decorate(function: Callable[P, R]) -> LLMFunction[P, R]:
        return LLMFunction[P, R](
            function, template=template, package=package, prompt=prompt, system=system, retries=retries,
            output_type=output_type, output_from=output_from, finalize=finalize, model_settings=model_settings,
            name=name, tool_options=tool_options,
        )

    return decorate
