"""Memory soak of trace recording: 24 waves of 1,000 concurrent recorded runs, RSS flat in the second half.

Three soaks, each in a fresh process so the RSS read is the soak's own: in-process with the thread
writer, in-process with the process writer, and the real ``agentfn serve`` command with a SQLite
``trace_store`` (which records through the process writer). After each wave the soak waits until
every run of the wave is in the store, then reads RSS; the resident memory over the last 12,000
runs must grow by less than 8 MB. Before the fix, SQLite's 32 MiB page cache per connection made
the thread-writer soak climb ~2 MB per wave until the cache was full (+13 MB over the last 12,000).

Run alone as a script (``python tests/stress/test_trace_soak.py WRITER WAVES CONCURRENCY STORE``)
it is the in-process soak's child and prints the RSS after each wave as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.stress

WAVES = 24
CONCURRENCY = 1000
BOUND_MB = 8.0
ROOT = Path(__file__).resolve().parents[2]

TOOLS = '''
from agentfn import tool


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b
'''


def rss_mb(pid: int | None = None) -> float:
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _growth(rss: list[float]) -> float:
    return rss[-1] - rss[len(rss) // 2 - 1]


async def _soak(writer: str, waves: int, concurrency: int, store: str) -> dict[str, Any]:
    from agentfn import Agent, AssistantMessage, FunctionModel, tool
    from agentfn.backends.function import call
    from agentfn.traces import TraceRecorder, TraceStore

    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    def reply(messages: list[Any], request: Any) -> Any:
        if messages[-1].role == "user":
            return AssistantMessage(tool_calls=[call("add", {"a": 1, "b": 2})])
        return "3"

    recorder = TraceRecorder(TraceStore.open(store), writer=writer)  # type: ignore[arg-type]
    agent = Agent(FunctionModel(reply, keep_requests=False), [add], recorder=recorder)
    rss: list[float] = []
    errors = 0
    for _ in range(waves):
        results = await asyncio.gather(*(agent.run("What is 1 + 2?") for _ in range(concurrency)),
                                       return_exceptions=True)
        errors += sum(1 for r in results if isinstance(r, BaseException) or r.output != "3")
        del results
        assert await recorder.aflush(600)
        rss.append(rss_mb())
    stored = recorder.store.count_runs(outcome="answered")
    lost = recorder.errors + recorder.dropped
    recorder.close()
    return {"rss": rss, "errors": errors, "stored": stored, "lost": lost}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("writer", ["thread", "process"])
def test_recorded_runs_soak_in_process(writer: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, __file__, writer, str(WAVES), str(CONCURRENCY), str(tmp_path / "traces.db")],
        capture_output=True, text=True, env=env, timeout=840,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    rss = res["rss"]
    print(f"\n{writer} writer, {WAVES} x {CONCURRENCY} recorded runs: RSS " + ", ".join(f"{x:.1f}" for x in rss)
          + f" MB; second half {_growth(rss):+.2f} MB")
    assert res["errors"] == 0
    assert res["lost"] == 0
    assert res["stored"] == WAVES * CONCURRENCY
    assert _growth(rss) < BOUND_MB, rss


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait(10)
            raise AssertionError(f"agentfn serve did not become ready:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


async def _serve_waves(port: int, pid: int, store: Path) -> tuple[list[float], list[str]]:
    import aiohttp

    from agentfn.traces import TraceStore

    rss: list[float] = []
    errors: list[str] = []
    body = {"model": "agentfn", "messages": [{"role": "user", "content": "add 1 and 2"}]}
    with TraceStore.open(str(store)) as traces:
        for wave in range(WAVES):
            connector = aiohttp.TCPConnector(limit=CONCURRENCY)
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}", connector=connector,
                                             timeout=aiohttp.ClientTimeout(total=300)) as session:

                async def one() -> None:
                    try:
                        async with session.post("/v1/chat/completions", json=body) as r:
                            data = await r.read()
                        if r.status != 200 or json.loads(data)["agentfn"]["outcome"] != "answered":
                            errors.append(f"{r.status}: {data[:200]!r}")
                    except Exception as exc:  # a refused or reset connection is an error to count
                        errors.append(f"{type(exc).__name__}: {exc}")

                await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
            deadline = time.monotonic() + 300  # the wave is done when the server's writer has stored it
            while traces.count_runs() < (wave + 1) * CONCURRENCY and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            rss.append(rss_mb(pid))
    return rss, errors


@pytest.mark.timeout(900)
def test_recorded_runs_soak_in_agentfn_serve(tmp_path: Path) -> None:
    pytest.importorskip("aiohttp")
    port = _free_port()
    store = tmp_path / "traces.db"
    (tmp_path / "soak_tools.py").write_text(TOOLS)
    config = tmp_path / "agentfn.yaml"
    config.write_text(
        f"model: test\nport: {port}\nauth: none\ntrace_store: sqlite:///{store}\n"
        f"limits:\n  rate_per_minute: 1.0e9\n  burst: 1000000\n"
        f"agents:\n  - name: agentfn\n    tools: ['{tmp_path / 'soak_tools.py'}']\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:  # a file, not a pipe: a full pipe would stall the server
        proc = subprocess.Popen([sys.executable, "-m", "agentfn.cli", "serve", "--config", str(config)],
                                stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_ready(port, proc, log_path)
        rss, errors = asyncio.run(_serve_waves(port, proc.pid, store))
    finally:
        proc.send_signal(signal.SIGTERM)  # graceful: the server flushes the recorder on shutdown
        proc.wait(120)
    print(f"\nagentfn serve, {WAVES} x {CONCURRENCY} recorded requests: RSS " + ", ".join(f"{x:.1f}" for x in rss)
          + f" MB; second half {_growth(rss):+.2f} MB")
    assert errors == [], errors[:5]
    from agentfn.traces import TraceStore

    with TraceStore.open(str(store)) as traces:
        assert traces.count_runs(outcome="answered") == WAVES * CONCURRENCY
    assert _growth(rss) < BOUND_MB, rss


if __name__ == "__main__":
    _writer, _waves, _concurrency, _store = sys.argv[1:5]
    print(json.dumps(asyncio.run(_soak(_writer, int(_waves), int(_concurrency), _store))))
