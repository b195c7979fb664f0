"""Toolset: collection behaviour, combining, renaming, and every way of loading one."""

from __future__ import annotations

import json
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

from agentfn import (
    ConfigError,
    Tool,
    ToolDefinitionError,
    ToolSchemaError,
    Toolset,
    ToolsetConflictError,
    tool,
)


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


@tool(side_effects="read")
def lookup(key: str) -> str:
    """Look a key up."""
    return key.upper()


def plain(text: str) -> str:
    """A plain typed function."""
    return text[::-1]


def test_collection_protocol() -> None:
    ts = Toolset([add, lookup, plain], name="mine")
    assert len(ts) == 3 and ts.names() == ["add", "lookup", "plain"]
    assert [t.name for t in ts] == ts.names()
    assert "add" in ts and add in ts and "nope" not in ts
    assert ts["add"] is add and ts.get("nope") is None
    assert isinstance(ts["plain"], Tool) and ts["plain"].call_sync({"text": "ab"}) == "ba"
    with pytest.raises(KeyError, match=r"no tool named 'nope' in mine \(has: add, lookup, plain\)"):
        ts["nope"]
    assert ts.specs() == [add.schema, lookup.schema, ts["plain"].schema]
    assert ts.specs(strict=True)[0]["function"]["strict"] is True
    assert "mine" in repr(ts)


def test_combine_keeps_order_and_sources() -> None:
    first = Toolset([add], name="first")
    second = Toolset([lookup, plain], name="second")
    both = first + second
    assert both.names() == ["add", "lookup", "plain"]
    assert both.source_of("add") == "first" and both.source_of("plain") == "second"
    assert first.combine(second, [Tool(plain, name="plain2")], name="all").names() == ["add", "lookup", "plain", "plain2"]
    assert len(first) == 1  # combining makes a new toolset


def test_clash_names_both_sources() -> None:
    first = Toolset([add], name="maths")
    other_add = Tool(plain, name="add")
    second = Toolset([other_add], name="strings")
    with pytest.raises(ToolsetConflictError) as info:
        first + second
    message = str(info.value)
    assert "'add'" in message and "maths" in message and "strings" in message
    assert info.value.first_source == "maths" and info.value.second_source == "strings"
    with pytest.raises(ToolsetConflictError):
        Toolset([add, add])
    with pytest.raises(ToolsetConflictError):
        first.add(other_add, source="late addition")


def test_filtered() -> None:
    ts = Toolset([add, lookup, plain])
    assert ts.filtered(["plain", "add", "missing"]).names() == ["add", "plain"]
    assert ts.filtered("lookup").names() == ["lookup"]
    assert ts.filtered(lambda t: t.side_effects == "read").names() == ["lookup"]
    assert ts.filtered([]).names() == []


def test_prefixed_and_renamed() -> None:
    ts = Toolset([add, lookup], name="src")
    pre = ts.prefixed("math")
    assert pre.names() == ["math_add", "math_lookup"]
    renamed_add = pre["math_add"]
    assert renamed_add.schema["function"]["name"] == "math_add"
    assert renamed_add.metadata["original_name"] == "add"
    assert renamed_add.call_sync({"a": 1, "b": 2}) == 3
    assert renamed_add.schema_hash != add.schema_hash
    assert add.name == "add" and add.schema["function"]["name"] == "add"  # the original is untouched
    assert pre.source_of("math_add") == "src"
    with pytest.raises(ToolDefinitionError):
        ts.prefixed("x", sep=".")
    assert ts.renamed({"add": "plus"}).names() == ["plus", "lookup"]
    assert ts.renamed(str.upper).names() == ["ADD", "LOOKUP"]
    assert ts.renamed({"add": "plus"}).prefixed("m")["m_plus"].metadata["original_name"] == "add"
    with pytest.raises(ToolsetConflictError):
        ts.renamed({"add": "lookup"})


def test_from_module_collects_module_level_tools_in_order() -> None:
    mod = types.ModuleType("fake_tools_mod")
    exec(
        textwrap.dedent(
            """
            from agentfn import tool
            from tests.test_toolset import add  # imported from elsewhere: not this module's

            @tool
            def second(x: int) -> int:
                return x

            @tool
            def first(x: int) -> int:
                return x

            def not_a_tool(x: int) -> int:
                return x
            """
        ),
        mod.__dict__,
    )
    for t in (mod.second, mod.first):
        t.function.__module__ = "fake_tools_mod"
    ts = Toolset.from_module(mod)
    assert ts.names() == ["second", "first"]
    assert ts.source_of("first") == "module fake_tools_mod"
    mod.__tools__ = [mod.first, mod.not_a_tool]
    assert Toolset.from_module(mod).names() == ["first", "not_a_tool"]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


TOOL_A = """
from agentfn import tool

@tool
def shout(text: str) -> str:
    \"\"\"Upper-case text.\"\"\"
    return text.upper()
"""

TOOL_B = """
from typing import Literal
from agentfn import tool

@tool
def convert(value: float, unit: Literal["km", "mi"] = "km") -> float:
    \"\"\"Convert a distance.\"\"\"
    return value * (0.621 if unit == "mi" else 1.0)

@tool
def double(x: int) -> int:
    return 2 * x
"""


def test_from_path_on_a_py_file(tmp_path: Path) -> None:
    file = _write(tmp_path / "single_tools.py", TOOL_B)
    ts = Toolset.from_path(file)
    assert ts.names() == ["convert", "double"]
    assert ts["convert"].call_sync({"value": 10, "unit": "mi"}) == pytest.approx(6.21)
    assert Toolset.from_path(str(file)).names() == ["convert", "double"]


def test_from_path_on_a_folder_of_modules(tmp_path: Path) -> None:
    folder = tmp_path / "loose_folder"
    _write(folder / "a_text.py", TOOL_A)
    _write(folder / "b_units.py", TOOL_B)
    _write(folder / "_private.py", "raise RuntimeError('never imported')\n")
    ts = Toolset.from_path(folder)
    assert ts.names() == ["shout", "convert", "double"]
    assert ts.source_of("shout").endswith("a_text.py")
    assert ts["shout"].call_sync('{"text": "hi"}') == "HI"


def test_from_path_on_a_package_folder(tmp_path: Path) -> None:
    package = tmp_path / "pkg_root" / "agentfn_test_pkg_tools"
    _write(package / "__init__.py", "")
    _write(package / "text.py", TOOL_A)
    _write(package / "units.py", TOOL_B)
    try:
        ts = Toolset.from_path(package)
        assert ts.names() == ["shout", "convert", "double"]
        # now importable by dotted name as well
        assert Toolset.from_path("agentfn_test_pkg_tools").names() == ["shout", "convert", "double"]
        assert Toolset.load("agentfn_test_pkg_tools.units").names() == ["convert", "double"]
    finally:
        for name in [n for n in sys.modules if n.startswith("agentfn_test_pkg_tools")]:
            del sys.modules[name]
        sys.path.remove(str((tmp_path / "pkg_root").resolve()))


def test_from_path_clash_across_files_names_both(tmp_path: Path) -> None:
    folder = tmp_path / "clash_folder"
    _write(folder / "one.py", TOOL_A)
    _write(folder / "two.py", TOOL_A)
    with pytest.raises(ToolsetConflictError) as info:
        Toolset.from_path(folder)
    assert "one.py" in str(info.value) and "two.py" in str(info.value)


def test_from_path_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a file, folder or importable module"):
        Toolset.from_path("no_such_module_anywhere_xyz")
    with pytest.raises(ConfigError):
        Toolset.from_path(tmp_path / "missing.py")
    broken = _write(tmp_path / "broken_tool.py", "from agentfn import tool\n\n@tool\ndef f(*args): pass\n")
    with pytest.raises(ToolDefinitionError):
        Toolset.from_path(broken)


ENTRY_MODULE = """
from agentfn import Toolset, tool

@tool
def ext_ping() -> str:
    return "pong"

@tool
def ext_echo(text: str) -> str:
    return text

def make_toolset():
    return Toolset([ext_echo], name="factory")

as_toolset = Toolset([ext_ping], name="object")
"""


def _dist(site: Path, name: str, entry_points: str) -> None:
    info = site / f"{name}-0.1.dist-info"
    _write(info / "METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    _write(info / "entry_points.txt", entry_points)


def test_from_entry_points_with_a_real_dist_info(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    _write(site / "agentfn_ext_tools.py", ENTRY_MODULE)
    _dist(
        site,
        "agentfn_ext",
        "[agentfn.tools.test]\n"
        "whole_module = agentfn_ext_tools\n"
        "[agentfn.tools.test2]\n"
        "factory = agentfn_ext_tools:make_toolset\n"
        "obj = agentfn_ext_tools:as_toolset\n"
        "one = agentfn_ext_tools:ext_ping\n",
    )
    monkeypatch.syspath_prepend(str(site))
    try:
        ts = Toolset.from_entry_points("agentfn.tools.test")
        assert ts.names() == ["ext_ping", "ext_echo"]
        assert ts.source_of("ext_ping") == "entry point whole_module (agentfn_ext_tools)"
        assert ts["ext_echo"].call_sync({"text": "x"}) == "x"
        with pytest.raises(ToolsetConflictError) as info:
            Toolset.from_entry_points("agentfn.tools.test2")  # obj and one both give ext_ping
        assert "entry point obj" in str(info.value) and "entry point one" in str(info.value)
        # the default group also sees it when registered there, next to the built-in library
        _dist(site, "agentfn_ext_default", "[agentfn.tools]\next = agentfn_ext_tools:make_toolset\n")
        default = Toolset.from_entry_points()
        assert "ext_echo" in default and default.source_of("ext_echo").startswith("entry point ext")
        assert "ext_echo" in Toolset.load("entry-points")
    finally:
        sys.modules.pop("agentfn_ext_tools", None)


def test_entry_point_that_fails_to_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    _dist(site, "agentfn_broken_ext", "[agentfn.tools.broken]\nbad = agentfn_missing_module_xyz\n")
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(ConfigError, match=r"entry point 'bad'.*failed to load"):
        Toolset.from_entry_points("agentfn.tools.broken")


def test_jsonl_round_trip(tmp_path: Path) -> None:
    ts = Toolset([add, lookup, plain])
    path = tmp_path / "tools.jsonl"
    ts.to_jsonl(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["function"]["name"] for line in lines] == ["add", "lookup", "plain"]
    loaded = Toolset.from_jsonl(path)
    assert loaded.names() == ts.names()
    for original, again in zip(ts, loaded, strict=True):
        assert again.schema == original.schema and again.schema_hash == original.schema_hash
        assert again.function is None
    assert loaded["add"].validate('{"a": "1", "b": 2}') == {"a": 1, "b": 2}
    assert loaded.source_of("lookup") == f"{path}:2"
    # saving the loaded set gives the same file
    again_path = tmp_path / "again.jsonl"
    loaded.to_jsonl(again_path)
    assert again_path.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    assert Toolset.from_path(path).names() == ts.names()
    strict_path = tmp_path / "strict.jsonl"
    ts.to_jsonl(strict_path, strict=True)
    assert all(json.loads(line)["function"]["strict"] for line in strict_path.read_text().splitlines())


def test_json_array_file(tmp_path: Path) -> None:
    path = tmp_path / "tools.json"
    path.write_text(json.dumps([add.schema, {"name": "x.y", "parameters": {"type": "dict", "properties": {}}}]))
    ts = Toolset.from_jsonl(path)
    assert ts.names() == ["add", "x_y"]
    assert ts["x_y"].warnings


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(add.schema) + "\n\n" + '{"parameters": {}}\n')
    with pytest.raises(ToolSchemaError, match=r"bad.jsonl:3: tool definition has no name"):
        Toolset.from_jsonl(path)
    path.write_text("{not json\n")
    with pytest.raises(ToolSchemaError, match=r"bad.jsonl:1: not JSON"):
        Toolset.from_jsonl(path)
    dup = tmp_path / "dup.jsonl"
    dup.write_text(json.dumps(add.schema) + "\n" + json.dumps(add.schema) + "\n")
    with pytest.raises(ToolsetConflictError, match=r"dup.jsonl:1.*dup.jsonl:2"):
        Toolset.from_jsonl(dup)


def test_builtin_library_loads() -> None:
    ts = Toolset.load("builtin")
    assert len(ts) > 0 and ts.name == "builtin"
    assert all(isinstance(t, Tool) for t in ts)
    specs: list[dict[str, Any]] = ts.specs()
    assert len({s["function"]["name"] for s in specs}) == len(specs)


def test_builtin_specs_round_trip_through_from_schema() -> None:
    for t in Toolset.load("builtin"):
        again = Tool.from_schema(t.schema)
        assert again.warnings == [], (t.name, again.warnings)
        assert again.parameters == t.parameters and again.schema_hash == t.schema_hash
        strict = Tool.from_schema(t.openai_schema(strict=True))
        assert strict.strict and strict.warnings == []


def test_resolve_maps_foreign_names_and_refuses_unknown_or_ambiguous_ones() -> None:
    spec = {"name": "geometry.area_circle", "description": "Area of a circle.",
            "parameters": {"type": "object", "properties": {"radius": {"type": "number"}}, "required": ["radius"]}}
    area = Tool.from_schema(spec)
    tools = Toolset([area])
    assert tools.resolve("geometry.area_circle") == area.name == "geometry_area_circle"
    assert tools.resolve(area.name) == area.name
    for bad in ("", " ", "geometry.area_square", "GEOMETRY.AREA_CIRCLE", "geometry.area_circle\n", "💥"):
        assert tools.resolve(bad) is None
    # Two tools imported under the same foreign name: which one is meant cannot be told.
    twin = Tool.from_schema({**spec, "name": "geometry.area_circle"}).with_name("other_area")
    both = Toolset([area, twin])
    assert twin.metadata["original_name"] == "geometry.area_circle"
    assert both.resolve("geometry.area_circle") is None
    assert both.resolve("other_area") == "other_area"
