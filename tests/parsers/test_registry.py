"""Registry, plugin loading and format detection."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentfn.exceptions import AgentFnError, ConfigError
from agentfn.parsers import (
    HermesParser,
    ToolCallParser,
    UnknownParserError,
    available_parsers,
    detect_format,
    get_parser,
    load_parser_plugin,
    register_parser,
    unregister_parser,
)

from .conformance import assert_stream_equals_parse

PLUGIN = textwrap.dedent(
    '''
    """A toy format: CALL name {json} on its own."""
    from typing import ClassVar

    from agentfn.parsers import (
        INCOMPLETE, Call, Decided, Pending, Text, TextBuffer, ToolCallParser, text_until_marker, value_arguments,
    )

    MARK = "CALL "


    class ToyParser(ToolCallParser):
        name: ClassVar[str] = "toy_plugin"
        markers: ClassVar[tuple[str, ...]] = (MARK,)

        def step(self, buf: TextBuffer, pos: int, state: str) -> Decided | Pending:
            found = text_until_marker(buf, pos, (MARK,))
            if not isinstance(found, int):
                return found
            text = buf.text
            literal = Decided([Text(MARK)], pos + len(MARK))
            space = text.find(" ", pos + len(MARK))
            if space < 0:
                return literal if buf.final else Pending()
            name = text[pos + len(MARK) : space]
            if not name.isidentifier() or space + 1 >= len(text):
                return literal if buf.final or not name.isidentifier() else Pending()
            scan = buf.json_at(space + 1)
            if scan.status == INCOMPLETE:
                return Pending()
            arguments = value_arguments(scan)
            return Decided([Call(name, arguments, pos)], scan.end) if arguments else literal
    '''
)


@pytest.fixture
def plugin_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "toy_format.py"
    path.write_text(PLUGIN)
    yield path
    unregister_parser("toy_plugin")


def test_get_parser_and_options() -> None:
    parser = get_parser("hermes", reasoning_started=True, id_factory=lambda i: f"id{i}")
    assert isinstance(parser, HermesParser) and parser.reasoning_started
    result = parser.parse('x</think><tool_call>{"name": "f"}</tool_call>')
    assert result.reasoning == "x" and result.tool_calls[0].id == "id0"


def test_result_as_message() -> None:
    text = '<think>plan</think>Checking.<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>'
    message = get_parser("hermes", id_factory=lambda i: "c1").parse(text).to_message()
    assert message.content == "Checking." and message.reasoning == "plan"
    assert [(c.id, c.name, c.arguments) for c in message.tool_calls] == [("c1", "f", '{"a": 1}')]


def test_unknown_parser_lists_available_names() -> None:
    with pytest.raises(UnknownParserError) as info:
        get_parser("nope")
    assert isinstance(info.value, KeyError) and isinstance(info.value, ConfigError)
    assert isinstance(info.value, AgentFnError)
    message = str(info.value)
    assert message.startswith("unknown tool-call parser 'nope'")
    for name in ("hermes", "mistral", "llama3_json", "pythonic", "json"):
        assert name in message


def test_register_rejects_conflicts_and_non_parsers() -> None:
    class Other(HermesParser):
        pass

    with pytest.raises(ConfigError, match="already registered"):
        register_parser(Other)
    with pytest.raises(ConfigError, match="ToolCallParser subclass"):
        register_parser(int)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType]

    class Nameless(ToolCallParser):
        pass

    with pytest.raises(ConfigError, match="no `name`"):
        register_parser(Nameless)
    register_parser(HermesParser)  # registering the same class again is a no-op
    assert available_parsers().count("hermes") == 1


def test_replace_registration() -> None:
    class Replacement(HermesParser):
        pass

    try:
        register_parser(Replacement, replace=True)
        assert type(get_parser("hermes")) is Replacement
    finally:
        register_parser(HermesParser, replace=True)
    assert type(get_parser("hermes")) is HermesParser


def test_load_plugin_from_path(plugin_file: Path) -> None:
    assert load_parser_plugin(str(plugin_file)) == ["toy_plugin"]
    assert "toy_plugin" in available_parsers()
    parser = get_parser("toy_plugin", id_factory=lambda i: f"c{i}")
    text = 'Sure. CALL get_weather {"city": "Paris"} and CALL broken {"x": '
    result = parser.parse(text)
    assert [(c.name, c.arguments) for c in result.tool_calls] == [("get_weather", '{"city": "Paris"}')]
    assert result.content == 'Sure.  and CALL broken {"x":'
    # The engine gives plugins streaming for free, equal to the whole-text parse.
    assert_stream_equals_parse(parser, text)
    # Loading the same file again is harmless.
    assert load_parser_plugin(str(plugin_file)) == ["toy_plugin"]


def test_load_plugin_from_dotted_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "toy_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "fmt.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert load_parser_plugin("toy_pkg.fmt") == ["toy_plugin"]
        assert get_parser("toy_plugin").parse('CALL f {"a": 1}').tool_calls[0].name == "f"
    finally:
        unregister_parser("toy_plugin")
        for name in ("toy_pkg.fmt", "toy_pkg"):
            sys.modules.pop(name, None)


def test_plugin_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_parser_plugin(str(tmp_path / "missing.py"))
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n")
    with pytest.raises(ConfigError, match="defines no ToolCallParser"):
        load_parser_plugin(str(empty))
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(ConfigError, match="boom"):
        load_parser_plugin(str(broken))
    with pytest.raises(ConfigError, match="cannot import"):
        load_parser_plugin("no_such_module_for_agentfn.fmt")


def test_detect_format() -> None:
    assert detect_format("just words") is None
    assert detect_format('<tool_call>{"name": "f", "arguments": {}}</tool_call>') == "hermes"
    assert detect_format('[TOOL_CALLS][{"name": "f", "arguments": {}}]') == "mistral"
    assert detect_format('[TOOL_CALLS]f[ARGS]{"a": 1}') == "mistral"
    assert detect_format('<|python_tag|>{"name": "f", "parameters": {}}') == "llama3_json"
    assert detect_format('{"name": "f", "parameters": {"a": 1}}') == "llama3_json"
    assert detect_format('[f(a=1), g(b="x")]') == "pythonic"
    assert detect_format('Calls: ```json\n[{"name": "f", "arguments": {}}]\n```') == "json"


def test_feed_after_finish_is_a_developer_error() -> None:
    stream = get_parser("hermes").streaming()
    stream.feed("hi")
    assert stream.finish().content == "hi"
    assert stream.finish().content == "hi"
    with pytest.raises(AgentFnError):
        stream.feed("more")


def test_internal_bug_degrades_to_content(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from agentfn.parsers import base

    class Buggy(ToolCallParser):
        name = "buggy_unregistered"

        def step(self, buf: base.TextBuffer, pos: int, state: str) -> base.Decided | base.Pending:
            raise ZeroDivisionError("bug")

    monkeypatch.setattr(base, "RAISE_INTERNAL_ERRORS", False)
    parser = Buggy()
    assert parser.parse("  text <x>  ").content == "text <x>"
    stream = parser.streaming()
    assert stream.feed("te") == [] and stream.feed("xt") == []
    assert stream.flush() == []
    assert stream.finish().content == "text"
    assert "buggy_unregistered" in caplog.text
