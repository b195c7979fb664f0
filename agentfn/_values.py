"""Typed values in a request and the kinds of value tool parameters take.

Shared by parameter-fill re-ranking (:mod:`agentfn.fill`) and extractive constrained decoding
(:mod:`agentfn.backends._extract`). Value kinds found in text: ``date`` (ISO dates and
date-times), ``url``, ``file`` (``name.ext``), ``json`` (a JSON document), ``csv`` (a pasted
table: the lines after the first), ``code`` (function calls such as ``print(x)``), ``number``,
``quoted`` (text in quotes) and ``question`` (a question about a quoted passage, not about its form
nor a choice among listed labels). Parameters are of one of those kinds or ``timezone`` (IANA
names), ``question`` (a parameter named so), ``math`` (an arithmetic expression), ``expression``
(a query language or pattern), ``text`` (any other string) or ``other`` (enums, booleans, objects, unions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, cast

from agentfn._named_dates import MONTH_YEAR, WORDED_DATE, named_days, strip_holiday_years

__all__ = [
    "code_spans",
    "combine_compound_quantities",
    "dates_in",
    "json_documents",
    "json_paths",
    "listed_options",
    "mentioned_spans",
    "name_parts",
    "number_words",
    "numbers_in_request",
    "parameter_kind",
    "parameter_kinds",
    "pasted_table",
    "questions_in",
    "quote_safe",
    "quoted_spans",
    "relative_days",
    "request_values",
    "request_words",
    "spell_out_numbers",
    "stem",
    "strip_values",
    "table_rows",
    "times_in",
]

_RELATIVE = re.compile(r"\b(?:until|till|since|ago|from (?:now|today)|left until|(?:have|has) passed)\b", re.I)
_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)")
_CLOCK = re.compile(r"(?<![\d:.])(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\b\.?", re.I)
_NOON = re.compile(r"\b(noon|midday|midnight)\b", re.I)
_TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::\d{2})?(?![\d:])")
_URL = re.compile(r"https?://[^\s'\"<>]+[^\s'\"<>.,;:!?)]")
_FILE = re.compile(r"(?<![\w/.:-])[\w-]+(?:/[\w.-]+)*\.[A-Za-z][A-Za-z0-9]{0,4}(?![\w.])")
_NUMBER = re.compile(r"(?<![\w.:/-])-?\d+(?:,\d{3})*(?:\.\d+)?%?(?![\w:]|-(?![a-z]+\b(?!-)))")  # "20-sided": 20
_QUOTED = re.compile(r"(?<!\w)'((?:[^']|(?<=[^\W\d_])'(?=[^\W\d_])){2,})'(?!\w)|\"([^\"]{2,})\"|`([^`]{2,})`|“([^”]{2,})”")
"""Quoted text; in single quotes an apostrophe between letters is part of it ('I've been here')."""
_WORD_GOES_ON = re.compile(r"\w|\.\w")  # "hello" in "hello.txt" is no word of its own
_CODE = re.compile(r"\b[A-Za-z_][\w.]*\([^()]*(?:\([^()]*\)[^()]*)*\)")
_NAME_STOP = {"get", "set", "the", "and", "for", "new", "all", "use", "info"}


def json_documents(text: str) -> list[str]:
    """The JSON objects and arrays written in ``text``, as written."""
    found: list[str] = []
    decoder = json.JSONDecoder()
    i = 0
    while i < len(text):
        if text[i] in "{[":
            try:
                _, end = decoder.raw_decode(text, i)
            except ValueError:
                i += 1
                continue
            found.append(text[i:end])
            i = end
        else:
            i += 1
    return found


def quoted_spans(text: str) -> list[str]:
    """Text in single, double, back or curly quotes."""
    return [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(text)]


_MENTIONED = re.compile(
    r"\bthe\s+(?:word|term|name)\s+(?!(?:count|counts|limit|length|order|list|cloud|frequenc\w*|for|of|in|on|and|or|is|"
    r"that|with|by)\b)([A-Za-z][A-Za-z'-]*[A-Za-z])\b", re.I)


def mentioned_spans(text: str) -> list[str]:
    """Text the request quotes, and a word it names without quotes ("how many letters in *the word* encyclopedia",
    "translate the word hello"): both are the text to work on, not words of the request's own sentence."""
    return list(dict.fromkeys([*quoted_spans(text), *(m.group(1) for m in _MENTIONED.finditer(text))]))


def quote_safe(span: str, text: str) -> bool:
    """Whether ``span`` can be read from ``text`` without cutting a quotation: some place where it
    occurs is either one quotation whole or lies outside all of them ("'hello world'" gives
    ``hello world``, never ``hello`` nor ``world' to a file``). Quoted text is copied whole."""
    quotes = [m.span(next(i for i, g in enumerate(m.groups(), 1) if g is not None)) for m in _QUOTED.finditer(text)]
    start = text.find(span) if span else -1
    while start >= 0:
        end = start + len(span)
        whole = not _WORD_GOES_ON.match(text, end) and not (start and _WORD_GOES_ON.match(text[start - 1 : start]))
        if whole and all((start, end) == (a, b) or end < a or start > b for a, b in quotes):
            return True
        start = text.find(span, start + 1)
    return False


_DELIMITER = re.compile(r"[,;\t|]")


def table_rows(text: str) -> bool:
    """Whether ``text`` is the rows of a table: two or more non-empty lines, each holding a delimiter
    (comma, semicolon, tab or ``|``), or each a single field (a one-column table: "values\n3\n9")."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return len(lines) >= 2 and (all(_DELIMITER.search(ln) for ln in lines) or all(" " not in ln for ln in lines))


def pasted_table(text: str) -> str | None:
    """The table pasted under a request's first line ("average age in this CSV?\nname,age\n..."), or None."""
    rows = "\n".join(text.strip().splitlines()[1:]).strip()
    return rows if table_rows(rows) else None


def code_spans(text: str) -> list[str]:
    """Code after a colon or in backticks that contains a function call, e.g. ``print(sum(range(101)))``."""
    spans = [s for s in re.findall(r"`([^`]+)`", text) if _CODE.search(s)]
    after = re.split(r":\s+", text, maxsplit=1)
    if len(after) == 2 and _CODE.search(after[1]):
        spans.append(after[1].strip())
    spans += [m.group() for m in _CODE.finditer(text)]
    return list(dict.fromkeys(spans))


_ARTICLES = re.compile(r"^(?:a|an|the|as|either|is it|it is)\s+", re.I)


def listed_options(text: str) -> list[str]:
    """The choices a request lists, e.g. "billing, shipping or a technical issue" -> billing, shipping,
    technical issue; "spam or not spam" (or "spam or not") -> spam, not spam. Empty when it lists none."""
    rest = _QUOTED.sub(" | ", text)
    for segment in re.split(r"[:?|.!;]", rest):
        match = re.search(r"((?:[\w'-]+(?: [\w'-]+){0,2}, )*[\w'-]+(?: [\w'-]+){0,2}),? or ([\w'-]+(?: [\w'-]+){0,2})",
                          segment)
        if match is None:
            continue
        left = [p.strip() for p in match.group(1).split(",")]
        items = [left[0].split()[-1], *left[1:], match.group(2)]
        if len(left) == 1:  # "as spam or not spam": the first option is as long as the second ...
            width = len(match.group(2).split())
            negated = match.group(2).split()[1:] if match.group(2).lower().startswith("not ") else []
            if negated and left[0].split()[-len(negated):] == negated:  # ... or the one "not" negates
                width = len(negated)
            items[0] = " ".join(left[0].split()[-width:])
        cleaned = [_ARTICLES.sub("", i).strip() for i in items]
        if len(cleaned) == 2 and cleaned[1].lower() == "not":  # "spam or not": the second is "not spam"
            cleaned[1] = f"not {cleaned[0]}"
        options = list(dict.fromkeys(c for c in cleaned if c))
        if len(options) >= 2:
            return options
    return []


def json_paths(document: str, limit: int = 200) -> list[str]:
    """JSONPath expressions that select the keys of a JSON document: ``$.a.b``, ``$.items[*].name``, ``$..name``."""
    try:
        value: Any = json.loads(document)
    except ValueError:
        return []
    paths: list[str] = []
    keys: list[str] = []

    def walk(node: Any, path: str) -> None:
        if len(paths) >= limit:
            return
        if isinstance(node, dict):
            for key, child in cast("dict[str, Any]", node).items():
                keys.append(key)
                paths.append(f"{path}.{key}")
                walk(child, f"{path}.{key}")
        elif isinstance(node, list) and node:
            paths.append(f"{path}[*]")
            walk(cast("list[Any]", node)[0], f"{path}[*]")

    walk(value, "$")
    return list(dict.fromkeys([*paths, *(f"$..{k}" for k in keys)]))


def dates_in(text: str) -> list[str]:
    """ISO dates and date-times written in ``text``."""
    return list(dict.fromkeys(m.group() for m in _DATE.finditer(text)))


def times_in(text: str) -> list[str]:
    """Clock times (``HH:MM``, ``9am``, ``3:30 pm``, noon, midnight) outside ISO date-times, as ``HH:MM``."""
    rest = _DATE.sub(" ", text)
    found: list[str] = []
    for h, m, half in _CLOCK.findall(rest):
        hour = int(h) % 12 + (12 if half.lower() == "p" else 0)
        if int(h) <= 12 and int(m or 0) < 60:
            found.append(f"{hour:02d}:{m or '00'}")
    rest = _CLOCK.sub(" ", rest)
    found += [f"{int(h):02d}:{m}" for h, m in _TIME.findall(rest) if int(h) < 24 and int(m) < 60]
    found += [{"noon": "12:00", "midday": "12:00", "midnight": "00:00"}[w.lower()] for w in _NOON.findall(rest)]
    return list(dict.fromkeys(found))


def strip_values(text: str) -> str:
    """``text`` without URLs, JSON documents, code, quoted text and dates (and years after holidays)."""
    rest = _URL.sub(" ", text)
    for doc in json_documents(rest):
        rest = rest.replace(doc, " ")
    rest = _QUOTED.sub(" ", _CODE.sub(" ", rest))
    return strip_holiday_years(MONTH_YEAR.sub(" ", WORDED_DATE.sub(" ", _DATE.sub(" ", rest))))


_SMALL_WORDS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"])} | {"dozen": 12}
_TENS_WORDS = {w: 10 * (i + 2) for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])}
_SCALE_WORDS = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_ANY_NUMBER_WORD = "|".join([*_TENS_WORDS, *_SMALL_WORDS, *_SCALE_WORDS])
_BELOW_HUNDRED = "|".join([*_TENS_WORDS, *_SMALL_WORDS])
_AND_REST = (rf"(?:(?<=hundred)|(?<=thousand)|(?<=million))\s+and\s+(?:{_BELOW_HUNDRED})(?:[\s-]+(?:{_BELOW_HUNDRED}))?"
             rf"\b(?![\s-]+(?:{'|'.join(_SCALE_WORDS)}))")
"""The British "and" after a scale word: "three hundred and forty two" is 342, "two thousand and five" 2005
(not "two hundred and three hundred": a scale word after the "and" starts a second number)."""
_NUMBER_WORD = re.compile(
    rf"\b(?:{_ANY_NUMBER_WORD})(?:[\s-]+(?:{_ANY_NUMBER_WORD}))*(?:{_AND_REST})?\b(?=(?:\s+(\w+))?)", re.I)
_MEASURE = re.compile(r"(?:year|month|week|day|hour|minute|second|mile|km|kilo|metre|meter|pound|ounce|"
                      r"foot|feet|inch|litre|liter|gallon|cup|spoon|degree|percent|time|person|people|item|piece)",
                      re.I)


def _word_value(match: re.Match[str], lone_one: bool = False) -> int | None:
    words = [w for w in re.split(r"[\s-]+", match.group(0).lower()) if w != "and"]
    if words == ["one"] and not lone_one and not (match.group(1) and _MEASURE.match(match.group(1))):
        return None
    total, current = 0, 0
    for w in words:
        if w in _SCALE_WORDS:
            current = max(current, 1) * _SCALE_WORDS[w]
            if _SCALE_WORDS[w] >= 1000:
                total, current = total + current, 0
        else:
            current += _SMALL_WORDS.get(w, 0) + _TENS_WORDS.get(w, 0)
    return total + current


def number_words(text: str) -> list[float]:
    """Numbers written in words ("twelve", "forty-two", "three hundred"); a lone "one" only before a
    measure ("one year"), since "one" is also a pronoun."""
    return [float(v) for m in _NUMBER_WORD.finditer(text) if (v := _word_value(m)) is not None]


_DAY_WORDS = re.compile(r"\b(?:the\s+day\s+(after|before)\s+)?(tomorrow|yesterday)\b", re.I)


def relative_days(text: str, today: date) -> list[str]:
    """The ISO dates of the days ``text`` names relative to ``today``: "tomorrow", "yesterday", "the day after
    tomorrow" (a date counted from tomorrow, "3 weeks from tomorrow", starts there)."""
    found: list[str] = []
    for m in _DAY_WORDS.finditer(text):
        shift = (1 if m.group(2).lower() == "tomorrow" else -1) + {"after": 1, "before": -1}.get((m.group(1) or "").lower(), 0)
        found.append((today + timedelta(days=shift)).isoformat())
    return list(dict.fromkeys(found))


def spell_out_numbers(text: str, lone_one: bool = False) -> str:
    """``text`` with the numbers written in words (:func:`number_words`) written in digits;
    ``lone_one``: also a lone "one" (in arithmetic it is a number, not a pronoun)."""
    def digits(match: re.Match[str]) -> str:
        value = _word_value(match, lone_one)
        return match.group(0) if value is None else str(value)

    return _NUMBER_WORD.sub(digits, text)


# A quantity written in two units, the larger first: "6 feet 2 inches" is 6 + 2/12 feet.
_PARTS: dict[tuple[str, str], float] = {
    ("f", "i"): 12, ("p", "o"): 16, ("s", "p"): 14, ("h", "m"): 60, ("m", "s"): 60, ("d", "h"): 24, ("w", "d"): 7,
    ("y", "m"): 12, ("k", "g"): 1000, ("g", "m"): 1000, ("m", "c"): 100,
}
_COMPOUND = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*(feet|foot|ft|pounds?|lbs?|stones?|st|hours?|hrs?|h|minutes?|mins?|days?|weeks?|"
    r"years?|yrs?|kg|kilo(?:gram)?s?|grams?|g|m|metres?|meters?)\s*(?:,\s*|and\s+)?(\d+(?:\.\d+)?)\s*"
    r"(inch(?:es)?|in|\"|ounces?|oz|pounds?|lbs?|minutes?|mins?|min|m|seconds?|secs?|s|hours?|hrs?|days?|months?|"
    r"grams?|g|milligrams?|mg|centimet(?:re|er)s?|cm)(?![\w.])",
    re.I,
)


def _unit_key(unit: str) -> str:
    """A unit's key in :data:`_PARTS`: its first letter, but i(nch), p(ound), c(entimetre), k(ilogram)
    and m for milligram, metre, minute and month (the pair tells them apart)."""
    u = unit.lower()
    for key, starts in (("i", ("in", '"')), ("p", ("lb", "pound")), ("c", ("cm", "centi")), ("k", ("kg", "kilo")),
                        ("m", ("mg", "milli", "mo"))):
        if u.startswith(starts):
            return key
    return u[0]


def _combined(match: re.Match[str]) -> str:
    big, small = _unit_key(match.group(2)), _unit_key(match.group(4))
    factor = _PARTS.get((big, small))
    if factor is None:
        return match.group(0)
    value = float(match.group(1)) + float(match.group(3)) / factor
    return f"{round(value, 6)!r} {match.group(2)}"


def combine_compound_quantities(text: str) -> str:
    """``text`` with quantities written in two units as one number in the larger ("6 feet 2 inches"
    -> "6.16667 feet", "2 hours 30 minutes" -> "2.5 hours")."""
    return _COMPOUND.sub(_combined, text)


# "a function that adds two numbers": how many operands some code takes, not a value of the request
_OPERAND_COUNT = re.compile(
    rf"\b(?:\d+|{_ANY_NUMBER_WORD})\s+(?:numbers|values|integers|floats|strings|arguments|parameters|inputs)\b", re.I)


def numbers_in_request(text: str) -> list[float]:
    """Numbers written outside dates, file names, quotes, code and JSON (``17.5%`` is 17.5), then
    numbers written in words (:func:`number_words`); a quantity in two units is one number
    (:func:`combine_compound_quantities`); a count of operands ("adds *two numbers*") is none."""
    rest = _FILE.sub(" ", combine_compound_quantities(_OPERAND_COUNT.sub(" ", strip_values(text))))
    values: list[float] = []
    for raw in _NUMBER.findall(rest):
        try:
            values.append(float(raw.rstrip("%").replace(",", "")))
        except ValueError:
            continue
    return values + [v for v in number_words(rest) if v not in values]


def request_values(text: str) -> dict[str, int]:
    """How many values of each kind the request holds (see the module docstring).

    Values inside JSON, code or quotes count only as that document, code or quote (a quoted URL
    alone is a URL).
    """
    csv = 1 if pasted_table(text) is not None else 0
    body = text.splitlines()[0] if csv else text
    no_url = _URL.sub(" ", body)
    docs = json_documents(no_url)
    rest = no_url
    for doc in docs:
        rest = rest.replace(doc, " ")
    code = len(_CODE.findall(rest))
    rest = _CODE.sub(" ", rest)
    quoted = len(_QUOTED.findall(rest))
    rest = _QUOTED.sub(" ", rest)
    dates = len(_DATE.findall(rest)) + len(WORDED_DATE.findall(rest))  # ISO or "March 3, 2025"
    dates += named_days(rest)  # "until Christmas", "in February 2028", "next Friday" name dates
    # Words and times inside a quoted passage are the passage's, not the request's ("'... opens at 9am'").
    dates += 1 if _RELATIVE.search(rest) else 0  # "until X": today is the other end
    dates += len(times_in(rest)) if not dates else 0  # "at 9am in London", "between 9:30 and 17:15": today then
    numbers = len(numbers_in_request(body)) or (1 if _ONE_MEASURE.search(body) else 0)
    urls = len(_URL.findall(_QUOTED.sub(" ", body))) + sum(1 for q in quoted_spans(body) if _URL.fullmatch(q.strip()))
    asks = (bool(_QUESTION.search(rest)) and not _FORM_QUESTION.search(rest) and not listed_options(body)
            and any(len(q.split()) >= _PASSAGE_WORDS for q in quoted_spans(body)))
    return {"date": dates, "url": urls, "file": len(_FILE.findall(_DATE.sub(" ", rest))),
            "json": len(docs), "csv": csv, "code": code, "number": numbers, "quoted": quoted, "question": int(asks)}


# A question about a quoted passage ("who founded the company? 'The company was founded by ...'")
_QUESTION = re.compile(r"\b(?:who|whom|whose|when|where|which|why|what|how)\b[^?]*\?", re.I)
_PASSAGE_WORDS = 6
def questions_in(text: str) -> list[str]:
    """The questions a request asks outside its quotes ("Who built it? 'The tower was...'" -> "Who built it?")."""
    rest = _QUOTED.sub(" ", text)
    return [" ".join(m.group(0).split()) for m in re.finditer(r"[^.?!:'\"]*\?", rest) if _QUESTION.search(m.group(0))]


# ... but not one about its form ("how many words are in '...'") nor a choice among listed labels
_FORM_QUESTION = re.compile(r"\bhow\s+(?:many|long)\s+(?:words|characters|letters|sentences|lines|paragraphs|"
                            r"syllables|vowels)\b", re.I)


# "how many weeks are in a year": one of a measure is the amount
_ONE_MEASURE = re.compile(rf"\bhow\s+(?:many|much)\b.*\b(?:in|per)\s+(?:a|an|one)\s+{_MEASURE.pattern}", re.I)


def request_words(text: str) -> set[str]:
    """The words of the request's first line outside file names, URLs, JSON, code and quotes (lower case)."""
    first = text.splitlines()[0] if text else ""
    return set(re.findall(r"[a-z]+", _FILE.sub(" ", strip_values(first)).lower()))


def stem(word: str) -> str:
    """A crude stem: the first five letters (``summary`` and ``summarize`` share ``summa``)."""
    return word[:5] if len(word) >= 5 else word


def name_parts(name: str) -> list[str]:
    """The words of a tool name (``convert_units`` -> ``convert``, ``units``), common verbs left out."""
    return [p for p in re.split(r"[_\W]+", name.lower()) if len(p) >= 3 and p not in _NAME_STOP]


def parameter_kind(name: str, schema: Mapping[str, Any]) -> str:
    """The kind of value a parameter takes, from its type, name and description."""
    types: Any = schema.get("type")
    type_set = {str(t) for t in cast("list[Any]", types)} if isinstance(types, list) else {str(types)}
    if "anyOf" in schema or "oneOf" in schema:
        options = cast("list[Any]", schema.get("anyOf") or schema.get("oneOf"))
        return "json" if len(options) > 2 else "other"
    words = f"{name} {schema.get('description', '')}".lower()
    if type_set & {"number", "integer"}:
        return "number"
    if "enum" in schema or "const" in schema or "string" not in type_set:
        return "other"
    lname = name.lower()
    if any(w in words for w in ("jsonpath", "regex", "regular expression", "glob", "xpath", "sql")):
        return "expression"
    if "url" in words.split() or lname in ("url", "uri", "link"):
        return "url"
    if "iana" in words or lname in ("timezone", "time_zone", "tz", "zone", "to_timezone", "from_timezone"):
        return "timezone"
    if "iso 8601" in words or lname in ("date", "datetime", "start", "end", "when"):
        return "date"
    if lname in ("path", "file", "filename", "file_path", "filepath"):
        return "file"
    if "pattern" in lname and not (type_set & {"object", "array"}):
        return "expression"  # a filter ("*.csv"), not the document it names
    if "csv" in words:
        return "csv"
    if lname in ("code", "source", "program", "script"):
        return "code"
    if lname == "question":
        return "question"
    if "json" in words and "jsonpath" not in words:
        return "json"
    if lname in ("expression", "formula", "equation") and not any(
        w in words for w in ("jsonpath", "regex", "regular", "glob", "sql", "xpath", "query")
    ):
        return "math"
    if "expression" in words or "formula" in words or "pattern" in lname:
        return "expression"
    return "text"


def parameter_kinds(spec: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """``(name, kind, required)`` for each parameter of an OpenAI-format tool spec."""
    fn_any: Any = spec.get("function", spec)
    fn = cast("Mapping[str, Any]", fn_any)
    params = cast("Mapping[str, Any]", fn.get("parameters") or {})
    props = cast("Mapping[str, Any]", params.get("properties") or {})
    required = set(cast("list[str]", params.get("required") or []))
    return [(n, parameter_kind(n, cast("Mapping[str, Any]", s)), n in required) for n, s in props.items()]
