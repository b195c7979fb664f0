"""Every command's help shows its text as written: rich markup must not eat bracketed words ("[[keys]]" -> "[]")."""

from __future__ import annotations

import re

import click
import typer
from typer.testing import CliRunner

from agentfn.cli import app


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = [(path, command)]
    subcommands: dict[str, click.Command] = getattr(command, "commands", {})
    if subcommands:
        for name, sub in sorted(subcommands.items()):
            found += _commands(sub, (*path, name))
    return found


def test_help_texts_keep_their_bracketed_words() -> None:
    root = typer.main.get_command(app)
    runner = CliRunner()
    checked = 0
    for path, command in _commands(root):
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
        result = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert result.exit_code == 0, (path, result.output)
        shown = " ".join(result.output.split())
        assert "[]" not in shown, (path, "an empty [] in the help: markup ate a bracketed word")
        for text in texts:
            for bracketed in re.findall(r"\[[A-Za-z][\w -]*\]", text):
                assert bracketed in shown, (path, bracketed)
        checked += 1
    assert checked > 20
