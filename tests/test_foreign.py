"""Tool.from_schema over a corpus of foreign definitions, and round trips Tool -> schema -> Tool."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import re
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, TypeAdapter, create_model

from agentfn import Tool, ToolArgumentError, ToolSchemaError, tool

CORPUS_DIR = Path(__file__).parent / "data" / "foreign_tools"


def _load_corpus() -> list[tuple[str, dict[str, Any]]]:
    rows: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                rows.append((f"{path.stem}:{lineno}", json.loads(line)))
    return rows


CORPUS = _load_corpus()


def test_corpus_size_and_mix() -> None:
    assert len(CORPUS) >= 50
    expects = [row["expect"] for _, row in CORPUS]
    assert expects.count("reject") >= 8 and expects.count("ok") >= 40
    assert sum(1 for _, row in CORPUS if row.get("warnings_contain")) >= 20


@pytest.mark.parametrize(("where", "row"), CORPUS, ids=[w for w, _ in CORPUS])
def test_corpus(where: str, row: dict[str, Any]) -> None:
    spec = row["spec"]
    if row["expect"] == "reject":
        with pytest.raises(ToolSchemaError) as info:
            Tool.from_schema(spec)
        assert row["error_contains"] in str(info.value)
        return
    built = Tool.from_schema(spec)  # must not raise
    if "name" in row:
        assert built.name == row["name"]
    assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", built.name)
    for fragment in row.get("warnings_contain", []):
        assert any(fragment in w for w in built.warnings), (fragment, built.warnings)
    if not row.get("warnings_contain"):
        assert built.warnings == [], built.warnings
    # the normalised schema is valid JSON Schema, and a spec others can read back
    jsonschema.Draft202012Validator.check_schema(built.parameters)
    jsonschema.Draft202012Validator.check_schema(built.openai_schema(strict=True)["function"]["parameters"])
    json.dumps(built.schema)
    assert Tool.from_schema(built.schema).parameters == built.parameters
    for args in row["valid_args"]:
        out = built.validate(None if args is None else json.dumps(args) if not isinstance(args, str) else args)
        assert isinstance(out, dict)
    for args in row["invalid_args"]:
        with pytest.raises(ToolArgumentError) as info:
            built.validate(json.dumps(args))
        assert info.value.errors and all("loc" in e and "msg" in e for e in info.value.errors)
        json.dumps(info.value.errors, default=str)


def test_from_schema_keeps_original_name_and_binds_a_function() -> None:
    def hypot(x: float, y: float, z: float = 0) -> float:
        return (x * x + y * y + z * z) ** 0.5

    spec = {
        "name": "math.hypot",
        "description": "Euclidean norm.",
        "parameters": {"type": "dict", "properties": {"x": {"type": "float"}, "y": {"type": "float"}}, "required": ["x", "y"]},
    }
    t = Tool.from_schema(spec, function=hypot, side_effects="none", timeout=1.0)
    assert t.name == "math_hypot" and t.metadata["original_name"] == "math.hypot" and t.timeout == 1.0
    assert t.call_sync('{"x": "3", "y": 4}') == 5.0
    assert not t.takes_ctx and not t.is_async


def test_defaults_are_filled_in_for_schema_only_tools() -> None:
    t = Tool.from_schema(
        {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "array", "default": []}}}}
    )
    first = t.validate({})
    first["a"].append(1)
    assert t.validate({}) == {"a": []}


# --- round trips: Tool -> schema -> Tool.from_schema -> validate ----------------------------


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Dims(BaseModel):
    width: Annotated[int, Field(ge=1)]
    height: Annotated[int, Field(ge=1)] = 1


@dataclasses.dataclass
class Slot:
    day: dt.date
    hour: Annotated[int, Field(ge=0, le=23)] = 9


@tool
def order(
    sku: Annotated[str, Field(pattern=r"^[A-Z]{3}-\d{3}$")],
    quantity: Annotated[int, Field(ge=1, le=99)],
    color: Color,
    size: Literal["S", "M", "L"] = "M",
    dims: Dims | None = None,
    slot: Slot | None = None,
    gift: bool = False,
    note: Annotated[str, Field(max_length=20)] = "",
    tags: list[str] = [],  # noqa: B006
    ref: uuid.UUID | None = None,
    price: float | None = None,
) -> None:
    """Order something."""


ROUND_TRIP_VALID: list[dict[str, Any]] = [
    {"sku": "ABC-123", "quantity": 1, "color": "red"},
    {"sku": "ABC-123", "quantity": "2", "color": "blue", "size": "L"},
    {"sku": "XYZ-999", "quantity": 99, "color": "red", "dims": {"width": 3}, "gift": True},
    {"sku": "XYZ-999", "quantity": 5, "color": "red", "dims": '{"width": 3, "height": 4}'},
    {"sku": "XYZ-999", "quantity": 5, "color": "red", "slot": {"day": "2024-02-29", "hour": 23}},
    {"sku": "XYZ-999", "quantity": 5, "color": "red", "note": "x" * 20, "tags": ["a", "b"]},
    {"sku": "XYZ-999", "quantity": 5, "color": "red", "ref": "12345678-1234-5678-1234-567812345678"},
    {"sku": "XYZ-999", "quantity": 5, "color": "red", "price": 9, "size": None, "gift": "true"},
    {"arguments": {"sku": "XYZ-999", "quantity": 5, "color": "red"}},
]
ROUND_TRIP_INVALID: list[dict[str, Any]] = [
    {},
    {"sku": "abc-123", "quantity": 1, "color": "red"},
    {"sku": "ABC-123", "quantity": 0, "color": "red"},
    {"sku": "ABC-123", "quantity": 100, "color": "red"},
    {"sku": "ABC-123", "quantity": 1.5, "color": "red"},
    {"sku": "ABC-123", "quantity": 1, "color": "green"},
    {"sku": "ABC-123", "quantity": 1, "color": "red", "size": "XL"},
    {"sku": "ABC-123", "quantity": 1, "color": "red", "dims": {"width": 0}},
    {"sku": "ABC-123", "quantity": 1, "color": "red", "dims": {"height": 2}},
    {"sku": "ABC-123", "quantity": 1, "color": "red", "slot": {"day": "someday"}},
    {"sku": "ABC-123", "quantity": 1, "color": "red", "slot": {"day": "2024-01-01", "hour": 24}},
    {"sku": "ABC-123", "quantity": 1, "color": "red", "note": "x" * 21},
    {"sku": "ABC-123", "quantity": 1, "color": "red", "tags": [1]},
    {"sku": "ABC-123", "quantity": 1, "color": "red", "ref": "not-a-uuid"},
    {"sku": "ABC-123", "quantity": 1, "color": "red", "unknown": 1},
]


def _verdict(t: Tool[..., Any], args: Any) -> bool:
    try:
        t.validate(json.dumps(args))
    except ToolArgumentError:
        return False
    return True


def _as_strict_decoder_sends(args: Any, schema: dict[str, Any]) -> Any:
    """Every declared key present, null for the ones left out: what strict-mode decoding produces."""
    if not isinstance(args, dict):
        return args
    candidates = [schema, *[v for v in schema.get("anyOf", []) if isinstance(v, dict)]]
    node = next((c for c in candidates if "properties" in c), None)
    if node is None:
        return args
    out = {k: _as_strict_decoder_sends(v, node["properties"].get(k, {})) for k, v in args.items()}
    for key in node["properties"]:
        out.setdefault(key, None)
    return out


@pytest.mark.parametrize("strict", [False, True])
def test_round_trip_gives_the_same_verdicts(strict: bool) -> None:
    spec = order.openai_schema(strict=strict)
    again = Tool.from_schema(spec)
    assert again.warnings == []
    assert again.strict is strict and again.schema == spec
    params = spec["function"]["parameters"]
    for args in ROUND_TRIP_VALID:
        if strict and "arguments" in args:
            sent = {"arguments": _as_strict_decoder_sends(args["arguments"], params)}
        else:
            sent = _as_strict_decoder_sends(args, params) if strict else args
        assert _verdict(order, sent), sent
        assert _verdict(again, sent), sent
    for args in ROUND_TRIP_INVALID:
        sent = _as_strict_decoder_sends(args, params) if strict else args
        if strict and sent is not args and not args:
            continue  # {} becomes all-null, which strict decoding cannot tell from "left out"
        assert not _verdict(order, sent), sent
        assert not _verdict(again, sent), sent


def test_round_trip_values_agree() -> None:
    again = Tool.from_schema(order.schema)
    for args in ROUND_TRIP_VALID:
        typed = TypeAdapter(dict[str, Any]).dump_python(order.validate(json.dumps(args)), mode="json")
        loose = again.validate(json.dumps(args))
        for key, value in loose.items():
            expected = typed[key]
            if isinstance(expected, dict) and isinstance(value, dict):
                assert {k: expected[k] for k in value} == value  # the typed side also has nested defaults
            else:
                assert value == expected, (key, value, expected)


def test_round_trip_of_a_whole_corpus_spec() -> None:
    for _, row in CORPUS:
        if row["expect"] != "ok":
            continue
        first = Tool.from_schema(row["spec"])
        second = Tool.from_schema(first.schema)
        assert second.parameters == first.parameters and second.warnings == []
        for args in row["valid_args"]:
            second.validate(args if isinstance(args, str) or args is None else json.dumps(args))


# --- property-based round trips -----------------------------------------------------------

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)
SIMPLE_TYPES: list[tuple[Any, st.SearchStrategy[Any]]] = [
    (str, TEXT),
    (int, st.integers(-(10**9), 10**9)),
    (float, st.floats(allow_nan=False, allow_infinity=False)),
    (bool, st.booleans()),
    (Literal["a", "b", "c"], st.sampled_from(["a", "b", "c"])),
    (Color, st.sampled_from(Color)),
    (dt.date, st.dates()),
    (dt.datetime, st.datetimes(timezones=st.none() | st.just(dt.UTC))),
    (uuid.UUID, st.uuids()),
    (Annotated[int, Field(ge=-5, le=5)], st.integers(-5, 5)),
    (Annotated[str, Field(min_length=1, max_length=8)], TEXT.filter(bool)),
    (Annotated[float, Field(gt=0)], st.floats(min_value=0, exclude_min=True, allow_infinity=False)),
    (decimal.Decimal, st.decimals(min_value=-(10**6), max_value=10**6, places=3)),
    (Annotated[list[int], Field(max_length=3)], st.lists(st.integers(-9, 9), max_size=3)),
]


@st.composite
def field_types(draw: st.DrawFn, depth: int = 0) -> tuple[Any, st.SearchStrategy[Any]]:
    """A field annotation and a strategy for its values."""
    base, values = draw(st.sampled_from(SIMPLE_TYPES))
    shapes = ["plain", "optional", "list", "dict", "tuple", "set"] + (["model"] if depth < 2 else [])
    shape = draw(st.sampled_from(shapes))
    if shape == "optional":
        return base | None, st.none() | values
    if shape == "list":
        return list[base], st.lists(values, max_size=3)  # type: ignore[valid-type]
    if shape == "dict":
        return dict[str, base], st.dictionaries(TEXT, values, max_size=3)  # type: ignore[valid-type]
    if shape == "tuple":
        return tuple[base, int], st.tuples(values, st.integers(-100, 100))  # type: ignore[valid-type]
    if shape == "set":
        return set[int], st.sets(st.integers(-100, 100), max_size=3)
    if shape == "model":
        return draw(models(depth + 1))
    return base, values


_model_counter = iter(range(10**9))


@st.composite
def models(draw: st.DrawFn, depth: int = 0) -> tuple[type[BaseModel], st.SearchStrategy[BaseModel]]:
    """A generated pydantic model (1-4 fields of the supported types) and a strategy for instances."""
    names = draw(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True), min_size=1, max_size=4, unique=True))
    fields: dict[str, Any] = {}
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    for name in names:
        annotation, values = draw(field_types(depth))
        fields[name] = (annotation, ...)
        strategies[name] = values
    model = create_model(f"Generated{next(_model_counter)}", **fields)
    return model, st.fixed_dictionaries(strategies).map(lambda kw: model(**kw))


@st.composite
def models_with_instances(draw: st.DrawFn) -> tuple[type[BaseModel], BaseModel]:
    model, instances = draw(models())
    return model, draw(instances)


def _tool_taking(model: type[BaseModel]) -> Tool[..., Any]:
    def take(item: Any, count: int = 1) -> Any:
        return item

    take.__annotations__ = {"item": model, "count": int, "return": model}
    return Tool(take, name="take")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(models_with_instances())
def test_generated_models_round_trip(pair: tuple[type[BaseModel], BaseModel]) -> None:
    model, instance = pair
    t = _tool_taking(model)
    arguments = json.dumps({"item": instance.model_dump(mode="json")})
    # typed path: JSON arguments validate back to an equal instance
    validated = t.validate(arguments)
    assert validated["item"] == instance and validated["count"] == 1
    # the call returns it and the content is its JSON
    result = t.call_sync(arguments)
    assert TypeAdapter(model).validate_json(t.to_content(result)) == instance
    # the schema accepts the arguments, in plain and strict form
    jsonschema.Draft202012Validator(t.parameters, format_checker=jsonschema.FormatChecker()).validate(json.loads(arguments))
    # from_schema path agrees, and its result feeds the typed validator to the same value
    for strict in (False, True):
        spec = t.openai_schema(strict=strict)
        again = Tool.from_schema(spec)
        sent = json.loads(arguments)
        if strict:
            sent = _as_strict_decoder_sends(sent, spec["function"]["parameters"])
        loose = again.validate(json.dumps(sent))
        assert t.validate(json.dumps(loose))["item"] == instance


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(models_with_instances(), st.data())
def test_generated_models_reject_broken_arguments_on_both_paths(
    pair: tuple[type[BaseModel], BaseModel], data: st.DataObject
) -> None:
    model, instance = pair
    t = _tool_taking(model)
    again = Tool.from_schema(t.schema)
    dumped = instance.model_dump(mode="json")
    key = data.draw(st.sampled_from(sorted(dumped)))
    broken_variants = [
        {k: v for k, v in dumped.items() if k != key},  # a required field missing
        {**dumped, key: {"unexpected": ["structure"]}},  # an object where none fits (or a wrong object)
        {**dumped, "zz_unknown_field": 1},  # an unknown field
    ]
    for broken in broken_variants:
        arguments = json.dumps({"item": broken})
        typed_ok = _verdict(t, {"item": broken})
        loose_ok = _verdict(again, {"item": broken})
        assert typed_ok == loose_ok, (arguments, typed_ok, loose_ok)
    assert not _verdict(t, {"item": broken_variants[0]})
