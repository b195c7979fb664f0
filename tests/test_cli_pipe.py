"""Output into a pipe whose reader has gone (``agentfn run --help | head -40``) stops quietly.

A write into a closed pipe raises ``BrokenPipeError`` wherever the command happens to be; the CLI's
group turned it into "error: unexpected BrokenPipeError". It must leave it to click's own handling
(exit 1, no message), as Unix tools stop when their reader goes away.
"""

from __future__ import annotations

import pytest
import typer

from agentfn import cli


def test_closed_pipe_is_not_an_unexpected_error(capsys: pytest.CaptureFixture[str]) -> None:
    app = typer.Typer(cls=cli.FriendlyGroup)

    @app.command()
    def write() -> None:  # pyright: ignore[reportUnusedFunction]
        raise BrokenPipeError(32, "Broken pipe")

    @app.command()
    def other() -> None:  # pyright: ignore[reportUnusedFunction]  # two commands: a group, as agentfn's
        pass

    with pytest.raises(SystemExit) as exited:
        app(["write"], prog_name="agentfn")
    assert exited.value.code == 1
    assert "unexpected" not in capsys.readouterr().err


def test_other_errors_are_still_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    app = typer.Typer(cls=cli.FriendlyGroup)

    @app.command()
    def fail() -> None:  # pyright: ignore[reportUnusedFunction]
        raise OSError(5, "Input/output error")

    @app.command()
    def other() -> None:  # pyright: ignore[reportUnusedFunction]
        pass

    with pytest.raises(SystemExit) as exited:
        app(["fail"], prog_name="agentfn")
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "unexpected OSError" in err and "Traceback" not in err
