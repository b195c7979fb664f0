"""``run_python``: run a snippet in a separate, limited Python process.

What is enforced (Linux; documented honestly, this is not a full sandbox):

- **CPU time**: ``RLIMIT_CPU`` (the kernel stops the process with SIGXCPU).
- **Memory**: ``RLIMIT_AS`` on the address space (allocations fail with MemoryError).
- **Wall clock**: the whole process group is killed after the timeout.
- **Output**: stdout/stderr go to files capped by ``RLIMIT_FSIZE``; writing more fails (EFBIG).
- **Working directory**: a fresh temporary directory, deleted afterwards; ``HOME`` and ``TMPDIR``
  point there and the environment is minimal (no inherited variables, so no credentials from the
  parent).
- **File system: read-only outside the working directory.** With Landlock (Linux 5.13+, an
  unprivileged kernel LSM; ``filesystem_isolation() == "landlock"``) the child restricts itself
  before the user's code runs: creating, writing, truncating, renaming, linking or removing
  anything outside its directory fails with ``PermissionError`` from the kernel, whatever the
  code does (ctypes and C extensions included); ``/dev/null`` stays writable. On ABI 6+ it also
  cannot signal processes outside itself or reach abstract Unix sockets. If Landlock is
  unavailable (older kernels, other systems) the guard is an audit hook refusing write-mode opens
  and file-system changes outside the directory: best effort, native code can bypass it.
  Reading is not confined: the child can read what the user running agentfn can.
- **No network**: when ``unshare -rn`` works on the machine (user + network namespaces), the
  child runs in an empty network namespace: no interface but a down loopback. Always, in
  addition, the child starts in isolated mode (``python -I``) with an audit hook installed before
  the user's code that refuses socket connect/bind/sendto/getaddrinfo, starting processes
  (subprocess, os.system, exec, spawn, fork) and raising resource limits. Audit hooks cannot be
  removed from Python code, but native code (ctypes, C extensions) can bypass them; only the
  namespace is a hard boundary.

As at Python's interactive prompt, a program's final bare expression shows its value ("sum(range(1, 101))"
prints ``5050``; :mod:`agentfn.library._repl`); statements run as written. A program that does not parse is not run: ``ToolRetry`` names its line and error, so the caller (a model)
can fix it, and a run is never reported as a program that "failed" for a syntax error.

``side_effects="write"``: the program writes its own directory, so agents ask for approval
before running it (the CLI does by default).
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
from agentfn.library._repl import show_last_expression
from agentfn.library.config import get_config

__all__ = ["PythonResult", "filesystem_isolation", "network_isolation", "run_python"]

# Runs in the child before the user's code. Limits first, then the audit hook (which also
# blocks raising them again), then the user's file as __main__.
_BOOTSTRAP = r'''
import os, resource, sys
cpu, mem, fsize = (int(a) for a in sys.argv[1:4])
fs_mode = sys.argv[4]
for kind, value in ((resource.RLIMIT_CPU, cpu), (resource.RLIMIT_AS, mem), (resource.RLIMIT_FSIZE, fsize),
                    (resource.RLIMIT_CORE, 0)):
    if value >= 0:
        resource.setrlimit(kind, (value, value))
_WORK = os.path.realpath(os.getcwd())

def _landlock():
    # Kernel-enforced: writes of any kind only beneath the working directory (and /dev/null).
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    create, add_rule, restrict = 444, 445, 446  # the same numbers on every architecture
    abi = libc.syscall(create, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        raise OSError(ctypes.get_errno(), "Landlock is not available")
    fs = (1 << 1) | sum(1 << b for b in range(4, 13))  # WRITE_FILE, REMOVE_*, MAKE_*
    fs |= (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0)  # REFER, TRUNCATE
    scoped = 0b11 if abi >= 6 else 0  # no signals to, no abstract sockets of, processes outside
    fields = [("fs", ctypes.c_uint64)] + ([("net", ctypes.c_uint64)] if abi >= 4 else []) \
        + ([("scoped", ctypes.c_uint64)] if abi >= 6 else [])
    Attr = type("Attr", (ctypes.Structure,), {"_fields_": fields})
    attr = Attr(fs=fs, **({"scoped": scoped} if abi >= 6 else {}))
    ruleset = libc.syscall(create, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")

    class Beneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    for path, allowed in ((_WORK, fs), ("/dev/null", (1 << 1) | (1 << 14 if abi >= 3 else 0))):
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        rule = Beneath(allowed=allowed, parent_fd=fd)
        if libc.syscall(add_rule, ruleset, ctypes.c_int(1), ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule({path}) failed")
        os.close(fd)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.syscall(restrict, ruleset, ctypes.c_uint32(0)) < 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    os.close(ruleset)

if fs_mode == "landlock":
    try:
        _landlock()
    except OSError as exc:  # fail closed: never run unconfined when confinement was promised
        sys.stderr.write(f"run_python: could not confine the file system: {exc}\n")
        sys.exit(126)

_BLOCKED = ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
            "socket.gethostbyname", "socket.gethostbyaddr", "subprocess.Popen", "os.system", "os.exec",
            "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn", "resource.setrlimit",
            "resource.prlimit", "sys.addaudithook")
_FS_CHANGES = ("os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "os.chown", "os.link", "os.symlink",
               "os.truncate", "os.utime", "os.chflags", "os.lchflags", "os.lchmod", "os.setxattr",
               "os.removexattr", "os.mkfifo", "os.mknod", "shutil.copyfile", "shutil.copymode",
               "shutil.copystat", "shutil.copytree", "shutil.move", "shutil.rmtree", "shutil.chown")
_WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_fspath, _realpath, _join, _sep = os.fspath, os.path.realpath, os.path.join, os.sep

def _outside(value):
    if not isinstance(value, (str, bytes, os.PathLike)):
        return False
    path = _fspath(value)
    path = path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path
    real = _realpath(_join(_WORK, path))
    return real != _WORK and not real.startswith(_WORK + _sep) and real != "/dev/null"

def _guard(event, args):
    if event in _BLOCKED:
        raise PermissionError(f"blocked in run_python: {event} (no network, no processes)")
    if fs_mode != "landlock":  # Landlock already makes the kernel refuse these
        if event == "open" and args and (
                (isinstance(args[2], int) and args[2] & _WRITES) or any(c in (args[1] or "") for c in "wax+")):
            targets = args[:1]
        elif event in _FS_CHANGES:
            targets = args
        else:
            return
        if any(_outside(t) for t in targets):
            raise PermissionError(f"blocked in run_python: {event} outside the working directory (read-only)")
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
    filesystem_isolation: Literal["landlock", "audit_hook"]
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


@functools.cache
def _landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when it has none (or this is not Linux)."""
    if sys.platform != "linux":
        return 0
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        version = int(libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1)))  # CREATE_RULESET_VERSION
    except (OSError, AttributeError):
        return 0
    return max(version, 0)


def filesystem_isolation() -> Literal["landlock", "audit_hook"]:
    """How ``run_python`` keeps the child's writes inside its directory here, with the current config."""
    return "landlock" if get_config().python_use_landlock and _landlock_abi() >= 1 else "audit_hook"


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
    CPU time, memory, wall-clock time and output size; it may write files only inside that
    directory (everything else is read-only). Print what you want to see. The installed
    packages of this Python are importable; starting other processes is not allowed.

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
    try:  # a program that does not parse is the caller's to fix, not a run that "failed (exit code 1)"
        compile(code, "main.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        where = f"line {exc.lineno}: " if isinstance(exc, SyntaxError) and exc.lineno else ""
        raise ToolRetry(f"the program does not parse: {where}{getattr(exc, 'msg', None) or exc}") from None
    wall = min(timeout if timeout and timeout > 0 else config.python_wall_seconds, config.python_max_wall_seconds)
    isolation = network_isolation()
    fs_isolation = filesystem_isolation()
    cap = config.python_max_output_bytes
    with tempfile.TemporaryDirectory(prefix="agentfn-python-") as tmp:
        work = Path(tmp)
        (work / "main.py").write_text(show_last_expression(code), encoding="utf-8")
        (work / ".bootstrap.py").write_text(_BOOTSTRAP, encoding="utf-8")
        (work / ".stdin").write_text(stdin, encoding="utf-8")
        command = [
            sys.executable, "-I", "-X", "utf8", ".bootstrap.py",
            str(config.python_cpu_seconds), str(config.python_memory_mb * 1024 * 1024), str(cap), fs_isolation,
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
        duration_s=round(duration, 3), network_isolation=isolation, filesystem_isolation=fs_isolation, files=files,
    )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait()
