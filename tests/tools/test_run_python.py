"""run_python: a separate process with CPU, memory, wall-clock and output limits and no network."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentfn import ToolRetry
from agentfn.library.code_runner import (
    _landlock_abi,
    _unshare_works,
    filesystem_isolation,
    network_isolation,
    run_python,
)
from agentfn.library.config import configure


def test_runs_code_with_stdin_and_exit_code() -> None:
    result = run_python("import sys\nname = sys.stdin.read().strip()\nprint(f'hello {name}')\nsys.exit(3)", stdin="ann")
    assert (result.stdout, result.exit_code, result.limit) == ("hello ann\n", 3, None)


def test_errors_show_in_stderr() -> None:
    result = run_python("raise ValueError('boom')")
    assert result.exit_code == 1 and "ValueError: boom" in result.stderr and result.limit is None


def test_temporary_working_directory_is_private_and_removed() -> None:
    result = run_python("import os\nopen('out.txt', 'w').write('x')\nprint(os.getcwd())\nprint(os.environ.get('HOME'))")
    cwd, home = result.stdout.split()
    assert Path(cwd).name.startswith("agentfn-python-") and home == cwd
    assert result.files == ["main.py", "out.txt"]
    assert not Path(cwd).exists()


def test_parent_environment_is_not_inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTFN_TEST_SECRET", "s3cret")
    result = run_python("import os\nprint(os.environ.get('AGENTFN_TEST_SECRET'))")
    assert result.stdout == "None\n"


def test_wall_clock_limit() -> None:
    configure(python_cpu_seconds=60)
    result = run_python("import time\nprint('start', flush=True)\ntime.sleep(60)", timeout=3)
    assert result.limit == "wall" and result.exit_code is None
    assert result.stdout == "start\n" and result.duration_s < 15


def test_timeout_is_capped_by_the_configuration() -> None:
    configure(python_max_wall_seconds=1, python_cpu_seconds=60)
    result = run_python("import time\ntime.sleep(30)", timeout=1000)
    assert result.limit == "wall" and result.duration_s < 10


def test_cpu_time_limit() -> None:
    configure(python_cpu_seconds=1)
    result = run_python("while True:\n    pass", timeout=30)
    assert result.limit == "cpu" and result.duration_s < 20


def test_memory_limit() -> None:
    configure(python_memory_mb=256)
    result = run_python("x = bytearray(1024 * 1024 * 1024)\nprint('allocated')")
    assert result.limit == "memory" and "MemoryError" in result.stderr and "allocated" not in result.stdout


def test_output_limit() -> None:
    configure(python_max_output_bytes=10_000)
    result = run_python("import sys\nwhile True:\n    sys.stdout.write('x' * 1000)")
    assert result.limit == "output"
    assert result.stdout.endswith("[output truncated]") or len(result.stdout) <= 10_000


def test_resource_limits_cannot_be_raised() -> None:
    result = run_python("import resource\nresource.setrlimit(resource.RLIMIT_CPU, (10**6, 10**6))")
    assert result.exit_code == 1 and "blocked in run_python: resource.setrlimit" in result.stderr


@pytest.mark.parametrize(
    "code",
    [
        "import subprocess\nsubprocess.run(['echo', 'hi'])",
        "import os\nos.system('echo hi')",
        "import os\nos.execv('/bin/echo', ['echo', 'hi'])",
    ],
)
def test_processes_cannot_be_started(code: str) -> None:
    result = run_python(code)
    assert result.exit_code == 1 and "blocked in run_python" in result.stderr and "hi" not in result.stdout


@pytest.fixture
def listener() -> Iterator[tuple[int, list[object]]]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        server.close()


CONNECT = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.connect(("127.0.0.1", {port}))
    print("CONNECTED")
except OSError as exc:
    print("REFUSED", type(exc).__name__, exc)
"""


def test_network_is_blocked_by_the_audit_hook(listener: tuple[int, list[object]]) -> None:
    port, accepted = listener
    configure(python_use_unshare=False)
    assert network_isolation() == "audit_hook"
    result = run_python(CONNECT.format(port=port))
    assert result.network_isolation == "audit_hook"
    assert "REFUSED PermissionError blocked in run_python: socket.connect" in result.stdout
    assert accepted == []


@pytest.mark.skipif(not _unshare_works(), reason="unshare -rn is not permitted on this machine")
def test_network_namespace_when_available(listener: tuple[int, list[object]]) -> None:
    port, accepted = listener
    result = run_python(CONNECT.format(port=port))
    assert result.network_isolation == "namespace"
    assert "REFUSED" in result.stdout and "CONNECTED" not in result.stdout
    assert accepted == []
    # Inside the namespace even the interface list is empty but for a down loopback.
    interfaces = run_python("import socket\nprint([n for _, n in socket.if_nameindex()])")
    assert interfaces.stdout.strip() == "['lo']"


def test_refusals_and_metadata() -> None:
    with pytest.raises(ToolRetry, match="longer than"):
        run_python("x" * 1_000_001)
    assert run_python.side_effects == "write" and not run_python.idempotent
    assert run_python.timeout is not None and run_python.timeout > 60


async def test_runs_through_the_tool_interface() -> None:
    result = await run_python.call({"code": "print(6 * 7)"})
    assert result.stdout == "42\n"


@pytest.mark.parametrize(("code", "where"), [("def largest(numbers):", "line 1"), ("x = (1,\nprint(x)", "line 1"),
                                             ("print('a')\n  print('b')", "line 2"), ("print('a\x00')", "")])
def test_a_program_that_does_not_parse_is_not_run(code: str, where: str) -> None:
    with pytest.raises(ToolRetry, match="does not parse") as info:
        run_python(code)
    assert where in str(info.value)


# -- file system: read-only outside the working directory --------------------------------------

ESCAPES = {
    "open": "open({target!r}, 'w').write('escaped')",
    "pathlib": "import pathlib\npathlib.Path({target!r}).write_text('escaped')",
    "os.open": "import os\nos.close(os.open({target!r}, os.O_WRONLY | os.O_CREAT, 0o600))",
    "mkdir": "import os\nos.mkdir({target!r})",
    "rename": "import os\nopen('inside.txt', 'w').write('x')\nos.rename('inside.txt', {target!r})",
    "remove": "import os\nos.remove({victim!r})",
}


def _escape(code: str, tmp_path: Path) -> tuple[str, Path, Path]:
    victim = tmp_path / "keep.txt"
    victim.write_text("precious")
    target = tmp_path / "escaped.txt"
    return code.format(target=str(target), victim=str(victim)), target, victim


@pytest.mark.parametrize("how", sorted(ESCAPES))
@pytest.mark.parametrize("mode", ["landlock", "audit_hook"])
def test_writes_outside_the_working_directory_fail(how: str, mode: str, tmp_path: Path) -> None:
    if mode == "landlock" and _landlock_abi() < 1:
        pytest.skip("this kernel has no Landlock")
    configure(python_use_landlock=mode == "landlock")
    assert filesystem_isolation() == mode
    code, target, victim = _escape(ESCAPES[how], tmp_path)
    result = run_python(code)
    assert result.filesystem_isolation == mode
    assert result.exit_code == 1 and "PermissionError" in result.stderr, result.stderr
    assert not target.exists() and victim.read_text() == "precious"


@pytest.mark.skipif(_landlock_abi() < 1, reason="this kernel has no Landlock")
def test_landlock_stops_native_code_too(tmp_path: Path) -> None:
    # libc's open() through ctypes never passes Python's audit hooks: only the kernel can refuse it.
    target = tmp_path / "native.txt"
    code = (
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        f"fd = libc.open({str(target).encode()!r}, os.O_WRONLY | os.O_CREAT, 0o600)\n"
        "print('fd', fd, 'errno', ctypes.get_errno())"
    )
    result = run_python(code)
    assert result.filesystem_isolation == "landlock"
    assert result.stdout.strip() == "fd -1 errno 13" and not target.exists()  # EACCES


def test_inside_the_directory_and_reading_outside_still_work(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("readable")
    code = (
        f"print(open({str(tmp_path / 'data.txt')!r}).read())\n"
        "import os, tempfile\nos.mkdir('sub')\nopen('sub/a.txt', 'w').write('x')\nos.rename('sub/a.txt', 'b.txt')\n"
        "with tempfile.NamedTemporaryFile('w', delete=False) as fh:\n    fh.write('t')\n"
        "open(os.devnull, 'w').write('discarded')\nprint(sorted(os.listdir('.')))"
    )
    result = run_python(code)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "readable" and "b.txt" in result.stdout
