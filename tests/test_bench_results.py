"""Every benchmark result page is what its script renders from its JSON: an edited figure fails here.

Convention (benchmarks/*.py): a script writes ``benchmarks/results/NAME.json`` (its measurements), then
``NAME.md`` as ``render_markdown(data)``, a pure module-level function of that JSON. ``NAME`` is the
script's ``RESULT_NAME`` if it sets one, else its file name without ``_bench``; a page named ``NAME_...``
with no script of its own is a run of ``NAME``'s script written with ``--results`` elsewhere. Scripts are found by
globbing, so a new benchmark is covered as soon as it lands. A results page no script renders yet is
reported as an expected failure with the reason, never skipped silently.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
RESULTS = BENCHMARKS / "results"

# Results pages written by something other than a benchmark script (the reason is shown as the xfail).
NOT_A_SCRIPT = {
    "probe_vllm_cpu": "written by tests/integration/test_probe_vllm.py (needs the vLLM server), not by a "
                      "benchmark script with render_markdown",
}


def _load(path: Path) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # scripts import their siblings (load_bench uses serve_bench)
    spec = importlib.util.spec_from_file_location(f"_bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _scripts() -> dict[str, Path]:
    """Result name -> script, by the naming rule (no import needed)."""
    out: dict[str, Path] = {}
    for path in sorted(BENCHMARKS.glob("*.py")):
        if path.name.startswith("_"):
            continue  # a helper the scripts share (``_arms.py``), no benchmark of its own
        text = path.read_text(encoding="utf-8")
        name = path.stem.removesuffix("_bench")
        for line in text.splitlines():
            if line.startswith("RESULT_NAME = "):
                name = line.split("=", 1)[1].strip().strip("\"'")
        out[name] = path
    return out


def _written_with_results_flag(name: str, scripts: dict[str, Path]) -> Path | None:
    """The script whose result name is the longest prefix of ``name`` ("foreign_calls" for
    "foreign_calls_w33_after"): a run written with ``--results`` to a name of its own."""
    owners = [n for n in scripts if name.startswith(n + "_")]
    return scripts[max(owners, key=len)] if owners else None


def _cases() -> list[Any]:
    scripts = _scripts()
    names = sorted({p.stem for p in RESULTS.glob("*.md")} | {p.stem for p in RESULTS.glob("*.json")} | set(scripts))
    cases: list[Any] = []
    for name in names:
        script = scripts.get(name) or _written_with_results_flag(name, scripts)
        has_results = (RESULTS / f"{name}.md").exists() or (RESULTS / f"{name}.json").exists()
        if script is not None and name not in scripts and not (RESULTS / f"{name}.md").exists():
            continue  # a script's side data (a first try it reads back): no page to compare
        if script is None:
            reason = NOT_A_SCRIPT.get(name, f"no benchmarks/*.py renders results/{name}.md")
            cases.append(pytest.param(name, None, id=name, marks=pytest.mark.xfail(reason=reason, strict=True)))
        elif "def render_markdown(" not in script.read_text(encoding="utf-8"):
            reason = f"{script.name} has no render_markdown(data) yet"
            cases.append(pytest.param(name, script, id=name, marks=pytest.mark.xfail(reason=reason, strict=True)))
        elif not has_results:
            continue  # a script that writes nothing (yet): nothing to compare
        else:
            cases.append(pytest.param(name, script, id=name))
    return cases


@pytest.mark.parametrize(("name", "script"), _cases())
def test_results_page_is_rendered_from_its_json(name: str, script: Path | None) -> None:
    assert script is not None, f"results/{name}.md has no script"
    module = _load(script)
    render = getattr(module, "render_markdown", None)
    assert callable(render), f"{script.name} defines no render_markdown"
    json_path, md_path = RESULTS / f"{name}.json", RESULTS / f"{name}.md"
    assert json_path.exists(), f"{md_path.name} has no {json_path.name} next to it"
    assert md_path.exists(), f"{json_path.name} has no {md_path.name} next to it"
    data = json.loads(json_path.read_text(encoding="utf-8"))
    before = copy.deepcopy(data)
    rendered = render(data)
    assert data == before, "render_markdown changed its input"
    assert render(data) == rendered, "render_markdown is not deterministic"
    expected = md_path.read_text(encoding="utf-8")
    assert rendered == expected, (
        f"benchmarks/results/{name}.md differs from {script.name}'s render_markdown of {name}.json: "
        "edit the script and re-render, never the page"
    )

