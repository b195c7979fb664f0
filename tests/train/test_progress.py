"""Training progress without a terminal: timed plain lines on stderr (a live display would show nothing in a log)."""

from __future__ import annotations

import pytest

from agentfn.train.progress import Reporter


def test_without_a_terminal_stages_print_timed_lines(capsys: pytest.CaptureFixture[str]) -> None:
    rep = Reporter(enabled=True, every_s=3600.0)
    task = rep.task("mining hard negatives", 4)
    for done in range(1, 5):
        task(done, 4)
    steps = rep.steps("training encoder")
    assert steps is not None
    steps(1, 10, 2.5)
    steps(2, 10, 2.0)  # within every_s of the last line: not printed
    steps(10, 10, 0.5)  # the last step always is
    rep.close()
    lines = capsys.readouterr().err.splitlines()
    assert [ln.split("] ", 1)[1] for ln in lines] == [
        "mining hard negatives: 0/4", "mining hard negatives: 4/4",
        "training encoder: 1/10 loss 2.5000", "training encoder: 10/10 loss 0.5000",
    ]
    assert all(ln.startswith("[") and "s]" in ln for ln in lines)


def test_disabled_reporter_is_silent(capsys: pytest.CaptureFixture[str]) -> None:
    rep = Reporter(enabled=False)
    rep.task("x", 1)(1, 1)
    assert rep.steps("y") is None
    rep.close()
    assert capsys.readouterr().err == ""
