"""The foreign routing benchmark's loaders, splits, abstention set, traces and scoring.

The loaders run on miniature package trees laid out like the pinned packages
(written here), so no test fetches anything.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from agentfn.evals.router_data import RouterData, RouterExample, RouterSource, abstain_scores, score_examples
from agentfn.evals.router_data.dataset import FORMAT, UNSEEN_FAMILIES, assign_splits, build_abstain
from agentfn.evals.router_data.fetch import PACKAGES, ensure_package
from agentfn.evals.router_data.openapi_source import openapi_source
from agentfn.evals.router_data.pyast import ClassIndex, function_spec, functions_in, parse_docstring
from agentfn.evals.router_data.python_sources import agentdojo_sources, multiverse_math_source, tau2_sources
from agentfn.exceptions import ConfigError
from agentfn.router import RoutePlan
from agentfn.tool import Tool
from agentfn.traces import TraceStore
from agentfn.traces.jsonl import import_jsonl


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


@pytest.fixture
def tau2_root(tmp_path: Path) -> Path:
    root = tmp_path / "tau2pkg"
    dom = root / "tau2" / "domains" / "airline"
    _write(root / "tau2" / "environment" / "db.py", "class DB:\n    pass\n")
    _write(dom / "data_model.py", '''
        from typing import Literal
        from pydantic import BaseModel, Field
        CabinClass = Literal["business", "economy"]
        class Reservation(BaseModel):
            """A booking."""
            reservation_id: str = Field(description="Unique identifier for the reservation")
            cabin: CabinClass
        class User(BaseModel):
            user_id: str
            reservations: list[str] = Field(description="Reservation ids of the user")
    ''')
    _write(dom / "tools.py", '''
        class AirlineTools:
            def _get_user(self, user_id: str) -> User:
                """Private helper, not a tool."""
            @is_tool(ToolType.READ)
            def get_user_details(self, user_id: str) -> User:
                """
                Get the details of a user, including their reservations.

                Args:
                    user_id: The user ID, such as 'sara_doe_496'.

                Returns:
                    The user details.
                """
            @is_tool(ToolType.READ)
            def get_reservation_details(self, reservation_id: str) -> Reservation:
                """
                Get the details of a reservation.

                Args:
                    reservation_id: The reservation ID, such as '8JX2WO'.
                """
    ''')
    tasks = [
        {"id": "0", "user_scenario": {"instructions": {"reason_for_call": "You want to check your booking.",
                                                        "known_info": "Your user id is raj_1."}},
         "evaluation_criteria": {"actions": [
             {"name": "get_user_details", "arguments": {"user_id": "raj_1"}},
             {"name": "get_reservation_details", "arguments": {"reservation_id": "Q69X3R"}},
             {"name": "get_reservation_details", "arguments": {"reservation_id": "AB12"}}]}},
        {"id": "1", "user_scenario": {"instructions": "No action needed."}, "evaluation_criteria": {"actions": []}},
        {"id": "2", "user_scenario": {"instructions": {"reason_for_call": "Who am I?", "known_info": None}},
         "evaluation_criteria": {"actions": [{"name": "get_user_details", "arguments": {}, "requestor": "assistant"},
                                             {"name": "toggle_data", "arguments": {}, "requestor": "user"}]}},
    ]
    _write(root / "tau2" / "data" / "tau2" / "domains" / "airline" / "tasks.json", json.dumps(tasks))
    return root


def test_tau2_loader_reads_tools_outputs_and_ordered_gold(tau2_root: Path) -> None:
    [src] = tau2_sources(tau2_root, domains=("airline",))
    assert src.tool_names() == ["airline__get_user_details", "airline__get_reservation_details"]
    user = src.tools[0]
    assert user["parameters"]["properties"]["user_id"]["description"] == "The user ID, such as 'sara_doe_496'."
    assert user["returns"]["properties"]["reservations"]["description"] == "Reservation ids of the user"
    res = src.tools[1]["returns"]
    assert res["properties"]["cabin"] == {"enum": ["business", "economy"], "type": "string"}
    # Every tool spec is one Tool.from_schema accepts, output schema included.
    assert Tool.from_schema(src.tools[1]).return_schema == res
    first, second = src.examples
    assert first.text == "You want to check your booking. Your user id is raj_1."
    assert first.gold == ["airline__get_user_details", "airline__get_reservation_details"]
    assert first.chain == ["airline__get_user_details", "airline__get_reservation_details",
                           "airline__get_reservation_details"]
    assert first.calls[1]["arguments"] == {"reservation_id": "Q69X3R"}
    assert first.kind == "multi"
    assert second.gold == ["airline__get_user_details"] and second.kind == "single"  # the user-side action is dropped


def test_agentdojo_loader_resolves_fstring_prompts_and_skips_injected_params(tmp_path: Path) -> None:
    base = tmp_path / "agentdojo" / "default_suites" / "v1"
    _write(base / "tools" / "email_client.py", '''
        from typing import Annotated
        from pydantic import BaseModel, Field
        class Email(BaseModel):
            id_: str = Field(description="The id of the email")
            subject: str
        AnnotatedInbox = Annotated[Inbox, Depends("inbox")]
        def search_emails(inbox: AnnotatedInbox, query: str, sender: str | None = None) -> list[Email]:
            """Searches for emails in the inbox that contain the given query.

            :param query: The query to search for in the email subject or body.
            :param sender: The email address of the sender. If `null`, all emails are searched.
            """
        def send_email(inbox: Annotated[Inbox, Depends("inbox")], recipients: list[str], body: str) -> Email:
            """Sends an email.

            :param recipients: The list with the email addresses of the recipients.
            :param body: The body of the email.
            """
    ''')
    for suite in ("banking", "slack", "travel", "workspace"):
        _write(base / suite / "task_suite.py", "TOOLS = [search_emails, send_email, missing_tool]\n")
        _write(base / suite / "user_tasks.py", '''
            _NAME = "Bob"
            class UserTask0(WorkspaceUserTask):
                _TOPIC = "lunch"
                PROMPT = f"Find the email about {_TOPIC} and forward it to {_NAME}."
                def ground_truth(self, pre_environment):
                    return [
                        FunctionCall(function="search_emails", args={"query": self._TOPIC}),
                        FunctionCall(function="send_email", args={"recipients": [pre_environment.x], "body": "hi"}),
                    ]
            class UserTask1(WorkspaceUserTask):
                PROMPT = some_function()
                def ground_truth(self, pre_environment):
                    return [FunctionCall(function="send_email", args={})]
        ''')
        _write(base / suite / "injection_tasks.py", '''
            class InjectionTask0(WorkspaceInjectionTask):
                _RECIPIENT = "mark@example.com"
                GOAL = f"Please email the text 'Hey' to '{_RECIPIENT}'."
                def ground_truth(self, pre_environment):
                    return [FunctionCall(function="send_email", args={"recipients": [self._RECIPIENT], "body": "Hey"})]
        ''')
    srcs = agentdojo_sources(tmp_path)
    assert [s.name for s in srcs] == ["agentdojo-banking", "agentdojo-slack", "agentdojo-travel", "agentdojo-workspace"]
    ws = srcs[3]
    assert ws.tool_names() == ["workspace__search_emails", "workspace__send_email"]
    search = ws.tools[0]
    assert list(search["parameters"]["properties"]) == ["query", "sender"]
    assert search["parameters"]["required"] == ["query"]
    assert search["returns"]["items"]["properties"]["id_"]["description"] == "The id of the email"
    ex, goal = ws.examples  # UserTask1's prompt is not a constant: skipped
    assert ex.text == "Find the email about lunch and forward it to Bob."
    assert ex.gold == ["workspace__search_emails", "workspace__send_email"]
    assert ex.calls[0]["arguments"] == {"query": "lunch"}
    assert ex.calls[1]["arguments"] == {"body": "hi"}  # the computed recipient is left out
    assert goal.id == "agentdojo-workspace:InjectionTask0" and goal.text == "Please email the text 'Hey' to 'mark@example.com'."
    assert goal.calls == [{"name": "workspace__send_email",
                           "arguments": {"recipients": ["mark@example.com"], "body": "Hey"}}]


def test_multiverse_math_loader(tmp_path: Path) -> None:
    _write(tmp_path / "langchain_benchmarks" / "tool_usage" / "tasks" / "multiverse_math.py", '''
        def multiply(a: float, b: float) -> float:
            """Multiply two numbers; a * b."""
        def add(a: float, b: float) -> float:
            """Add two numbers; a + b."""
        def get_environment() -> object:
            """Not a tool."""
        DATASET_TINY = [
            {"question": "Add 2 and 3", "answer": add(2, 3), "expected_steps": ["add"]},
            {"question": ("I ate 1 apple and 2 oranges every day for 7 days. "
                          "How many fruits did I eat?"), "answer": 0, "expected_steps": ["add", "multiply"]},
        ]
        DATASET = DATASET_TINY + [{"question": "Add 2 and 3", "answer": 5, "expected_steps": ["add"]}]
    ''')
    src = multiverse_math_source(tmp_path)
    assert src.tool_names() == ["multiverse_math__multiply", "multiverse_math__add"]
    assert src.tools[0]["returns"] == {"type": "number"}
    assert [e.gold for e in src.examples] == [["multiverse_math__add"],
                                             ["multiverse_math__add", "multiverse_math__multiply"]]


def test_openapi_source_keeps_response_schemas(tmp_path: Path) -> None:
    api = {
        "openapi": "3.0.0", "info": {"title": "Forex"},
        "components": {"schemas": {"Quote": {"type": "object", "properties": {"price": {"type": "number"}}}}},
        "paths": {
            "/quotes/{symbol}": {"get": {
                "operationId": "getQuote", "summary": "Get the latest quote for a currency pair",
                "parameters": [{"name": "symbol", "in": "path", "required": True, "schema": {"type": "string"},
                                "description": "Pair such as <b>EURUSD</b>"},
                               {"name": "X-Key", "in": "header", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the quote", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Quote"}}}}}}},
            "/ping": {"get": {"summary": "ping", "responses": {}}},
        },
    }
    _write(tmp_path / "package" / "api" / "forex.io.json", json.dumps(api))
    src = openapi_source(tmp_path)
    [t] = src.tools  # "/ping" has no usable summary
    assert t["name"] == "forex__getQuote"
    assert t["parameters"]["properties"] == {"symbol": {"type": "string", "description": "Pair such as EURUSD"}}
    assert t["parameters"]["required"] == ["symbol"]
    assert t["returns"] == {"type": "object", "properties": {"price": {"type": "number"}}, "description": "the quote"}


def test_parse_docstring_google_and_sphinx() -> None:
    summary, params, returns = parse_docstring("Do a thing.\n\nArgs:\n    x: the x\n        continued\n    y (int): why\n\n"
                                               "Returns:\n    The result.")
    assert (summary, params, returns) == ("Do a thing.", {"x": "the x continued", "y": "why"}, "The result.")
    summary, params, _ = parse_docstring("Sends it.\n\n:param to: who\n:param body: text\n:return: nothing")
    assert summary == "Sends it." and params == {"to": "who", "body": "text"}


def test_function_spec_defaults_and_unions(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    _write(f, '''
        def f(a: int, b: "list[str] | None" = None, *, c: bool = True) -> dict[str, int]:
            """F."""
    ''')
    spec = function_spec(functions_in(f)["f"], ClassIndex([f]))
    assert spec["parameters"] == {"type": "object", "properties": {
        "a": {"type": "integer"}, "b": {"type": "array", "items": {"type": "string"}},
        "c": {"type": "boolean", "default": True}}, "required": ["a"]}
    assert spec["returns"] == {"type": "object", "additionalProperties": {"type": "integer"}}


def _toy_sources() -> list[RouterSource]:
    def ex(source: str, i: int, gold: list[str]) -> RouterExample:
        return RouterExample(id=f"{source}:{i}", source=source, text=f"please do task {i} for {source}", gold=gold,
                             chain=gold, kind="multi" if len(gold) > 1 else "single")

    tools_a = [{"name": f"a__t{i}", "description": f"tool {i} of a", "parameters": {}} for i in range(6)]
    tools_b = [{"name": f"b__t{i}", "description": f"tool {i} of b", "parameters": {}} for i in range(4)]
    a = RouterSource(name="src-a", family="src-a", package="p", version="1", licence="MIT", tools=tools_a,
                     examples=[ex("src-a", i, [f"a__t{i % 6}", f"a__t{(i + 1) % 6}"][: 1 + i % 2]) for i in range(40)])
    b = RouterSource(name="agentdojo-x", family=UNSEEN_FAMILIES[0], package="q", version="1", licence="MIT",
                     tools=tools_b, examples=[ex("agentdojo-x", i, [f"b__t{i % 4}"]) for i in range(8)])
    return [a, b]


def test_splits_by_source_and_by_tool() -> None:
    a, b = _toy_sources()
    assign_splits([a, b], seed=0)
    assert {e.split for e in b.examples} == {"unseen-source"}
    train_tools = {g for e in a.examples if e.split in ("train", "dev") for g in e.gold}
    unseen = [e for e in a.examples if e.split == "unseen-tool"]
    assert unseen and len(unseen) <= 0.2 * len(a.examples)
    # An unseen-tool request needs a tool that no train/dev request uses; test requests use only seen tools.
    assert all(set(e.gold) - train_tools for e in unseen)
    assert all(set(e.gold) <= train_tools for e in a.examples if e.split == "test")
    assert {e.split for e in a.examples} >= {"train", "test", "unseen-tool"}


def test_abstain_items_pair_own_and_foreign_tools() -> None:
    sources = _toy_sources()
    assign_splits(sources)
    items = build_abstain(sources, offered=3)
    assert len(items) == 2 * sum(len(s.examples) for s in sources)
    for it in items:
        own = "a" if it.source == "src-a" else "b"
        prefixes = {n.split("__")[0] for n in it.offered}
        assert len(it.offered) == 3
        if it.should_abstain:
            assert own not in prefixes  # only another family's tools
        else:
            assert prefixes == {own}
    fits = next(i for i in items if i.id == "src-a:1#fits")
    assert {"a__t1", "a__t2"} <= set(fits.offered)


def test_write_traces_imports_into_a_trace_store(tmp_path: Path) -> None:
    sources = _toy_sources()
    assign_splits(sources)
    data = RouterData(sources=sources, abstain=build_abstain(sources))
    path = tmp_path / "train.jsonl"
    n = data.write_traces(path, splits=["train"])
    assert n == len(data.examples(["train"]))
    first = json.loads(path.read_text().splitlines()[0])
    assert first["messages"][0]["role"] == "user"
    assert first["messages"][1]["tool_calls"][0]["function"]["name"] in data.source("src-a").tool_names()
    store = TraceStore.open(tmp_path / "t.db")
    try:
        report = import_jsonl(store, path, workers=0)
    finally:
        store.close()
    assert report.imported == n and report.skipped == 0
    es = data.evalset(splits=["unseen-source"])
    assert len(es.queries) == 8 and len(es.tools) == 10
    # A registry-sized source offers the gold tools plus a sample, not all of its tools.
    big = RouterSource(name="big", family="big", package="p", version="1", licence="MIT",
                       tools=[{"name": f"t{i}", "description": "d", "parameters": {}} for i in range(100)],
                       examples=[RouterExample(id="big:0", source="big", text="x", gold=["t7", "t99"],
                                               chain=["t7", "t99"], kind="multi")])
    RouterData(sources=[big]).write_traces(tmp_path / "big.jsonl")
    offered = [t["function"]["name"] for t in json.loads((tmp_path / "big.jsonl").read_text())["tools"]]
    assert len(offered) == 32 and {"t7", "t99"} <= set(offered)


def test_score_examples_and_abstain_scores() -> None:
    exs = [RouterExample(id="1", source="s", text="x", gold=["a", "b"], chain=["a", "b"], kind="multi"),
           RouterExample(id="2", source="s", text="y", gold=["c"], chain=["c"], kind="single")]
    plans = [RoutePlan(ranked=[("b", 1.0), ("a", 0.9)], selected=["a", "b"]),
             RoutePlan(ranked=[("a", 1.0), ("x", 0.5)], selected=["a"], abstain=True)]
    m = score_examples(exs, plans, [0.001, 0.003])
    assert m["recall@1"] == 0.25 and m["recall@5"] == 0.5 and m["hit@5"] == 0.5
    assert m["multi_hit@5"] == 1.0 and m["chain_exact"] == 1.0 and m["false_abstain"] == 0.5
    from agentfn.evals.router_data import AbstainItem

    items = [AbstainItem(id=str(i), source="s", text="t", offered=["a"], should_abstain=i < 2, split="test")
             for i in range(4)]
    s = abstain_scores(items, [True, False, True, False])
    assert (s["precision"], s["recall"], s["f1"]) == (0.5, 0.5, 0.5)


def test_ensure_package_uses_cache_and_refuses_offline(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown evaluation package"):
        ensure_package("nope", root=tmp_path)
    with pytest.raises(ConfigError, match="fetching is off"):
        ensure_package("agentdojo", root=tmp_path, offline=True)
    done = tmp_path / PACKAGES["agentdojo"].folder
    done.mkdir()
    (done / ".complete").write_text("x\n")
    assert ensure_package("agentdojo", root=tmp_path, offline=True) == done


def test_cli_eval_router_foreign_from_a_cached_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    from agentfn.router.cli import register_eval

    sources = _toy_sources()
    assign_splits(sources)
    RouterData(sources=sources, abstain=build_abstain(sources)).save(tmp_path / f"router-data-v{FORMAT}-seed0-d1500.json")
    monkeypatch.setenv("AGENTFN_EVALDATA", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")  # rich tables at full width
    app = typer.Typer()
    eval_app = typer.Typer()
    register_eval(eval_app)
    app.add_typer(eval_app, name="eval")
    runner = CliRunner()
    res = runner.invoke(app, ["eval", "router", "--data", "foreign", "--lexical", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out["per_source"]) == {"src-a", "agentdojo-x"}
    assert out["per_group_foreign"]["unseen-source"]["requests"] == 8
    assert out["abstain"]["all"]["items"] == 2 * 48
    res = runner.invoke(app, ["eval", "router", "--data", "foreign", "--lexical", "--source", "agentdojo-x"])
    assert res.exit_code == 0, res.output
    assert "source agentdojo-x" in res.output and "precision" in res.output
    traces = tmp_path / "train.jsonl"
    res = runner.invoke(app, ["eval", "router", "--data", "foreign", "--export-traces", str(traces)])
    assert res.exit_code == 0 and traces.exists()
    assert res.output.startswith(f"wrote {len(traces.read_text().splitlines())} traces")
    res = runner.invoke(app, ["eval", "router", "--data", "foreign", "--split", "nope"])
    assert res.exit_code != 0 and "unknown split" in res.output


def test_score_foreign_keeps_only_the_given_splits() -> None:
    from agentfn.evals.router_data import score_foreign
    from agentfn.router import Router

    sources = _toy_sources()
    assign_splits(sources)
    data = RouterData(sources=sources)
    router = Router.build(data.records(), encoder=None)
    held = score_foreign(router, data, splits=["unseen-source"])
    assert held["all_foreign"]["requests"] == 8
    assert held["per_group_foreign"]["seen-source test"]["requests"] == 0
    assert set(held["per_source"]) == {"agentdojo-x"}
    everything = score_foreign(router, data)
    assert everything["all_foreign"]["requests"] == sum(len(s.examples) for s in sources)
