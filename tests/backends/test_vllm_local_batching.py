"""The batching engine thread of the in-process vLLM backend, against a fake engine (no vLLM).

``FakeLLM`` stands in for ``vllm.LLM`` at the engine boundary the batcher uses
(``enqueue_chat`` and ``llm_engine.step/has_unfinished_requests/abort_request``): each step
"decodes" one token of every request in flight and records which requests shared it, so the
tests can see batching, cancellation and failures. Ids behave like vLLM's: ``enqueue_chat``
returns the id with a random suffix, outputs carry the id without it.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from agentfn.backends._vllm_batch import ChatJob, EngineBatcher
from agentfn.exceptions import ModelError, ModelUnavailableError

TOKEN_CHARS = 3


@dataclass
class CompletionOutput:
    text: str
    token_ids: list[int]
    finish_reason: str


@dataclass
class RequestOutput:
    request_id: str
    prompt_token_ids: list[int]
    outputs: list[CompletionOutput]
    finished: bool = True


@dataclass
class _Running:
    external: str
    tokens: list[str]
    max_tokens: int
    prompt_tokens: int
    done: list[str] = field(default_factory=list[str])


def prompt_text(messages: list[dict[str, Any]]) -> str:
    return " | ".join(str(m.get("content") or "") for m in messages)


class FakeEngine:
    """The ``LLMEngine`` surface the batcher steps."""

    def __init__(self, owner: FakeLLM) -> None:
        self.owner = owner

    def has_unfinished_requests(self) -> bool:
        return bool(self.owner.running)

    def abort_request(self, request_ids: list[str], internal: bool = False) -> None:
        assert internal
        with self.owner.lock:
            for rid in request_ids:
                self.owner.aborted.append(rid)
                self.owner.running.pop(rid, None)

    def step(self) -> list[RequestOutput]:
        owner = self.owner
        owner.step_started.set()
        time.sleep(owner.step_s)
        if owner.fail_at_step is not None and len(owner.steps) >= owner.fail_at_step:
            raise owner.step_error
        with owner.lock:
            owner.steps.append(sorted(r.external for r in owner.running.values()))
            finished: list[RequestOutput] = []
            for rid, run in list(owner.running.items()):
                run.done.append(run.tokens[len(run.done)])
                if len(run.done) == len(run.tokens) or len(run.done) >= run.max_tokens:
                    reason = "stop" if len(run.done) == len(run.tokens) else "length"
                    del owner.running[rid]
                    if rid in owner.drop:
                        continue
                    completion = CompletionOutput("".join(run.done), list(range(len(run.done))), reason)
                    finished.append(RequestOutput(run.external, list(range(run.prompt_tokens)), [completion]))
        return finished


class FakeLLM:
    """Stands in for ``vllm.LLM``: ``reply(messages, call)`` gives the text each request generates."""

    def __init__(self, reply: Callable[[list[dict[str, Any]], dict[str, Any]], str], *, step_s: float = 0.002) -> None:
        self.reply = reply
        self.step_s = step_s
        self.llm_engine = FakeEngine(self)
        self.lock = threading.Lock()
        self.counter = itertools.count()
        self.running: dict[str, _Running] = {}
        self.calls: list[dict[str, Any]] = []
        self.steps: list[list[str]] = []
        self.aborted: list[str] = []
        self.drop: set[str] = set()
        self.reject: Callable[[list[dict[str, Any]]], bool] = lambda messages: False
        self.fail_at_step: int | None = None
        self.step_error: Exception = RuntimeError("worker process died")
        self.step_started = threading.Event()
        self.threads: set[str] = set()

    def enqueue_chat(self, messages: list[dict[str, Any]], sampling_params: Any, **kwargs: Any) -> list[str]:
        self.threads.add(threading.current_thread().name)
        if self.reject(messages):
            raise ValueError("This model's maximum context length is 2048 tokens")
        call = {"messages": messages, "sampling_params": sampling_params, **kwargs}
        self.calls.append(call)
        text = self.reply(messages, call)
        tokens = [text[i : i + TOKEN_CHARS] for i in range(0, len(text), TOKEN_CHARS)] or [""]
        external = str(next(self.counter))
        internal = f"{external}-{'abcdefgh'}"
        with self.lock:
            self.running[internal] = _Running(
                external, tokens, getattr(sampling_params, "max_tokens", None) or 10**6, len(prompt_text(messages))
            )
        return [internal]

    def chat(self, messages: list[dict[str, Any]], sampling_params: Any, **kwargs: Any) -> list[RequestOutput]:
        """``LLM.chat``: add one conversation and step until it finishes (the serialised path)."""
        [rid] = self.enqueue_chat(messages, sampling_params, **kwargs)
        external = rid.split("-")[0]
        while True:
            for output in self.llm_engine.step():
                if output.request_id == external:
                    return [output]

    def shared_steps(self, a: str, b: str) -> int:
        return sum(a in s and b in s for s in self.steps)


def echo(messages: list[dict[str, Any]], call: dict[str, Any]) -> str:
    return "echo: " + str(messages[-1]["content"])


def job(text: str, max_tokens: int | None = None) -> ChatJob:
    return ChatJob(messages=[{"role": "user", "content": text}], sampling_params=SimpleNamespace(max_tokens=max_tokens))


def result(future: Future[Any]) -> str:
    return future.result(timeout=10).outputs[0].text


@pytest.fixture
def fake() -> FakeLLM:
    return FakeLLM(echo)


def test_jobs_arriving_together_decode_in_the_same_steps(fake: FakeLLM) -> None:
    batcher = EngineBatcher(fake, batch_wait_s=0.2)
    try:
        texts = [f"request {i} " + "x" * (3 * i) for i in range(6)]
        futures = [batcher.submit(job(t)) for t in texts]
        assert [result(f) for f in futures] == [f"echo: {t}" for t in texts]  # each gets its own reply
        assert fake.steps[0] == [str(i) for i in range(6)]  # all six prefilled in the first step
        stats = batcher.stats()
        assert stats.requests == 6 and stats.max_batch == 6
        assert stats.steps == len(fake.steps) < sum(len(f"echo: {t}") // TOKEN_CHARS for t in texts) / 2
        assert stats.mean_batch > 2
        assert fake.threads == {"agentfn-vllm-engine"}  # only the engine thread touches the LLM
    finally:
        batcher.close()


def test_a_new_job_joins_the_running_batch(fake: FakeLLM) -> None:
    batcher = EngineBatcher(fake, batch_wait_s=0.0)
    try:
        long = batcher.submit(job("y" * 300))
        while len(fake.steps) < 5:
            time.sleep(0.001)
        short = batcher.submit(job("short"))
        assert result(short) == "echo: short"
        assert not long.done()  # the short one did not wait for the long one
        assert fake.shared_steps("0", "1") >= 2
        assert result(long) == "echo: " + "y" * 300
    finally:
        batcher.close()


def test_concurrent_submitters_from_many_threads(fake: FakeLLM) -> None:
    batcher = EngineBatcher(fake, batch_wait_s=0.01)
    out: dict[int, str] = {}

    def worker(i: int) -> None:
        for k in range(5):
            out[i * 10 + k] = result(batcher.submit(job(f"t{i}-{k}")))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    batcher.close()
    assert out == {i * 10 + k: f"echo: t{i}-{k}" for i in range(8) for k in range(5)}
    assert batcher.stats().requests == 40 and batcher.stats().max_batch > 1


def test_max_tokens_cuts_a_reply_off(fake: FakeLLM) -> None:
    batcher = EngineBatcher(fake)
    try:
        output = batcher.submit(job("a long question", max_tokens=2)).result(timeout=10)
        assert output.outputs[0].text == "echo: " and output.outputs[0].finish_reason == "length"
    finally:
        batcher.close()


def test_a_rejected_job_fails_alone_with_model_error(fake: FakeLLM) -> None:
    fake.reject = lambda messages: "too long" in str(messages[-1]["content"])
    batcher = EngineBatcher(fake, batch_wait_s=0.05)
    try:
        good, bad = batcher.submit(job("fine")), batcher.submit(job("too long"))
        with pytest.raises(ModelError, match="maximum context length") as info:
            bad.result(timeout=10)
        assert not isinstance(info.value, ModelUnavailableError)
        assert result(good) == "echo: fine"
        assert result(batcher.submit(job("again"))) == "echo: again"  # the engine goes on
    finally:
        batcher.close()


def test_an_engine_failure_fails_everything_in_flight_and_after(fake: FakeLLM) -> None:
    fake.fail_at_step = 3
    batcher = EngineBatcher(fake, batch_wait_s=0.05)
    futures = [batcher.submit(job("z" * 60)) for _ in range(3)]
    for f in futures:
        with pytest.raises(ModelUnavailableError, match="worker process died"):
            f.result(timeout=10)
    assert batcher.failed
    with pytest.raises(ModelUnavailableError, match="worker process died"):
        batcher.submit(job("later")).result(timeout=1)
    batcher.close()


def test_cancel_aborts_a_running_request_in_the_engine(fake: FakeLLM) -> None:
    batcher = EngineBatcher(fake, batch_wait_s=0.05)
    try:
        doomed, kept = batcher.submit(job("q" * 300)), batcher.submit(job("kept " + "k" * 30))
        while len(fake.steps) < 2:
            time.sleep(0.001)
        batcher.cancel(doomed)
        assert result(kept) == "echo: kept " + "k" * 30
        deadline = time.monotonic() + 10
        while not fake.aborted and time.monotonic() < deadline:
            time.sleep(0.001)
        assert fake.aborted == ["0-abcdefgh"]
        with pytest.raises(CancelledError):
            doomed.result(timeout=10)
        assert "0" not in fake.steps[-1]
    finally:
        batcher.close()


def test_cancel_before_the_engine_takes_it_never_reaches_vllm() -> None:
    fake = FakeLLM(echo, step_s=0.2)
    batcher = EngineBatcher(fake, batch_wait_s=0.0)
    try:
        first = batcher.submit(job("first"))
        assert fake.step_started.wait(10)  # the engine thread is inside a (slow) step
        queued = batcher.submit(job("never"))
        batcher.cancel(queued)
        assert queued.cancelled()
        assert result(first) == "echo: first"
        assert [c["messages"][-1]["content"] for c in fake.calls] == ["first"]
    finally:
        batcher.close()


def test_close_aborts_and_fails_requests_in_flight(fake: FakeLLM) -> None:
    batcher = EngineBatcher(fake, batch_wait_s=0.0)
    running = batcher.submit(job("w" * 3000))
    while not fake.steps:
        time.sleep(0.001)
    batcher.close()
    with pytest.raises(ModelUnavailableError, match="closed"):
        running.result(timeout=10)
    assert fake.aborted == ["0-abcdefgh"]
    with pytest.raises(ModelUnavailableError, match="closed"):
        batcher.submit(job("after")).result(timeout=1)
    batcher.close()  # twice is fine


def test_a_request_vllm_drops_fails_instead_of_hanging(fake: FakeLLM) -> None:
    fake.drop.add("0-abcdefgh")
    batcher = EngineBatcher(fake)
    try:
        with pytest.raises(ModelError, match="without returning"):
            batcher.submit(job("lost")).result(timeout=10)
        assert result(batcher.submit(job("next"))) == "echo: next"
    finally:
        batcher.close()


# --- VLLMModel over the fake engine (real vLLM SamplingParams; no engine started) -----------

WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def call_json(city: str) -> str:
    return json.dumps({"name": "get_weather", "arguments": {"city": city}})


def agent_reply(messages: list[dict[str, Any]], call: dict[str, Any]) -> str:
    """A forced turn gets the call envelope; a turn after a tool result answers; else a tagged call."""
    city = str(messages[0]["content"]).split()[-1].rstrip("?")
    if call["continue_final_message"]:
        return call_json(city)
    if messages[-1]["role"] == "tool":
        return f"It is sunny in {city}."
    if call["tools"]:
        return f"<tool_call>\n{call_json(city)}\n</tool_call>"
    return f"No tools for {city}."


def vllm_model(fake: FakeLLM, **kwargs: Any) -> Any:
    pytest.importorskip("vllm.sampling_params")
    from agentfn.backends.vllm_local import VLLMModel

    return VLLMModel("/nonexistent-model", llm=fake, chat_template="hermes", **kwargs)


def ask(city: str, **kwargs: Any) -> Any:
    from agentfn.backends.base import ModelRequest
    from agentfn.messages import UserMessage

    return ModelRequest(messages=[UserMessage(content=f"What is the weather in {city}?")], **kwargs)


async def test_concurrent_requests_share_engine_steps_and_keep_their_own_settings() -> None:
    import asyncio

    from agentfn.backends._chat import load_chat_template

    fake = FakeLLM(agent_reply)
    model = vllm_model(fake, batch_wait_ms=100)
    cities = ["Paris", "Tokyo", "Lima", "Oslo"]
    requests = [ask(c, tools=[WEATHER], tool_choice="required", stop=["END"]) for c in cities]
    requests += [ask(c, tools=[WEATHER]) for c in cities] + [ask("Rome", max_tokens=3)]
    responses = await asyncio.gather(*(model.request(r) for r in requests))
    for city, response in zip(cities * 2, responses, strict=False):
        [call] = response.message.tool_calls
        assert (call.name, call.arguments) == ("get_weather", json.dumps({"city": city}))
        assert response.finish_reason == "tool_calls" and response.usage.requests == 1
        assert response.usage.output_tokens > 5 and response.usage.input_tokens > 10
    assert responses[-1].message.content == "No tools " and responses[-1].finish_reason == "length"
    assert model.batch_stats().max_batch == 9 and fake.steps[0] == [str(i) for i in range(9)]
    by_kind = {(c["continue_final_message"], c["tools"] is not None): c for c in fake.calls}
    forced, auto, plain = by_kind[True, True], by_kind[False, True], by_kind[False, False]
    assert forced["messages"][-1] == {"role": "assistant", "content": "<tool_call>\n"}
    assert (forced["add_generation_prompt"], forced["continue_final_message"]) == (False, True)
    assert forced["sampling_params"].structured_outputs.json["properties"]["name"]["const"] == "get_weather"
    assert forced["sampling_params"].stop == ["END"] and forced["chat_template"] == load_chat_template("hermes")
    assert (auto["add_generation_prompt"], auto["tools"], auto["sampling_params"].structured_outputs) == (True, [WEATHER], None)
    assert plain["tools"] is None and plain["sampling_params"].max_tokens == 3
    await model.aclose()


async def test_agent_runs_in_parallel_through_the_batching_model() -> None:
    import asyncio

    from agentfn import Agent

    def get_weather(city: str) -> str:
        """Weather in a city."""
        return f"sunny in {city}"

    fake = FakeLLM(agent_reply)
    model = vllm_model(fake, batch_wait_ms=50)
    agent = Agent(model, [get_weather], tool_choice="required", max_steps=3)
    results = await asyncio.gather(*(agent.run(f"What is the weather in {c}?") for c in ["Paris", "Oslo", "Lima"]))
    assert [r.output for r in results] == ["It is sunny in Paris.", "It is sunny in Oslo.", "It is sunny in Lima."]
    assert [r.usage.requests for r in results] == [2, 2, 2]
    assert model.batch_stats().max_batch == 3
    await model.aclose()


async def test_the_serialised_path_gives_the_same_answers_one_request_at_a_time() -> None:
    import asyncio

    fake = FakeLLM(agent_reply)
    model = vllm_model(fake, batching=False)
    requests = [ask(c, tools=[WEATHER], tool_choice="get_weather") for c in ["Paris", "Oslo", "Lima"]]
    responses = await asyncio.gather(*(model.request(r) for r in requests))
    assert [r.message.tool_calls[0].arguments for r in responses] == ['{"city": "Paris"}', '{"city": "Oslo"}', '{"city": "Lima"}']
    assert max(len(s) for s in fake.steps) == 1  # never two requests in one step
    assert model.batch_stats().steps == 0
    await model.aclose()


async def test_a_forced_call_cut_off_by_the_token_limit_raises() -> None:
    from agentfn.exceptions import UnexpectedModelBehavior

    model = vllm_model(FakeLLM(agent_reply))
    with pytest.raises(UnexpectedModelBehavior, match="did not complete"):
        await model.request(ask("Paris", tools=[WEATHER], tool_choice="required", max_tokens=4))
    await model.aclose()


async def test_errors_map_to_agentfn_exceptions_and_aclose_recovers() -> None:
    vllm_errors = pytest.importorskip("vllm.v1.engine.exceptions")
    fake = FakeLLM(agent_reply)
    fake.reject = lambda messages: "Atlantis" in str(messages[0]["content"])
    model = vllm_model(fake)
    with pytest.raises(ModelError, match="vLLM rejected the request") as info:
        await model.request(ask("Atlantis"))
    assert not isinstance(info.value, ModelUnavailableError)
    fake.fail_at_step, fake.step_error = len(fake.steps) + 1, vllm_errors.EngineDeadError()
    with pytest.raises(ModelUnavailableError, match="EngineCore"):
        await model.request(ask("Paris"))
    with pytest.raises(ModelUnavailableError):
        await model.request(ask("Oslo"))  # a dead engine stays dead ...
    await model.aclose()
    fake.fail_at_step = None
    assert (await model.request(ask("Oslo"))).message.content == "No tools for Oslo."  # ... until aclose
    await model.aclose()
    await model.aclose()


async def test_cancelling_a_request_aborts_it_in_the_engine() -> None:
    import asyncio

    fake = FakeLLM(lambda messages, call: "word " * 400)
    model = vllm_model(fake)
    task = asyncio.create_task(model.request(ask("Paris")))
    while len(fake.steps) < 3:
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    while not fake.aborted:
        await asyncio.sleep(0.005)
    assert fake.aborted == ["0-abcdefgh"] and not fake.running
    await model.aclose()


async def test_aclose_fails_requests_in_flight_and_leaves_a_given_llm_running() -> None:
    import asyncio

    fake = FakeLLM(lambda messages, call: "word " * 4000)
    model = vllm_model(fake)
    task = asyncio.create_task(model.request(ask("Paris")))
    while not fake.steps:
        await asyncio.sleep(0.005)
    await model.aclose()
    with pytest.raises(ModelUnavailableError, match="closed"):
        await task
    assert model.load() is fake  # a caller's LLM is not shut down or dropped


def test_vllm_exceptions_map_by_kind() -> None:
    errors = pytest.importorskip("vllm.exceptions")
    from agentfn.backends._vllm_batch import map_vllm_error

    assert type(map_vllm_error(errors.VLLMValidationError("too long"), adding=False)) is ModelError
    assert type(map_vllm_error(ValueError("bad"), adding=False)) is ModelError
    assert type(map_vllm_error(errors.GenerationError(), adding=True)) is ModelUnavailableError
    assert type(map_vllm_error(RuntimeError("x"), adding=True)) is ModelError
    assert type(map_vllm_error(RuntimeError("x"), adding=False)) is ModelUnavailableError
