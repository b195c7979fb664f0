"""Drive VLLMModel (in-process vLLM) on the embedded SmolLM2; prints one JSON line of results.

Run as a script: vLLM starts worker processes, which needs the ``__main__`` guard, so the test
(test_vllm_inprocess.py) runs this file in a subprocess.
"""

from __future__ import annotations

import asyncio
import json
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


async def run() -> dict[str, Any]:
    from agentfn.backends.base import ModelRequest
    from agentfn.backends.embedded import ensure_embedded_model
    from agentfn.backends.vllm_local import VLLMModel
    from agentfn.messages import UserMessage

    started = time.monotonic()
    model = VLLMModel(str(ensure_embedded_model()), max_string_length=40, llm_kwargs={"dtype": "bfloat16"})
    model.load()
    out: dict[str, Any] = {"load_s": round(time.monotonic() - started, 1), "tools": [WEATHER, TIME], "schema": SCHEMA}
    user = [UserMessage(content="What is the weather in Paris?")]
    for choice in ("required", "get_time", "auto"):
        t = time.monotonic()
        r = await model.request(ModelRequest(messages=user, tools=[WEATHER, TIME], tool_choice=choice, max_tokens=64))
        out[choice] = {"message": r.message.model_dump(), "seconds": round(time.monotonic() - t, 2)}
    r = await model.request(
        ModelRequest(messages=[UserMessage(content="Name a city and its country.")], output_schema=SCHEMA, max_tokens=64)
    )
    out["structured"] = {"content": r.message.content}
    await model.aclose()
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    print("RESULT " + json.dumps(asyncio.run(run())), flush=True)
