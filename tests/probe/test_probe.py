"""The serving conformance probe against real local HTTP servers that reproduce each failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentfn.evals.probe import ProbeReport, probe, probe_cached
from agentfn.exceptions import ModelUnavailableError

from .fake_server import fake_openai


def statuses(report: ProbeReport) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}


def test_conformant_server_passes_everything_natively() -> None:
    with fake_openai() as server:
        report = probe(server.url)
    assert report.model == "fake-model"
    assert set(statuses(report).values()) == {"native"}
    rec = report.recommendation
    assert rec.parser is None and not rec.split_parallel and not rec.force_constrained
    assert rec.structured_outputs == "response_format"


def test_calls_left_in_text_are_recovered_and_parser_recommended() -> None:
    with fake_openai("calls_in_text") as server:
        report = probe(server.url)
    s = statuses(report)
    assert s["single_call"] == "recovered" and s["parallel_calls"] == "recovered"
    assert report.recommendation.parser == "hermes"
    assert report.recommendation.model_options()["parser"] == "hermes"


def test_dropped_parallel_calls_recommend_splitting() -> None:
    with fake_openai("drops_parallel") as server:
        report = probe(server.url)
    assert statuses(report)["parallel_calls"] == "failed"
    assert report.recommendation.split_parallel
    assert report.recommendation.agent_options() == {"parallel_tool_calls": False}


def test_calls_in_reasoning_block_are_recovered() -> None:
    with fake_openai("reasoning_swallows") as server:
        report = probe(server.url)
    check = next(c for c in report.checks if c.name == "call_after_reasoning")
    assert check.status == "recovered" and check.recovered_with == "hermes"


def test_broken_streamed_arguments_are_detected() -> None:
    with fake_openai("broken_stream") as server:
        report = probe(server.url)
    check = next(c for c in report.checks if c.name == "streaming_call")
    assert check.status == "failed" and "not JSON" in check.detail
    assert not report.recommendation.streaming


def test_model_that_only_calls_when_forced() -> None:
    with fake_openai("ignores_auto") as server:
        report = probe(server.url)
    assert statuses(report)["single_call"] == "failed"
    assert report.recommendation.force_constrained


def test_structured_output_modes() -> None:
    with fake_openai("only_vllm_structured") as server:
        assert probe(server.url).recommendation.structured_outputs == "structured_outputs"
    with fake_openai("no_structured") as server:
        report = probe(server.url)
    assert statuses(report)["structured_output"] == "failed"
    assert report.recommendation.structured_outputs is None


def test_server_errors_are_reported_per_check() -> None:
    with fake_openai("http_500") as server:
        report = probe(server.url, "fake-model")
    assert set(statuses(report).values()) == {"error"}
    assert "HTTP 500" in report.checks[0].detail


def test_server_down_raises_typed_error() -> None:
    with fake_openai() as server:
        url = server.url
    with pytest.raises(ModelUnavailableError):
        probe(url, "m", timeout=2)


def test_reports_are_cached_per_server_and_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTFN_HOME", str(tmp_path))
    with fake_openai() as server:
        first = probe_cached(server.url, "fake-model")
        n = len(server.requests)
        second = probe_cached(server.url, "fake-model")
        assert len(server.requests) == n and second.time == first.time
        probe_cached(server.url, "fake-model", refresh=True)
        assert len(server.requests) > n
    assert (tmp_path / "probe_cache.json").exists()
