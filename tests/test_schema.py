"""Schema building details: docstring parsing, ref inlining, the strict variant."""

from __future__ import annotations

import json
from typing import Any, Literal

import jsonschema
import pytest
from pydantic import BaseModel, Field

from agentfn import Tool, ToolArgumentError, tool
from agentfn._schema import inline_refs, parse_docstring, strict_schema


class Leaf(BaseModel):
    """A leaf."""

    name: str = Field(description="leaf name")
    weight: float = 1.0


class Branch(BaseModel):
    left: Leaf
    right: Leaf | None = None
    tags: list[Leaf] = []


class Tree(BaseModel):
    value: int
    children: list[Tree] = []


class A(BaseModel):
    b: B | None = None


class B(BaseModel):
    a: A | None = None


def _walk(node: Any) -> list[dict[str, Any]]:
    """Every schema node (only through schema keywords)."""
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        out.append(node)
        for key in ("items", "additionalProperties", "not"):
            if isinstance(node.get(key), dict):
                out += _walk(node[key])
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for sub in node.get(key, []):
                out += _walk(sub)
        for key in ("properties", "$defs"):
            for sub in node.get(key, {}).values():
                out += _walk(sub)
    return out


def test_nested_models_are_inlined() -> None:
    @tool
    def plant(branch: Branch, leaves: list[Leaf]) -> None:
        pass

    text = json.dumps(plant.parameters)
    assert "$ref" not in text and "$defs" not in text
    left = plant.parameters["properties"]["branch"]["properties"]["left"]
    assert left["properties"]["name"] == {"type": "string", "description": "leaf name"}
    assert left["description"] == "A leaf."
    assert plant.parameters["properties"]["leaves"]["items"]["required"] == ["name"]


def test_recursive_models_keep_defs_for_the_recursion_only() -> None:
    @tool
    def grow(tree: Tree, pair: A) -> None:
        pass

    params = grow.parameters
    # recursive definitions stay as references (inlining them would never end); nothing else does
    assert set(params["$defs"]) == {"Tree", "A", "B"}
    assert params["properties"]["tree"] == {"$ref": "#/$defs/Tree"}
    assert params["$defs"]["Tree"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Tree"}
    refs = {m for m in json.dumps(params).split('"') if m.startswith("#/$defs/")}
    assert refs == {"#/$defs/Tree", "#/$defs/A", "#/$defs/B"}
    assert inline_refs(params) == params  # idempotent
    # the schema is self-contained and usable
    validator = jsonschema.Draft202012Validator(params)
    assert not list(validator.iter_errors({"tree": {"value": 1, "children": [{"value": 2}]}, "pair": {}}))
    assert list(validator.iter_errors({"tree": {"value": 1, "children": [{"value": "x"}]}, "pair": {}}))
    assert grow.validate({"tree": {"value": 1, "children": [{"value": 2}]}, "pair": {"b": {"a": {}}}})["tree"] == Tree(
        value=1, children=[Tree(value=2)]
    )
    # repairs follow the references
    again = Tool.from_schema(grow.schema)
    assert again.validate({"tree": {"value": "1", "children": ['{"value": "2"}']}, "pair": {}})["tree"] == {
        "value": 1,
        "children": [{"value": 2}],
    }
    assert grow.validate({"tree": {"value": "1", "children": ['{"value": "2"}']}, "pair": {}})["tree"] == Tree(
        value=1, children=[Tree(value=2)]
    )


def test_inline_refs_mixed_recursive_and_plain() -> None:
    schema = {
        "type": "object",
        "properties": {"leaf": {"$ref": "#/definitions/Leaf"}, "node": {"$ref": "#/$defs/Node"}},
        "definitions": {"Leaf": {"type": "string", "title": "Leaf"}},
        "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}, "leaf": {"$ref": "#/definitions/Leaf"}}}},
    }
    out = inline_refs(schema, strip_titles=True)
    assert out["properties"]["leaf"] == {"type": "string"}
    assert out["properties"]["node"] == {"$ref": "#/$defs/Node"}
    assert out["$defs"] == {
        "Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}, "leaf": {"type": "string"}}}
    }
    assert inline_refs(out) == out


def test_inline_refs_leaves_data_alone() -> None:
    schema = {
        "type": "object",
        "properties": {
            "cfg": {"$ref": "#/$defs/Cfg", "default": {"title": "keep", "$ref": "data"}},
            "title": {"type": "string", "title": "Title", "examples": [{"title": "x"}]},
        },
        "$defs": {"Cfg": {"type": "object", "title": "Cfg", "properties": {"title": {"type": "string"}}}},
    }
    out = inline_refs(schema, strip_titles=True)
    assert out["properties"]["cfg"] == {
        "type": "object",
        "properties": {"title": {"type": "string"}},
        "default": {"title": "keep", "$ref": "data"},
    }
    assert out["properties"]["title"] == {"type": "string", "examples": [{"title": "x"}]}
    assert "$defs" not in out
    assert schema["$defs"]["Cfg"]["title"] == "Cfg"  # input untouched


def test_property_named_like_keywords() -> None:
    @tool
    def odd(title: str, properties: int = 1, type: Literal["a", "b"] = "a") -> None:
        pass

    assert list(odd.parameters["properties"]) == ["title", "properties", "type"]
    strict = odd.openai_schema(strict=True)["function"]["parameters"]
    assert strict["required"] == ["title", "properties", "type"]
    assert odd.validate({"title": "t", "properties": 2}) == {"title": "t", "properties": 2, "type": "a"}


def _check_openai_strict_rules(schema: dict[str, Any]) -> None:
    for node in _walk(schema):
        if "properties" in node:
            assert node["additionalProperties"] is False, node
            assert node["required"] == list(node["properties"]), node
        assert "default" not in node or node is schema, node


def test_strict_variant_follows_openai_rules() -> None:
    @tool
    def book(
        who: str,
        branch: Branch,
        when: str | None = None,
        seats: int = 1,
        kind: Literal["a", "b"] = "a",
        notes: list[str] = [],  # noqa: B006
        extra: dict[str, int] | None = None,
    ) -> None:
        """Book.

        Args:
            seats: How many seats.
        """

    strict = book.openai_schema(strict=True)
    params = strict["function"]["parameters"]
    assert strict["function"]["strict"] is True
    _check_openai_strict_rules(params)
    p = params["properties"]
    assert p["who"] == {"type": "string"}  # required stays as it was
    assert p["seats"] == {"anyOf": [{"type": "integer"}, {"type": "null"}], "description": "How many seats."}
    assert p["when"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}  # already nullable: default dropped only
    assert {"type": "null"} in p["kind"]["anyOf"]
    # nested optional fields become nullable too
    assert {"type": "null"} in p["branch"]["properties"]["right"]["anyOf"]
    assert {"type": "null"} in p["branch"]["properties"]["left"]["properties"]["weight"]["anyOf"]
    # free-form maps keep their value schema
    assert p["extra"]["anyOf"][0] == {"type": "object", "additionalProperties": {"type": "integer"}}
    # the non-strict schema is untouched
    assert book.parameters["properties"]["seats"]["default"] == 1


def test_strict_nulls_validate_back_to_defaults() -> None:
    @tool
    def book(who: str, branch: Branch, seats: int = 2, kind: Literal["a", "b"] = "b") -> None:
        pass

    # what a constrained decoder produces from the strict schema: every key, null for "left out"
    sent = {
        "who": "Ada",
        "branch": {"left": {"name": "l", "weight": None}, "right": None, "tags": None},
        "seats": None,
        "kind": None,
    }
    jsonschema.validate(sent, book.openai_schema(strict=True)["function"]["parameters"])
    out = book.validate(json.dumps(sent))
    assert out["seats"] == 2 and out["kind"] == "b"
    assert out["branch"] == Branch(left=Leaf(name="l"))


def test_strict_schema_on_a_foreign_schema_is_a_pure_function() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer", "default": 3}}}
    out = strict_schema(schema)
    assert out == {
        "type": "object",
        "properties": {"a": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
        "required": ["a"],
        "additionalProperties": False,
    }
    assert schema == {"type": "object", "properties": {"a": {"type": "integer", "default": 3}}}


def test_schema_accepts_what_validation_accepts() -> None:
    @tool
    def f(branch: Branch, n: int = 1) -> None:
        pass

    good = {"branch": {"left": {"name": "x"}, "tags": [{"name": "y", "weight": 2}]}, "n": 3}
    jsonschema.validate(good, f.parameters)
    f.validate(good)
    bad = {"branch": {"left": {}}, "n": 3}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, f.parameters)
    with pytest.raises(ToolArgumentError):
        f.validate(bad)


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (None, ("", {})),
        ("", ("", {})),
        ("One line.", ("One line.", {})),
        ("Summary.\n\n    Second paragraph\n    wraps.", ("Summary.\n\nSecond paragraph\nwraps.", {})),
        ("Summary.\n\nArgs:\n    x: The x.\n    y (int): The\n        y.", ("Summary.", {"x": "The x.", "y": "The y."})),
        ("Summary.\n\nArgs:\n    *args: Rest.\n    **kw: Options.", ("Summary.", {"args": "Rest.", "kw": "Options."})),
        ("Summary.\n\nReturns:\n    Something.", ("Summary.", {})),
        ("Summary.\n\nParameters\n----------\nx : int\n    The x.", ("Summary.", {"x": "The x."})),
        ("Summary.\n\n:param x: The x.\n:type x: int\n:rtype: int", ("Summary.", {"x": "The x."})),
        ("Summary: with a colon.", ("Summary: with a colon.", {})),
    ],
)
def test_parse_docstring(doc: str | None, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_docstring(doc) == expected


def test_parse_docstring_result_is_not_shared() -> None:
    doc = "S.\n\nArgs:\n    x: X."
    first = parse_docstring(doc)[1]
    first["x"] = "changed"
    assert parse_docstring(doc)[1] == {"x": "X."}


def test_explicit_style_overrides_detection() -> None:
    doc = "Summary.\n\nArgs:\n    x: The x."
    assert parse_docstring(doc, "google")[1] == {"x": "The x."}
    assert parse_docstring(doc, "sphinx")[1] == {}


def test_tool_without_parameters() -> None:
    @tool
    def now() -> str:
        """The time."""
        return "noon"

    assert now.parameters == {"type": "object", "properties": {}, "additionalProperties": False}
    assert now.validate("{}") == {}
    assert Tool.from_schema(now.schema).validate(None) == {}


def test_parameter_names_that_would_clash_with_model_attributes() -> None:
    @tool
    def odd(json: str, schema: int, model_config: bool = False, copy: list[int] = [], dict: str = "") -> str:  # noqa: B006
        return f"{json}{schema}{model_config}{copy}{dict}"

    assert list(odd.parameters["properties"]) == ["json", "schema", "model_config", "copy", "dict"]
    assert odd.call_sync({"json": "j", "schema": "1", "copy": [2]}) == "j1False[2]"
