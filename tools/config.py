"""Configuration of the built-in tools that touch the outside world.

File tools are confined to one root directory and HTTP GET to an allow-list;
both are **off** until configured, either in code::

    from agentfn.library.config import configure
    configure(files_root="/srv/agent-files", http_allow=["api.example.com", "http://127.0.0.1:8000/"])

or through environment variables read on first use:

- ``AGENTFN_FILES_ROOT``: the directory the file tools may read, list and write.
- ``AGENTFN_HTTP_ALLOW``: comma-separated allow-list entries for ``http_get``
  (see :func:`tools.web.http_get` for the entry forms).

Tools read the configuration at call time, so ``configure`` takes effect at once.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ToolsConfig", "configure", "get_config", "reset_config"]


@dataclass(frozen=True)
class ToolsConfig:
    """Limits and permissions of the built-in utility tools.

    Attributes:
        files_root: directory the file tools are confined to; None disables them.
        max_read_bytes: largest file ``read_file`` returns.
        max_write_bytes: largest content ``write_file`` writes.
        max_list_entries: most entries ``list_files`` returns.
        http_allow: allow-list for ``http_get``; empty disables it.
        http_timeout: seconds per HTTP request.
        http_max_bytes: response bodies are cut after this many bytes.
        http_max_redirects: redirects followed (each target is checked again).
        python_cpu_seconds: CPU-time limit of ``run_python`` (RLIMIT_CPU).
        python_memory_mb: address-space limit of ``run_python`` (RLIMIT_AS).
        python_wall_seconds: default wall-clock limit of ``run_python``.
        python_max_wall_seconds: the most a caller may ask for.
        python_max_output_bytes: stdout/stderr file size limit (RLIMIT_FSIZE).
        python_use_unshare: run the child in a fresh network namespace when
            ``unshare`` works on this machine (else only the in-process guard).
        python_use_landlock: make the file system read-only outside the child's
            directory with Landlock when the kernel has it (else an in-process guard).
        max_input_chars: largest text the data tools accept.
    """

    files_root: Path | None = None
    max_read_bytes: int = 1_000_000
    max_write_bytes: int = 1_000_000
    max_list_entries: int = 1_000
    http_allow: tuple[str, ...] = ()
    http_timeout: float = 10.0
    http_max_bytes: int = 1_000_000
    http_max_redirects: int = 5
    python_cpu_seconds: int = 10
    python_memory_mb: int = 1024
    python_wall_seconds: float = 10.0
    python_max_wall_seconds: float = 60.0
    python_max_output_bytes: int = 1_000_000
    python_use_unshare: bool = True
    python_use_landlock: bool = True
    max_input_chars: int = 5_000_000
    extra: dict[str, Any] = field(default_factory=dict[str, Any])


_lock = threading.Lock()
_config: ToolsConfig | None = None


def _from_env() -> ToolsConfig:
    root = os.environ.get("AGENTFN_FILES_ROOT") or None
    allow = tuple(e.strip() for e in os.environ.get("AGENTFN_HTTP_ALLOW", "").split(",") if e.strip())
    return ToolsConfig(files_root=Path(root) if root else None, http_allow=allow)


def get_config() -> ToolsConfig:
    """The current configuration (from the environment on first use)."""
    global _config
    with _lock:
        if _config is None:
            _config = _from_env()
        return _config


def configure(**changes: Any) -> ToolsConfig:
    """Change some settings; returns the new configuration.

    ``files_root`` accepts a string or path (None disables the file tools);
    ``http_allow`` any iterable of entries.
    """
    global _config
    current = get_config()
    if "files_root" in changes and changes["files_root"] is not None:
        changes["files_root"] = Path(changes["files_root"])
    if "http_allow" in changes:
        changes["http_allow"] = tuple(changes["http_allow"] or ())
    updated = dataclasses.replace(current, **changes)
    with _lock:
        _config = updated
    return updated


def reset_config() -> ToolsConfig:
    """Forget code-level changes and read the environment again."""
    global _config
    with _lock:
        _config = None
    return get_config()
