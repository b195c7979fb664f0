"""The @tool decorator and Tool: types, decorator forms, errors, validation, calling, content."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import decimal
import enum
import json
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from agentfn import RunContext, Tool, ToolArgumentError, ToolDefinitionError, ToolRetry, tool


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Point(BaseModel):
    x: int
    y: int = 0


class Address(BaseModel):
    street: str
    city: str
    point: Point | None = None


@dataclasses.dataclass
class Window:
    start: dt.date
    days: int = 1


class Filter(TypedDict):
    field: str
    value: float


class Forecast(BaseModel):
    city: str
    temperature: float
    when: dt.datetime


# --- every supported type ------------------------------------------------------------


@tool
def everything(
    s: str,
    i: int,
    f: float,
    b: bool,
    lit: Literal["a", "b"],
    color: Color,
    prio: Priority,
    opt: int | None,
    union: int | str,
    items: list[int],
    pair: tuple[int, str],
    tags: set[str],
    counts: dict[str, int],
    address: Address,
    window: Window,
    flt: Filter,
    when: dt.datetime,
    day: dt.date,
    ident: uuid.UUID,
    amount: decimal.Decimal,
    bounded: Annotated[int, Field(ge=0, le=10, description="zero to ten")] = 3,
    name: Annotated[str, Field(min_length=2, max_length=5, pattern="^[a-z]+$")] = "ab",
    ratio: float = Field(0.5, gt=0, lt=1, description="a fraction"),
    many: Annotated[list[str], Field(max_length=2)] = [],  # noqa: B006 - copied by validation
) -> dict[str, Any]:
    """Take one of everything.

    Args:
        s: A string.
        i: An integer.
    """
    return {"s": s}


GOOD = {
    "s": "x",
    "i": 1,
    "f": 1.5,
    "b": True,
    "lit": "a",
    "color": "red",
    "prio": 2,
    "opt": None,
    "union": "u",
    "items": [1, 2],
    "pair": [1, "a"],
    "tags": ["a", "b"],
    "counts": {"a": 1},
    "address": {"street": "Main", "city": "Oslo", "point": {"x": 1}},
    "window": {"start": "2024-01-02"},
    "flt": {"field": "f", "value": 2},
    "when": "2024-01-02T03:04:05Z",
    "day": "2024-01-02",
    "ident": "12345678-1234-5678-1234-567812345678",
    "amount": "1.25",
}


def props() -> dict[str, Any]:
    return everything.parameters["properties"]


def test_every_supported_type_has_the_expected_schema() -> None:
    p = props()
    assert p["s"] == {"type": "string", "description": "A string."}
    assert p["i"] == {"type": "integer", "description": "An integer."}
    assert p["f"] == {"type": "number"}
    assert p["b"] == {"type": "boolean"}
    assert p["lit"] == {"enum": ["a", "b"], "type": "string"}
    assert p["color"]["enum"] == ["red", "green"]
    assert p["prio"]["enum"] == [1, 2]
    assert p["opt"] == {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert p["union"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert p["items"] == {"type": "array", "items": {"type": "integer"}}
    assert p["pair"]["prefixItems"] == [{"type": "integer"}, {"type": "string"}]
    assert p["tags"]["uniqueItems"] is True
    assert p["counts"] == {"type": "object", "additionalProperties": {"type": "integer"}}
    assert p["address"]["properties"]["point"]["anyOf"][0]["properties"]["x"] == {"type": "integer"}
    assert p["address"]["required"] == ["street", "city"]
    assert p["window"]["properties"]["start"] == {"type": "string", "format": "date"}
    assert p["flt"]["required"] == ["field", "value"]
    assert p["when"] == {"type": "string", "format": "date-time"}
    assert p["day"] == {"type": "string", "format": "date"}
    assert p["ident"] == {"type": "string", "format": "uuid"}
    assert {v.get("type") for v in p["amount"]["anyOf"]} == {"number", "string"}
    assert p["bounded"] == {"type": "integer", "minimum": 0, "maximum": 10, "default": 3, "description": "zero to ten"}
    assert p["name"]["minLength"] == 2 and p["name"]["maxLength"] == 5 and p["name"]["pattern"] == "^[a-z]+$"
    assert p["ratio"]["exclusiveMinimum"] == 0 and p["ratio"]["description"] == "a fraction"
    assert p["many"]["maxItems"] == 2 and p["many"]["default"] == []
    required = everything.parameters["required"]
    assert "opt" in required  # Optional without a default is still required (it may be null)
    assert "bounded" not in required and "ratio" not in required
    assert everything.parameters["additionalProperties"] is False


def test_schema_has_no_refs_or_titles() -> None:
    text = json.dumps(everything.parameters)
    assert "$ref" not in text and "$defs" not in text
    assert '"title"' not in text


def test_every_supported_type_validates_to_python_values() -> None:
    out = everything.validate(json.dumps(GOOD))
    assert out["color"] is Color.RED and out["prio"] is Priority.HIGH
    assert out["pair"] == (1, "a") and out["tags"] == {"a", "b"}
    assert out["address"] == Address(street="Main", city="Oslo", point=Point(x=1))
    assert out["window"] == Window(start=dt.date(2024, 1, 2))
    assert out["flt"] == {"field": "f", "value": 2.0}
    assert out["when"] == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert out["ident"] == uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert out["amount"] == decimal.Decimal("1.25")
    assert out["bounded"] == 3 and out["ratio"] == 0.5 and out["many"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("i", "x"),
        ("lit", "c"),
        ("color", "blue"),
        ("prio", 3),
        ("pair", [1]),
        ("counts", {"a": "x"}),
        ("address", {"street": "Main"}),
        ("window", {"start": "not a date"}),
        ("when", "yesterday"),
        ("ident", "123"),
        ("amount", "lots"),
        ("bounded", 11),
        ("name", "TOOLONG"),
        ("ratio", 1.5),
        ("many", ["a", "b", "c"]),
    ],
)
def test_each_type_rejects_bad_values(field: str, value: Any) -> None:
    with pytest.raises(ToolArgumentError) as info:
        everything.validate({**GOOD, field: value})
    assert info.value.errors[0]["loc"].split(".")[0] == field


def test_validation_error_lists_every_field_in_sendable_form() -> None:
    with pytest.raises(ToolArgumentError) as info:
        everything.validate({"s": 1, "i": "x", "lit": "zz", "bogus": 1})
    errors = info.value.errors
    locs = {e["loc"] for e in errors}
    assert {"s", "i", "lit", "bogus", "f", "b", "address"} <= locs
    assert all(set(e) >= {"loc", "msg", "input"} for e in errors)
    json.dumps(errors)  # plain JSON: can be sent back to a model
    message = info.value.model_message()
    for loc in ("s", "i", "lit", "bogus", "address"):
        assert f"- {loc}:" in message
    assert "unknown parameter; this tool takes: s, i, f" in message
    assert "Fix the arguments" in message
    missing = next(e for e in errors if e["loc"] == "f")
    assert missing["msg"] == "Field required"


def test_nested_error_locations_are_dotted() -> None:
    with pytest.raises(ToolArgumentError) as info:
        everything.validate({**GOOD, "address": {"street": "s", "city": "c", "point": {"x": "no"}}})
    assert info.value.errors[0]["loc"] == "address.point.x"


def test_not_an_object_or_not_json() -> None:
    for bad in ("[1, 2]", "not json", "42", '"just text"'):
        with pytest.raises(ToolArgumentError) as info:
            everything.validate(bad)
        assert info.value.errors[0]["loc"] == ""


def test_empty_arguments_mean_no_arguments() -> None:
    @tool
    def ping(times: int = 1) -> str:
        return "pong" * times

    assert ping.validate(None) == {"times": 1}
    assert ping.validate("") == {"times": 1}
    assert ping.validate({}) == {"times": 1}
    assert ping.validate(b'{"times": 2}') == {"times": 2}


def test_defaults_are_not_shared_between_calls() -> None:
    @tool
    def append(x: int, acc: list[int] = []) -> list[int]:  # noqa: B006 - the point of the test
        acc.append(x)
        return acc

    assert append.call_sync({"x": 1}) == [1]
    assert append.call_sync({"x": 2}) == [2]


# --- decoration errors --------------------------------------------------------------


class Opaque:
    pass


def test_decoration_errors_are_reported_together() -> None:
    def bad(a, b: Opaque, *args: int, c: int, d: Missing, **kwargs: int) -> None:  # type: ignore[no-untyped-def]  # noqa: F821
        pass

    with pytest.raises(ToolDefinitionError) as info:
        tool(bad)
    problems = "\n".join(info.value.problems)
    assert len(info.value.problems) == 5, problems
    assert "parameter 'a' has no type annotation" in problems
    assert "parameter 'b': unsupported type Opaque" in problems
    assert "*args" in problems and "**kwargs" in problems
    assert "parameter 'd': cannot resolve type hint" in problems and "name 'Missing' is not defined" in problems
    assert "'bad'" in str(info.value)


def test_unsupported_type_alone_is_named() -> None:
    def f(cb: Opaque, ok: int) -> None:
        pass

    with pytest.raises(ToolDefinitionError) as info:
        tool(f)
    assert info.value.problems == [p for p in info.value.problems if "cb" in p]
    assert len(info.value.problems) == 1


def test_run_context_must_come_first() -> None:
    def f(x: int, ctx: RunContext[None]) -> None:
        pass

    with pytest.raises(ToolDefinitionError, match="must come first"):
        tool(f)


def test_bad_tool_names() -> None:
    def f() -> None:
        pass

    for name in ("has space", "dot.ted", "", "x" * 65):
        with pytest.raises(ToolDefinitionError):
            tool(name)(f) if name else Tool(f, name=name or "\u00e9")


def test_tool_definition_error_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        tool(lambda *a: None)  # type: ignore[arg-type]


# --- decorator forms and typing -------------------------------------------------------


def test_all_decorator_forms() -> None:
    def base(x: int) -> int:
        """Double it."""
        return x * 2

    forms = {
        "bare": tool(base),
        "called": tool()(base),
        "named": tool("doubler")(base),
        "kw": tool(name="dbl", description="Twice x.")(base),
    }

    @tool
    def deco(x: int) -> int:
        return x

    @tool()
    def deco_called(x: int) -> int:
        return x

    @tool("deco_name")
    def deco_named(x: int) -> int:
        return x

    @tool(name="deco_kw", description="Described.", side_effects="read", timeout=2.0, retries=1)
    def deco_kw(x: int) -> int:
        return x

    assert forms["bare"].name == "base" and forms["bare"].description == "Double it."
    assert forms["called"].name == "base"
    assert forms["named"].name == "doubler"
    assert forms["kw"].name == "dbl" and forms["kw"].description == "Twice x."
    assert [t.name for t in (deco, deco_called, deco_named, deco_kw)] == ["deco", "deco_called", "deco_name", "deco_kw"]
    assert deco_kw.description == "Described." and deco_kw.timeout == 2.0 and deco_kw.retries == 1
    assert deco_kw.side_effects == "read" and deco_kw.idempotent
    for t in (*forms.values(), deco, deco_called, deco_named, deco_kw):
        assert isinstance(t, Tool)
        assert t.parameters["properties"] == {"x": {"type": "integer"}}
    # the function stays callable as before
    assert forms["bare"](4) == 8 and deco(3) == 3 and deco_kw(x=5) == 5
    assert deco.__name__ == "deco" and forms["bare"].__doc__ == "Double it."


def test_typing_keeps_the_signature() -> None:
    @tool
    def add(a: int, b: int = 2) -> int:
        return a + b

    @tool("named_add")
    def add2(a: int, b: int = 2) -> int:
        return a + b

    as_function: Callable[[int, int], int] = add  # checked by pyright: the signature is kept
    result: int = add(1, b=3)
    assert as_function(1, 1) == 2
    assert result == 4 and add2(1) == 3


def test_policy_metadata_defaults() -> None:
    @tool(side_effects="write", requires_approval=True, metadata={"team": "x"}, cost_hint=0.1, latency_hint=2)
    def delete(path: str) -> None:
        pass

    assert delete.requires_approval and not delete.idempotent
    assert delete.metadata == {"team": "x"} and delete.cost_hint == 0.1 and delete.latency_hint == 2
    assert "delete" in repr(delete)


# --- docstrings -------------------------------------------------------------------------


def test_google_numpy_sphinx_docstrings() -> None:
    def google(city: str, days: int = 1) -> None:
        """Weather forecast.

        Uses the public API.

        Args:
            city: City name, e.g. "Paris".
            days: How many days
                ahead.

        Returns:
            The forecast.
        """

    def numpy(city: str, days: int = 1) -> None:
        """Weather forecast.

        Uses the public API.

        Parameters
        ----------
        city : str
            City name, e.g. "Paris".
        days : int
            How many days
            ahead.

        Returns
        -------
        Forecast
            The forecast.
        """

    def sphinx(city: str, days: int = 1) -> None:
        """Weather forecast.

        Uses the public API.

        :param city: City name, e.g. "Paris".
        :param days: How many days
            ahead.
        :returns: The forecast.
        """

    for fn in (google, numpy, sphinx):
        for style in ("auto", fn.__name__):
            t = Tool(fn, docstring_format=style)  # type: ignore[arg-type]
            assert t.description == "Weather forecast.\n\nUses the public API.", (fn.__name__, style)
            p = t.parameters["properties"]
            assert p["city"]["description"] == 'City name, e.g. "Paris".'
            assert p["days"]["description"] == "How many days ahead."


def test_field_description_wins_over_docstring() -> None:
    @tool
    def f(x: Annotated[int, Field(description="from Field")], y: int = Field(1, description="also Field")) -> None:
        """Doc.

        Args:
            x: from docstring
            y: from docstring
        """

    assert f.parameters["properties"]["x"]["description"] == "from Field"
    assert f.parameters["properties"]["y"]["description"] == "also Field"


def test_plain_and_missing_docstrings() -> None:
    @tool
    def plain(x: int) -> None:
        """Just one line."""

    @tool
    def none(x: int) -> None:
        pass

    assert plain.description == "Just one line."
    assert none.description == ""
    assert tool(description="given")(none.function).description == "given"  # type: ignore[arg-type]


# --- run context, sync and async ---------------------------------------------------


@dataclasses.dataclass
class Deps:
    prefix: str


@tool
def greet(ctx: RunContext[Deps], name: str) -> str:
    return f"{ctx.deps.prefix} {name} ({ctx.tool_name})"


@tool
async def slow_double(x: int) -> int:
    await asyncio.sleep(0)
    return x * 2


@tool
async def greet_async(ctx: RunContext[Deps], name: str) -> str:
    await asyncio.sleep(0)
    return f"{ctx.deps.prefix} {name}"


def test_run_context_is_injected_not_exposed() -> None:
    assert greet.takes_ctx and "ctx" not in greet.parameters["properties"]
    assert greet.parameters["required"] == ["name"]
    ctx = RunContext(deps=Deps("Hello"), tool_name="greet")
    assert greet.call_sync('{"name": "Ada"}', ctx) == "Hello Ada (greet)"
    with pytest.raises(ToolArgumentError):
        greet.validate({"name": "Ada", "ctx": {}})


def test_run_context_positional_only() -> None:
    @tool
    def pos(ctx: RunContext[int], /, x: int) -> int:
        return ctx.deps + x

    assert pos.call_sync({"x": 1}, RunContext(deps=41)) == 42


def test_positional_only_parameters() -> None:
    @tool
    def pos(a: int, b: int, /, c: int = 0) -> list[int]:
        return [a, b, c]

    assert pos.call_sync({"a": 1, "b": 2}) == [1, 2, 0]


def test_missing_context_gets_a_default_one() -> None:
    @tool
    def who(ctx: RunContext[None]) -> str | None:
        return ctx.tool_name

    assert who.call_sync(None) == "who"


async def test_async_and_sync_calls() -> None:
    assert slow_double.is_async and not greet.is_async
    assert await slow_double.call('{"x": 4}') == 8
    assert await greet.call({"name": "B"}, RunContext(deps=Deps("Hi"))) == "Hi B (None)"
    assert await greet.call({"name": "C"}, RunContext(deps=Deps("Yo")), in_thread=True) == "Yo C (None)"
    assert await greet_async.call({"name": "D"}, RunContext(deps=Deps("Hey"))) == "Hey D"
    assert await slow_double.call({"x": 1}, validated=True) == 2
    # call_sync from inside a running loop runs the coroutine on a private loop
    assert slow_double.call_sync({"x": 5}) == 10


def test_call_sync_runs_async_tools() -> None:
    assert slow_double.call_sync('{"x": 3}') == 6
    assert asyncio.run(slow_double(2)) == 4


def test_tool_retry_propagates() -> None:
    @tool
    def picky(x: int) -> int:
        if x < 0:
            raise ToolRetry("x must be positive")
        return x

    with pytest.raises(ToolRetry, match="positive"):
        picky.call_sync({"x": -1})


def test_schema_only_tool_cannot_be_called() -> None:
    t = Tool.from_schema({"name": "remote", "parameters": {"type": "object", "properties": {}}})
    with pytest.raises(TypeError, match="schema-only"):
        t.call_sync({})
    with pytest.raises(TypeError):
        t()


# --- return values -------------------------------------------------------------------


def test_return_values_become_json_safe_content() -> None:
    @tool
    def forecast(city: str) -> Forecast:
        return Forecast(city=city, temperature=21.5, when=dt.datetime(2024, 1, 2, 12, 0))

    content = forecast.to_content(forecast.call_sync({"city": "Oslo"}))
    assert json.loads(content) == {"city": "Oslo", "temperature": 21.5, "when": "2024-01-02T12:00:00"}
    assert forecast.return_schema is not None
    assert forecast.return_schema["properties"]["when"]["format"] == "date-time"
    cases: list[tuple[Any, Any]] = [
        ("plain text", "plain text"),
        (None, None),
        (3, 3),
        ([Point(x=1)], [{"x": 1, "y": 0}]),
        (Window(dt.date(2024, 1, 1)), {"start": "2024-01-01", "days": 1}),
        ({"u": uuid.UUID(int=1)}, {"u": "00000000-0000-0000-0000-000000000001"}),
        ({"d": decimal.Decimal("1.5"), "c": Color.RED, "s": {1}}, {"d": "1.5", "c": "red", "s": [1]}),
        (float("nan"), None),
        ({"x": float("inf")}, {"x": None}),
        (b"\xff\xfe", "__4="),  # url-safe base64: not UTF-8
        (dt.timedelta(seconds=90), "PT1M30S"),
    ]
    for value, expected in cases:
        text = Tool.to_content(value)
        assert text == expected if isinstance(value, str) else json.loads(text) == expected, (value, text)
    odd = Tool.to_content({"o": Opaque()})
    assert "Opaque" in json.loads(odd)["o"]


def test_return_schema_absent_or_unsupported() -> None:
    @tool
    def nothing(x: int) -> None:
        pass

    @tool
    def opaque(x: int) -> Opaque:
        return Opaque()

    assert nothing.return_schema is None
    assert opaque.return_schema is None  # informational only; content falls back to repr
    assert "Opaque" in opaque.to_content(opaque.call_sync({"x": 1}))


# --- schema, strict, hash --------------------------------------------------------------


def test_openai_schema_envelope_and_hash() -> None:
    spec = greet.schema
    assert spec["type"] == "function"
    assert set(spec["function"]) == {"name", "description", "parameters"}
    assert greet.openai_schema() == spec
    strict = greet.openai_schema(strict=True)
    assert strict["function"]["strict"] is True
    assert len(greet.schema_hash) == 16 and int(greet.schema_hash, 16) >= 0
    assert greet.schema_hash == Tool(greet.function, name="greet").schema_hash  # type: ignore[arg-type]
    assert greet.schema_hash != Tool(greet.function, name="greet2").schema_hash  # type: ignore[arg-type]


def test_strict_flag_on_the_tool() -> None:
    @tool(strict=True)
    def f(x: int = 1) -> None:
        pass

    assert f.schema["function"]["strict"] is True
    assert f.openai_schema(strict=False)["function"].get("strict") is None


# --- other callables ----------------------------------------------------------------------


class Service:
    def __init__(self) -> None:
        self.offset = 10

    def shift(self, x: int, point: Point | None = None) -> int:
        """Shift a number.

        Args:
            x: The number.
        """
        return x + self.offset + (point.x if point else 0)


class Doubler:
    def __call__(self, y: float, unit: Literal["m", "km"] = "m") -> float:
        return y * 2


def _repeat(a: int, b: str = "q") -> str:
    return b * a


def test_bound_methods_partials_and_callable_objects() -> None:
    import functools

    method = Tool(Service().shift)
    assert method.name == "shift" and list(method.parameters["properties"]) == ["x", "point"]
    assert method.parameters["properties"]["x"]["description"] == "The number."
    assert method.call_sync({"x": 1, "point": {"x": 5}}) == 16

    partial = Tool(functools.partial(_repeat, b="z"), name="repeat_z")
    assert partial.parameters["properties"]["b"]["default"] == "z"
    assert partial.call_sync({"a": 2}) == "zz"

    obj = Tool(Doubler(), name="doubler")
    assert obj.parameters["properties"]["unit"] == {"enum": ["m", "km"], "type": "string", "default": "m"}
    assert obj.call_sync('{"y": 2}') == 4.0


def test_callable_without_a_name_needs_one() -> None:
    import functools

    with pytest.raises(ToolDefinitionError, match="pass name="):
        Tool(functools.partial(_repeat, b="z"))


def test_function_attributes_do_not_shadow_tool_attributes() -> None:
    def f(x: int) -> int:
        return x

    f.name = "shadow"  # type: ignore[attr-defined]
    f.parameters = {}  # type: ignore[attr-defined]
    t = Tool(f)
    assert t.name == "f" and t.parameters["properties"] == {"x": {"type": "integer"}}


def test_field_alias_names_the_json_key() -> None:
    @tool
    def mail(from_: Annotated[str, Field(alias="from")], to: str) -> str:
        return f"{from_}->{to}"

    assert list(mail.parameters["properties"]) == ["from", "to"]
    assert mail.call_sync({"from": "a", "to": "b"}) == "a->b"
    assert Tool.from_schema(mail.schema).validate({"from": "a", "to": "b"}) == {"from": "a", "to": "b"}
