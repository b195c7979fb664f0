"""Output into a pipe whose reader has gone (``agentfn run --help | head -40``) stops quietly.

A write into a closed pipe raises ``BrokenPipeError`` wherever the command happens to be; the CLI's
group turned it into "error: unexpected BrokenPipeError". It must leave it to click's own handling
(exit 1, no message), as Unix tools stop when their reader goes away.
"""

from __future__ import annotations

import pytest
import typer

from agentfn import cli


def _app_raising(error: BaseException) -> typer.Typer:
    """A two-command app on the CLI's group (a group, as agentfn's) whose ``fail`` command raises ``error``."""
    app = typer.Typer(cls=cli.FriendlyGroup)

    @app.command()
    def fail() -> None:  # pyright: ignore[reportUnusedFunction]
        raise error

    @app.command()
    def other() -> None:  # pyright: ignore[reportUnusedFunction]
        pass

    return app


def test_closed_pipe_is_not_an_unexpected_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _app_raising(BrokenPipeError(32, "Broken pipe"))(["fail"], prog_name="agentfn")
    assert exited.value.code == 1
    assert "unexpected" not in capsys.readouterr().err


def test_other_errors_are_still_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _app_raising(OSError(5, "Input/output error"))(["fail"], prog_name="agentfn")
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "unexpected OSError" in err and "Traceback" not in err
