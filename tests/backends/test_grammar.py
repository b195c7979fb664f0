"""Grammar compilation never fails a request: repeat clamping, per-tool fallback, every built-in tool compiles."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from agentfn.backends._constrain import call_envelope_schema
from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.backends._grammar import (
    clamp_pattern,
    compile_call_grammar,
    grammar_safe_schema,
    xgrammar_preflight,
)
from agentfn.evals.everyday import load_everyday_cases
from agentfn.toolset import Toolset

xgr = pytest.importorskip("xgrammar")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"^[0-9]{1,2000}$", r"^[0-9]{1,128}$"),
        (r"^\d{3}$", r"^\d{3}$"),
        (r"a{5,}", r"a{5,}"),
        (r"\{1,300\}", r"\{1,300\}"),  # escaped braces are literals
        (r"[{]{1,300}", r"[{]{1,128}"),
        (r"[]a{]{2,500}", r"[]a{]{2,128}"),  # a leading ] is a literal inside the class
        (r"a{200}", None),  # needs 200 copies: cannot be narrowed
        (r"a{150,}", None),
    ],
)
def test_clamp_pattern(pattern: str, expected: str | None) -> None:
    assert clamp_pattern(pattern) == expected


def test_the_old_calculate_pattern_crashed_xgrammar_and_is_now_narrowed() -> None:
    schema = {"type": "object", "properties": {"e": {"type": "string", "pattern": r"^[0-9+*/ ]{1,2000}$"}}}
    with pytest.raises(RuntimeError):  # the xgrammar bug this module works around
        xgrammar_preflight(schema)
    safe, notes = grammar_safe_schema(schema)
    assert safe["properties"]["e"]["pattern"] == r"^[0-9+*/ ]{1,128}$" and notes
    xgrammar_preflight(safe)


def _builtin_specs() -> dict[str, dict[str, Any]]:
    return {t.name: t.openai_schema() for t in Toolset.builtin()}


def test_every_builtin_tool_and_all_together_compile() -> None:
    specs = _builtin_specs()
    assert len(specs) == 23
    for name, spec in specs.items():
        result = compile_call_grammar([spec], xgrammar_preflight)
        assert result.grammar is not None and not result.degraded, name
    together = compile_call_grammar(list(specs.values()), xgrammar_preflight)
    assert together.grammar is not None and not together.degraded


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_every_combination_the_router_offers_compiles_with_extractive_arguments() -> None:
    """For each everyday request, the routed offer as the embedded backend compiles it: all offered tools
    (``required``) and each tool of the chain named, with the request's extractive argument constraints."""
    from agentfn.exceptions import MissingExtraError
    from agentfn.fill import FillRouter
    from agentfn.router import Router

    toolset = Toolset.builtin()
    specs = _builtin_specs()
    try:
        inner = Router.build(list(toolset))
    except MissingExtraError:
        inner = Router.build(list(toolset), encoder=None)
    router = FillRouter(inner, list(toolset), never_abstain=True)
    for case in load_everyday_cases():
        prompt = case.prompt.replace("{http}", "http://127.0.0.1:8000")
        plan = router.route(prompt, k=4)
        offered = sorted({name for name, _ in plan.ranked} | set(plan.selected))
        sources = ExtractionSources(prompt, "2026-01-01")
        narrowed = {name: extractive_spec(specs[name], sources) for name in offered}
        assert compile_call_grammar(list(narrowed.values()), xgrammar_preflight).degraded == {}, case.id
        for name in plan.selected:
            assert compile_call_grammar([narrowed[name]], xgrammar_preflight).degraded == {}, (case.id, name)


def test_a_tool_whose_schema_does_not_compile_degrades_alone_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    good = {"type": "function", "function": {"name": "good", "parameters": {
        "type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}}}
    bad = {"type": "function", "function": {"name": "bad", "parameters": {
        "type": "object", "properties": {"s": {"type": "string", "pattern": "NOPE"}}, "required": ["s"]}}}
    compiled: list[dict[str, Any]] = []

    def picky(schema: dict[str, Any]) -> Any:  # an engine that rejects any pattern "NOPE"
        if "NOPE" in json.dumps(schema):
            raise RuntimeError("Check failed: unsupported pattern")
        compiled.append(schema)
        return schema

    with caplog.at_level(logging.WARNING, logger="agentfn.backends.grammar"):
        result = compile_call_grammar([good, bad], picky)
    assert result.degraded == {"bad": "patterns dropped"}
    assert result.schema == call_envelope_schema([good, {"type": "function", "function": {
        "name": "bad", "parameters": {"type": "object", "properties": {"s": {"type": "string"}}, "required": ["s"]}}}])
    assert "'bad'" in caplog.text and "patterns dropped" in caplog.text


def test_nothing_compiles_means_unconstrained(caplog: pytest.LogCaptureFixture) -> None:
    spec = {"type": "function", "function": {"name": "t", "parameters": {"type": "object", "properties": {}}}}

    def refuse(schema: dict[str, Any]) -> Any:
        raise ValueError("no")

    with caplog.at_level(logging.WARNING, logger="agentfn.backends.grammar"):
        result = compile_call_grammar([spec], refuse)
    assert result.grammar is None and result.degraded == {"t": "unconstrained"}
    assert "unconstrained" in caplog.text


def test_length_bounds_beside_a_pattern_are_folded_or_left_to_validation() -> None:
    """A string with a pattern and length bounds is rejected by grammar engines (vLLM answers 400)."""
    simple = {"type": "string", "pattern": "^[0-9a-z ]+$", "maxLength": 60, "minLength": 2}
    other = {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$", "maxLength": 9}
    safe, notes = grammar_safe_schema({"type": "object", "properties": {"a": simple, "b": other}})
    assert safe["properties"]["a"] == {"type": "string", "pattern": "^[0-9a-z ]{2,60}$"}
    assert safe["properties"]["b"] == {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"}
    assert len(notes) == 2 and simple["maxLength"] == 60  # the tool's own schema is untouched
    calc = next(t for t in Toolset.builtin() if t.name == "calculate")
    params, _ = grammar_safe_schema(calc.openai_schema()["function"]["parameters"])
    expression = params["properties"]["expression"]
    assert "maxLength" not in expression and "minLength" not in expression and expression["pattern"].endswith("}$")
