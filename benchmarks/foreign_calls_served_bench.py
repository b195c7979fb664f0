"""Small model on foreign tools on a SERVED model (OpenAI-compatible, e.g. vLLM): forced calls without vs with
the served constraints, in one run.

Run (a vLLM CPU server with the integration-test flags: ``python tests/integration/vllm_server.py``)::

    .venv/bin/python benchmarks/foreign_calls_served_bench.py --base-url http://127.0.0.1:PORT/v1 \\
        --sources home-assistant,multiverse-math --limit 40 --arms a,a+x,c,c+x --concurrency 4

Everything is :mod:`foreign_calls_bench` (same cases, router, scoring and page); this script only
requires ``--base-url`` and writes benchmarks/results/foreign_calls_served.json, then
foreign_calls_served.md as ``render_markdown(json)``. Arms ``a``/``c`` send the tools as given (the
served path before the constraints); ``a+x``/``c+x`` send the forced tool's schema narrowed and
bounded and repeat a call that did not complete with a different request
(:mod:`agentfn.backends._served_calls`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import foreign_calls_bench as _bench


def render_markdown(data: dict[str, Any]) -> str:
    """The results page, a pure function of the JSON (the same page as foreign_calls_bench)."""
    return _bench.render_markdown(data)


def main() -> None:
    argv = sys.argv[1:]
    if not any(a == "--base-url" or a.startswith("--base-url=") for a in argv) and "--merge" not in argv:
        raise SystemExit("foreign_calls_served_bench.py needs --base-url (an OpenAI-compatible server)")
    if not any(a == "--arms" or a.startswith("--arms=") for a in argv):
        argv += ["--arms", "a,a+x,c,c+x"]
    if not any(a == "--out" or a.startswith("--out=") for a in argv):
        argv += ["--out", str(_bench.RESULTS / "foreign_calls_served.json")]
    _bench.main(argv)


if __name__ == "__main__":
    main()
