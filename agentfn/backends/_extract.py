"""Extractive constraints: argument values a small model must copy from the conversation.

A 135M model under a plain JSON-schema constraint writes schema-valid but invented values
("3 miles" became ``from_unit: "m"``; "17.5%" became ``0.2486``). Most arguments of everyday
requests are *in* the request. :func:`extractive_spec` narrows, for the grammar only (the
prompt keeps the tool's own schema), each top-level parameter to the values the
conversation offers, by the parameter's kind (:func:`agentfn._values.parameter_kind`):

==========  ===========================================================================
number      the numbers in the request or this turn's tool results, their negatives, the default;
            1 for a required number when the request has none and says "a day", "per hour"
date        ISO dates and date-times in the request and this turn's results, dates written
            with month names ("March 3, 2025"), the holidays it
            names ("until Christmas": :mod:`agentfn._named_dates`), and today when it has none or is
            relative to now ("until", "ago"...; the time now when it asks what time it is); each date
            also with every clock time of the request, and date parts of date-times
url, file,  the URLs, file names (when it names none, single words and ``.``), JSON documents,
json, csv,  the pasted table, or the code of the request (JSON and tables also from this turn's
code        results: a file read before); unconstrained when there is none
text        spans of the request (up to 12 words, end punctuation trimmed), quoted text,
            the text after the first colon, the whole request, and this turn's string results;
            never a file name the request gives (that is a path), nor a span that wraps quoted
            text in the words around it
math        the whole request or its quoted or after-colon part, when it holds a number (the
            calculator reads English arithmetic); when this turn's results hold numbers, the
            operation the request words applied to them (:mod:`agentfn._arith`: "and multiply by
            4" -> ``8.04672 * 4``), else free
timezone    the zones the request names (by city or full name); all when it names none
enum        the options the request names, or whose gloss in the description opens with a verb
            it uses ('"append" adds to it'), or the default
boolean     an optional switch the request does not mention (``has_header``) is left out: the default
==========  ===========================================================================

Arrays of strings take the choices the request lists ("billing, shipping or a technical issue"),
else text spans as items. A JSONPath takes ``$..key`` for the keys of the request's JSON document
that the question names, else every path of the document. An object with properties (a pydantic model
parameter) has its fields narrowed by these same rules (:mod:`agentfn.backends._extract_nested`). Enums, booleans,
expressions (query languages, glob patterns) and required parameters with no candidates stay as they are; a free object
(``dict[str, Any]``) takes the fields the request asks for (:mod:`agentfn.backends._extract_objects`).
An optional time zone becomes required when the request names two zones (the pair must differ).
Optional parameters the request gives no value for are left out (their default applies):
optional free text unless the request names the parameter ("... as *subject*"), optional numbers and
time zones when the request holds none. The rules of :mod:`agentfn.backends._extract_words` (on by
default, :func:`~agentfn.backends._extract_words.extraction_rules` turns them off) refine this: a number
parameter whose name is written next to a number ("base 10", "30 seconds") takes that number and is given,
and the others take only the numbers no name claims; and an optional text parameter without a default,
of a tool with no required text parameter (Home Assistant's ``area``, ``name``), takes the spans of the
request whose words no other parameter, enum option or the tool's name claims, instead of being left out. Identifier text parameters (``zip``, ``*_id``, "IBAN of...") take the request's identifier-shaped
tokens (of the shape of the description's example, "such as '8JX2WO'") and a text parameter with a date
pattern in its description (or named ``day``/``*_date``) the request's dates in that pattern, instead of
word spans (:mod:`agentfn.backends._extract_words`); a date pattern the request quotes ("'HH:MM'") is no span.
Small models also copy one value into several parameters, so two required text parameters
must differ (``from_unit`` != ``to_unit``; a directional pair also takes the side its cue in the request
gives it, :mod:`agentfn.backends._direction`) and the request's numbers go to exactly one of several
optional number parameters (``date_add``'s ``days`` *or* ``weeks``...).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from agentfn._arith import follow_up_expressions
from agentfn._json_filters import json_filters
from agentfn._named_dates import with_holiday_dates
from agentfn._passage_tasks import stated_passage
from agentfn._values import (
    json_documents,
    json_paths,
    listed_options,
    mentioned_spans,
    number_words,
    numbers_in_request,
    questions_in,
    quote_safe,
    quoted_spans,
    strip_values,
)
from agentfn._values import (
    parameter_kind as value_kind,
)
from agentfn.backends._extract_addresses import (
    house_numbers,
    is_address_field,
    street_addresses,
    without_addresses,
)
from agentfn.backends._extract_cues import apply_request_cues
from agentfn.backends._extract_filters import asks_for_filter, describes_glob, file_globs, is_filter
from agentfn.backends._extract_nested import is_model_object, narrow_nested
from agentfn.backends._extract_objects import free_objects
from agentfn.backends._extract_pairs import distinct_pair
from agentfn.backends._extract_places import place_branches
from agentfn.backends._extract_query import with_query_phrases
from agentfn.backends._extract_sources import MAX_CANDIDATES, ExtractionSources
from agentfn.backends._extract_stated import (
    leading_verb,
    marked_numbers,
    mentioned_options,
    named_options,
    number_lists,
    own_spans,
    reserved_numbers,
    stated_value,
    unit_sides,
)
from agentfn.backends._extract_units import (
    plain_durations,
    with_modifier_numbers,
)
from agentfn.backends._extract_words import (
    active_rules,
    date_format,
    exclusive_branches,
    format_date,
    free_spans,
    identifier_tokens,
    instruction_spans,
    is_identifier,
    length_limit_values,
    mentioned_zones,
    named_numbers,
    names_flag,
    names_parameter,
    placed_spans,
    text_spans,
    used_words,
)

__all__ = ["ExtractionSources", "extractive_spec", "text_spans"]

_ONE_OF = re.compile(r"\b(?:a|an|one|single|per|each)\s+(?!few\b|lot\b|couple\b|number\b)[a-z]", re.I)


def _kind(name: str, schema: Mapping[str, Any]) -> str:
    """:func:`agentfn._values.parameter_kind`, a question read as text (it is copied from the request)."""
    kind = value_kind(name, schema)
    return "text" if kind == "question" else kind


def _narrow_enum(schema: Mapping[str, Any], sources: ExtractionSources) -> dict[str, Any] | None:
    options = cast("list[Any]", schema.get("enum") or [])
    if len(options) < 2 or not all(isinstance(o, str) for o in options):
        return None
    named = named_options(options, str(schema.get("description", "")), sources.request)
    if not named and "default" in schema:
        named = [schema["default"]]
    return {**schema, "enum": named} if named and len(named) < len(options) else None


def _narrow(
    schema: Mapping[str, Any], kind: str, sources: ExtractionSources, required: bool, name: str = "",
    used: set[str] | None = None,
) -> dict[str, Any] | None:
    """The narrowed schema of one parameter; None to leave it; ``{}`` to leave it out (optional only)."""
    default = schema.get("default")
    values: list[Any]
    if "enum" in schema:
        return _narrow_enum(schema, sources)
    if schema.get("type") == "boolean" and not required and not names_flag(name, sources.request):
        return {}  # a switch the request does not mention ("has_header", "recursive"): the default
    if kind == "math":
        if any(isinstance(v, int | float) and not isinstance(v, bool) for v in sources.result_leaves):
            # combines earlier results: the operation the request words ("and multiply by 4") on each
            # result's first number, else written freely
            values = follow_up_expressions(sources.request, sources.result_numbers())
            if not values:
                return None
        else:
            # whole phrasings only: a model offered every span stops at the first number
            values = [s for s in sources.phrasings() if re.search(r"\d|\bpi\b", s) or number_words(s)]
    elif kind == "number":
        values = list(sources.numbers(integer=schema.get("type") == "integer"))
        if not is_address_field(name):  # "2 pizzas to 5 Elm Road": 5 says where, not how many
            houses = set(house_numbers(sources.request)) - set(numbers_in_request(without_addresses(sources.request)))
            values = [v for v in values if v not in houses]
        if not values and required and _ONE_OF.search(sources.request):
            values = [1]  # "how many seconds are in a day": one of the unit
        if not required:
            return {"enum": values, **_described(schema)} if values else {}
    elif kind == "date":
        values = sources.dates()
        if "shaped_values" in active_rules() and (pattern := date_format("", str(schema.get("description", "")))):  # "in the format 'YYYY-MM-DD HH:MM'"
            values = list(dict.fromkeys(f for d in values if (f := format_date(d, pattern)))) or values
    elif kind == "timezone":
        values = mentioned_zones(sources.request)
        if not values:
            return None if required else {}
    elif kind in ("url", "file", "json", "csv", "code"):
        values = sources.of_kind(kind)
    elif kind in ("expression", "other") and not required and is_filter(name, schema, kind) \
            and not (names_parameter(name, sources.request) or asks_for_filter(sources.request)):
        return {}  # an optional filter the request does not ask for ("show me the files"): the default
    elif kind in ("expression", "other") and is_filter(name, schema, kind) and describes_glob(name, schema) \
            and (globs := file_globs(sources.request)):
        return {**{k: v for k, v in schema.items() if k != "anyOf"}, "type": "string", "enum": globs}
    elif kind == "expression" and "jsonpath" in str(schema.get("description", "")).lower():
        values = [p for doc in json_documents(sources.request) for p in json_paths(doc)]
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", strip_values(sources.request))}
        named = [p for p in values if p.startswith("$..") and (p[3:].lower() in words or p[3:].lower() + "s" in words)]
        filters = [f for doc in json_documents(sources.request) for f in json_filters(doc, sources.request)]
        values = filters or named or values  # a comparison the request states, or the keys the question names
    elif kind == "text":
        if not required and not names_parameter(name, sources.request):
            if used is None or "default" in schema or "optional_text_spans" not in active_rules():
                return {}  # optional free text the request does not name (a style, an encoding): the default
            first = sources.request.splitlines()[0] if sources.request else ""
            values = free_spans([s for s in [*quoted_spans(sources.request), *text_spans(first)]
                                 if quote_safe(s, sources.request)], used | leading_verb(first))  # "add": no name
            if "exclusive_spans" in active_rules():
                values = placed_spans(values, name, sources.request)
            return {**schema, "enum": values[:MAX_CANDIDATES], _SPANS: True} if values else {}
        description = str(schema.get("description", ""))
        shaped = "shaped_values" in active_rules()
        pattern = date_format(name, description) if shaped else None
        formatted = [f for d in sources.dates() if (f := format_date(d, pattern))] if pattern else []
        ids = identifier_tokens(sources.request, description) if shaped and is_identifier(name, description) else []
        values = list(dict.fromkeys(formatted)) or ids or sources.strings()  # a day, an id: not word spans
        if is_address_field(name) and (addresses := street_addresses(sources.request)):
            values = addresses  # "deliver to 5 Elm Road": the address, not any span of the request
        if not shaped and _IDENTIFIER.search(name):  # the earlier rule: a zip code or an id may be all digits
            values += [v for v in re.findall(r"(?<![\w.])\d[\d-]*\d(?!\w|\.\d)", sources.request) if v not in values]
    else:
        return None
    if not values:
        return None
    if default is not None and default not in values and kind not in ("timezone",):
        values.append(default)
    tried = sources.avoid.get(name, [])
    fresh = [v for v in values if v not in tried]
    values = fresh or values  # a retry does not repeat the values of the failed call
    narrowed = {k: v for k, v in schema.items() if k not in ("maxLength", "minLength", "pattern", "format")}
    narrowed["enum"] = values
    return narrowed


_IDENTIFIER = re.compile(r"(?:^|_)(?:id|zip|zipcode|postcode|postal|code|number|no|phone|pin|account)(?:$|_)|[a-z](?:Id|Code|Number)$",
                         re.I)


_SPANS = "x-free-spans"  # marks an optional parameter narrowed to free spans (removed before the spec is returned)


def _bound_numbers(props: Mapping[str, Any], sources: ExtractionSources) -> dict[str, list[int | float]]:
    """Per number parameter whose name the request writes next to a number, those numbers (as the request's
    numbers give them: "30 days before" is -30), when the ``named_numbers`` rule is on."""
    if "named_numbers" not in active_rules():
        return {}
    names = [n for n, s in props.items() if isinstance(s, dict) and "enum" not in s
             and _kind(n, cast("dict[str, Any]", s)) == "number"]
    out = {n: [v for v in sources.numbers(integer=props[n].get("type") == "integer") if v in raw]
           for n, raw in marked_numbers(props, names, sources.request).items()}  # "4%", "$5000", "70 kg", "a=2"
    request = plain_durations(sources.request)  # "in a fortnight": 2 *weeks*
    named = with_modifier_numbers(named_numbers(request, names), request, {n: props[n] for n in names})
    for name, raw in named.items():
        integer = cast("dict[str, Any]", props[name]).get("type") == "integer"
        values = [v for v in sources.numbers(integer=integer) if any(abs(v) == abs(r) for r in raw)]
        if values:
            out[name] = values
    return out


def _described(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"description": schema["description"]} if "description" in schema else {}


def _one_of_numbers(params: dict[str, Any], names: list[str], request: str) -> dict[str, Any]:
    """``params`` as alternatives: exactly one of the optional number parameters ``names`` is given,
    one the request names ("90 *days*") when it names some.

    A small model otherwise copies the request's number into every one of them
    (``years: 90, months: 90, days: 90``).
    """
    props = cast("dict[str, Any]", params["properties"])
    base = {k: v for k, v in props.items() if k not in names}
    names = mentioned_options(names, request) or names
    required = list(params.get("required") or [])
    branches = [
        {"type": "object", "properties": {**base, n: props[n]}, "required": [*required, n], "additionalProperties": False}
        for n in names
    ]
    return {"anyOf": branches}


def extractive_spec(spec: Mapping[str, Any], sources: ExtractionSources) -> dict[str, Any]:
    """A copy of an OpenAI-format tool spec whose parameters only admit values from ``sources``."""
    out = copy.deepcopy(dict(spec))
    fn = cast("dict[str, Any]", out.get("function", out))
    params = cast("dict[str, Any]", fn.get("parameters") or {})
    props = cast("dict[str, Any]", params.get("properties") or {})
    required = set(cast("list[str]", params.get("required") or []))
    optional_numbers: list[str] = []
    tool = str(fn.get("name", ""))
    original = copy.deepcopy(props)
    bound = _bound_numbers(props, sources)
    claimed = {abs(v) for values in bound.values() for v in values}
    reserved = claimed | reserved_numbers(original, required, bound, sources.numbers(integer=False))
    required_text = any(n in required and isinstance(s, dict) and _kind(n, cast("dict[str, Any]", s)) == "text"
                        for n, s in original.items())
    texts: list[str] = []
    zones: list[str] = []
    objects = free_objects(props, sources.request)
    for name, raw in list(props.items()):
        schema = cast("dict[str, Any]", raw)
        if name in objects:  # a free object: the fields the request asks for, so the call ends
            props[name] = objects[name]
            continue
        if (stated := stated_value(name, schema, fn, original, sources.request)) is not None:
            props[name] = stated  # "without symbols", "at 20:30", "by Herman Melville": given (_extract_stated)
            required.add(name)
            params["required"] = [n for n in props if n in required]
            continue
        if is_model_object(schema):  # a model's fields, narrowed as parameters are
            props[name] = narrow_nested(schema, tool, sources, extractive_spec, sources.request)
            continue
        if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
            items = cast("dict[str, Any]", schema["items"])
            if _kind(name, items) == "number" and (runs := number_lists(sources.request, items.get("type") == "integer")):
                props[name] = {"type": "array", "enum": runs, **_described(schema)}  # "sort 5, 3, 9 and 1"
            elif _kind(name, items) == "text" and "enum" not in items:
                options = listed_options(sources.request)
                if options:  # the request lists the choices: pass them all
                    props[name] = {"type": "array", "enum": [options], **_described(schema)}
                elif narrowed_items := _narrow({**items, **_described(schema)} if "description" not in items else items,
                                               "text", sources, True, name):
                    props[name] = {**schema, "items": narrowed_items}
            continue
        options = schema.get("anyOf")
        if isinstance(options, list) and len(cast("list[Any]", options)) == 2:
            kept = [b for b in cast("list[dict[str, Any]]", options) if b.get("type") != "null"]
            if len(kept) == 1:  # Optional[X]: narrow X, keep null; leave it out when nothing fits
                inner = {**kept[0], "description": schema.get("description", "")}
                limit = length_limit_values(name, sources.request) if _kind(name, inner) == "number" else None
                narrowed = _narrow(inner, _kind(name, inner), sources, False, name) if limit is None else \
                    ({**inner, "enum": limit} if limit else {})
                if narrowed == {}:
                    del props[name]
                elif narrowed is not None and _kind(name, inner) == "timezone" and len(narrowed["enum"]) >= 2:
                    # "14:30 in London, what time in New York": a second named zone is the source, not null
                    props[name] = {k: v for k, v in narrowed.items() if k != "description"} | _described(schema)
                    required.add(name)
                    params["required"] = [n for n in props if n in required]
                    zones.append(name)
                elif narrowed is not None:
                    narrowed.pop("description", None)
                    props[name] = {**schema, "anyOf": [narrowed, {"type": "null"}]}
            continue
        kind = _kind(name, schema)
        if name in bound:  # "base 10": the number its name is written next to, given
            props[name] = {k: v for k, v in schema.items() if k not in ("minimum", "maximum")} | {"enum": bound[name]}
            required.add(name)
            params["required"] = [n for n in props if n in required]
            continue
        if kind == "number" and name not in required and (limit := length_limit_values(name, sources.request)) is not None:
            del props[name]  # a length the request does not write ("from 9 to 5" is no word count): the default
            if limit:
                props[name] = {**schema, "enum": limit}
            continue
        used = None if required_text else used_words(tool, name, original)  # None: unnamed optional text left out
        narrowed = _narrow(schema, kind, sources, name in required, name, used)
        if kind == "number" and narrowed and reserved:  # the numbers no parameter name claims
            taken = claimed if name in required else reserved  # an optional number takes no number a required one needs
            rest = [v for v in cast("list[Any]", narrowed["enum"]) if abs(v) not in taken or v == schema.get("default")]
            narrowed = {**narrowed, "enum": rest} if rest else (None if name in required else {})
        if narrowed == {}:
            del props[name]
            continue
        if narrowed is not None:
            props[name] = narrowed
            if (kind == "timezone" or "enum" in schema) and name not in required:  # the request names it: give it
                required.add(name)
                params["required"] = [n for n in props if n in required]
            if kind == "number" and name not in required:
                optional_numbers.append(name)
            if kind in ("text", "date") and name in required:
                texts.append(name)
            if kind == "timezone" and name in required:
                zones.append(name)
    apply_request_cues(props, required, sources.request)  # "'Q3' as the subject"; cc/bcc not named: left out
    texts = [n for n in texts if n in props]
    props.update(unit_sides(props, sources.request))  # "100 degrees Fahrenheit to Celsius": which side is which
    for n in [n for n in texts if _kind(n, original[n]) == "text" and "enum" in props[n]]:  # no "Add ... to my cart"
        avoid = used_words(tool, n, original) | leading_verb(sources.request)
        props[n]["enum"] = own_spans(props[n]["enum"], avoid, sources.request, quoted_spans(sources.request))
    for n in texts:  # a search box takes the request's topic, not a fragment of its question
        props[n] = with_query_phrases(n, original[n], props[n], sources.request, tool)
        if "enum" in props[n] and (clauses := instruction_spans(n, sources.request)):  # a task, whole
            props[n]["enum"] = list(dict.fromkeys([*props[n]["enum"], *clauses]))
    given = [n for n in texts if _kind(n, original[n]) == "text" and value_kind(n, original[n]) != "question"]
    if len(given) == 1 and (quoted := [*mentioned_spans(sources.request), *filter(None, [stated_passage(sources.request)])]):
        kept = [v for v in props[given[0]].get("enum", []) if v in quoted or v in sources.result_leaves]
        props[given[0]] = {**props[given[0]], "enum": kept} if kept else props[given[0]]
    asked = list(dict.fromkeys(questions_in(sources.request)))
    for n in [n for n in texts if value_kind(n, original[n]) == "question" and "enum" in props[n]]:
        props[n]["enum"] = asked or props[n]["enum"]  # the question asked, never the passage it is about
    texts += zones  # two named zones must differ (the model picks which is which)
    def kind_of(n: str) -> str:
        return "timezone" if n in zones else _kind(n, props[n])

    spans = [n for n, s in props.items() if isinstance(s, dict) and cast("dict[str, Any]", s).pop(_SPANS, None)]
    pairs = [(a, b) for i, a in enumerate(texts) for b in texts[i + 1 :] if kind_of(a) == kind_of(b)]
    cued = with_holiday_dates(sources.request, date.fromisoformat(sources.today[:10])) if sources.today else sources.request
    if pairs and (pair := distinct_pair(params, *pairs[0], cued)) is not None:  # "until Halloween": its date's side
        fn["parameters"] = pair
    elif len(optional_numbers) >= 2:
        fn["parameters"] = _one_of_numbers(params, optional_numbers, sources.request)
    elif len(spans) >= 2 and "exclusive_spans" in active_rules():
        fn["parameters"] = place_branches(params, spans, sources.request) or exclusive_branches(params, spans)
    return out
