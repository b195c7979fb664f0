"""Lossless repairs of common small-model argument mistakes, on typed and schema-only tools."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from agentfn import Tool, ToolArgumentError, tool
from agentfn._repair import coerce_to_schema, repair_arguments


class Point(BaseModel):
    x: int
    y: int = 0


@tool
def place(
    name: str,
    count: int,
    ratio: float,
    flag: bool,
    where: Point,
    maybe: Point | None = None,
    tags: list[str] = [],  # noqa: B006
    limit: int = 10,
    mode: Literal["fast", "slow"] = "fast",
    code: str = "",
) -> dict[str, Any]:
    return {"name": name}


BASE = {"name": "n", "count": 1, "ratio": 0.5, "flag": True, "where": {"x": 1}}
EXPECTED = {
    "name": "n",
    "count": 1,
    "ratio": 0.5,
    "flag": True,
    "where": Point(x=1),
    "maybe": None,
    "tags": [],
    "limit": 10,
    "mode": "fast",
    "code": "",
}

SCHEMA_ONLY = Tool.from_schema(place.schema)
SCHEMA_EXPECTED = {**BASE, "maybe": None, "tags": [], "limit": 10, "mode": "fast", "code": ""}


REPAIRABLE: list[tuple[str, Any, dict[str, Any]]] = [
    ("double-encoded JSON", json.dumps(json.dumps(BASE)), {}),
    ("numbers as strings", {**BASE, "count": "1", "ratio": "0.5"}, {}),
    ("integral float string for int", {**BASE, "count": "1.0"}, {}),
    ("number with spaces", {**BASE, "count": " 7 "}, {"count": 7}),
    ("boolean as string", {**BASE, "flag": "true"}, {}),
    ("boolean as capitalised string", {**BASE, "flag": "False"}, {"flag": False}),
    ("boolean as yes", {**BASE, "flag": "yes"}, {}),
    ("null for a defaulted parameter", {**BASE, "limit": None, "mode": None}, {}),
    ("wrapped in arguments", {"arguments": BASE}, {}),
    ("wrapped in parameters", {"parameters": BASE}, {}),
    ("call envelope", {"name": "place", "arguments": BASE}, {}),
    ("call envelope with JSON text", {"name": "place", "arguments": json.dumps(BASE)}, {}),
    ("nested object as JSON string", {**BASE, "where": json.dumps({"x": 1})}, {}),
    ("optional nested object as JSON string", {**BASE, "maybe": '{"x": 2}'}, {"maybe": Point(x=2)}),
    ("array as JSON string", {**BASE, "tags": '["a", "b"]'}, {"tags": ["a", "b"]}),
    ("nested null for a defaulted field", {**BASE, "where": {"x": 1, "y": None}}, {}),
    ("nested number as string", {**BASE, "where": {"x": "1", "y": "2"}}, {"where": Point(x=1, y=2)}),
]


@pytest.mark.parametrize(("label", "sent", "changes"), REPAIRABLE, ids=[r[0] for r in REPAIRABLE])
def test_repairs_on_typed_tools(label: str, sent: Any, changes: dict[str, Any]) -> None:
    arguments = sent if isinstance(sent, str) else json.dumps(sent)
    assert place.validate(arguments) == {**EXPECTED, **changes}
    if not isinstance(sent, str):
        assert place.validate(sent) == {**EXPECTED, **changes}


@pytest.mark.parametrize(("label", "sent", "changes"), REPAIRABLE, ids=[r[0] for r in REPAIRABLE])
def test_repairs_on_schema_only_tools(label: str, sent: Any, changes: dict[str, Any]) -> None:
    arguments = sent if isinstance(sent, str) else json.dumps(sent)
    plain = {k: v.model_dump(exclude_defaults=True) if isinstance(v, BaseModel) else v for k, v in changes.items()}
    got = SCHEMA_ONLY.validate(arguments)
    if "where" in plain:
        got["where"] = {k: v for k, v in got["where"].items() if v != 0 or k == "x"}
    assert got == {**SCHEMA_EXPECTED, **plain}


NOT_REPAIRED: list[tuple[str, dict[str, Any], str]] = [
    ("lossy float for int", {**BASE, "count": "1.5"}, "count"),
    ("float number for int", {**BASE, "count": 1.5}, "count"),
    ("word for a number", {**BASE, "count": "one"}, "count"),
    ("null for a required parameter", {**BASE, "name": None}, "name"),
    ("maybe for a boolean", {**BASE, "flag": "maybe"}, "flag"),
    ("object for a boolean", {**BASE, "flag": {}}, "flag"),
    ("broken JSON string for an object", {**BASE, "where": "{x: 1"}, "where"),
    ("number for a string stays an error", {**BASE, "code": 12}, "code"),
    ("enum value not in the list", {**BASE, "mode": "medium"}, "mode"),
    ("wrapper plus other keys is not unwrapped", {"arguments": BASE, "other": 1}, "name"),
]


@pytest.mark.parametrize(("label", "sent", "loc"), NOT_REPAIRED, ids=[r[0] for r in NOT_REPAIRED])
@pytest.mark.parametrize("target", ["typed", "schema-only"])
def test_lossy_changes_are_not_made(label: str, sent: dict[str, Any], loc: str, target: str) -> None:
    t = place if target == "typed" else SCHEMA_ONLY
    with pytest.raises(ToolArgumentError) as info:
        t.validate(json.dumps(sent))
    assert loc in {e["loc"].split(".")[0] for e in info.value.errors}


def test_string_parameters_keep_numeric_text() -> None:
    assert place.validate({**BASE, "code": "007"})["code"] == "007"
    assert coerce_to_schema("007", {"type": "string"}) == "007"
    assert coerce_to_schema("7", {"anyOf": [{"type": "integer"}, {"type": "string"}]}) == "7"


def test_repair_arguments_returns_none_when_nothing_changes() -> None:
    assert repair_arguments({"a": 1}, {"type": "object", "properties": {"a": {"type": "integer"}}}) is None
    assert repair_arguments({}, {"type": "object", "properties": {}}) is None


def test_a_parameter_named_arguments_is_not_unwrapped() -> None:
    @tool
    def run(arguments: dict[str, int]) -> None:
        pass

    assert run.validate({"arguments": {"a": 1}}) == {"arguments": {"a": 1}}


def test_coerce_inside_arrays_and_maps() -> None:
    schema = {
        "type": "object",
        "properties": {
            "xs": {"type": "array", "items": {"type": "integer"}},
            "m": {"type": "object", "additionalProperties": {"type": "number"}},
        },
    }
    fixed = repair_arguments({"xs": ["1", "2"], "m": {"a": "1.5"}}, schema)
    assert fixed == {"xs": [1, 2], "m": {"a": 1.5}}
