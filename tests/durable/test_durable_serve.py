"""Several `agentfn serve --config` processes with `durable = true` on one store share recovery."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from .conftest import MODEL, TOOLS, Bench

pytestmark = pytest.mark.slow


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(bench: Bench, store: str, name: str, sweep_s: float) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    config = bench.root / f"{name}.toml"
    config.write_text(
        f'model = "{MODEL}"\nport = {port}\nauth = "none"\ndurable = true\ndurable_store = "{store}"\n'
        f"durable_recover_interval_s = {sweep_s}\n"
        f'[[agents]]\nname = "calc"\ntools = ["{TOOLS}"]\n'
    )
    return bench.start("serve", "--config", str(config)), f"http://127.0.0.1:{port}"


def _ready(proc: subprocess.Popen[str], url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"agentfn serve did not become ready:\n{out}\n{err}")
        time.sleep(0.2)


def _ask(url: str, failures: list[BaseException]) -> None:
    body = {"model": "calc", "messages": [{"role": "user", "content": "Compute it"}]}
    try:
        httpx.post(f"{url}/v1/chat/completions", json=body, timeout=300)
    except httpx.HTTPError as exc:  # the server is killed under it
        failures.append(exc)


def test_servers_on_one_store_resume_each_run_once(bench: Bench, store: str) -> None:
    runs = 3
    bench.block.touch()
    first, first_url = _serve(bench, store, "first", 0)
    sweeper, sweeper_url = _serve(bench, store, "sweeper", 1.0)
    procs = [first, sweeper]
    try:
        _ready(first, first_url)
        _ready(sweeper, sweeper_url)
        failures: list[BaseException] = []
        clients = [threading.Thread(target=_ask, args=(first_url, failures)) for _ in range(runs)]
        for c in clients:
            c.start()
        bench.wait_for("second-start", count=runs, proc=first)
        bench.kill(first)
        for c in clients:
            c.join(60)
        assert len(failures) == runs  # their server died under them
        pending = bench.runs(store, "--pending")
        assert len(pending) == runs and all(p["agent"] == "calc" for p in pending)

        bench.block.unlink()
        late, late_url = _serve(bench, store, "late", 0)  # starts while the sweeper is also recovering
        procs.append(late)
        _ready(late, late_url)
        deadline = time.monotonic() + 180
        while bench.runs(store, "--pending") and time.monotonic() < deadline:
            time.sleep(0.5)
        finished = bench.runs(store)
        assert [r["status"] for r in finished] == ["SUCCESS"] * runs
        assert all(r["outcome"] == "answered" for r in finished)
        # Each interrupted call ran once more, by exactly one server; no first call ran twice.
        assert bench.count("first-start") == runs
        assert bench.count("second-start") == 2 * runs
        assert bench.count("second-end") == runs

        answer = httpx.post(f"{late_url}/v1/chat/completions", timeout=120,
                            json={"model": "calc", "messages": [{"role": "user", "content": "Again"}]})
        assert answer.status_code == 200
        assert answer.json()["choices"][0]["message"]["content"] == "The answer is 41."
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.communicate()


def test_durable_config_defaults() -> None:
    from agentfn.serve import ServeConfig

    cfg = ServeConfig.model_validate({"auth": "none", "durable": True, "durable_recover_interval_s": 0})
    assert cfg.durable and cfg.durable_store is None and not cfg.rerun_interrupted


def test_deploy_durable_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    from agentfn.serve import load_config

    root = Path(__file__).resolve().parents[2] / "deploy"
    monkeypatch.setenv("AGENTFN_API_KEYS", "alice:" + "0" * 64)
    monkeypatch.setenv("AGENTFN_TRACE_STORE", "postgresql+psycopg://agentfn:x@postgres:5432/agentfn")
    cfg = load_config(root / "agentfn.durable.toml").check()
    assert cfg.durable and cfg.durable_recover_interval_s > 0 and not cfg.rerun_interrupted
    monkeypatch.setenv("AGENTFN_DURABLE", "true")
    assert load_config(root / "agentfn.toml").durable  # what docker-compose.durable.yml sets
    compose = (root / "docker-compose.durable.yml").read_text()
    assert "agentfn.durable.toml" in compose and "AGENTFN_DURABLE" in compose
