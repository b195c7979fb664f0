"""``run_python``: run a snippet in a separate, limited Python process.

What is enforced (Linux; documented honestly, this is not a full sandbox):

- **CPU time**: ``RLIMIT_CPU`` (the kernel stops the process with SIGXCPU).
- **Memory**: ``RLIMIT_AS`` on the address space (allocations fail with MemoryError).
- **Wall clock**: the whole process group is killed after the timeout.
- **Output**: stdout/stderr go to files capped by ``RLIMIT_FSIZE``; writing more fails (EFBIG).
- **Working directory**: a fresh temporary directory, deleted afterwards; ``HOME`` points there
  and the environment is minimal (no inherited variables, so no credentials from the parent).
- **No network**: when ``unshare -rn`` works on the machine (user + network namespaces), the
  child runs in an empty network namespace: no interface but a down loopback. Always, in
  addition, the child starts in isolated mode (``python -I``) with an audit hook installed before
  the user's code that refuses socket connect/bind/sendto/getaddrinfo, starting processes
  (subprocess, os.system, exec, spawn, fork) and raising resource limits. Audit hooks cannot be
  removed from Python code, but native code (ctypes, C extensions) can bypass them; only the
  namespace is a hard boundary.
- **Not confined**: the file system. The child can read and write whatever the user running
  agentfn can; ``side_effects="write"`` says so. Run agentfn as an unprivileged user or in a
  container when the code is untrusted.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from agentfn import ToolRetry, tool
from tools.config import get_config

__all__ = ["PythonResult", "network_isolation", "run_python"]

# Runs in the child before the user's code. Limits first, then the audit hook (which also
# blocks raising them again), then the user's file as __main__.
_BOOTSTRAP = r'''
import resource, sys
cpu, mem, fsize = (int(a) for a in sys.argv[1:4])
for kind, value in ((resource.RLIMIT_CPU, cpu), (resource.RLIMIT_AS, mem), (resource.RLIMIT_FSIZE, fsize),
                    (resource.RLIMIT_CORE, 0)):
    if value >= 0:
        resource.setrlimit(kind, (value, value))
_BLOCKED = ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
            "socket.gethostbyname", "socket.gethostbyaddr", "subprocess.Popen", "os.system", "os.exec",
            "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn", "resource.setrlimit",
            "resource.prlimit", "sys.addaudithook")
def _guard(event, args):
    if event in _BLOCKED:
        raise PermissionError(f"blocked in run_python: {event} (no network, no processes)")
sys.addaudithook(_guard)
del resource, cpu, mem, fsize, kind, value
import runpy
sys.argv = ["main.py"]
runpy.run_path("main.py", run_name="__main__")
'''


class PythonResult(BaseModel):
    """How the snippet ended.

    ``limit`` names the limit that stopped it: ``wall`` (timeout), ``cpu``, ``memory`` or
    ``output``; None when it ended by itself.
    """

    exit_code: int | None
    stdout: str
    stderr: str
    limit: Literal["wall", "cpu", "memory", "output"] | None = None
    duration_s: float
    network_isolation: Literal["namespace", "audit_hook"]
    files: list[str] = []


@functools.cache
def _unshare_works() -> bool:
    exe = shutil.which("unshare")
    if exe is None or sys.platform != "linux":
        return False
    try:
        done = subprocess.run([exe, "-rn", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def network_isolation() -> Literal["namespace", "audit_hook"]:
    """How ``run_python`` keeps the child off the network on this machine, with the current config."""
    return "namespace" if get_config().python_use_unshare and _unshare_works() else "audit_hook"


def _read_capped(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        return ""
    text = data[:limit].decode("utf-8", errors="replace")
    return text + ("\n[output truncated]" if len(data) > limit else "")


@tool(side_effects="write", idempotent=False, timeout=120)
def run_python(code: str, stdin: str = "", timeout: float | None = None) -> PythonResult:
    """Run (execute) a given Python 3 program in a separate process and return what it prints.

    The program runs in an empty temporary directory with no network access and limits on
    CPU time, memory, wall-clock time and output size. Print what you want to see. The
    installed packages of this Python are importable; starting other processes is not allowed.

    Args:
        code: the complete program text.
        stdin: text given to the program on standard input.
        timeout: wall-clock seconds (default from the configuration, capped by it).
    """
    config = get_config()
    if sys.platform == "win32":
        raise PermissionError("run_python needs a POSIX system (resource limits)")
    if len(code) > 1_000_000:
        raise ToolRetry("the program is longer than 1,000,000 characters")
    wall = min(timeout if timeout and timeout > 0 else config.python_wall_seconds, config.python_max_wall_seconds)
    isolation = network_isolation()
    cap = config.python_max_output_bytes
    with tempfile.TemporaryDirectory(prefix="agentfn-python-") as tmp:
        work = Path(tmp)
        (work / "main.py").write_text(code, encoding="utf-8")
        (work / ".bootstrap.py").write_text(_BOOTSTRAP, encoding="utf-8")
        (work / ".stdin").write_text(stdin, encoding="utf-8")
        command = [
            sys.executable, "-I", "-X", "utf8", ".bootstrap.py",
            str(config.python_cpu_seconds), str(config.python_memory_mb * 1024 * 1024), str(cap),
        ]
        if isolation == "namespace":
            command = [shutil.which("unshare") or "unshare", "-rn", *command]
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONHASHSEED": "0", "TMPDIR": tmp}
        started = time.perf_counter()
        with (work / ".stdin").open("rb") as fin, (work / ".stdout").open("wb") as fout, \
                (work / ".stderr").open("wb") as ferr:
            process = subprocess.Popen(
                command, cwd=tmp, env=env, stdin=fin, stdout=fout, stderr=ferr, start_new_session=True,
            )
            limit: Literal["wall", "cpu", "memory", "output"] | None = None
            try:
                process.wait(timeout=wall)
            except subprocess.TimeoutExpired:
                limit = "wall"
                _kill_group(process)
        duration = time.perf_counter() - started
        full = any((work / n).stat().st_size >= cap for n in (".stdout", ".stderr"))
        stdout = _read_capped(work / ".stdout", cap)
        stderr = _read_capped(work / ".stderr", cap)
        code_ = process.returncode
        if limit is None and code_ is not None:
            if code_ in (-signal.SIGXCPU, 128 + signal.SIGXCPU) or (code_ == -signal.SIGKILL and duration < wall):
                limit = "cpu"
            elif code_ in (-signal.SIGXFSZ, 128 + signal.SIGXFSZ) or full:
                limit = "output"  # Python ignores SIGXFSZ: the write fails with EFBIG instead
            elif "MemoryError" in stderr[-2000:]:
                limit = "memory"
        files = sorted(p.name for p in work.iterdir() if not p.name.startswith("."))
    return PythonResult(
        exit_code=None if limit == "wall" else code_, stdout=stdout, stderr=stderr, limit=limit,
        duration_s=round(duration, 3), network_isolation=isolation, files=files,
    )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait()
