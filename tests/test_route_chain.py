"""follow_route: a later step of the router's chain that keeps failing gives way to an answer from the earlier
steps (agentfn._route_chain), instead of a run that ends with the tool's error."""

from __future__ import annotations

from agentfn import Agent, AssistantMessage, FunctionModel, ModelRequest, ToolRetry, Toolset, tool
from agentfn.backends.function import call
from agentfn.messages import Message, ToolMessage
from agentfn.router import Router

QUERY = "write python code for a function that returns the largest number and then run the program"


def _tools(runs_ok: bool) -> Toolset:
    @tool
    def write_code(task: str) -> str:
        """Write Python source code for a programming task."""
        return "def largest(numbers):\n    return max(numbers)\n"

    @tool
    def run_code(code: str) -> str:
        """Run (execute) a Python program and return what it prints."""
        if not runs_ok:
            raise ToolRetry("the program does not parse: line 1: expected an indented block")
        return "(no output)"

    @tool
    def get_weather(city: str) -> str:
        """Current weather forecast for a city."""
        return "sunny"

    return Toolset([write_code, run_code, get_weather])


def _agent(tools: Toolset, choices: list[str], arguments: list[str]) -> Agent[None, str]:
    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        choices.append(str(request.tool_choice))
        if request.tool_choice == "write_code":
            return AssistantMessage(tool_calls=[call("write_code", {"task": "largest number"})])
        if request.tool_choice == "run_code":
            return AssistantMessage(tool_calls=[call("run_code", {"code": arguments[min(len(choices), len(arguments)) - 1]})])
        last = next(m for m in reversed(messages) if isinstance(m, ToolMessage) and not m.is_error)
        return f"answer from {last.name}"  # a grounded model answers from the last good result

    router = Router.build(list(tools), encoder=None)
    assert router.route(QUERY, k=3).selected == ["write_code", "run_code"]
    return Agent(FunctionModel(reply), tools, router=router, route_k=3, tool_choice="required", follow_route=True)


async def test_a_later_step_that_repeats_its_failed_call_gives_way_to_an_answer() -> None:
    choices: list[str] = []
    result = await _agent(_tools(runs_ok=False), choices, ["def largest(numbers):"]).run(QUERY)
    assert result.ok and result.output == "answer from write_code"
    # forced once more (a retry may read it differently), then not a third time: the same call would repeat
    assert choices == ["write_code", "run_code", "run_code", "none"]


async def test_a_later_step_failing_past_its_retries_gives_way_to_an_answer() -> None:
    choices: list[str] = []
    result = await _agent(_tools(runs_ok=False), choices, ["a(", "b(", "c(", "d("]).run(QUERY)
    assert result.ok and result.output == "answer from write_code"
    assert choices == ["write_code", "run_code", "run_code", "run_code", "none"]


async def test_a_chain_whose_steps_succeed_is_followed_to_the_end() -> None:
    choices: list[str] = []
    result = await _agent(_tools(runs_ok=True), choices, ["print(1)"]).run(QUERY)
    assert result.ok and result.output == "answer from run_code"
    assert choices == ["write_code", "run_code", "auto"]


async def test_the_first_step_is_never_given_up() -> None:
    @tool
    def write_code(task: str) -> str:
        """Write Python source code for a programming task."""
        raise ToolRetry("no such language")

    tools = Toolset([write_code, *[t for t in _tools(runs_ok=True) if t.name != "write_code"]])
    choices: list[str] = []
    result = await _agent(tools, choices, ["print(1)"]).run(QUERY)
    assert not result.ok and result.outcome == "error"
    # forced again once; the same call failing the same way again ends the run on its error (no third try)
    assert choices == ["write_code", "write_code"]
