"""File tools confined to the configured root: traversal, symlinks, absolute paths and sizes refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentfn import Agent, FunctionModel, ToolRetry, Toolset
from agentfn.backends.function import call
from agentfn.library.config import configure
from agentfn.library.files import list_files, read_file, write_file
from agentfn.messages import AssistantMessage


def test_disabled_without_a_root() -> None:
    for attempt in (lambda: read_file("a.txt"), lambda: list_files(), lambda: write_file("a.txt", "x")):
        with pytest.raises(PermissionError, match="AGENTFN_FILES_ROOT"):
            attempt()


def test_root_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentfn.library.config import reset_config

    (tmp_path / "hello.txt").write_text("hi")
    monkeypatch.setenv("AGENTFN_FILES_ROOT", str(tmp_path))
    reset_config()
    assert read_file("hello.txt") == "hi"


def test_write_read_list_round_trip(files_root: Path) -> None:
    result = write_file("notes/today.md", "# Today\n")
    assert (result.path, result.bytes_written, result.created) == ("notes/today.md", 8, True)
    assert read_file("notes/today.md") == "# Today\n"
    assert write_file("notes/today.md", "more\n", mode="append").created is False
    assert read_file("notes/today.md") == "# Today\nmore\n"
    write_file("notes/today.md", "new", mode="overwrite")
    assert (files_root / "notes" / "today.md").read_text() == "new"
    write_file("data.csv", "a,b\n")
    assert [(e.path, e.type) for e in list_files()] == [("data.csv", "file"), ("notes", "directory")]
    assert [e.path for e in list_files(recursive=True)] == ["data.csv", "notes", "notes/today.md"]
    assert [e.path for e in list_files(".", pattern="*.csv")] == ["data.csv"]
    assert [e.path for e in list_files("notes")] == ["notes/today.md"]


def test_create_mode_does_not_replace(files_root: Path) -> None:
    write_file("a.txt", "one")
    with pytest.raises(ToolRetry, match="already exists"):
        write_file("a.txt", "two")
    assert read_file("a.txt") == "one"


@pytest.mark.parametrize(
    "path",
    ["../outside.txt", "a/../../outside.txt", "..", "notes/../../x", "..\\outside.txt"],
)
def test_traversal_is_refused(files_root: Path, path: str) -> None:
    (files_root.parent / "outside.txt").write_text("secret")
    with pytest.raises(PermissionError, match=r"'\.\.' is not allowed"):
        read_file(path)
    with pytest.raises(PermissionError):
        write_file(path, "x", mode="overwrite")
    assert (files_root.parent / "outside.txt").read_text() == "secret"


@pytest.mark.parametrize("path", ["/etc/passwd", "//etc/passwd", "C:\\Windows\\win.ini", "c:/x", "~/.ssh/id_rsa", "~"])
def test_absolute_paths_are_refused(files_root: Path, path: str) -> None:
    with pytest.raises(PermissionError, match="absolute paths"):
        read_file(path)
    with pytest.raises(PermissionError, match="absolute paths"):
        list_files(path)


def test_symlinks_escaping_the_root_are_refused(files_root: Path) -> None:
    outside = files_root.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    os.symlink(outside / "secret.txt", files_root / "link.txt")
    os.symlink(outside, files_root / "linkdir")
    with pytest.raises(PermissionError, match="outside the files root"):
        read_file("link.txt")
    with pytest.raises(PermissionError, match="outside the files root"):
        read_file("linkdir/secret.txt")
    with pytest.raises(PermissionError, match="outside the files root"):
        write_file("linkdir/new.txt", "x")
    with pytest.raises(PermissionError, match="outside the files root"):
        write_file("link.txt", "x", mode="overwrite")
    with pytest.raises(PermissionError, match="outside the files root"):
        list_files("linkdir")
    assert not (outside / "new.txt").exists() and (outside / "secret.txt").read_text() == "secret"
    # Listing shows the links as links without following them.
    kinds = {e.path: e.type for e in list_files(recursive=True)}
    assert kinds == {"link.txt": "symlink", "linkdir": "symlink"}


def test_symlinks_inside_the_root_work(files_root: Path) -> None:
    (files_root / "real.txt").write_text("ok")
    os.symlink(files_root / "real.txt", files_root / "alias.txt")
    assert read_file("alias.txt") == "ok"


def test_size_limits(files_root: Path) -> None:
    configure(max_read_bytes=10, max_write_bytes=12, max_list_entries=3)
    (files_root / "big.txt").write_text("x" * 11)
    with pytest.raises(PermissionError, match="read limit is 10"):
        read_file("big.txt")
    with pytest.raises(PermissionError, match="write limit is 12"):
        write_file("w.txt", "y" * 13)
    write_file("w.txt", "y" * 8)
    with pytest.raises(PermissionError, match="appending"):
        write_file("w.txt", "y" * 8, mode="append")
    for i in range(4):
        (files_root / f"f{i}").write_text("")
    with pytest.raises(PermissionError, match="more than 3 entries"):
        list_files()


def test_other_refusals(files_root: Path) -> None:
    (files_root / "bin.dat").write_bytes(b"\xff\xfe\x00\x81")
    (files_root / "sub").mkdir()
    with pytest.raises(ToolRetry, match="not utf-8 text"):
        read_file("bin.dat")
    with pytest.raises(ToolRetry, match="no file"):
        read_file("missing.txt")
    with pytest.raises(ToolRetry, match="directory"):
        read_file("sub")
    with pytest.raises(ToolRetry, match="directory"):
        write_file("sub", "x", mode="overwrite")
    with pytest.raises(ToolRetry, match="not a directory"):
        list_files("bin.dat")
    with pytest.raises(PermissionError, match="NUL"):
        read_file("a\x00b")


def test_metadata() -> None:
    assert read_file.side_effects == "read" and list_files.side_effects == "read"
    assert write_file.side_effects == "write" and not write_file.idempotent
    assert write_file.parameters["properties"]["mode"]["enum"] == ["create", "overwrite", "append"]


async def test_refusal_reaches_the_model_as_a_tool_error(files_root: Path) -> None:
    def reply(messages: list[object], request: object) -> AssistantMessage | str:
        tool_messages = [m for m in messages if getattr(m, "role", "") == "tool"]
        if not tool_messages:
            return AssistantMessage(tool_calls=[call("read_file", {"path": "../../etc/passwd"})])
        return tool_messages[-1].content  # type: ignore[attr-defined]

    agent = Agent(FunctionModel(reply), tools=Toolset([read_file]))
    result = await agent.run("read it")
    assert result.ok and "PermissionError" in str(result.output) and "'..' is not allowed" in str(result.output)


def test_a_word_for_the_root_lists_the_root(files_root: Path) -> None:
    # "Show me all .txt files in the top folder": a small model passes the request's word as the path.
    write_file("a.txt", "x")
    write_file("folder/b.txt", "y")
    assert [e.path for e in list_files("top")] == ["a.txt", "folder"]
    assert [e.path for e in list_files("folder")] == ["folder/b.txt"]  # a real directory wins
    with pytest.raises(ToolRetry, match="not a directory"):
        list_files("elsewhere")


def test_a_name_without_its_extension_reads_the_one_file_of_that_name(tmp_path: Path) -> None:
    configure(files_root=tmp_path)
    (tmp_path / "diary.md").write_text("went hiking")
    (tmp_path / "plan.txt").write_text("a")
    (tmp_path / "plan.md").write_text("b")
    assert read_file("diary") == "went hiking" and read_file("Diary") == "went hiking"
    with pytest.raises(ToolRetry, match="no file 'plan'"):  # two files named plan: which one is not guessed
        read_file("plan")
