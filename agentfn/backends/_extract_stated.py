"""Values a request states for parameters a plain span or number rule misreads.

Refinements of :func:`agentfn.backends._extract.extractive_spec` for function-style tools whose
parameters the request fills with words rather than with the parameter's own name:

* :func:`number_lists`: a list-of-numbers parameter takes the runs of numbers the request lists
  ("5, 3, 9 and 1" -> ``[5, 3, 9, 1]``), whole and in order, instead of any array;
* :func:`stated_switch`: a boolean the request mentions (a word of its name, or a word only its
  description uses: "including *subfolders*" for ``recursive``) is given, ``false`` when the mention
  is negated ("*without* symbols"), ``true`` otherwise; ``None`` when the request does not mention it;
* :func:`marked_numbers`: numbers whose mark says which parameter they fill: a percentage ("4%",
  "3.5 percent") goes to the parameter whose name or description says percent or rate, an amount of
  money ("$5000", "150 USD") to the one that says amount, price, principal, bill..., a number written
  before a parameter's unit suffix ("70 kg" -> ``weight_kg``, "1.75 m" -> ``height_m``), before a noun
  only that parameter's description uses ("3 dice": "how many dice to roll") or after a one-letter name
  ("a=2") to that parameter;
* :func:`stated_text`: an optional text parameter of a recognisable role the request fills without naming
  it: a time of day ("at 20:30" for ``time``, a description "as HH:MM"), the unit written after a number
  ("radius 4 meters" for ``units``), a file extension (".csv" for ``extension``), a person after "by"
  ("by Herman Melville" for ``author``);
* :func:`named_options`: the enum options the request names: by the option's word
  (:func:`mentioned_options`), a verb its quoted gloss opens with ('"append" adds to it'), else
  (:func:`enum_synonyms`) by a derived word ("heating" -> ``heat``) or the words the parameter's
  description glosses it with ("imperial (fahrenheit)");
* :func:`unit_sides`: a ``from_*``/``to_*`` pair of enum parameters with the same options takes the two
  options the request names, the one written after the number (or after "from") as the source
  ("100 degrees Fahrenheit to Celsius", "how many feet is 5 kilometers");
* :func:`own_spans`: a required text parameter's spans of the request lose those holding a word of the
  tool's name, another parameter's name or the opening verb ("Add 2 phone chargers to the basket" -> "phone chargers");
* :func:`leading_verb`: the verb an imperative request opens with ("*remove* 30 seconds from the timer",
  "*close* the curtains"), which says what to do and never names a thing (no ``name: "remove"``);
* :func:`reserved_numbers`: the numbers an optional number parameter may not take, because the
  required number parameters left unbound need every one of them ("$250,000 at 6.5% for 30 years":
  no ``extra_payment: 30``).

Every function only reads the request and the schema; none invents a value the request does not state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from agentfn._values import parameter_kind, times_in

__all__ = [
    "enum_synonyms",
    "leading_verb",
    "marked_numbers",
    "mentioned_options",
    "named_options",
    "number_lists",
    "own_spans",
    "reserved_numbers",
    "stated_switch",
    "stated_text",
    "stated_value",
    "unit_sides",
]

_NUM = r"-?\d+(?:,\d{3})*(?:\.\d+)?"
_RUN = re.compile(rf"(?<![\w.-]){_NUM}(?:\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s+)(?<![\w.-]){_NUM})+(?![\w.])")


def _value(token: str) -> int | float:
    v = float(token.replace(",", ""))
    return int(v) if v.is_integer() else v


def number_lists(request: str, integer: bool = False) -> list[list[int | float]]:
    """The runs of two or more numbers the request lists, each as the list it writes."""
    out: list[list[int | float]] = []
    for match in _RUN.finditer(request):
        values = [_value(t) for t in re.findall(rf"(?<![\w.]){_NUM}", match.group())]
        if integer and any(isinstance(v, float) for v in values):
            continue
        if len(values) >= 2 and values not in out:
            out.append(values)
    return out


_WORD = re.compile(r"[a-z]+")
_NEGATION = re.compile(r"\b(?:without|no|not|never|exclude|excluding|skip|don't|dont|omit)\b(?:\s+\w+){0,2}\s*$")
_COMMON = frozenset(["a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "with", "by", "as", "at", "is", "be", "it", "its", "from", "into", "than", "instead", "also", "only", "this", "that", "these", "those", "their", "them", "any", "all", "each", "other", "use", "used", "using", "include", "including", "includes", "add", "keep", "set", "value", "values", "whether", "should", "true", "false", "if", "when", "will", "return", "returns"])


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _parts(name: str) -> list[str]:
    return [p.lower() for p in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name) if p]


def stated_switch(name: str, schema: Mapping[str, Any], others: str, request: str) -> bool | None:
    """The boolean ``name`` the request states (see the module docstring); ``others``: the tool's name,
    description and other parameters' names and descriptions, whose words say nothing of this switch."""
    other = {_stem(w) for w in _words(others)}
    cues = {_stem(p) for p in _parts(name) if len(p) >= 4 and p not in _COMMON}
    cues |= {_stem(w) for w in _words(str(schema.get("description", "")))
             if len(w) >= 4 and w not in _COMMON and _stem(w) not in other}
    low = request.lower()
    for match in _WORD.finditer(low):
        if _stem(match.group()) in cues:
            return not _NEGATION.search(low[: match.start()])
    return None


_PERCENT_NAME = re.compile(r"percent|\brate\b|_rate|rate_|^rate$|\bpct\b|%")
_MONEY_NAME = re.compile(r"amount|price|principal|bill|cost|balance|budget|salary|payment|fee|total|income|fund|deposit")
_PERCENT = re.compile(rf"(?<![\w.])({_NUM})\s*(?:%|percent\b|per\s*cent\b)")
_MONEY = re.compile(rf"[$€£¥]\s*({_NUM})|(?<![\w.])({_NUM})\s*(?:dollars?|euros?|pounds?|yen|bucks|[A-Z]{{3}}\b)")


def _about(name: str, schema: Mapping[str, Any]) -> str:
    return f"{' '.join(_parts(name))} {schema.get('description', '')}".lower()


def _found(pattern: re.Pattern[str], request: str) -> list[int | float]:
    return [_value(next(g for g in m.groups() if g)) for m in pattern.finditer(request)]


def marked_numbers(props: Mapping[str, Any], names: Sequence[str], request: str) -> dict[str, list[int | float]]:
    """Per number parameter of ``names``, the numbers the request marks as its own (see the module docstring).

    A mark binds only when exactly one of ``names`` takes it (two percent parameters: neither is bound).
    """
    schemas = {n: cast("Mapping[str, Any]", props[n]) for n in names}
    percent = [n for n in names if _PERCENT_NAME.search(_about(n, schemas[n]))]
    money = [n for n in names if n not in percent and _MONEY_NAME.search(_about(n, schemas[n]))]
    out: dict[str, list[int | float]] = {}
    for group, pattern in ((percent, _PERCENT), (money, _MONEY)):
        group = [n for n in group if "default" not in schemas[n]] if len(group) > 1 else group  # the one it needs
        if len(group) == 1 and (values := _found(pattern, request)):
            out[group[0]] = list(dict.fromkeys(values))
    lasts = {n: _parts(n)[-1] for n in names if _parts(n)}
    for n, unit in lasts.items():
        if n in out or list(lasts.values()).count(unit) != 1:
            continue
        # "70 kg" for weight_kg; "a 20-sided die" for sides (a one-word name: its stem opens the word)
        tail = rf"\s*{re.escape(unit)}\b" if len(_parts(n)) >= 2 else rf"[\s-]{re.escape(unit.rstrip('s'))}\w*" if len(unit) >= 4 else None
        if tail and (values := [_value(v) for v in re.findall(rf"(?<![\w.])({_NUM}){tail}", request, re.I)]):
            out[n] = values
    for m in re.finditer(rf"(?<![\w.])({_NUM})[\s-]([a-z]{{3,}})", request, re.I):  # "3 dice": "how many dice"
        noun = _singular(m.group(2).lower())
        takers = [n for n in names if noun in {_singular(w) for w in _words(str(schemas[n].get("description", "")))}]
        if len(takers) == 1 and takers[0] not in out:
            out[takers[0]] = [_value(m.group(1))]
    for n in [n for n in names if len(n) == 1 and n not in out]:  # "a=2, b=-3"
        if values := [_value(v) for v in re.findall(rf"\b{re.escape(n)}\s*(?:=|:|is)\s*({_NUM})", request)]:
            out[n] = values
    return out


def mentioned_options(options: Sequence[Any], request: str) -> list[Any]:
    """The enum options the request names (whole words, plural or stem)."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", request)}
    stems = {w[:5] for w in words if len(w) >= 5}
    found: list[Any] = []
    for option in options:
        text = str(option).lower()
        if text in words or text + "s" in words or text.rstrip("s") in words or (len(text) >= 5 and text[:5] in stems):
            found.append(option)
    return found


def _glossed(options: Sequence[Any], description: str, request: str) -> list[Any]:
    """The options whose gloss in the parameter's description opens with a verb the request uses:
    '"append" adds to it' names ``append`` for "Add 'water the plants' to todo.md"."""
    words = {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z]+", request)}
    found: list[Any] = []
    for option in options:
        gloss = re.search(rf"[\"'`]{re.escape(str(option))}[\"'`]\s+([A-Za-z]+)", description)
        if gloss and len(verb := gloss.group(1).lower().rstrip("s")) >= 3 and verb in words:
            found.append(option)
    return found


def named_options(options: Sequence[Any], description: str, request: str) -> list[Any]:
    """The enum options the request names, by the first way that names any (see the module docstring)."""
    return (mentioned_options(options, request) or _glossed(options, description, request)
            or enum_synonyms(options, description, request))


def reserved_numbers(props: Mapping[str, Any], required: set[str], bound: Mapping[str, Sequence[Any]],
                     numbers: Sequence[int | float]) -> set[float]:
    """The request's ``numbers`` no optional number may take: every one left after the ``bound`` ones, when
    the required number parameters not bound are at least as many (each needs one of them)."""
    claimed = {abs(v) for values in bound.values() for v in values}
    free = [v for v in numbers if abs(v) not in claimed]
    needy = [n for n in required if n not in bound and isinstance(props.get(n), Mapping)
             and parameter_kind(n, cast("Mapping[str, Any]", props[n])) == "number"]
    return {abs(v) for v in free} if needy and len(free) <= len(needy) else set()


def enum_synonyms(options: Sequence[Any], description: str, request: str) -> list[Any]:
    """The options the request names by a derived word or by the description's gloss of them."""
    words = set(_words(request))
    stems = {_stem(w) for w in words}
    found = [o for o in options if len(str(o)) >= 3 and str(o).lower() in stems]
    if found:
        return found
    for option in options:
        gloss = re.search(rf"\b{re.escape(str(option))}\s*\(([^)]*)\)", description, re.I)
        if gloss and any(w in words for w in _words(gloss.group(1)) if len(w) >= 3 and w not in _COMMON):
            found.append(option)
    return found


_TIME_FIELD = re.compile(r"hh:mm|time of day|\bclock\b")
_PERSON = re.compile(r"^(?:author|artist|composer|director|writer|creator|singer|band|by)$")
_BY_NAME = re.compile(r"\bby\s+((?:[A-Z][\w'.-]*\s*){1,4})")
_EXTENSION = re.compile(r"(?<![\w/])\.([A-Za-z][A-Za-z0-9]{0,5})\b(?!\.)")


def stated_text(name: str, schema: Mapping[str, Any], request: str, times: Sequence[str], others: Sequence[str]) -> list[str]:
    """Values of the optional text parameter ``name`` the request states by its role (see the module
    docstring); ``times``: the request's clock times (HH:MM); ``others``: the other parameters' names."""
    parts = _parts(name)
    about = _about(name, schema)
    if "time" in parts or _TIME_FIELD.search(about):
        return list(times)
    if parts and parts[-1] in ("unit", "units"):
        taken = {p for o in others for p in _parts(o)}
        found = re.findall(rf"(?<![\w.]){_NUM}\s*([A-Za-z]+)", request)
        return list(dict.fromkeys(u for u in found if u.lower() not in taken and u.lower() not in _COMMON))
    if (parts and parts[-1] in ("extension", "ext", "suffix")) or "file type" in about:
        return list(dict.fromkeys(_EXTENSION.findall(request)))
    if parts and _PERSON.match(parts[-1]):
        return [m.strip() for m in _BY_NAME.findall(request)]
    return []


def stated_value(name: str, schema: Mapping[str, Any], function: Mapping[str, Any], properties: Mapping[str, Any],
                 request: str) -> dict[str, Any] | None:
    """The schema of ``name`` narrowed to the value(s) the request states for it by :func:`stated_switch` or
    (an optional text, ``Optional[str]`` included) :func:`stated_text`; None when it states none that way.

    ``function``: the tool's OpenAI function spec; ``properties``: its parameters as given."""
    options = schema.get("anyOf")
    kept = [b for b in cast("list[dict[str, Any]]", options) if b.get("type") != "null"] if isinstance(options, list) else []
    inner = {**kept[0], **{k: v for k, v in schema.items() if k != "anyOf"}} if len(kept) == 1 else dict(schema)
    required = name in cast("list[str]", cast("Mapping[str, Any]", function.get("parameters") or {}).get("required") or [])
    if inner.get("type") == "boolean":
        others = json.dumps([function.get("name"), function.get("description"),
                             {k: v for k, v in properties.items() if k != name}])
        flag = stated_switch(name, inner, others, request)
        return None if flag is None else {**inner, "enum": [flag]}
    if required or "enum" in inner or parameter_kind(name, inner) not in ("text", "other"):
        return None
    values = stated_text(name, inner, request, times_in(request), [n for n in properties if n != name])
    return {k: v for k, v in inner.items() if k not in ("maxLength", "minLength", "pattern", "format")} | {"enum": values} \
        if values else None


_IMPERATIVE = re.compile(r"^\s*([A-Za-z]+)\s+(?:(?:the|a|an|my|our|all|every|this|that|these|those|some)\b|\d)", re.I)


_NOT_VERBS = frozenset(re.findall(r"\w+", "what which how who when where why is are was can could do does did will "
                                            "would i it there all the a an my our this that these those some"))


def leading_verb(request: str) -> set[str]:
    """The opening verb of an imperative request (lower case), as a set; empty when it opens otherwise."""
    match = _IMPERATIVE.match(request)
    word = match.group(1).lower() if match else ""
    return {word} if word and word not in _NOT_VERBS else set()


_SIDES = (("from_", "to_"), ("source_", "target_"), ("input_", "output_"))


def _mention(option: str, request: str) -> int | None:
    match = re.search(rf"\b{re.escape(option.rstrip('s'))}", request, re.I)
    return match.start() if match else None


def unit_sides(props: Mapping[str, Any], request: str) -> dict[str, dict[str, Any]]:
    """The ``from_*``/``to_*`` enum pairs narrowed to one option each (see the module docstring); {} when
    the request does not name exactly two of their options or does not say which is the source."""
    out: dict[str, dict[str, Any]] = {}
    for first, second in _SIDES:
        for name in [n for n in props if n.startswith(first)]:
            other = second + name[len(first):]
            a, b = cast("Mapping[str, Any]", props[name]), cast("Mapping[str, Any]", props.get(other) or {})
            options = [o for o in cast("list[Any]", a.get("enum") or []) if isinstance(o, str)]
            if not options or sorted(options) != sorted(cast("list[Any]", b.get("enum") or [])) or len(options) != 2:
                continue
            at = {o: _mention(o, request) for o in options}
            if any(v is None for v in at.values()):
                continue
            source = [o for o in options if re.search(
                rf"(?:{_NUM}\s*(?:[a-z]+\s+)?|\bfrom\s+){re.escape(o.rstrip('s'))}", request, re.I)]
            if len(source) == 1:
                target = next(o for o in options if o != source[0])
                out[name], out[other] = {**a, "enum": source}, {**b, "enum": [target]}
    return out


def own_spans(values: Sequence[Any], avoid: set[str], request: str, quoted: Sequence[str]) -> list[Any]:
    """``values`` without the unquoted spans of ``request`` that hold a word of ``avoid`` (or a word one of them
    opens, "remind" for "reminder"); ``values`` as given when that would leave none."""
    def foreign(value: Any) -> bool:
        if not isinstance(value, str) or value in quoted or value not in request:
            return False
        tokens = re.findall(r"[\w'-]+", value.lower())  # "new_password", "task_1": one token, not "password"
        return any(w in avoid or any(len(w) >= 4 and a.startswith(w) for a in avoid) for w in tokens)

    kept = [v for v in values if not foreign(v)]
    return kept or list(values)
