"""The built-in library loads as one toolset: every tool documented, typed and uniquely named."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import agentfn.library as tools
from agentfn import Agent, TestModel, Toolset
from agentfn.llm_function import LLMFunction

EXPECTED = {
    "calculate", "now", "convert_timezone", "date_add", "date_diff", "date_info", "convert_units", "json_query",
    "csv_summary", "text_stats", "read_file", "list_files", "write_file", "http_get", "run_python",
    "generate", "translate", "summarize", "answer", "classify", "sentiment", "extract", "generate_code",
}


def test_builtin_is_the_whole_library() -> None:
    builtin = Toolset.builtin()
    assert set(builtin.names()) == EXPECTED
    assert len(builtin.names()) == len(set(builtin.names()))
    assert set(Toolset.load("builtin").names()) == EXPECTED
    assert set(Toolset.from_path(str(Path(tools.__file__).parent)).names()) == EXPECTED


def test_every_tool_is_documented_and_typed() -> None:
    for item in Toolset.builtin():
        assert item.description, item.name
        assert item.side_effects in ("none", "read", "write", "external"), item.name
        assert item.return_schema is not None, item.name
        for pname, prop in item.parameters.get("properties", {}).items():
            assert prop.get("description"), f"{item.name}.{pname} has no description"
        json.dumps(item.openai_schema(strict=True))


def test_side_effects_are_declared_honestly() -> None:
    effects = {t.name: t.side_effects for t in Toolset.builtin()}
    assert effects["write_file"] == effects["run_python"] == "write"
    assert effects["http_get"] == "external"
    assert effects["read_file"] == effects["list_files"] == "read"
    assert effects["calculate"] == effects["translate"] == "none"
    llm = {t.name for t in Toolset.builtin() if isinstance(t, LLMFunction)}
    assert llm == {"generate", "translate", "summarize", "answer", "classify", "sentiment", "extract", "generate_code"}


def test_no_module_shadows_the_standard_library() -> None:
    names = {m.name for m in pkgutil.iter_modules(tools.__path__)}
    assert not names & set(sys.stdlib_module_names)


def test_importing_the_package_is_light() -> None:
    # The library lives inside agentfn: importing it adds nothing to what ``import agentfn`` loads.
    code = (
        "import sys, agentfn; before = set(sys.modules); import agentfn.library; "
        "print(sorted(m for m in ('jinja2', 'httpx', 'jsonpath_ng', 'agentfn.library.web') "
        "if m in sys.modules and m not in before))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


async def test_an_agent_can_offer_the_whole_library() -> None:
    agent = Agent(TestModel(call_tools=["calculate", "convert_units", "text_stats"]), tools=Toolset.builtin())
    result = await agent.run("compute things")
    assert result.ok
    outputs = json.loads(str(result.output))
    assert set(outputs) == {"calculate", "convert_units", "text_stats"}
