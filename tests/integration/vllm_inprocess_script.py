"""Drive VLLMModel (in-process vLLM) on the embedded SmolLM2; prints one JSON line of results.

Run as a script: vLLM starts worker processes, which needs the ``__main__`` guard, so the test
(test_vllm_inprocess.py) runs this file in a subprocess. Covers the forced/auto/structured paths,
concurrent requests sharing engine steps (the batching default) next to the serialised path on
the same engine, cancellation, a prompt vLLM refuses, and shutdown.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import multiprocessing
import sys
import time
from pathlib import Path
from typing import Any

from tool_specs import TIME, WEATHER

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
    "required": ["city", "country"],
}
CITIES = ["Paris", "Tokyo", "Lima", "Oslo"]
DTYPE = "float32"  # bfloat16 is emulated (slow) on CPUs without native bf16


async def run() -> dict[str, Any]:
    from agentfn.backends.base import ModelRequest
    from agentfn.backends.embedded import ensure_embedded_model
    from agentfn.backends.vllm_local import VLLMModel
    from agentfn.exceptions import ModelError
    from agentfn.messages import UserMessage

    started = time.monotonic()
    path = str(ensure_embedded_model())
    model = VLLMModel(path, max_string_length=40, llm_kwargs={"dtype": DTYPE})
    model.load()
    out: dict[str, Any] = {"load_s": round(time.monotonic() - started, 1), "tools": [WEATHER, TIME], "schema": SCHEMA}
    user = [UserMessage(content="What is the weather in Paris?")]
    for choice, max_tokens in (("required", 48), ("get_time", 48), ("auto", 16)):
        t = time.monotonic()
        r = await model.request(
            ModelRequest(messages=user, tools=[WEATHER, TIME], tool_choice=choice, max_tokens=max_tokens)
        )
        out[choice] = {"message": r.message.model_dump(), "seconds": round(time.monotonic() - t, 2)}
    r = await model.request(
        ModelRequest(messages=[UserMessage(content="Name a city and its country.")], output_schema=SCHEMA, max_tokens=48)
    )
    out["structured"] = {"content": r.message.content}

    # concurrent forced calls decode together; the serialised path on the same engine agrees
    asks = [
        ModelRequest(
            messages=[UserMessage(content=f"What is the weather in {c}?")], tools=[WEATHER, TIME],
            tool_choice="required", max_tokens=48,
        )
        for c in CITIES
    ]
    before = model.batch_stats()
    t = time.monotonic()
    batched = await asyncio.gather(*(model.request(a) for a in asks))
    after = model.batch_stats()
    out["batched"] = {
        "calls": [r.message.tool_calls[0].model_dump() for r in batched],
        "usage": [r.usage.model_dump() for r in batched],
        "max_batch": after.max_batch,
        "steps": after.steps - before.steps,
        "seconds": round(time.monotonic() - t, 2),
    }
    serial = VLLMModel(path, llm=model.load(), batching=False, max_string_length=40)
    out["serialised"] = {"calls": [(await serial.request(asks[0])).message.tool_calls[0].model_dump()]}
    await serial.aclose()

    # a cancelled request is aborted in the engine, which goes on serving
    long = asyncio.create_task(
        model.request(ModelRequest(messages=[UserMessage(content="Tell me a long story.")], max_tokens=400))
    )
    steps = model.batch_stats().steps
    while model.batch_stats().steps < steps + 3:
        await asyncio.sleep(0.01)
    long.cancel()
    try:
        await long
        out["cancelled"] = False
    except asyncio.CancelledError:
        out["cancelled"] = True

    # a prompt longer than max_model_len is refused for this request only
    try:
        await model.request(ModelRequest(messages=[UserMessage(content="word " * 5000)], max_tokens=4))
        out["too_long"] = None
    except ModelError as exc:
        out["too_long"] = type(exc).__name__
    before = model.batch_stats()
    r = await model.request(ModelRequest(messages=user, max_tokens=4))
    after = model.batch_stats()
    out["after"] = {
        "output_tokens": r.usage.output_tokens,
        "steps": after.steps - before.steps,
        "request_steps": after.request_steps - before.request_steps,  # == steps: it ran alone
        "stats": dataclasses.asdict(after),
    }

    await model.aclose()
    await model.aclose()
    deadline = time.monotonic() + 30
    while multiprocessing.active_children() and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    out["children_after_close"] = len(multiprocessing.active_children())
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    print("RESULT " + json.dumps(asyncio.run(run())), flush=True)
