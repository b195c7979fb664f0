"""Tool-call parsing: agentfn's hermes parser vs vLLM's ``Hermes2ProToolParser`` (and a hand-written regex).

Run: ``.venv/bin/python benchmarks/parsers_bench.py`` (vLLM optional; without it
only agentfn and the regex baseline are measured). Writes
``benchmarks/results/parsers.md`` and ``parsers.json``.

Measures, per model output, the median time to parse the whole text and to
stream it in 4-character chunks (feed every chunk, then finish), timing the
contenders round-robin so that load on a shared machine hits all alike, and checks
that the three agree on the calls they find. A second table runs the inputs
where the parsers differ in what they return (truncation, calls in reasoning,
a closing tag inside an argument): these are correctness, not speed.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
CHUNK = 4


def _call(name: str, arguments: dict[str, Any]) -> str:
    return (
        "<tool_call>\n"
        + json.dumps({"name": name, "arguments": arguments}, ensure_ascii=False)
        + "\n</tool_call>"
    )


OUTPUTS: dict[str, str] = {
    "text answer (400 chars)": "The weather in Paris is mild today. " * 11,
    "one call": _call("get_weather", {"city": "Paris", "unit": "celsius"}),
    "text + 3 parallel calls": "Let me check all three.\n"
    + "\n".join(_call("get_weather", {"city": c, "days": [1, 2, 3]}) for c in ("Paris", "Oslo", "Zürich")),
    "10 KB code argument": _call("write_file", {"path": "main.py", "text": "print('hello world')\n" * 480}),
}

EDGE_CASES: dict[str, str] = {
    "truncated call": 'Sure. <tool_call>{"name": "write_file", "arguments": {"path": "a.txt", "text": "abc',
    "call inside <think> only": '<think>I will call it. <tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}'
    "</tool_call></think>",
    "</tool_call> inside an argument": _call("note", {"text": "use </tool_call> to close"}),
    "call without arguments": '<tool_call>{"name": "ping"}</tool_call>',
}


def _medians_us(fns: dict[str, Callable[[], object]], min_time: float = 1.0) -> dict[str, float]:
    """Median µs per call of each function, measured round-robin so machine load hits all alike."""
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    start = time.perf_counter()
    while time.perf_counter() - start < min_time or min(len(r) for r in runs.values()) < 7:
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            runs[name].append(time.perf_counter() - t0)
    return {name: statistics.median(r) * 1e6 for name, r in runs.items()}


def _chunks(text: str) -> list[str]:
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]


# --- agentfn -------------------------------------------------------------------------------------


def agentfn_whole(text: str) -> list[tuple[str, str]]:
    from agentfn.parsers import get_parser

    return [(c.name, c.arguments) for c in get_parser("hermes").parse(text).tool_calls]


def agentfn_stream(text: str) -> list[tuple[str, str]]:
    from agentfn.parsers import get_parser

    stream = get_parser("hermes").streaming()
    for piece in _chunks(text):
        stream.feed(piece)
    return [(c.name, c.arguments) for c in stream.finish().tool_calls]


# --- the regex a user would write ------------------------------------------------------------------

_TAG = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)


def regex_whole(text: str) -> list[tuple[str, str]]:
    calls: list[tuple[str, str]] = []
    for body in _TAG.findall(text):
        try:
            obj = json.loads(body)
            calls.append((obj["name"], json.dumps(obj.get("arguments", {}), ensure_ascii=False)))
        except (ValueError, KeyError, TypeError):
            continue
    return calls


# --- vLLM ----------------------------------------------------------------------------------------------


class _Tokenizer:
    """vLLM's hermes parser only checks that a tokenizer was passed; it never tokenises here."""

    def get_vocab(self) -> dict[str, int]:
        return {"<tool_call>": 1, "</tool_call>": 2}


def vllm_parser() -> Any | None:
    try:
        from vllm.tool_parsers.hermes_tool_parser import Hermes2ProToolParser
    except Exception:
        return None
    return Hermes2ProToolParser


def vllm_whole(cls: Any, text: str) -> list[tuple[str, str]]:
    info = cls(_Tokenizer()).extract_tool_calls(text, None)
    return [(c.function.name, c.function.arguments) for c in info.tool_calls]


def vllm_stream(cls: Any, text: str) -> list[tuple[str, str]]:
    parser = cls(_Tokenizer())
    previous = ""
    calls: dict[int, list[str]] = {}
    for piece in _chunks(text):
        current = previous + piece
        delta = parser.extract_tool_calls_streaming(previous, current, piece, [], [], [], None)
        previous = current
        for tc in (delta.tool_calls if delta is not None else None) or []:
            entry = calls.setdefault(tc.index, ["", ""])
            fn = tc.function
            if fn is None:
                continue
            fn_name = fn.get("name") if isinstance(fn, dict) else fn.name
            fn_args = fn.get("arguments") if isinstance(fn, dict) else fn.arguments
            entry[0] += fn_name or ""
            entry[1] += fn_args or ""
    return [(n, a) for n, a in calls.values()]


def _describe(calls: list[tuple[str, str]] | str) -> str:
    if isinstance(calls, str):
        return calls
    return "; ".join(f"{n}({a})" for n, a in calls) or "no call"


def main() -> None:
    vllm = vllm_parser()
    rows: list[dict[str, Any]] = []
    for label, text in OUTPUTS.items():
        row: dict[str, Any] = {"output": label, "chars": len(text)}
        reference = agentfn_whole(text)
        fns: dict[str, Callable[[], object]] = {
            "agentfn_whole": lambda t=text: agentfn_whole(t),
            "agentfn_stream": lambda t=text: agentfn_stream(t),
            "regex_whole": lambda t=text: regex_whole(t),
        }
        if vllm is not None:
            fns["vllm_whole"] = lambda t=text: vllm_whole(vllm, t)
            fns["vllm_stream"] = lambda t=text: vllm_stream(vllm, t)
        row.update({f"{name}_us": us for name, us in _medians_us(fns).items()})
        row["agree_stream"] = agentfn_stream(text) == reference
        row["agree_regex"] = regex_whole(text) == reference
        if vllm is not None:
            row["agree_vllm"] = vllm_whole(vllm, text) == reference
            row["agree_vllm_stream"] = vllm_stream(vllm, text) == reference
        rows.append(row)
        print(row, flush=True)

    edges: list[dict[str, str]] = []
    for label, text in EDGE_CASES.items():
        entry = {
            "input": label,
            "agentfn": _describe(agentfn_whole(text)),
            "regex": _describe(regex_whole(text)),
        }
        if vllm is not None:
            entry["vllm"] = _describe(vllm_whole(vllm, text))
        edges.append(entry)

    meta = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "chunk_chars": CHUNK,
        "vllm": vllm is not None,
        "load_average_1min": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
    }
    data = {"meta": meta, "rows": rows, "edge_cases": edges}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "parsers.json").write_text(json.dumps(data, indent=2))
    (RESULTS / "parsers.md").write_text(render_markdown(data))
    print(render_markdown(data))


def render_markdown(data: dict[str, Any]) -> str:
    """``parsers.md`` from ``parsers.json`` (pure: every figure comes from ``data``)."""
    meta, rows, edges = data["meta"], data["rows"], data["edge_cases"]
    vllm = meta["vllm"]
    lines = [
        "# Tool-call parsing: agentfn hermes vs vLLM Hermes2ProToolParser vs a regex",
        "",
        f"Python {meta['python']}, {meta['machine']}, {meta['cpus']} cores shared with other work"
        f" (load average {meta['load_average_1min']} at the end; contenders are timed round-robin, so ratios"
        " are fairer than absolute numbers). Command: `.venv/bin/python benchmarks/parsers_bench.py`.",
        f"Median µs per model output; streaming feeds {meta['chunk_chars']}-character chunks and finishes.",
        "",
        "| output | chars | agentfn whole | vLLM whole | regex whole | agentfn stream | vLLM stream"
        " | stream ratio agentfn/vLLM | same calls |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        v_whole = f"{r['vllm_whole_us']:.0f}" if vllm else "n/a"
        v_stream = f"{r['vllm_stream_us']:.0f}" if vllm else "n/a"
        ratio = f"{r['agentfn_stream_us'] / r['vllm_stream_us']:.2f}" if vllm else "n/a"
        agree = all(v for k, v in r.items() if k.startswith("agree"))
        lines.append(
            f"| {r['output']} | {r['chars']} | {r['agentfn_whole_us']:.0f} | {v_whole} | {r['regex_whole_us']:.0f}"
            f" | {r['agentfn_stream_us']:.0f} | {v_stream} | {ratio} | {'yes' if agree else 'NO'} |"
        )
    lines += [
        "",
        "## Inputs where the parsers differ",
        "",
        "| input | agentfn | vLLM | regex |",
        "|---|---|---|---|",
    ]
    for e in edges:
        lines.append(f"| {e['input']} | {e['agentfn']} | {e.get('vllm', 'n/a')} | {e['regex']} |")
    return "\n".join(lines) + "\n"

if __name__ == "__main__":
    main()
