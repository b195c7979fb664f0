"""@llm_function: templates render, outputs are schema-constrained, validated and retried."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field

import agentfn.llm_function as llm_module
from agentfn import Agent, FunctionModel, ModelRequest, TestModel, Tool, Toolset
from agentfn.backends.function import call
from agentfn.exceptions import (
    ConfigError,
    ModelUnavailableError,
    ToolDefinitionError,
    ToolRetry,
    UnexpectedModelBehavior,
    UserError,
)
from agentfn.llm_function import LLMFunction, llm_function, parse_output, set_default_model
from agentfn.messages import AssistantMessage, Message


class Recorder:
    """A FunctionModel script: replies in order, keeps every request."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.requests: list[ModelRequest] = []
        self.model = FunctionModel(self.reply, name="scripted")

    def reply(self, messages: list[Message], request: ModelRequest) -> str:
        self.requests.append(request)
        return self.replies.pop(0)


@llm_function(prompt="Say hello to {{ name }} in {{ language }}.{% if excited %} Be excited!{% endif %}")
async def greet(name: str, language: str = "English", excited: bool = False) -> str:
    """Write a greeting.

    Args:
        name: who to greet.
        language: the language of the greeting.
        excited: add enthusiasm.
    """


class Weather(BaseModel):
    city: str
    temperature_c: float
    condition: Literal["sunny", "cloudy", "rain"]


@llm_function(prompt="Describe the weather in {{ city }}.")
async def describe(city: str) -> Weather:
    """Describe the weather."""


@pytest.fixture(autouse=True)
def no_default_model() -> Any:
    def unreachable(messages: list[Message], request: ModelRequest) -> str:
        raise AssertionError("reached the default model; pass model= explicitly")

    # Never build the embedded model in unit tests (minutes of CPU): fail loudly instead.
    set_default_model(FunctionModel(unreachable))
    yield
    set_default_model(None)


async def test_renders_the_template_and_requests_a_wrapped_schema() -> None:
    script = Recorder('{"result": "Bonjour Ann!"}')
    assert await greet("Ann", language="French", excited=True, model=script.model) == "Bonjour Ann!"
    request = script.requests[0]
    system, user = request.messages
    assert user.content == "Say hello to Ann in French. Be excited!"
    assert request.output_schema == {"type": "object", "properties": {"result": {"type": "string"}}, "required": ["result"]}
    assert json.dumps(request.output_schema) in system.content
    assert request.tools == [] and request.tool_choice == "none"


async def test_object_results_are_not_wrapped() -> None:
    script = Recorder('{"city": "Oslo", "temperature_c": -3, "condition": "cloudy"}')
    result = await describe("Oslo", model=script.model)
    assert result == Weather(city="Oslo", temperature_c=-3, condition="cloudy")
    schema = script.requests[0].output_schema
    assert schema is not None and schema["properties"]["condition"]["enum"] == ["sunny", "cloudy", "rain"]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"result": "hi"}', "hi"),
        ('```json\n{"result": "hi"}\n```', "hi"),
        ('Sure! Here it is: {"result": "hi"} Hope that helps.', "hi"),
        ('"hi"', "hi"),
        ("hi there", "hi there"),  # plain text is accepted for a str result
    ],
)
async def test_lenient_reply_shapes(reply: str, expected: str) -> None:
    assert await greet("x", model=Recorder(reply).model) == expected


async def test_invalid_output_is_fed_back_and_retried() -> None:
    script = Recorder(
        '{"city": "Oslo", "temperature_c": "cold", "condition": "snow"}',
        '{"city": "Oslo", "temperature_c": -3, "condition": "cloudy"}',
    )
    result = await describe("Oslo", model=script.model)
    assert result.temperature_c == -3
    assert len(script.requests) == 2
    retry = script.requests[1].messages
    assert retry[-2].role == "assistant" and "cold" in (retry[-2].content or "")
    feedback = retry[-1].content
    assert retry[-1].role == "user" and "temperature_c" in feedback and "condition" in feedback


async def test_gives_up_after_the_retries() -> None:
    script = Recorder("nope", "still nope", "never")
    with pytest.raises(UnexpectedModelBehavior, match="3 attempt") as caught:
        await describe("Oslo", model=script.model)
    assert caught.value.body == "never" and len(script.requests) == 3


async def test_retries_setting() -> None:
    @llm_function(prompt="x", retries=0)
    async def once() -> int:
        """Once."""

    with pytest.raises(UnexpectedModelBehavior, match="1 attempt"):
        await once(model=Recorder('{"result": "x"}').model)


async def test_finalize_can_reject_and_transform() -> None:
    def must_be_even(value: int, arguments: dict[str, Any]) -> str:
        if value % 2:
            raise ToolRetry(f"{value} is odd; the number must be even")
        return f"{arguments['label']}={value}"

    @llm_function(prompt="an even number for {{ label }}", output_type=int, finalize=must_be_even)
    async def even(label: str) -> str:
        """Even."""

    script = Recorder('{"result": 3}', '{"result": 4}')
    assert await even("n", model=script.model) == "n=4"
    assert "3 is odd" in script.requests[1].messages[-1].content


async def test_output_type_differs_from_the_return_type() -> None:
    class Draft(BaseModel):
        words: list[str]

    @llm_function(prompt="words", output_type=Draft, finalize=lambda d, a: " ".join(d.words))
    async def joined() -> str:
        """Joined."""

    script = Recorder('{"words": ["a", "b"]}')
    assert await joined(model=script.model) == "a b"
    assert script.requests[0].output_schema == {
        "type": "object", "properties": {"words": {"type": "array", "items": {"type": "string"}}}, "required": ["words"],
    }


async def test_json_schema_output_target() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}, "required": ["n"]}

    @llm_function(prompt="{{ output_schema }}", output_from=lambda a: schema)
    async def count() -> dict[str, Any]:
        """Count."""

    script = Recorder('{"n": -1}', '{"n": 2}')
    assert await count(model=script.model) == {"n": 2}
    assert "minimum" in script.requests[1].messages[-1].content or "-1" in script.requests[1].messages[-1].content
    assert json.loads(script.requests[0].messages[1].content) == schema


def test_parse_output_wraps_non_objects() -> None:
    assert parse_output('{"result": ["a", "b"]}', list[str]) == ["a", "b"]
    assert parse_output('{"result": "b"}', Literal["a", "b"]) == "b"
    with pytest.raises(ValueError, match="result"):
        parse_output('{"result": "c"}', Literal["a", "b"])
    with pytest.raises(ValueError, match="not JSON"):
        parse_output("hello", int)


async def test_strict_undefined_names_the_missing_variable() -> None:
    @llm_function(prompt="Hello {{ nobody }}")
    async def broken(name: str) -> str:
        """Broken."""

    with pytest.raises(UserError, match="nobody"):
        await broken("x", model=Recorder().model)


def test_definition_errors() -> None:
    with pytest.raises(ConfigError, match="not found"):
        @llm_function()
        async def no_such_template(text: str) -> str:
            """Missing template."""

    with pytest.raises(ToolDefinitionError, match="return annotation"):
        @llm_function(prompt="x")
        async def no_return(text: str):  # type: ignore[no-untyped-def]
            """No return type."""

    with pytest.raises(ConfigError, match="syntax error"):
        @llm_function(prompt="{% if %}")
        async def bad_syntax() -> str:
            """Bad."""

    with pytest.raises(UserError, match="parentheses"):
        llm_function(greet)  # type: ignore[arg-type]


def test_is_an_ordinary_tool() -> None:
    assert isinstance(greet, Tool) and isinstance(greet, LLMFunction)
    assert greet.name == "greet" and greet.description == "Write a greeting."
    props = greet.parameters["properties"]
    assert list(props) == ["name", "language", "excited"] and props["name"]["description"] == "who to greet."
    assert greet.parameters["required"] == ["name"]
    assert greet.return_schema == {"type": "string"}
    assert greet.is_async and greet.takes_ctx and greet.side_effects == "none"
    assert greet.metadata["llm_function"] is True
    assert "greet" in Toolset.from_module(sys.modules[__name__]).names()


async def test_agent_lends_its_model() -> None:
    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        if not request.tools:  # the LLM function's own request
            return '{"result": "Hej Ann"}'
        if not any(m.role == "tool" for m in messages):
            return AssistantMessage(tool_calls=[call("greet", {"name": "Ann", "language": "Swedish"})])
        return f"Done: {messages[-1].content}"

    model = FunctionModel(reply)
    result = await Agent(model, tools=[greet]).run("greet Ann in Swedish")
    assert result.output == "Done: Hej Ann"
    inner = [r for r in model.requests if not r.tools]
    assert len(inner) == 1 and inner[0].messages[1].content == "Say hello to Ann in Swedish."


async def test_model_precedence_and_default() -> None:
    with pytest.raises(ConfigError):  # a spec string goes through load_model
        await greet("x", model="nonsense-backend:abc")
    set_default_model(Recorder('{"result": "from default"}').model)
    assert await greet("x") == "from default"
    assert await greet("x", model=Recorder('{"result": "explicit"}').model) == "explicit"
    set_default_model("test")
    assert isinstance(llm_module.get_default_model(), TestModel)
    assert await greet("x") == "a"


async def test_model_errors_propagate() -> None:
    def down(messages: list[Message], request: ModelRequest) -> str:
        raise ModelUnavailableError("server down")

    with pytest.raises(ModelUnavailableError):
        await greet("x", model=FunctionModel(down))


async def test_per_call_model_settings() -> None:
    script = Recorder('{"result": "x"}')
    await greet("x", model=script.model, model_settings={"max_tokens": 16, "temperature": 0.0})
    assert (script.requests[0].max_tokens, script.requests[0].temperature) == (16, 0.0)


def test_run_sync_and_render() -> None:
    assert greet.run_sync("Bo", model=Recorder('{"result": "hey"}').model) == "hey"
    system, user = greet.render({"name": "Bo", "language": "Danish", "excited": False})
    assert user.content == "Say hello to Bo in Danish." and system.role == "system"


def test_templates_from_a_user_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "myprompts_pkg"
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "templates" / "haiku.jinja").write_text("A haiku about {{ topic | upper }} with {{ meta | tojson }}")
    monkeypatch.syspath_prepend(str(tmp_path))

    @llm_function("templates/haiku.jinja", package="myprompts_pkg", system="Answer as JSON.")
    async def haiku(topic: str, meta: dict[str, Any]) -> list[str]:
        """A haiku, one line per item."""

    system, user = haiku.render({"topic": "rain", "meta": {"lang": "日本"}})
    assert user.content == 'A haiku about RAIN with {"lang": "日本"}'  # tojson: no HTML escaping, no \\u escapes
    assert system.content == "Answer as JSON."
    assert haiku.run_sync("rain", {}, model=Recorder('{"result": ["a", "b", "c"]}').model) == ["a", "b", "c"]


def test_builtin_templates_load_from_the_installed_package() -> None:
    import importlib.resources

    names = {p.name for p in importlib.resources.files("agentfn.prompts").joinpath("functions").iterdir()}
    assert {"translate.jinja", "answer.jinja", "extract.jinja", "generate_code.jinja"} <= names


class Ranked(BaseModel):
    items: list[str] = Field(min_length=1)


async def test_works_with_the_scripted_test_model() -> None:
    @llm_function(prompt="rank")
    async def rank() -> Ranked:
        """Rank."""

    assert (await rank(model=TestModel())).items == ["a"]
