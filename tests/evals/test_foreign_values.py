"""The foreign-values set is well formed: every expected call is valid for its tool as written."""

from __future__ import annotations

from typing import Any

from agentfn.evals.foreign_values import foreign_value_cases, load_foreign_values


def test_every_expected_call_fits_its_tool() -> None:
    data = load_foreign_values()
    toolset, cases = foreign_value_cases(data)
    assert len(cases) >= 40 and len(toolset) >= 30
    for case in cases:
        assert case.tools is not None and case.expected is not None
        tool = toolset.get(case.tools[0])
        assert tool is not None, case.id
        call: dict[str, Any] = {}
        for key, spec in case.expected[0].arguments.items():
            assert key in tool.parameters["properties"], (case.id, key)
            call[key] = spec[0] if isinstance(spec, list) else spec
        tool.validate(call)  # raises on a value of the wrong type or a missing required argument


def test_each_case_offers_only_its_gold_tool() -> None:
    _, cases = foreign_value_cases()
    assert all(c.tools == [c.expected[0].name] for c in cases if c.expected)
