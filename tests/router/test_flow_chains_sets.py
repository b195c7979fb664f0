"""The written data-flow sets load as router sources: every gold tool is one of the set's tools."""

from __future__ import annotations

from typing import Literal

import pytest

from agentfn.evals.flow_chains import SOURCE_D, SOURCE_E, SOURCE_F, SOURCE_G, flow_chains_source


@pytest.mark.parametrize("which", ["a", "b", "c", "d", "e", "f", "g"])
def test_sets_load_with_their_tools(which: Literal["a", "b", "c", "d", "e", "f", "g"]) -> None:
    src = flow_chains_source(which)
    names = {t["name"] for t in src.tools}
    assert src.examples and all(set(e.gold) <= names and e.chain == e.gold for e in src.examples)
    assert all(e.split == "dev" for e in src.examples)


def test_set_d_is_numeric_and_nested() -> None:
    src = flow_chains_source("d")
    assert src.name == SOURCE_D and len(src.tools) == 32
    assert sum(e.kind == "multi" for e in src.examples) == 26 and sum(e.kind == "single" for e in src.examples) == 7


def test_set_e_tools_carry_output_schemas() -> None:
    src = flow_chains_source("e")
    assert src.name == SOURCE_E and len(src.tools) == 46 and all("outputSchema" in t for t in src.tools)
    assert sum(e.kind == "multi" for e in src.examples) == 35 and sum(e.kind == "single" for e in src.examples) == 8


def test_set_f_has_long_chains_and_guards() -> None:
    src = flow_chains_source("f")
    assert src.name == SOURCE_F and len(src.tools) == 46 and all("outputSchema" in t for t in src.tools)
    assert sum(e.kind == "multi" for e in src.examples) == 36 and sum(e.kind == "single" for e in src.examples) == 8
    assert max(len(e.gold) for e in src.examples) == 7


def test_set_g_is_foreign_styled_with_long_chains() -> None:
    src = flow_chains_source("g")
    assert src.name == SOURCE_G and len(src.tools) == 55 and all("outputSchema" in t for t in src.tools)
    assert sum(e.kind == "multi" for e in src.examples) == 37 and sum(e.kind == "single" for e in src.examples) == 9
    assert max(len(e.gold) for e in src.examples) == 7
