"""256 concurrent clients against a real ``agentfn serve`` process (uvicorn on 127.0.0.1, scripted model ``test``).

The in-thread variant in ``tests/serve/test_load.py`` checks responses and metrics; this one runs the real
command in its own process, with the SQLite trace store on, so the server's memory can be watched from outside:
four waves of 256 simultaneous clients, zero errors, resident memory bounded after the first wave (no growth
per request), every run in the trace store once the server shuts down, p50/p99 latency printed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agentfn.traces import TraceStore

pytestmark = pytest.mark.stress

CLIENTS = 256
WAVES = 4  # the first one warms up (imports, pools, caches); memory is compared after it
MAX_GROWTH_MB = 64.0

TOOLS = '''
from agentfn import tool


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


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
            out = log.read_text(errors="replace")
            raise AssertionError(f"agentfn serve did not become ready:\n{out[-3000:]}")
        time.sleep(0.2)


async def wave(url: str, clients: int) -> tuple[list[float], list[str]]:
    """``clients`` requests sent at once (half streamed); returns latencies and errors."""
    import aiohttp

    latencies: list[float] = []
    errors: list[str] = []
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as session:

        async def one(i: int) -> None:
            stream = i % 2 == 1
            body = {"model": "agentfn", "stream": stream, "messages": [{"role": "user", "content": f"add {i}"}]}
            t0 = time.perf_counter()
            try:
                async with session.post("/v1/chat/completions", json=body) as r:
                    data = await r.read()
                ok = r.status == 200 and (
                    data.endswith(b"data: [DONE]\n\n") if stream
                    else json.loads(data)["agentfn"]["outcome"] == "answered"
                )
                if not ok:
                    errors.append(f"{r.status}: {data[:200]!r}")
                    return
                latencies.append(time.perf_counter() - t0)
            except Exception as exc:  # a refused or reset connection is an error to count, not a crash
                errors.append(f"{type(exc).__name__}: {exc}")

        await asyncio.gather(*(one(i) for i in range(clients)))
    return latencies, errors


def test_256_concurrent_clients_against_agentfn_serve(tmp_path: Path) -> None:
    pytest.importorskip("aiohttp")
    port = _free_port()
    store = tmp_path / "traces.db"
    (tmp_path / "load_tools.py").write_text(TOOLS)
    config = tmp_path / "agentfn.yaml"
    config.write_text(
        f"model: test\nport: {port}\nauth: none\ntrace_store: sqlite:///{store}\n"
        f"limits:\n  rate_per_minute: 1.0e9\n  burst: 1000000\n"
        f"agents:\n  - name: agentfn\n    tools: ['{tmp_path / 'load_tools.py'}']\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:  # a file, not a pipe: uvicorn's access log would fill a pipe and stall it
        proc = subprocess.Popen([sys.executable, "-m", "agentfn.cli", "serve", "--config", str(config)],
                                stdout=log, stderr=subprocess.STDOUT, env=env)
    latencies: list[float] = []
    errors: list[str] = []
    rss: list[float] = []
    try:
        _wait_ready(port, proc, log_path)
        url = f"http://127.0.0.1:{port}"
        for i in range(WAVES):
            lat, err = asyncio.run(wave(url, CLIENTS))
            errors += err
            if i > 0:
                latencies += lat
            rss.append(rss_mb(proc.pid))
    finally:
        proc.terminate()  # graceful: the server flushes the trace recorder on shutdown
        proc.wait(60)
    out = log_path.read_text(errors="replace")
    assert errors == [], errors[:5]
    # uvicorn re-raises SIGTERM after a graceful shutdown, so -15 is a clean exit here.
    assert proc.returncode in (0, -signal.SIGTERM), f"exit {proc.returncode}: {out[-1500:]}"
    assert "Application shutdown complete" in out, out[-1500:]
    growth = max(rss[1:]) - rss[0]
    p50, p99 = statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]
    print(f"\nagentfn serve, {CLIENTS} concurrent clients x {WAVES - 1} waves: {len(latencies)} requests, "
          f"0 errors, p50 {p50 * 1e3:.0f} ms, p99 {p99 * 1e3:.0f} ms; server RSS {rss[0]:.0f} MB after warm-up, "
          f"{rss[-1]:.0f} MB at the end (growth {growth:+.1f} MB)")
    assert growth < MAX_GROWTH_MB, rss
    with TraceStore.open(str(store)) as traces:  # nothing lost on the way to the store
        assert traces.count_runs(outcome="answered") == CLIENTS * WAVES
