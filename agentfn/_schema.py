"""Turn a Python signature into an argument validator and a JSON Schema.

Everything here uses public pydantic APIs (``create_model``, ``TypeAdapter``)
and griffe for docstrings. The result, :class:`FunctionSchema`, is what a
:class:`~agentfn.tool.Tool` validates and calls through.
"""

from __future__ import annotations

import copy
import inspect
import logging
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

import griffe
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model
from pydantic.errors import PydanticSchemaGenerationError, PydanticUserError
from pydantic.fields import FieldInfo

from agentfn.context import RunContext
from agentfn.exceptions import ToolDefinitionError

__all__ = ["FunctionSchema", "build_function_schema", "inline_refs", "strict_schema"]

DocstringFormat = typing.Literal["auto", "google", "numpy", "sphinx"]

_griffe_logger = logging.getLogger("griffe")


@dataclass
class FunctionSchema:
    """What a tool needs to know about its function."""

    description: str
    parameters: dict[str, Any]
    args_model: type[BaseModel]
    field_names: tuple[str, ...]
    positional_only: tuple[str, ...]
    ctx_param: str | None
    ctx_positional: bool
    is_async: bool
    return_schema: dict[str, Any] | None
    param_descriptions: dict[str, str] = field(default_factory=dict[str, str])


class _ArgsBase(BaseModel):
    # Unknown keys are reported back so the model learns the real parameter names.
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=False)


def _is_run_context(annotation: Any) -> bool:
    origin = get_origin(annotation) or annotation
    return inspect.isclass(origin) and issubclass(origin, RunContext)


def parse_docstring(doc: str | None, style: DocstringFormat = "auto") -> tuple[str, dict[str, str]]:
    """Split a docstring into (description, {param: description}) with griffe.

    The description is every text section before the first structured one,
    so a multi-paragraph summary survives while ``Args:``/``Returns:`` do not.
    """
    if not doc:
        return "", {}
    text = inspect.cleandoc(doc)
    parser: Any = "auto" if style == "auto" else style
    previous = _griffe_logger.level
    # griffe warns through logging about missing types, which tools never need.
    _griffe_logger.setLevel(logging.ERROR)
    try:
        sections = griffe.Docstring(text, parser=parser).parse()
    finally:
        _griffe_logger.setLevel(previous)
    description_parts: list[str] = []
    params: dict[str, str] = {}
    seen_structured = False
    for section in sections:
        kind = section.kind.value
        if kind == "text" and not seen_structured:
            description_parts.append(str(section.value).strip())
        elif kind in ("parameters", "other parameters"):
            seen_structured = True
            for p in section.value:
                if p.description:
                    params[p.name.lstrip("*")] = " ".join(str(p.description).split())
        else:
            seen_structured = True
    return "\n\n".join(p for p in description_parts if p), params


def _check_annotation(name: str, annotation: Any) -> str | None:
    try:
        TypeAdapter(annotation).json_schema()
    except (PydanticSchemaGenerationError, PydanticUserError, TypeError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"parameter {name!r}: unsupported type {_type_name(annotation)} ({first})"
    return None


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or repr(annotation)


def build_function_schema(
    function: Callable[..., Any],
    *,
    name: str,
    description: str | None = None,
    docstring_format: DocstringFormat = "auto",
) -> FunctionSchema:
    """Inspect ``function`` and build its validator and JSON Schema.

    Raises:
        ToolDefinitionError: listing every problem found in the signature.
    """
    problems: list[str] = []
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError) as exc:
        raise ToolDefinitionError(name, [f"cannot read the signature: {exc}"]) from exc
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception as exc:  # unresolved forward refs surface as NameError and friends
        raise ToolDefinitionError(name, [f"cannot resolve type hints: {exc}"]) from exc

    doc_description, doc_params = parse_docstring(inspect.getdoc(function), docstring_format)
    fields: dict[str, Any] = {}
    positional_only: list[str] = []
    ctx_param: str | None = None
    ctx_positional = False
    for index, (pname, param) in enumerate(signature.parameters.items()):
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            problems.append(f"*{pname}: variable positional arguments cannot be described to a model")
            continue
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            problems.append(f"**{pname}: variable keyword arguments cannot be described to a model")
            continue
        annotation = hints.get(pname, inspect.Parameter.empty)
        if annotation is inspect.Parameter.empty:
            problems.append(f"parameter {pname!r} has no type annotation")
            continue
        if _is_run_context(annotation):
            if index != 0:
                problems.append(f"parameter {pname!r}: the RunContext parameter must come first")
            ctx_param = pname
            ctx_positional = param.kind is inspect.Parameter.POSITIONAL_ONLY
            continue
        problem = _check_annotation(pname, annotation)
        if problem:
            problems.append(problem)
            continue
        if param.kind is inspect.Parameter.POSITIONAL_ONLY:
            positional_only.append(pname)
        default: Any = ... if param.default is inspect.Parameter.empty else param.default
        doc = doc_params.get(pname)
        if isinstance(default, FieldInfo):
            if doc and not default.description:
                default.description = doc
            fields[pname] = (annotation, default)
        else:
            fields[pname] = (annotation, Field(default, description=doc))
    if "return" in hints:
        return_annotation = hints["return"]
        if return_annotation is not None and return_annotation is not type(None):
            problem = _check_annotation("return", return_annotation)
            if problem:
                problems.append(problem.replace("parameter 'return'", "return value"))
    if problems:
        raise ToolDefinitionError(name, problems)

    try:
        args_model = create_model(f"{name}_arguments", __base__=_ArgsBase, **fields)
        parameters = inline_refs(args_model.model_json_schema())
    except (PydanticSchemaGenerationError, PydanticUserError, TypeError, ValueError) as exc:
        raise ToolDefinitionError(name, [str(exc)]) from exc
    parameters.pop("title", None)
    for prop in parameters.get("properties", {}).values():
        if isinstance(prop, dict):
            prop.pop("title", None)  # titles are noise for the model and cost tokens
    parameters.setdefault("properties", {})
    return_schema = _return_schema(hints.get("return"))
    return FunctionSchema(
        description=(description if description is not None else doc_description).strip(),
        parameters=parameters,
        args_model=args_model,
        field_names=tuple(fields),
        positional_only=tuple(positional_only),
        ctx_param=ctx_param,
        ctx_positional=ctx_positional,
        is_async=inspect.iscoroutinefunction(function),
        return_schema=return_schema,
        param_descriptions=doc_params,
    )


def _return_schema(annotation: Any) -> dict[str, Any] | None:
    if annotation is None or annotation is type(None):
        return None
    if get_origin(annotation) in (typing.Awaitable, typing.Coroutine):
        annotation = get_args(annotation)[-1]
    try:
        return inline_refs(TypeAdapter(annotation).json_schema(mode="serialization"))
    except Exception:  # return types are informational; an odd one must not block the tool
        return None


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace ``$ref`` with the referenced definition; keep ``$defs`` only for recursion.

    Many servers (vLLM's regex tool parsers, small-model templates) mishandle
    references, so inlining is the default. A recursive model cannot be
    inlined; its ``$defs`` stay for the recursive part only.
    """
    defs: dict[str, Any] = schema.get("$defs", {})
    if not defs:
        return schema
    recursive: set[str] = set()

    def resolve(node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                key = ref.removeprefix("#/$defs/")
                if key in stack:
                    recursive.add(key)
                    return node  # pyright: ignore[reportUnknownVariableType]
                target = copy.deepcopy(defs[key])
                siblings = {k: v for k, v in node.items() if k != "$ref"}  # pyright: ignore[reportUnknownVariableType]
                merged = resolve(target, (*stack, key))
                merged.update(siblings)
                return merged
            return {k: resolve(v, stack) for k, v in node.items()}  # pyright: ignore[reportUnknownVariableType]
        if isinstance(node, list):
            return [resolve(v, stack) for v in node]  # pyright: ignore[reportUnknownVariableType]
        return node

    body = {k: v for k, v in schema.items() if k != "$defs"}
    out: dict[str, Any] = resolve(body, ())
    if recursive:
        out["$defs"] = {k: resolve(defs[k], (k,)) for k in recursive}
    return out


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI strict-mode variant of an object schema.

    Every object gets ``additionalProperties: false`` and lists all its
    properties as required; a property that was optional becomes a union with
    ``null`` so the model can still leave it out by sending ``null``.
    """
    return _strict(copy.deepcopy(schema))


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(v) for v in node]  # pyright: ignore[reportUnknownVariableType]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {k: _strict(v) for k, v in node.items()}  # pyright: ignore[reportUnknownVariableType]
    if out.get("type") == "object" or "properties" in out:
        props: dict[str, Any] = out.get("properties", {})
        required = set(out.get("required", []))
        for key, prop in props.items():
            if key not in required:
                prop.pop("default", None)
                props[key] = _nullable(prop)
        out["properties"] = props
        out["required"] = list(props)
        out["additionalProperties"] = False
    return out


def _nullable(prop: dict[str, Any]) -> dict[str, Any]:
    variants = prop.get("anyOf")
    if isinstance(variants, list) and any(v.get("type") == "null" for v in variants):  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        return prop
    if prop.get("type") == "null":
        return prop
    description = prop.pop("description", None)
    wrapped: dict[str, Any] = {"anyOf": [prop, {"type": "null"}]}
    if description:
        wrapped["description"] = description
    return wrapped
