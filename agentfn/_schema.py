"""Turn a Python signature into an argument validator and a JSON Schema.

Everything here uses public pydantic APIs and griffe for docstrings. The
validator is a ``TypeAdapter`` over a keyword-only *collector* function that
carries the tool's parameters (minus the injected run context) and returns the
validated keyword arguments: one pydantic-core pass from JSON text to the
arguments the function receives, and the same schema build cost as
``TypeAdapter(fn)`` itself (no model class is created).
"""

from __future__ import annotations

import functools
import inspect
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast, get_args, get_origin

import griffe
from pydantic import TypeAdapter
from pydantic.errors import PydanticSchemaGenerationError, PydanticUserError
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue

from agentfn.context import RunContext
from agentfn.exceptions import ToolDefinitionError

__all__ = [
    "DocstringFormat",
    "FunctionSchema",
    "build_function_schema",
    "inline_refs",
    "parse_docstring",
    "return_schema_for",
    "strict_schema",
]

DocstringFormat = typing.Literal["auto", "google", "numpy", "sphinx"]

_SCHEMA_ERRORS = (PydanticSchemaGenerationError, PydanticUserError, TypeError, ValueError, AttributeError)

# Keywords whose value is one schema, a list of schemas, or a name -> schema map.
_SUB_SCHEMA = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
               "unevaluatedProperties", "unevaluatedItems", "additionalItems")
_SUB_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SUB_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")


@dataclass
class FunctionSchema:
    """What a tool needs to know about its function.

    ``validator`` validates a JSON object (text or dict) and returns the
    keyword arguments for the function, defaults filled in.
    """

    description: str
    parameters: dict[str, Any]
    validator: TypeAdapter[dict[str, Any]]
    field_names: tuple[str, ...]
    positional_only: tuple[str, ...]
    ctx_param: str | None
    ctx_positional: bool
    is_async: bool
    return_annotation: Any = None
    param_descriptions: dict[str, str] = field(default_factory=dict[str, str])


def _is_run_context(annotation: Any) -> bool:
    origin = get_origin(annotation) or annotation
    return inspect.isclass(origin) and issubclass(origin, RunContext)


class _ToolJsonSchema(GenerateJsonSchema):
    """pydantic's generator minus work a tool schema does not need.

    No titles (noise and tokens for a model), no key sorting (declaration
    order is kept), and JSON-native defaults are copied instead of being
    serialised through a new ``TypeAdapter`` each.
    """

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def sort(self, value: JsonSchemaValue, parent_key: str | None = None) -> JsonSchemaValue:
        return value

    def encode_default(self, dft: Any) -> Any:
        if _json_native(dft):
            return dft
        return super().encode_default(dft)


def _json_native(value: Any) -> bool:
    kind: object = type(value)  # pyright: ignore[reportUnknownVariableType]
    if value is None or kind is str or kind is int or kind is float or kind is bool:
        return True
    if kind is list:
        return all(_json_native(v) for v in cast(list[Any], value))
    if kind is dict:
        return all(type(k) is str and _json_native(v) for k, v in cast(dict[Any, Any], value).items())
    return False


# A docstring without any of these is plain prose: no need to run a parser over it.
_SECTION_MARKERS = re.compile(r"^\s*(\w[\w ]*:\s*$|[-=]{3,}\s*$|:\w+)", re.MULTILINE)
_SPHINX = re.compile(r"^\s*:(param|parameter|arg|argument|key|keyword|type|returns?|rtype|raises?)\b", re.MULTILINE)
_NUMPY = re.compile(r"^\s*-{3,}\s*$", re.MULTILINE)
_PARSERS: dict[str, Callable[..., list[Any]]] = {
    "google": griffe.parse_google,
    "numpy": griffe.parse_numpy,
    "sphinx": griffe.parse_sphinx,
}


def parse_docstring(doc: str | None, style: DocstringFormat = "auto") -> tuple[str, dict[str, str]]:
    """Split a docstring into (description, {param: description}) with griffe.

    The description is every text section before the first structured one,
    so a multi-paragraph summary survives while ``Args:``/``Returns:`` do not.
    Google, NumPy and Sphinx styles are read; ``auto`` picks one from cheap
    markers (``:param``-style fields: Sphinx; dashed underlines: NumPy; else
    Google) and runs that griffe parser.
    """
    if not doc:
        return "", {}
    text = inspect.cleandoc(doc)
    if not _SECTION_MARKERS.search(text):
        return text.strip(), {}
    description, params = _parse_structured(text, style)
    return description, dict(params)


def _detect_style(text: str) -> str:
    if _SPHINX.search(text):
        return "sphinx"
    if _NUMPY.search(text):
        return "numpy"
    return "google"


@functools.lru_cache(maxsize=4096)
def _parse_structured(text: str, style: DocstringFormat) -> tuple[str, dict[str, str]]:
    parse = _PARSERS[_detect_style(text) if style == "auto" else style]
    # warnings=False: griffe would log about missing types, which tools never need (and it is faster).
    sections = parse(griffe.Docstring(text), warnings=False)
    description_parts: list[str] = []
    params: dict[str, str] = {}
    seen_structured = False
    for section in sections:
        kind = section.kind.value
        if kind == "text" and not seen_structured:
            description_parts.append(str(section.value).strip())
        elif kind in ("parameters", "other parameters"):
            seen_structured = True
            for p in cast(list[Any], section.value):
                if p.description:
                    params[str(p.name).lstrip("*")] = " ".join(str(p.description).split())
        else:
            seen_structured = True
    return "\n\n".join(p for p in description_parts if p), params


def _check_annotation(name: str, annotation: Any) -> str | None:
    try:
        TypeAdapter(annotation).json_schema()
    except _SCHEMA_ERRORS as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"parameter {name!r}: unsupported type {_type_name(annotation)} ({first})"
    return None


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return repr(annotation).replace("typing.", "")


def _globals_of(function: Callable[..., Any]) -> dict[str, Any]:
    """The module globals annotations of ``function`` are evaluated in (also for partials and callable objects)."""
    target: Any = inspect.unwrap(function)
    is_partial = isinstance(target, functools.partial)
    if is_partial:
        target = target.func
    if not hasattr(target, "__globals__") and not inspect.isroutine(target):
        target = type(target).__dict__.get("__call__", target)
    found: Any = getattr(target, "__globals__", {})
    return cast(dict[str, Any], found)


def _resolve_hints(
    function: Callable[..., Any], signature: inspect.Signature, problems: list[str]
) -> dict[str, Any]:
    """Type hints with forward references resolved; unresolvable ones become problems.

    Annotations are read from the signature, so bound methods, partials and
    callable objects work like plain functions.
    """
    raw: dict[str, Any] = {
        n: p.annotation for n, p in signature.parameters.items() if p.annotation is not inspect.Parameter.empty
    }
    if signature.return_annotation is not inspect.Signature.empty:
        raw["return"] = signature.return_annotation
    if not any(isinstance(v, str | typing.ForwardRef) for v in raw.values()):
        # Nothing to evaluate (no postponed annotations): the common case, and a measurable share of build time.
        return raw
    try:
        hints = typing.get_type_hints(function, include_extras=True)
        if raw.keys() <= hints.keys():
            return {n: hints[n] for n in raw}
    except Exception:
        pass  # fall back to one annotation at a time to name the culprit
    globalns = _globals_of(function)
    resolved: dict[str, Any] = {}
    for pname, annotation in raw.items():
        holder = types.SimpleNamespace(__annotations__={pname: annotation})
        try:
            resolved[pname] = typing.get_type_hints(holder, globalns=globalns, include_extras=True)[pname]
        except Exception as exc:  # any evaluation failure is reported, not raised
            label = "return annotation" if pname == "return" else f"parameter {pname!r}"
            shown = annotation if isinstance(annotation, str) else repr(annotation)
            problems.append(f"{label}: cannot resolve type hint {shown} ({type(exc).__name__}: {exc})")
    return resolved


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
    hints = _resolve_hints(function, signature, problems)

    doc_description, doc_params = parse_docstring(getattr(function, "__doc__", None), docstring_format)
    params: list[inspect.Parameter] = []
    annotations: dict[str, Any] = {}
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
        if param.annotation is inspect.Parameter.empty:
            problems.append(f"parameter {pname!r} has no type annotation")
            continue
        if pname not in hints:
            continue  # unresolvable; already reported
        annotation = hints[pname]
        if _is_run_context(annotation):
            if index != 0:
                problems.append(f"parameter {pname!r}: the RunContext parameter must come first")
            ctx_param = pname
            ctx_positional = param.kind is inspect.Parameter.POSITIONAL_ONLY
            continue
        if param.kind is inspect.Parameter.POSITIONAL_ONLY:
            positional_only.append(pname)
        # Keyword-only in the collector: a JSON object can only name its arguments.
        params.append(param.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
        annotations[pname] = annotation

    validator: TypeAdapter[dict[str, Any]] | None = None
    schema: dict[str, Any] = {}
    if not problems:
        try:
            collector: Any = _collector(name, params, annotations, function)
            validator = TypeAdapter(collector)
            schema = validator.json_schema(schema_generator=_ToolJsonSchema)
        except _SCHEMA_ERRORS as exc:
            problems.extend(_diagnose(annotations) or [f"cannot build a schema: {str(exc).splitlines()[0]}"])
    else:
        problems.extend(_diagnose(annotations))
    if problems or validator is None:
        raise ToolDefinitionError(name, problems)

    parameters = _finish_parameters(schema, doc_params)
    return FunctionSchema(
        description=(description if description is not None else doc_description).strip(),
        parameters=parameters,
        validator=validator,
        field_names=tuple(annotations),
        positional_only=tuple(positional_only),
        ctx_param=ctx_param,
        ctx_positional=ctx_positional,
        is_async=inspect.iscoroutinefunction(function),
        return_annotation=hints.get("return"),
        param_descriptions=doc_params,
    )


def _collector(
    name: str, params: list[inspect.Parameter], annotations: dict[str, Any], function: Callable[..., Any]
) -> Callable[..., dict[str, Any]]:
    def collect(**kwargs: Any) -> dict[str, Any]:
        return kwargs

    collect.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    collect.__annotations__ = annotations
    collect.__name__ = collect.__qualname__ = name
    collect.__module__ = getattr(function, "__module__", __name__)
    return collect


def _diagnose(annotations: dict[str, Any]) -> list[str]:
    """Check each annotation on its own, to name every unsupported one."""
    return [p for p in (_check_annotation(n, a) for n, a in annotations.items()) if p]


def _finish_parameters(schema: dict[str, Any], doc_params: dict[str, str]) -> dict[str, Any]:
    # Our generator sets no field titles; model titles and refs only come with $defs.
    parameters = inline_refs(schema, strip_titles=True) if "$defs" in schema else schema
    parameters["type"] = "object"
    props: dict[str, Any] = parameters.setdefault("properties", {})
    for pname, text in doc_params.items():
        prop = props.get(pname)
        if isinstance(prop, dict) and "description" not in prop:
            cast(dict[str, Any], prop)["description"] = text
    if not parameters.get("required"):
        parameters.pop("required", None)
    return parameters


def return_schema_for(annotation: Any) -> dict[str, Any] | None:
    """JSON Schema (serialization mode) of a return annotation; None when absent or not describable."""
    if annotation is None or annotation is type(None) or annotation is inspect.Parameter.empty:
        return None
    if get_origin(annotation) in (typing.Awaitable, typing.Coroutine):
        annotation = get_args(annotation)[-1]
    try:
        return inline_refs(TypeAdapter(annotation).json_schema(mode="serialization", schema_generator=_ToolJsonSchema), strip_titles=True)
    except Exception:
        return None


def inline_refs(schema: dict[str, Any], *, strip_titles: bool = False) -> dict[str, Any]:
    """Replace ``$ref`` with the referenced definition; keep ``$defs`` only for recursion.

    Many servers (vLLM's regex tool parsers, small-model templates) mishandle
    references, so inlining is the default. A recursive model cannot be
    inlined; its ``$defs`` stay for the recursive part only. The walk knows
    which keywords hold schemas, so data (``default``, ``enum``, ``examples``)
    is never rewritten.

    Args:
        schema: a JSON Schema with local ``#/$defs/...`` references.
        strip_titles: drop ``title`` keywords (noise for a model, and tokens).
    """
    defs: dict[str, Any] = {**(schema.get("definitions") or {}), **(schema.get("$defs") or {})}
    if not defs and not strip_titles:
        return schema
    cyclic = _cyclic_defs(defs)
    used: list[str] = []

    def resolve(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        src = cast(dict[str, Any], node)
        key = _def_key(src.get("$ref"))
        if key is not None and key in defs:
            if key in cyclic:  # recursion: keep the reference (normalised to $defs)
                if key not in used:
                    used.append(key)
                return {
                    k: ("#/$defs/" + key if k == "$ref" else v)
                    for k, v in src.items()
                    if not (strip_titles and k == "title")
                }
            merged = resolve(defs[key])
            for k, v in src.items():
                if k != "$ref" and not (strip_titles and k == "title"):
                    merged[k] = resolve(v) if k in _SUB_SCHEMA else v
            return merged
        out: dict[str, Any] = {}
        for k, v in src.items():
            if k in ("$defs", "definitions") or (strip_titles and k == "title"):
                continue
            if k in _SUB_SCHEMA:
                out[k] = resolve(v)
            elif k in _SUB_SCHEMA_LISTS and isinstance(v, list):
                out[k] = [resolve(i) for i in cast(list[Any], v)]
            elif k in _SUB_SCHEMA_MAPS and isinstance(v, dict):
                out[k] = {n: resolve(s) for n, s in cast(dict[str, Any], v).items()}
            else:
                out[k] = v
        return out

    result: dict[str, Any] = resolve(schema)
    if used:
        kept: dict[str, Any] = {}
        index = 0
        while index < len(used):  # resolving a kept definition may reference further ones
            key = used[index]
            kept[key] = resolve(defs[key])
            index += 1
        result["$defs"] = kept
    return result


def _sub_schemas(node: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for k, v in node.items():
        if k in _SUB_SCHEMA:
            out.append(v)
        elif k in _SUB_SCHEMA_LISTS and isinstance(v, list):
            out.extend(cast(list[Any], v))
        elif k in _SUB_SCHEMA_MAPS and k not in ("$defs", "definitions") and isinstance(v, dict):
            out.extend(cast(dict[str, Any], v).values())
    return out


def _refs_in(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        schema = cast(dict[str, Any], node)
        key = _def_key(schema.get("$ref"))
        if key is not None:
            found.add(key)
        for sub in _sub_schemas(schema):
            _refs_in(sub, found)
    return found


def _cyclic_defs(defs: dict[str, Any]) -> set[str]:
    """Definitions that reach themselves through references: these cannot be inlined."""
    graph = {k: _refs_in(v, set()) & defs.keys() for k, v in defs.items()}
    cyclic: set[str] = set()
    for start in graph:
        seen: set[str] = set()
        todo = list(graph[start])
        while todo:
            key = todo.pop()
            if key == start:
                cyclic.add(start)
                break
            if key not in seen:
                seen.add(key)
                todo.extend(graph[key])
    return cyclic


def _def_key(ref: Any) -> str | None:
    if isinstance(ref, str):
        for prefix in ("#/$defs/", "#/definitions/"):
            if ref.startswith(prefix) and "/" not in ref[len(prefix) :]:
                return ref[len(prefix) :].replace("~1", "/").replace("~0", "~")
    return None


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI strict-mode variant of an object schema.

    Every object with declared properties gets ``additionalProperties: false``
    and lists all its properties as required; a property that was optional
    loses its default and becomes a union with ``null`` so the model can still
    leave it out by sending ``null`` (validation then applies the default).
    Free-form maps (``dict[str, X]``) keep their value schema: strict mode
    cannot express them and dropping it would change their meaning.
    """
    return _strict(schema)


def _strict(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    src = cast(dict[str, Any], node)
    out: dict[str, Any] = {}
    for k, v in src.items():
        if k in _SUB_SCHEMA:
            out[k] = _strict(v)
        elif k in _SUB_SCHEMA_LISTS and isinstance(v, list):
            out[k] = [_strict(i) for i in cast(list[Any], v)]
        elif k in _SUB_SCHEMA_MAPS and isinstance(v, dict):
            out[k] = {n: _strict(s) for n, s in cast(dict[str, Any], v).items()}
        else:
            out[k] = v
    if "properties" in out:
        props: dict[str, Any] = out.get("properties", {})
        required = set(cast(list[str], out.get("required", [])))
        for key, prop in list(props.items()):
            if key not in required and isinstance(prop, dict):
                props[key] = _nullable(cast(dict[str, Any], prop))
        out["properties"] = props
        out["required"] = list(props)
        out["additionalProperties"] = False
    return out


def _nullable(prop: dict[str, Any]) -> dict[str, Any]:
    prop = {k: v for k, v in prop.items() if k != "default"}
    variants = prop.get("anyOf")
    if isinstance(variants, list) and any(
        isinstance(v, dict) and cast(dict[str, Any], v).get("type") == "null" for v in cast(list[Any], variants)
    ):
        return prop
    kind = prop.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return prop
    description = prop.pop("description", None)
    wrapped: dict[str, Any] = {"anyOf": [prop, {"type": "null"}]}
    if description:
        wrapped["description"] = description
    return wrapped
