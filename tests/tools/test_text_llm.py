"""The prompt-backed built-ins with scripted models: prompts, schemas, validation, retries."""

from __future__ import annotations

import enum
import json
from typing import Any

import pytest
from pydantic import BaseModel

from agentfn import Agent, FunctionModel, ModelRequest, RunContext, TestModel, Toolset
from agentfn.backends.function import call
from agentfn.exceptions import UnexpectedModelBehavior
from agentfn.library.code_runner import run_python
from agentfn.library.text_llm import (
    CitedAnswer,
    Code,
    NotSupportedOffline,
    answer,
    classify,
    code_from_reply,
    extract,
    find_span,
    generate,
    generate_code,
    sentiment,
    summarize,
    translate,
)
from agentfn.messages import AssistantMessage, Message, UserMessage


class Script:
    def __init__(self, *replies: str | dict[str, Any]) -> None:
        self.replies = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in replies]
        self.requests: list[ModelRequest] = []
        self.model = FunctionModel(self.reply)

    def reply(self, messages: list[Message], request: ModelRequest) -> str:
        self.requests.append(request)
        return self.replies.pop(0)

    def prompt(self, index: int = 0) -> str:
        return self.requests[index].messages[1].content or ""


async def test_translate() -> None:
    script = Script({"result": "Hello"})
    assert await translate("你好", target="en", model=script.model) == "Hello"
    assert script.prompt() == (
        "Translate the text below into en.\nKeep the meaning, tone and formatting; translate everything, add nothing.\n\n"
        'Text:\n你好\n\nPut only the translation in "result".'
    )
    script = Script({"result": "Hallo"})
    await translate("Hello", target="German", source="English", model=script.model)
    assert script.prompt().startswith("Translate the text below from English into German.")


async def test_generate_length_and_style() -> None:
    script = Script({"result": "Roses are red"})
    assert await generate("a poem", max_words=20, style="haiku", model=script.model) == "Roses are red"
    assert script.prompt() == (
        "Write a response to this request.\nStyle: haiku.\nUse at most 20 words.\nRequest: a poem\n\nPut the text in \"result\"."
    )
    plain = Script({"result": "x"})
    await generate("a poem", model=plain.model)
    assert "Style" not in plain.prompt() and "at most" not in plain.prompt()


async def test_summarize_prose_and_bullets() -> None:
    prose = Script({"result": "Cats sleep a lot."})
    summary = await summarize("long text about cats", max_words=10, model=prose.model)
    assert (summary.format, summary.text, summary.points) == ("prose", "Cats sleep a lot.", [])
    assert "at most 10 words, as one paragraph of prose" in prose.prompt()
    assert prose.requests[0].output_schema == {"type": "object", "properties": {"result": {"type": "string"}}, "required": ["result"]}

    bullets = Script({"result": ["- Cats sleep", "* They purr", "  "]})
    summary = await summarize("long text", format="bullets", model=bullets.model)
    assert summary.points == ["Cats sleep", "They purr"] and summary.text == "- Cats sleep\n- They purr"
    schema = bullets.requests[0].output_schema
    assert schema is not None and schema["properties"]["result"] == {"type": "array", "items": {"type": "string"}}
    assert "list of short bullet points" in bullets.prompt()


CONTEXT = "The Eiffel Tower is 330 metres tall.\nIt was completed in 1889 for the World's Fair."


async def test_answer_with_verified_citations() -> None:
    script = Script({"answer": "It was completed in 1889.", "quotes": ["completed in 1889"]})
    result = await answer("When was it finished?", CONTEXT, model=script.model)
    assert isinstance(result, CitedAnswer) and result.answerable
    (citation,) = result.citations
    assert CONTEXT[citation.start : citation.end] == citation.quote == "completed in 1889"
    assert "Question: When was it finished?" in script.prompt() and CONTEXT in script.prompt()


async def test_answer_rejects_invented_quotes_and_retries() -> None:
    script = Script(
        {"answer": "1887", "quotes": ["built in 1887"]},
        {"answer": "1889", "quotes": ["It was  completed IN 1889"]},  # whitespace and case differ: still found
    )
    result = await answer("When?", CONTEXT, model=script.model)
    assert result.answer == "1889" and result.citations[0].quote == "It was completed in 1889"
    feedback = script.requests[1].messages[-1].content
    assert "not in the context" in feedback and "built in 1887" in feedback


async def test_answer_without_support_is_not_answerable() -> None:
    result = await answer("Who designed it?", CONTEXT, model=Script({"answer": "Not in the context.", "quotes": []}).model)
    assert not result.answerable and result.citations == []


async def test_answer_gives_up_on_persistent_invention() -> None:
    bad = {"answer": "x", "quotes": ["invented"]}
    with pytest.raises(UnexpectedModelBehavior, match="not in the context"):
        await answer("q", CONTEXT, model=Script(bad, bad, bad).model)


def test_find_span() -> None:
    assert find_span("330 metres", CONTEXT) == (CONTEXT.index("330"), CONTEXT.index("330") + 10)
    assert find_span("", CONTEXT) is None
    assert find_span("eiffel   TOWER", CONTEXT) == (4, 16)


async def test_classify_constrains_labels() -> None:
    script = Script({"label": "billing", "confidence": 2}, {"label": "refund", "confidence": 0.9}, {"label": "billing", "confidence": 0.8})
    result = await classify("I was charged twice", labels=["billing", "technical", "other"], model=script.model)
    assert (result.label, result.confidence) == ("billing", 0.8)
    schema = script.requests[0].output_schema
    assert schema is not None and schema["properties"]["label"]["enum"] == ["billing", "technical", "other"]
    assert "exactly one of these labels: billing, technical, other." in script.prompt()
    assert "confidence" in (script.requests[1].messages[-1].content or "")
    assert "label" in (script.requests[2].messages[-1].content or "")


async def test_classify_with_an_enum_and_instructions() -> None:
    class Priority(enum.Enum):
        LOW = "low"
        HIGH = "high"

    script = Script({"label": "high", "confidence": 0.7})
    result = await classify("Server down!", labels=Priority, instructions="Outages are high.", model=script.model)
    assert Priority(result.label) is Priority.HIGH
    assert "Outages are high." in script.prompt()


async def test_classify_refuses_bad_label_sets() -> None:
    from agentfn import ToolRetry

    with pytest.raises(ToolRetry, match="at least one"):
        await classify("x", labels=[], model=Script().model)
    with pytest.raises(ToolRetry, match="distinct"):
        await classify("x", labels=["a", "a"], model=Script().model)


async def test_sentiment() -> None:
    script = Script({"label": "great", "confidence": 0.5}, {"label": "positive", "confidence": 0.95})
    result = await sentiment("I love it", model=script.model)
    assert (result.label, result.confidence) == ("positive", 0.95)
    assert script.requests[0].output_schema["properties"]["label"]["enum"] == ["positive", "negative", "neutral", "mixed"]  # type: ignore[index]


class Person(BaseModel):
    name: str
    age: int | None = None
    email: str | None = None


async def test_extract_into_a_pydantic_model() -> None:
    script = Script({"name": "Ann Lee", "age": "thirty"}, {"name": "Ann Lee", "age": 30})
    person = await extract("Ann Lee, 30, no email", schema=Person, model=script.model)
    assert person == Person(name="Ann Lee", age=30)
    assert script.requests[0].output_schema == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
            "email": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        },
        "required": ["name"],
    }
    assert "age" in (script.requests[1].messages[-1].content or "")


async def test_extract_tool_form_takes_a_json_schema() -> None:
    schema = {"type": "object", "properties": {"total": {"type": "number"}, "currency": {"type": "string", "enum": ["EUR", "USD"]}},
              "required": ["total", "currency"]}
    script = Script({"total": 12.5, "currency": "GBP"}, {"total": 12.5, "currency": "EUR"})
    assert await extract("Total: 12,50 €", schema=schema, instructions="Use ISO codes.", model=script.model) == {
        "total": 12.5, "currency": "EUR",
    }
    assert script.requests[0].output_schema == schema and "Use ISO codes." in script.prompt()
    assert "currency" in (script.requests[1].messages[-1].content or "")
    assert extract.parameters["properties"]["schema"]["type"] == "object"


async def test_extract_refuses_an_invalid_schema() -> None:
    from agentfn import ToolRetry

    with pytest.raises(ToolRetry, match="invalid"):
        await extract("x", schema={"type": "no-such-type"}, model=Script().model)


async def test_generate_code_checks_python_and_strips_fences() -> None:
    script = Script(
        {"code": "def f(:\n  pass", "explanation": "broken"},
        {"code": "```python\nprint(sum(range(10)))\n```", "explanation": " Sums 0..9. "},
    )
    code = await generate_code("sum the numbers 0 to 9", model=script.model)
    assert code == Code(language="python", code="print(sum(range(10)))", explanation="Sums 0..9.")
    assert "does not parse" in (script.requests[1].messages[-1].content or "")
    assert "The code will be run as a script with python3" in script.prompt()
    # The partner tool runs it.
    assert run_python(code.code).stdout == "45\n"


async def test_generate_code_other_languages_are_not_parsed() -> None:
    code = await generate_code("hello", language="rust", model=Script({"code": "fn main() {}", "explanation": "e"}).model)
    assert code.language == "rust" and code.code == "fn main() {}"


async def test_agent_chains_generate_code_and_run_python() -> None:
    def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        if not request.tools:  # generate_code's own model call
            return json.dumps({"code": "print(6 * 7)", "explanation": "multiplies"})
        tool_messages = [m for m in messages if m.role == "tool"]
        if not tool_messages:
            return AssistantMessage(tool_calls=[call("generate_code", {"task": "print 6*7"})])
        if len(tool_messages) == 1:
            code = json.loads(tool_messages[0].content)["code"]
            return AssistantMessage(tool_calls=[call("run_python", {"code": code})])
        return json.loads(tool_messages[1].content)["stdout"].strip()

    agent = Agent(FunctionModel(reply), tools=Toolset([generate_code, run_python]))
    result = await agent.run("What is 6*7? compute it")
    assert result.output == "42"


async def test_generate_code_is_not_cut_off_by_the_agents_tool_timeout() -> None:
    """A model writing code on a busy CPU takes longer than the agent's default tool timeout; that is no hang."""
    import asyncio

    async def reply(messages: list[Message], request: ModelRequest) -> AssistantMessage | str:
        if not request.tools:  # generate_code's own model call: slower than the agent's tool timeout below
            await asyncio.sleep(0.3)
            return json.dumps({"code": "print(6 * 7)", "explanation": "multiplies"})
        if not [m for m in messages if m.role == "tool"]:
            return AssistantMessage(tool_calls=[call("generate_code", {"task": "print 6*7"})])
        return "done"

    agent = Agent(FunctionModel(reply), tools=Toolset([generate_code]), tool_timeout=0.05)
    result = await agent.run("write code that prints 6*7")
    (tool_message,) = [m for m in result.messages if m.role == "tool"]
    assert not tool_message.is_error and json.loads(tool_message.content)["code"] == "print(6 * 7)"


@pytest.mark.parametrize("function", [generate, translate, summarize, answer, classify, sentiment, extract, generate_code])
async def test_every_builtin_validates_with_test_model_output(function: Any) -> None:
    arguments = {
        "generate": {"prompt": "x"}, "translate": {"text": "x", "target": "French"}, "summarize": {"text": "x"},
        "answer": {"question": "q", "context": "a"}, "classify": {"text": "x", "labels": ["a", "b"]},
        "sentiment": {"text": "x"}, "extract": {"text": "x", "schema": {"type": "object", "properties": {"a": {"type": "string"}}}},
        "generate_code": {"task": "x", "language": "text"},
    }[function.name]
    # TestModel answers with a minimal instance of the requested schema: the output must validate
    # (answer's quotes and generate_code's syntax check are finalize steps the example cannot pass).
    if function.name not in ("answer",):
        ctx = RunContext(deps=None, model=TestModel())
        assert await function.call(arguments, ctx) is not None
    assert function.metadata["llm_function"] is True


async def test_builtins_take_the_model_from_the_run() -> None:
    agent = Agent(TestModel(call_tools=["sentiment"]), tools=Toolset([sentiment]))
    result = await agent.run("how does this sound?")
    assert result.ok and json.loads(str(result.output))["sentiment"] == '{"label":"positive","confidence":0.0}'


def _grounded(*replies: str) -> Script:
    script = Script(*replies)
    script.model.answer_mode = "grounded"  # type: ignore[attr-defined]  # what the embedded backend sets
    return script


async def test_a_grounded_model_writes_code_as_one_plain_block() -> None:
    """The embedded 135M model loops when code must be escaped inside JSON; it is asked for a
    plain code block of bounded length instead."""
    script = _grounded("```python\ndef reverse(s):\n    return s[::-1]\n```\nThis reverses it.")
    code = await generate_code("reverses a string", model=script.model)
    assert code == Code(language="python", code="def reverse(s):\n    return s[::-1]", explanation="")
    request = script.requests[0]
    assert request.output_schema is None and request.max_tokens is not None and request.stop
    assert "reverses a string" in (request.messages[0].content or "")


def test_code_from_a_reply_cut_short_keeps_its_complete_part() -> None:
    reply = "```python\ndef f(n):\n    return n * 2\n\nprint(f(3)"  # the token limit cut the last line
    assert code_from_reply(reply, "python") == "def f(n):\n    return n * 2"
    assert code_from_reply("function add(a, b) { return a + b; }", "javascript").startswith("function add")
    with pytest.raises(NotSupportedOffline, match="larger model"):
        code_from_reply("```python\n(((\n```", "python")


async def test_a_grounded_model_gets_the_whole_request_when_the_task_is_a_fragment() -> None:
    script = _grounded("```python\ndef fact(n):\n    return 1 if n < 2 else n * fact(n - 1)\n```")
    request = "Write a Python function to compute a factorial"
    ctx = RunContext(deps=None, run_id="r", messages=[UserMessage(content=request)], model=script.model)
    code = await generate_code.run({"task": "factorial"}, ctx=ctx)
    assert code.code.startswith("def fact(n):")
    assert request in (script.requests[0].messages[0].content or "")


async def test_a_grounded_model_classifies_by_rules_not_by_its_own_guess() -> None:
    """The 135M model picks a label at random; for it, classify takes the phrasebook's language or the
    label nearest the text by sentence embedding (no model call)."""
    script = _grounded()
    result = await classify("Guten Tag", labels=["English", "German", "French"], model=script.model)
    assert result.label == "German" and 0 < result.confidence <= 1
    ticket = await classify("My package has not arrived yet", labels=["billing", "shipping", "technical issue"],
                            model=script.model)
    assert ticket.label == "shipping"
    charged = await classify("I was charged twice for my order", labels=["billing", "shipping", "technical issue"],
                             model=script.model)
    assert charged.label == "billing" and not script.requests


async def test_a_grounded_model_extracts_the_fields_the_request_names() -> None:
    """The 135M model writes no usable schema ({'type': 'json', ...}); for it, extract takes the fields
    from the request and each value by what the field's name says it is."""
    script = _grounded()
    request = "Pull out the due date and amount from 'Invoice due 2024-05-31 for $1,250'"
    ctx = RunContext(deps=None, run_id="r", messages=[UserMessage(content=request)], model=script.model)
    got = await extract.run({"text": "Invoice due 2024-05-31 for $1,250", "schema": {"type": "json"}}, ctx=ctx)
    assert got == {"due_date": "2024-05-31", "amount": 1250}
    order = await extract.run({"text": "Order 5521 shipped, total 89.90 EUR",
                               "schema": {"type": "object", "properties": {"order_number": {}, "total": {}}}}, ctx=ctx)
    assert order == {"order_number": "5521", "total": 89.9} and not script.requests
    with pytest.raises(NotSupportedOffline, match="larger model"):
        await extract.run({"text": "nothing here", "schema": {"type": "object", "properties": {"email": {}}}}, ctx=ctx)


def test_requested_fields() -> None:
    from agentfn.library._language_rules import requested_fields

    assert requested_fields("Get the order number and the total from 'Order 5521'") == ["order number", "total"]
    assert requested_fields("Extract the name, city and phone from this: Anna, Oslo") == ["name", "city", "phone"]
    assert requested_fields("What is the weather?") == []
