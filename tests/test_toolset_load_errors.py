"""A tools file that cannot be loaded, or offers no tools, is one clear error naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentfn.exceptions import ConfigError
from agentfn.toolset import Toolset


def test_a_syntax_error_names_the_file_and_keeps_the_cause(tmp_path: Path) -> None:
    path = tmp_path / "typo_tools.py"
    path.write_text("from agentfn import tool\n\n@tool\ndef f(x: int) -> int\n    return x\n")
    with pytest.raises(ConfigError, match=r"cannot load tools from .*typo_tools\.py.*SyntaxError") as info:
        Toolset.load(str(path))
    assert isinstance(info.value.__cause__, SyntaxError)


def test_an_error_raised_on_import_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "db_tools.py"
    path.write_text("raise RuntimeError('database unreachable')\n")
    with pytest.raises(ConfigError, match=r"db_tools\.py.*RuntimeError: database unreachable"):
        Toolset.load(str(path))
    with pytest.raises(ConfigError):  # not left half-imported: the second try fails the same way
        Toolset.load(str(path))


def test_a_file_without_tools_says_how_to_declare_them(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    path.write_text("def double(x: int) -> int:\n    return 2 * x\n")
    with pytest.raises(ConfigError, match=r"no tools in .*plain\.py.*@tool"):
        Toolset.load(str(path))
    assert len(Toolset.from_path(path)) == 0  # the library call itself still returns the empty toolset
