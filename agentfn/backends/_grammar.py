"""Compiling constrained-decoding grammars so that a tool schema can never crash a request.

Grammar engines reject or abort on some valid JSON Schemas: xgrammar up to 0.2.x aborts with
``grammar_functor.cc ... Check failed`` on a regex repeat bounded above 128 inside a string
``pattern`` (mlc-ai/xgrammar#863), which is how ``"^[0-9]{1,2000}$"`` broke every arithmetic
request. :func:`compile_call_grammar` therefore

1. makes the schemas *grammar-safe* first (:func:`grammar_safe_schema`: repeat bounds above
   :data:`MAX_REPEAT` are lowered to it, which only narrows what is accepted), then
2. compiles the call envelope of all allowed tools; if that fails, it finds the tools whose own
   envelope fails and degrades each, logging a warning: first its ``pattern`` constraints are
   dropped, then its arguments become any JSON object (the tool's validation still checks the
   call after generation);
3. and if nothing compiles, returns no grammar: the call is generated unconstrained and parsed
   and validated like free text.

:func:`tokens_for_choices` says how many new tokens a forced call needs to finish the longest string
choice its schemas admit (a long span of the request is one choice of the extractive constraint: a call
capped below its length could start writing it and never complete); :func:`call_token_budget` is the
token limit every backend gives a forced call (transformers, in-process vLLM, the served path).

``compile_fn`` is the backend's compiler (``GrammarCompiler.compile_json_schema`` in
transformers) or :func:`xgrammar_preflight` for engines that compile internally (vLLM), which
checks a schema with a small byte-level vocabulary before the engine sees it.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from agentfn.backends._constrain import call_envelope_schema

__all__ = ["MAX_REPEAT", "CallGrammar", "call_token_budget", "clamp_pattern", "compile_call_grammar",
           "grammar_safe_schema", "tokens_for_choices", "xgrammar_preflight"]

log = logging.getLogger("agentfn.backends.grammar")

MAX_REPEAT = 128
"""The largest regex repeat bound xgrammar compiles reliably inside JSON strings."""

_REPEAT = re.compile(r"\{(\d+)(?:(,)(\d*))?\}")


def clamp_pattern(pattern: str, limit: int = MAX_REPEAT) -> str | None:
    """``pattern`` with every ``{m,n}`` repeat above ``limit`` lowered to ``{m,limit}``.

    Only narrows the language. Returns None when that is impossible (a repeat that needs more
    than ``limit`` copies, e.g. ``{200}`` or ``{150,}``).
    """
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]" or pattern[i + 1 : i + 3] == "^]":  # a literal ] opens the class
                step = 2 if pattern[i + 1] == "]" else 3
                out.append(pattern[i : i + step])
                i += step
                continue
        elif ch == "{" and (m := _REPEAT.match(pattern, i)) is not None:
            low = int(m.group(1))
            high = None if m.group(2) and not m.group(3) else int(m.group(3) or low)
            if low > limit:
                return None
            out.append(f"{{{low},{limit}}}" if high is not None and high > limit else m.group(0))
            i = m.end()
            continue
        out.append(ch)
        i += 1
    return "".join(out)


_SIMPLE_REPEAT = re.compile(r"^\^((?:\[(?:\\.|[^\]\\])+\])|\\.|[^\\\[\](){}|*+?^$.])([+*])\$$")


def _fold_length(obj: dict[str, Any], pattern: str, where: str, notes: list[str]) -> str:
    """Move ``minLength``/``maxLength`` of a patterned string into the pattern.

    Grammar engines reject a string with both a pattern and length bounds (xgrammar#966;
    vLLM answers 400). ``^[...]+$`` with ``maxLength: n`` becomes ``^[...]{1,n}$``; any other
    pattern keeps its shape and loses the bounds, which the call's validation still checks.
    """
    lo, hi = obj.get("minLength"), obj.get("maxLength")
    if not isinstance(lo, int) and not isinstance(hi, int):
        return pattern
    obj.pop("minLength", None)
    obj.pop("maxLength", None)
    m = _SIMPLE_REPEAT.match(pattern)
    if m is None:
        notes.append(f"{where or '/'}: length bounds left to validation beside pattern {pattern!r}")
        return pattern
    low = max(lo if isinstance(lo, int) else 0, 1 if m.group(2) == "+" else 0)
    folded = f"^{m.group(1)}{{{low},{hi if isinstance(hi, int) else ''}}}$"
    obj["pattern"] = folded
    notes.append(f"{where or '/'}: length bounds folded into pattern {folded!r}")
    return folded


def grammar_safe_schema(schema: Any, *, drop_patterns: bool = False) -> tuple[Any, list[str]]:
    """A copy of ``schema`` a grammar engine compiles; returns it with notes on what changed.

    Args:
        schema: a JSON Schema (not modified).
        drop_patterns: remove every string ``pattern`` instead of clamping it.
    """
    result = copy.deepcopy(schema)
    notes: list[str] = []

    def visit(node: Any, where: str) -> None:
        if isinstance(node, list):
            for k, item in enumerate(cast("list[Any]", node)):
                visit(item, f"{where}[{k}]")
            return
        if not isinstance(node, dict):
            return
        obj = cast("dict[str, Any]", node)
        pattern = obj.get("pattern")
        if isinstance(pattern, str) and not drop_patterns:
            pattern = _fold_length(obj, pattern, where, notes)
        if isinstance(pattern, str):
            safe = None if drop_patterns else clamp_pattern(pattern)
            if safe is None:
                del obj["pattern"]
                notes.append(f"{where or '/'}: pattern {pattern!r} dropped")
            elif safe != pattern:
                obj["pattern"] = safe
                notes.append(f"{where or '/'}: pattern {pattern!r} narrowed to {safe!r}")
        for key, value in obj.items():
            if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(value, dict):
                for name, sub in cast("dict[str, Any]", value).items():
                    visit(sub, f"{where}/{name}")
            elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems", "not"):
                visit(value, where)

    visit(result, "")
    return result, notes


def _function(spec: Mapping[str, Any]) -> dict[str, Any]:
    fn = spec.get("function")
    return dict(cast("Mapping[str, Any]", fn) if isinstance(fn, Mapping) else spec)


def _with_parameters(spec: Mapping[str, Any], parameters: Any) -> dict[str, Any]:
    fn = _function(spec)
    fn["parameters"] = parameters
    return {"type": "function", "function": fn}


class CallGrammar:
    """What :func:`compile_call_grammar` settled on.

    Attributes:
        grammar: the compiled grammar, or None (generate unconstrained).
        schema: the envelope schema that was compiled (None when unconstrained).
        degraded: ``{tool name: "patterns dropped" | "arguments unconstrained"}``.
    """

    def __init__(self, grammar: Any, schema: dict[str, Any] | None, degraded: dict[str, str]) -> None:
        self.grammar = grammar
        self.schema = schema
        self.degraded = degraded


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def compile_call_grammar(
    tools: Sequence[Mapping[str, Any]],
    compile_fn: Callable[[dict[str, Any]], Any],
    **bounds: Any,
) -> CallGrammar:
    """The grammar of one call to one of ``tools``, degrading per tool instead of failing.

    Args:
        tools: the allowed tool specs (OpenAI format).
        compile_fn: compiles an envelope schema; raises when the engine rejects it.
        **bounds: ``max_string_length``/``max_items`` for :func:`call_envelope_schema`.
    """
    safe: list[dict[str, Any]] = []
    for spec in tools:
        params, notes = grammar_safe_schema(_function(spec).get("parameters") or {"type": "object"})
        for note in notes:
            log.info("tool %s: %s (grammar engine limit)", _function(spec).get("name"), note)
        safe.append(_with_parameters(spec, params))
    envelope = call_envelope_schema(safe, **bounds)
    try:
        return CallGrammar(compile_fn(envelope), envelope, {})
    except Exception as exc:  # engines raise RuntimeError, ValueError or their own types
        first_error = _first_line(exc)
    degraded: dict[str, str] = {}
    kept: list[dict[str, Any]] = []
    for spec in safe:
        name = str(_function(spec).get("name"))
        candidates = [
            ("", spec),
            ("patterns dropped", _with_parameters(spec, grammar_safe_schema(_function(spec)["parameters"],
                                                                           drop_patterns=True)[0])),
            ("arguments unconstrained", _with_parameters(spec, {"type": "object"})),
        ]
        for label, candidate in candidates:
            try:
                compile_fn(call_envelope_schema([candidate], **bounds))
            except Exception as exc:
                log.debug("tool %s: grammar failed (%s)", name, _first_line(exc))
                continue
            if label:
                degraded[name] = label
                log.warning("constrained decoding: tool %r's schema does not compile (%s); %s, the call "
                            "is validated after generation", name, first_error, label)
            kept.append(candidate)
            break
        else:
            degraded[name] = "left out"
    if kept:
        envelope = call_envelope_schema(kept, **bounds)
        try:
            return CallGrammar(compile_fn(envelope), envelope, degraded)
        except Exception as exc:
            first_error = _first_line(exc)
    log.warning("constrained decoding: no grammar compiles for tools %s (%s); generating the call "
                "unconstrained, validated after generation", [_function(t).get("name") for t in tools], first_error)
    return CallGrammar(None, None, {str(_function(t).get("name")): "unconstrained" for t in tools})


_PREFLIGHT: list[Any] = []


def xgrammar_preflight(schema: dict[str, Any]) -> dict[str, Any]:
    """Compile ``schema`` with xgrammar over a 256-token byte vocabulary; returns the schema.

    For engines that compile internally (vLLM uses xgrammar): an abort there would take the
    engine down, so the schema is checked here first. Without xgrammar installed it passes.
    """
    try:
        import xgrammar as xgr  # pyright: ignore[reportMissingTypeStubs]
    except ImportError:
        return schema
    if not _PREFLIGHT:
        vocab = [chr(i) if 32 <= i < 127 else f"<0x{i:02X}>" for i in range(256)]
        _PREFLIGHT.append(xgr.GrammarCompiler(xgr.TokenizerInfo(vocab), max_threads=1))
    _PREFLIGHT[0].compile_json_schema(json.dumps(schema), any_whitespace=False, strict_mode=True)
    return schema


_MAX_CHOICE_TOKENS = 4096
"""The most new tokens a forced call is given for its longest required choice."""


def tokens_for_choices(specs: Sequence[Mapping[str, Any]]) -> int:
    """New tokens a forced call over ``specs`` needs to finish any string choice its constraint admits.

    The longest string of any ``enum`` (the extractive constraint's spans: the whole passage a request
    pastes among them), at about three characters a token, plus room for the call's envelope and other
    arguments; 0 when no parameter has string choices.
    """
    longest = 0
    stack: list[Any] = list(specs)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            options = cast("dict[str, Any]", node).get("enum")
            if isinstance(options, list):
                longest = max([longest, *(len(o) for o in cast("list[Any]", options) if isinstance(o, str))])
            stack.extend(cast("dict[str, Any]", node).values())
        elif isinstance(node, list):
            stack.extend(cast("list[Any]", node))
    return 0 if longest == 0 else min(longest // 3 + 96, _MAX_CHOICE_TOKENS)



def call_token_budget(limit: int | None, specs: Sequence[Mapping[str, Any]]) -> int | None:
    """The new-token limit of a forced call over ``specs`` (the tools as constrained): ``limit`` (the backend's
    cap, or the request's ``max_tokens``), raised to :func:`tokens_for_choices` so that the longest choice
    can complete; None (no limit set) stays None."""
    return None if limit is None else max(limit, tokens_for_choices(specs))
