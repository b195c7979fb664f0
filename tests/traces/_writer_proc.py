"""Child process for the crash and concurrency tests (run as a script, not collected)."""

from __future__ import annotations

import json
import sys
import time


def bulk(url: str, runs: int, prefix: str, writer: str = "thread") -> None:
    """Record ``runs`` scripted runs through a TraceRecorder, then report its counters."""
    from agentfn.traces import TraceRecorder, TraceStore
    from agentfn.traces.testing import ScriptedCall, scripted_run_events

    store = TraceStore.open(url)
    recorder = TraceRecorder(store, writer=writer)  # type: ignore[arg-type]
    for i in range(runs):
        for event in scripted_run_events(
            [[ScriptedCall("search", {"q": f"{prefix} {i}"}, result="found")]],
            run_id=f"{prefix}-{i}",
            agent_name=prefix,
            start=time.time(),
        ):
            recorder.handle(event)
    recorder.close()
    store.close()
    print(json.dumps({"errors": recorder.errors, "dropped": recorder.dropped, "written": recorder.written}))


def crash_agent(url: str, writer: str = "thread") -> None:
    """A real agent whose tool hangs at step 3; the parent kills this process then."""
    import asyncio

    from agentfn.agent import Agent
    from agentfn.backends.base import ModelRequest
    from agentfn.backends.function import FunctionModel, call
    from agentfn.messages import AssistantMessage, Message
    from agentfn.tool import tool
    from agentfn.traces import TraceRecorder, TraceStore

    @tool(timeout=None)
    async def work(i: int) -> str:
        """Do step i.

        Args:
            i: the step number.
        """
        if i == 3:
            print("hanging", flush=True)
            await asyncio.sleep(600)
        return f"done {i}"

    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        n = sum(1 for m in messages if m.role == "tool")
        return AssistantMessage(tool_calls=[call("work", {"i": n})]) if n < 6 else "finished"

    store = TraceStore.open(url)
    recorder = TraceRecorder(store, writer=writer)  # type: ignore[arg-type]
    agent = Agent(FunctionModel(reply), tools=[work], recorder=recorder, max_steps=10)
    agent.run_sync("do six steps", run_id="crash-run")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "bulk":
        bulk(sys.argv[2], int(sys.argv[3]), sys.argv[4], *sys.argv[5:6])
    elif mode == "crash":
        crash_agent(sys.argv[2], *sys.argv[3:4])
