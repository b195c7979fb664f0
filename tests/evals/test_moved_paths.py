"""Evaluation lives under agentfn.evals; the old public paths still work, with a DeprecationWarning."""

from __future__ import annotations

import importlib
import subprocess
import sys
from importlib import resources

import pytest

import agentfn.evals.evalset as evalset
import agentfn.evals.evaluate as evaluate_module
import agentfn.evals.probe as probe_module


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("agentfn.router.evalset", evalset, "build_evalset"),
        ("agentfn.router.evaluate", evaluate_module, "evaluate"),
        ("agentfn.probe", probe_module, "probe"),
    ],
)
def test_old_module_paths_warn_and_re_export(old: str, new: object, name: str) -> None:
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match="moved to agentfn.evals"):
        module = importlib.import_module(old)
    assert getattr(module, name) is getattr(new, name)


def test_router_evaluate_attribute_warns() -> None:
    import agentfn.router

    sys.modules.pop("agentfn.router.evaluate", None)
    agentfn.router.__dict__.pop("evaluate", None)
    with pytest.warns(DeprecationWarning, match="moved to agentfn.evals"):
        function = agentfn.router.evaluate  # pyright: ignore[reportAttributeAccessIssue]
    assert function is evaluate_module.evaluate


def test_eval_vocabulary_is_package_data() -> None:
    path = resources.files("agentfn.evals").joinpath("data", "router_vocabulary.json")
    assert path.is_file()
    assert evalset.DOMAINS and evalset.SLOTS and evalset.NO_TOOL


def test_importing_the_router_loads_no_evaluation_code() -> None:
    code = "import sys, agentfn.router; print(sorted(m for m in sys.modules if m.startswith('agentfn.evals')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
