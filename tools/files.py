"""Read, list and write files inside one configured root directory.

Off until a root is set (``AGENTFN_FILES_ROOT`` or ``tools.config.configure(files_root=...)``).
Every path is relative to the root. Refused, before any file is touched:
absolute paths (``/etc/passwd``, ``C:\\...``, ``~``), any ``..`` component,
and paths that leave the root through a symlink (checked on the fully
resolved path, and the final component is opened with ``O_NOFOLLOW`` so a
symlink swapped in after the check is not followed either). Sizes are
limited (``max_read_bytes``, ``max_write_bytes``, ``max_list_entries``).
"""

from __future__ import annotations

import fnmatch
import os
import stat
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Literal

from pydantic import BaseModel

from agentfn import ToolRetry, tool
from agentfn.library.config import get_config

__all__ = ["FileEntry", "WriteResult", "list_files", "read_file", "write_file"]


def _root() -> Path:
    root = get_config().files_root
    if root is None:
        raise PermissionError(
            "file tools are disabled: set AGENTFN_FILES_ROOT or tools.config.configure(files_root=...)"
        )
    resolved = root.expanduser().resolve()
    if not resolved.is_dir():
        raise PermissionError(f"the configured files root {str(root)!r} is not a directory")
    return resolved


def resolve_path(path: str) -> tuple[Path, Path]:
    """``(root, absolute path)`` for a root-relative path, or raise ``PermissionError``."""
    root = _root()
    text = path.strip() or "."
    if "\x00" in text:
        raise PermissionError("path contains a NUL byte")
    if (
        PurePosixPath(text).is_absolute()
        or PureWindowsPath(text).is_absolute()
        or PureWindowsPath(text).drive
        or text.startswith("~")
    ):
        raise PermissionError(f"absolute paths are not allowed ({path!r}); give a path relative to the files root")
    parts = PurePosixPath(text.replace("\\", "/")).parts
    if ".." in parts:
        raise PermissionError(f"'..' is not allowed in paths ({path!r})")
    target = root.joinpath(*parts).resolve()  # follows symlinks, so an escaping link is caught below
    if not target.is_relative_to(root):
        raise PermissionError(f"{path!r} leads outside the files root (through a symlink)")
    return root, target


def _relative(root: Path, target: Path) -> str:
    return target.relative_to(root).as_posix() or "."


def _by_stem(root: Path, target: Path) -> Path:
    """``target``, or the one file beside it whose name without its extension is ``target``'s name ("my notes"
    file: ``notes`` is ``notes.txt``) when ``target`` does not exist."""
    if target.exists() or not target.parent.is_dir():
        return target
    same = [p for p in target.parent.iterdir() if p.is_file() and p.stem.lower() == target.name.lower()]
    return same[0] if len(same) == 1 and same[0].resolve().is_relative_to(root) else target


@tool(side_effects="read")
def read_file(path: str, encoding: str = "utf-8") -> str:
    """Read a text file under the files root: open a file and show what it contains; returns its text.

    Args:
        path: path relative to the files root, e.g. "reports/q1.csv".
        encoding: text encoding of the file.
    """
    root, target = resolve_path(path)
    target = _by_stem(root, target)  # "my notes file": "notes" reads notes.txt when it is the only notes.*
    limit = get_config().max_read_bytes
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise ToolRetry(f"no file {path!r} under the files root; use list_files to see what exists") from None
    except IsADirectoryError:
        raise ToolRetry(f"{path!r} is a directory; use list_files") from None
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode) or info.st_size > limit:
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ToolRetry(f"{path!r} is a directory; use list_files")
        raise PermissionError(f"{path!r} is {info.st_size} bytes; the read limit is {limit} bytes")
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # grew while reading, or a special file
        raise PermissionError(f"{path!r} is larger than the read limit of {limit} bytes")
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ToolRetry(f"{path!r} is not {encoding} text ({exc})") from None


class FileEntry(BaseModel):
    """One entry of a directory listing."""

    path: str
    type: Literal["file", "directory", "symlink", "other"]
    size: int
    modified: str


_ROOT_WORDS = frozenset({
    "root", "top", "top folder", "top-level", "folder", "files", "my files", "directory", "dir", "here",
    "current", "current folder", "this folder", "home", "main", "base", "all",
})
"""Words a request uses for the files root itself ("the top folder"); a path so named that does not exist is the root."""


@tool(side_effects="read")
def list_files(path: str = ".", pattern: str | None = None, recursive: bool = False) -> list[FileEntry]:
    """List the files and folders in a directory under the files root (what files are there),
    sorted by path, optionally only those matching a glob pattern such as ``*.txt``.

    Args:
        path: directory relative to the files root ("." for the root itself; a word such as
            "folder" or "top" that names no directory there also means the root).
        pattern: shell-style filter on file names, e.g. "*.csv".
        recursive: also list everything below sub-directories.
    """
    root, target = resolve_path(path)
    if not target.exists() and path.strip().lower() in _ROOT_WORDS:  # "the top folder", "my files"
        target = root
    if not target.is_dir():
        raise ToolRetry(f"{path!r} is not a directory under the files root")
    limit = get_config().max_list_entries
    entries: list[FileEntry] = []
    walker = os.walk(target, followlinks=False) if recursive else [(str(target), [], [])]
    for directory, _, _ in walker:
        with os.scandir(directory) as it:
            for entry in sorted(it, key=lambda e: e.name):
                if pattern is not None and not fnmatch.fnmatch(entry.name, pattern):
                    continue
                info = entry.stat(follow_symlinks=False)
                kind: Literal["file", "directory", "symlink", "other"] = (
                    "symlink" if entry.is_symlink() else "directory" if entry.is_dir() else
                    "file" if entry.is_file() else "other"
                )
                entries.append(FileEntry(
                    path=_relative(root, Path(entry.path)), type=kind, size=info.st_size,
                    modified=datetime.fromtimestamp(info.st_mtime, UTC).isoformat(timespec="seconds"),
                ))
                if len(entries) > limit:
                    raise PermissionError(f"more than {limit} entries; list a sub-directory or use a pattern")
    return sorted(entries, key=lambda e: e.path)


class WriteResult(BaseModel):
    """What ``write_file`` did."""

    path: str
    bytes_written: int
    created: bool


@tool(side_effects="write", idempotent=False)
def write_file(path: str, content: str, mode: Literal["create", "overwrite", "append"] = "create") -> WriteResult:
    """Write, save or append text to a file (UTF-8) under the files root, creating it when
    needed; parent directories are created.

    Args:
        path: path relative to the files root.
        content: the text to write.
        mode: "create" refuses to replace an existing file, "overwrite" replaces it, "append" adds to it.
    """
    root, target = resolve_path(path)
    data = content.encode("utf-8")
    limit = get_config().max_write_bytes
    if len(data) > limit:
        raise PermissionError(f"content is {len(data)} bytes; the write limit is {limit} bytes")
    if target == root or target.is_dir():
        raise ToolRetry(f"{path!r} is a directory")
    existed = target.exists()
    if mode == "create" and existed:
        raise ToolRetry(f"{path!r} already exists; pass mode='overwrite' or mode='append'")
    if mode == "append" and existed and target.stat().st_size + len(data) > limit:
        raise PermissionError(f"appending would make {path!r} larger than the write limit of {limit} bytes")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Re-check after creating directories: a component may have been swapped for a symlink meanwhile.
    if not target.parent.resolve().is_relative_to(root):
        raise PermissionError(f"{path!r} leads outside the files root")
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    flags |= {"create": os.O_EXCL, "overwrite": os.O_TRUNC, "append": os.O_APPEND}[mode]
    try:
        fd = os.open(target, flags, 0o644)
    except FileExistsError:
        raise ToolRetry(f"{path!r} already exists; pass mode='overwrite' or mode='append'") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return WriteResult(path=_relative(root, target), bytes_written=len(data), created=not existed)
