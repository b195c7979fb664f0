"""Router training: errors, versions/promotion/model card, resume, and the end-to-end loop
(scripted agents -> traces in a real store -> `agentfn train router` -> better ranking of unseen paraphrases)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agentfn.evals.evalset import EvalQuery
from agentfn.exceptions import UserError
from agentfn.router.router import Router
from agentfn.train.cli import register
from agentfn.train.router import resolve_active, train_router

from .conftest import PEOPLE, queries, tool_specs


def write_tools(path: Path) -> Path:
    path.write_text("".join(json.dumps(s) + "\n" for s in tool_specs()))
    return path


def test_end_to_end_traces_train_router_ranks_unseen_paraphrases_higher(traced: Path, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    # One intra-op thread: on a shared 2-core box, two spinning OpenMP threads per process
    # oversubscribe the cores and make each step many times slower (measured).
    torch.set_num_threads(1)
    tools = write_tools(tmp_path / "tools.jsonl")
    app = typer.Typer()
    register(app)
    out = tmp_path / "routers"
    result = CliRunner().invoke(app, [
        "train", "router", "--traces", str(traced), "--tools", str(tools), "--out", str(out),
        "--epochs", "1", "--seed", "0", "--batch-size", "8", "--lr", "1e-4", "--max-seq-length", "32", "--promote",
        "--json",
    ])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output[result.output.index("{"):])
    assert metrics["data"]["runs"] == 54 and metrics["training"]["encoder_trained"]

    base = Router.build(tool_specs())
    trained = Router.load(out / "active")
    unseen = queries(slice(4, 6), PEOPLE[4:])  # other phrasings, other people: never traced

    def rank(router: Router, q: EvalQuery) -> int:
        names = [n for n, _ in router.route(q.text, k=len(tool_specs())).ranked]
        return names.index(q.gold[0]) + 1

    before = [rank(base, q) for q in unseen]
    after = [rank(trained, q) for q in unseen]
    assert sum(after) < sum(before)
    assert sum(r == 1 for r in after) > sum(r == 1 for r in before)
    assert metrics["after"]["recall@1"] >= metrics["before"]["recall@1"]
    card = json.loads((out / "model_card.json").read_text())
    assert card["promoted"] and card["versions"]["sentence-transformers"] and card["data"]["runs"] == 54
    assert card["settings"]["max_seq_length"] == 32
    assert (out / "MODEL_CARD.md").read_text().startswith("# Router v0001")
    assert resolve_active(out) == (out / "versions" / "v0001").resolve()
    assert not (out / "checkpoints").exists()


def test_fit_without_encoder_versions_and_promotion(traced: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    base = Router.build(tool_specs(), encoder=None)
    router, metrics = train_router(traced, None, out, base=base, train_encoder=False, promote=True, min_examples=10)
    assert metrics["data"]["no_tool"] == 6 and metrics["data"]["usable"] == 54
    assert metrics["fitted"]["pairs"] > 0 and router.co_usage.runs > 0
    promoted = (out / "ACTIVE").exists()
    assert promoted == metrics["better"]
    # A second run writes a new version; without --promote the active router stays.
    again = train_router(traced, None, out, base=base, train_encoder=False, promote=False, min_examples=10)
    assert again.version_dir.name == "v0002" and (again.version_dir / "router.json").exists()
    assert (out / "ACTIVE").exists() == promoted and not again.promoted
    if promoted:
        assert (out / "ACTIVE").read_text().strip() == "v0001"


def test_empty_and_too_small_trace_sets_say_how_many_are_needed(traced: Path, tmp_path: Path) -> None:
    tools = write_tools(tmp_path / "tools.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(UserError, match="no traces in"):
        train_router(empty, tools, tmp_path / "o", train_encoder=False)
    with pytest.raises(UserError, match=r"48 runs called tools successfully .* needs at least 100"):
        train_router(traced, tools, tmp_path / "o", train_encoder=False, min_examples=100)
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["train", "router", "--traces", str(empty), "--tools", str(tools),
                                      "--out", str(tmp_path / "o"), "--no-encoder"])
    assert result.exit_code == 2 and "no traces in" in result.output
    with pytest.raises(UserError, match="give --tools"):
        train_router(traced, None, tmp_path / "o2", train_encoder=False)


def test_traced_tools_missing_from_the_registry_are_dropped_not_turned_into_no_tool_runs(
    traced: Path, tmp_path: Path
) -> None:
    specs = [s for s in tool_specs() if s["function"]["name"] != "quib_sync"]  # type: ignore[index]
    base = Router.build(specs, encoder=None)
    _, metrics = train_router(traced, None, tmp_path / "r", base=base, train_encoder=False, min_examples=10)
    assert metrics["data"]["unknown_tools"] == ["quib_sync"]
    assert metrics["data"]["usable"] == 54 - 16  # its 16 runs are gone; the 6 no-tool runs stay
