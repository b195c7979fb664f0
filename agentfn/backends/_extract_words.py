"""Which words of a request belong to which parameter: numbers a parameter name cues, and the spans left free.

Rules of :func:`agentfn.backends._extract.extractive_spec` read the request this way:

* ``named_numbers``: a number parameter whose name is written next to a number of the request
  ("a triangle with *base* 10 and *height* 5", "10 *minutes* and 30 *seconds*", "a *radius* of 4")
  takes that number (and only it); the other number parameters take the numbers no name claims.
  A name of several words (``start_seconds``) cues a number when its last word is next to it and
  its other words are in the request.
* ``optional_text_spans``: an optional text parameter without a default (the tool sees its absence,
  so leaving it out is not neutral: Home Assistant's ``area``, ``name``), of a tool with no required
  text parameter (when there is one, the request's words are most likely its), is narrowed to spans of the
  request built of *free* words (:func:`free_spans`): no number, no word that names another
  parameter or the tool, and no word naming one of another parameter's enum options
  ("the *lights*" is ``domain: light``, not a name). Without the rule such a parameter is left out.

Rule ``exclusive_spans`` refines ``optional_text_spans`` (:func:`placed_spans`, :func:`exclusive_branches`): a
free span is never the request's first word alone (the command's verb: "*set* kitchen fans", "*close*
the door"); a parameter whose own name is written in the request ("the second *floor*") takes only the
spans holding it; and of several such parameters (``name``, ``area``, ``floor``) at most one is given (a
small model otherwise copies "kitchen" into all three).

:func:`text_spans` gives the word spans of a request that text parameters take.

Rule ``shaped_values`` reads three shapes of value (they replace the word spans where such a value fits):

* :func:`identifier_tokens`: an identifier parameter (``reservation_id``, ``user_id``, an IBAN, a file
  ID) takes the request's identifier-shaped tokens (letters with digits, ``snake_case_123``, digit
  strings) instead of word spans; when its description gives an example ("such as '8JX2WO'") only
  the tokens of the example's shape (the same classes of characters and separators);
* :func:`date_format`: a text parameter whose description gives a date pattern ("format
  YYYY-MM-DD", "'YYYY-MM-DD HH:MM'") or that is named ``day``/``*_date`` takes dates, written in that pattern;
* :func:`domains_in`: a URL parameter also takes bare domains ("www.example.com").

:func:`mentioned_zones` gives the IANA zones a request names (by city or full name), for time-zone parameters.
:func:`instruction_spans` gives whole clauses for a parameter that holds what to do (a task, a prompt).
:func:`names_parameter` and :func:`names_flag` tell whether a request names a parameter or mentions a switch.

The rules are on by default; :func:`extraction_rules` turns them off for a block (benchmarks compare
the arms side by side in one run).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from collections.abc import Generator, Iterable, Mapping, Sequence
from typing import Any, cast

from agentfn._named_dates import HOLIDAY_WORDS

__all__ = [
    "EXTRACTION_RULES",
    "MAX_SPAN_WORDS",
    "active_rules",
    "date_format",
    "domains_in",
    "exclusive_branches",
    "extraction_rules",
    "format_date",
    "free_spans",
    "identifier_tokens",
    "instruction_spans",
    "is_format_template",
    "is_identifier",
    "length_limit_values",
    "mentioned_zones",
    "name_words",
    "named_numbers",
    "names_flag",
    "names_parameter",
    "placed_spans",
    "text_spans",
    "time_zones",
    "used_words",
]

EXTRACTION_RULES: tuple[str, ...] = ("named_numbers", "optional_text_spans", "shaped_values", "exclusive_spans")
"""The rules :func:`extraction_rules` can turn off (all are on by default)."""

_RULES: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "agentfn_extraction_rules", default=frozenset(EXTRACTION_RULES)
)


def active_rules() -> frozenset[str]:
    """The extraction rules on in this context."""
    return _RULES.get()


@contextlib.contextmanager
def extraction_rules(rules: Iterable[str]) -> Generator[None]:
    """Within the block (and the tasks and threads it starts), only ``rules`` of :data:`EXTRACTION_RULES` are on.

    Raises:
        ValueError: a rule that is not one of :data:`EXTRACTION_RULES`.
    """
    chosen = frozenset(rules)
    unknown = chosen - set(EXTRACTION_RULES)
    if unknown:
        raise ValueError(f"unknown extraction rules {sorted(unknown)}; known: {', '.join(EXTRACTION_RULES)}")
    token = _RULES.set(chosen)
    try:
        yield
    finally:
        _RULES.reset(token)


_TOKEN = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?%?|[A-Za-z]+")
_GLUE = frozenset({"of", "is", "to", "=", "equal", "equals", "at", "with", "be", "as"})


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def name_words(name: str) -> list[str]:
    """The lower-case singular words of a parameter or tool name (``start_seconds`` -> ``start``, ``second``)."""
    parts = re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name)
    return [_singular(p.lower()) for p in parts if len(p) > 1]


_TEXT_UNITS = frozenset({"word", "line", "sentence", "paragraph", "character", "char", "bullet", "point"})


def length_limit_values(name: str, request: str) -> list[int] | None:
    """For a number parameter that bounds the length of a text (``max_words``, ``num_sentences``), the numbers the
    request writes right before its unit ("in 20 words", "a 50-word story"); None for other parameters. Other
    numbers are no length: "from 9 to 5" in the passage, "a two-line poem" (lines, not words)."""
    words = name_words(name)
    if not words or words[-1] not in _TEXT_UNITS:
        return None
    unit = re.escape(words[-1])
    found = re.findall(rf"(?<![\w.])(\d+)(?:\s+|-)(?:{unit}s?)\b", request, re.I)
    return [int(v) for v in dict.fromkeys(found)]


def _value(token: str) -> float | None:
    try:
        return float(token.rstrip("%").replace(",", ""))
    except ValueError:
        return None


def named_numbers(request: str, names: Sequence[str]) -> dict[str, list[float]]:
    """Per parameter of ``names``, the numbers of ``request`` its name is written next to (see the module docstring).

    "next to": the name's last word right after the number ("10 minutes"), or else before it, up to one
    glue word apart ("base 10", "radius of 4", "height = 5"), when that word is not itself the unit of an
    earlier number ("1 hour 10 minutes": 10 is the minutes').
    """
    tokens = [m.group() for m in _TOKEN.finditer(request)]
    words = [_singular(t.lower()) for t in tokens]
    is_number = [t[:1].isdigit() or (t[:1] == "-" and len(t) > 1) for t in tokens]
    present = set(words)
    lasts: dict[str, str] = {}
    for name in names:
        parts = name_words(name)
        if parts and all(p in present for p in parts[:-1]):
            lasts[name] = parts[-1]
    units = set(lasts.values())
    out: dict[str, list[float]] = {}
    for i, token in enumerate(tokens):
        value = _value(token) if is_number[i] else None
        if value is None:
            continue
        after = words[i + 1] if i + 1 < len(words) else ""
        j = i - 1
        if j >= 0 and words[j] in _GLUE:
            j -= 1
        before = words[j] if j >= 0 and not is_number[j] and not (j > 0 and is_number[j - 1]) else ""
        cue = after if after in units else before
        for name, last in lasts.items():
            if last == cue:
                out.setdefault(name, [])
                if value not in out[name]:
                    out[name].append(value)
    return out


def used_words(tool_name: str, parameter: str, properties: Mapping[str, Any]) -> set[str]:
    """Words that belong to something other than ``parameter``: the tool's name, other parameters' names,
    and the enum options of other parameters."""
    used = set(name_words(tool_name.rsplit("__", 1)[-1]))
    for other, schema in properties.items():
        if other == parameter:
            continue
        used.update(name_words(other))
        enum: Any = cast("Mapping[str, Any]", schema).get("enum") if isinstance(schema, Mapping) else None
        for option in cast("list[Any]", enum) if isinstance(enum, list) else []:
            if isinstance(option, str):
                used.update(name_words(option))
    return used


def free_spans(spans: Iterable[str], used: set[str]) -> list[str]:
    """The ``spans`` none of whose words is a number or in ``used`` (singular, lower case)."""
    out: list[str] = []
    for span in spans:
        words = [w.strip(".,;:!?()[]{}\"'") for w in span.split()]
        if any(_BARE_NUMBER.fullmatch(w) for w in words if w):
            continue  # a number belongs to a number parameter; an identifier such as "US1330..." is text
        if any(_singular(t.lower()) in used for t in re.findall(r"[A-Za-z]+", span)):
            continue
        out.append(span)
    return out


_BARE_NUMBER = re.compile(r"[-+]?[\d.,%]+")


_ID_NAME = re.compile(r"(?:^|_)(?:id|ids|zip|zipcode|postcode|postal|code|number|no|phone|pin|account|iban)(?:$|_)"
                      r"|[a-z](?:Id|Code|Number)$", re.I)
_ID_WORDS = re.compile(r"\b(?:ID|IBAN|identifier|confirmation number|reservation number|order number|email address(?:es)?)\b")
_EXAMPLE = re.compile(r"(?:such as|e\.g\.|for example|for instance|like|example)[:,]?\s*['\"`]([^'\"`\s]+)['\"`]", re.I)
_ID_TOKEN = re.compile(r"[A-Za-z0-9][\w.@+-]*[A-Za-z0-9]|\d")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_identifier(name: str, description: str) -> bool:
    """Whether a text parameter holds an identifier: its name (``*_id``, ``zip``, ``account``) or its
    description ("The reservation ID", "IBAN of the recipient") says so."""
    return bool(_ID_NAME.search(name) or _ID_WORDS.search(description))


def _signature(token: str) -> tuple[frozenset[str], tuple[str, ...]]:
    classes = frozenset("A" if c.isupper() else "a" if c.isalpha() else "9" for c in token if c.isalnum())
    return classes, tuple(c for c in token if not c.isalnum())


def identifier_tokens(request: str, description: str = "") -> list[str]:
    """The request's identifier-shaped tokens (see the module docstring), of the example's shape when the
    description gives one and some token has it."""
    found: list[str] = []
    for match in _ID_TOKEN.finditer(request):
        token = match.group()
        if _ISO_DAY.match(token) or re.fullmatch(r"\d+[.,]\d+", token):
            continue  # a date or a decimal number is not an identifier
        digits = any(c.isdigit() for c in token)
        letters = any(c.isalpha() for c in token)
        email = "@" in token and "." in token.split("@")[-1]
        if (digits and letters) or token.isdigit() or (len(token) >= 5 and token.isupper()) or email:
            found.append(token)
    found = list(dict.fromkeys(found))
    emails = [t for t in found if "@" in t]
    if emails and re.search(r"\be-?mail", description, re.I):
        return emails  # "the email addresses of the recipients"
    examples = _EXAMPLE.findall(description)
    if examples:
        shapes = {_signature(e): len(e) for e in examples}
        shaped = [t for t in found if _signature(t) in shapes and 0.5 <= len(t) / shapes[_signature(t)] <= 2]
        return shaped or found
    return found


_TEMPLATE = re.compile(r"^(?:YYYY|YY|MM|DD|HH|hh|mm|ss|SS)(?:[-:/ .T]?(?:YYYY|YY|MM|DD|HH|hh|mm|ss|SS))*$")


def is_format_template(text: str) -> bool:
    """Whether ``text`` is a date or time pattern ("YYYY-MM-DD HH:MM", "HH:MM"): a format, not a value."""
    return bool(_TEMPLATE.match(text.strip()))


def date_format(name: str, description: str) -> str | None:
    """The date pattern a text parameter's description gives ("YYYY-MM-DD", "YYYY-MM-DD HH:MM"), or
    "YYYY-MM-DD" for a parameter named ``day``/``date``/``*_date``; None otherwise."""
    found = re.search(r"YYYY-MM-DD(?:[ T]HH:MM(?::SS)?)?", description)
    if found:
        return found.group()
    words = name_words(name)
    return "YYYY-MM-DD" if words and words[-1] in ("day", "date") else None


def format_date(value: str, pattern: str) -> str | None:
    """``value`` (an ISO date or date-time) written in ``pattern``, or None when it lacks a part the pattern needs."""
    day, _, time = value.partition("T")
    if not _ISO_DAY.fullmatch(day):
        return None
    if "HH" not in pattern:
        return day
    if not time:
        return None
    sep = "T" if "THH" in pattern else " "
    return f"{day}{sep}{time[:8] if pattern.endswith(':SS') else time[:5]}"


_DOMAIN = re.compile(r"(?<![\w@/.-])(?:www\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*"
                     r"\.(?:com|org|net|io|dev|ai|edu|gov|co|uk|de|fr|info|app)(?:/[^\s'\"<>]*[^\s'\"<>.,;:!?)])?(?![\w@-])",
                     re.I)


def domains_in(request: str) -> list[str]:
    """Bare domains and their paths written in ``request`` ("www.example.com", "example.org/docs")."""
    return list(dict.fromkeys(m.group() for m in _DOMAIN.finditer(request)))


def placed_spans(spans: Sequence[str], name: str, request: str) -> list[str]:
    """The free ``spans`` of parameter ``name`` under rule ``exclusive_spans`` (see the module docstring)."""
    words = request.split()
    lead = words[0].lower() if len(words) > 1 else None
    kept = [s for s in spans if s.lower() != lead]
    own = set(name_words(name))
    holding = [s for s in kept if own & {_singular(w.lower()) for w in re.findall(r"[A-Za-z]+", s)}]
    return holding or kept


def exclusive_branches(params: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """``params`` (an object schema) as alternatives in which at most one of the optional parameters ``names`` is given."""
    props = cast("Mapping[str, Any]", params.get("properties") or {})
    base = {k: v for k, v in props.items() if k not in names}
    required = list(cast("list[str]", params.get("required") or []))
    branches = [{"type": "object", "properties": {**base, n: props[n]}, "required": [*required, n],
                 "additionalProperties": False} for n in names]
    branches.append({"type": "object", "properties": base, "required": required, "additionalProperties": False})
    return {"anyOf": branches}


@functools.cache
def time_zones() -> list[str]:
    """Every IANA zone name (UTC first); none without a tz database."""
    try:
        import zoneinfo

        zones = sorted(zoneinfo.available_timezones())
    except Exception:  # no tz database: leave time zones unconstrained
        return []
    return zones if "UTC" in zones else ["UTC", *zones]


def mentioned_zones(request: str) -> list[str]:
    """IANA zones the request names: the full name, or its city part ("New York", "Tokyo"), or UTC/GMT."""
    text = " " + re.sub(r"[^a-z0-9/+-]+", " ", request.lower()) + " "
    found: list[str] = []
    for zone in time_zones():
        city = zone.rsplit("/", 1)[-1].replace("_", " ").lower()
        if city in HOLIDAY_WORDS:  # "until Christmas" is a day, not Indian/Christmas
            continue
        if f" {zone.lower()} " in text or (len(city) > 3 and "/" in zone and f" {city} " in text):
            found.append(zone)
    for short in ("UTC", "GMT"):
        if f" {short.lower()} " in text and short not in found:
            found.append(short)
    return found


MAX_SPAN_WORDS = 12
_TRIM = " \t\n.,;:!?()[]{}\"'“”‘’`"
_FILLER = frozenset(
    "a an the of in into to from for on at by and or with as is are was be been it its this that these those "  # noqa: SIM905
    "how many much what whats what's which who when where why i me my you your we our please can could would "
    "will do does tell give show say get make find convert translate count compute calculate summarize classify "
    "extract write read list fetch run execute".split()
)
_VERBS = frozenset({"is", "are", "was", "were"})
_NUMERIC = re.compile(r"[-+]?[\d.,%]+")


def text_spans(text: str, max_words: int = MAX_SPAN_WORDS) -> list[str]:
    """Word spans of ``text`` up to ``max_words`` words, end punctuation trimmed, that neither start nor
    end with a filler word ("how", "many", "the", "convert"...), hold no "is"/"are" inside and are not
    a bare number: values are rarely framed so (numbers go to number parameters)."""
    words = [m for m in re.finditer(r"\S+", text)]
    filler = [w.group().strip(_TRIM).lower() in _FILLER for w in words]
    spans: list[str] = []
    for i in range(len(words)):
        if filler[i]:
            continue
        for j in range(i, min(len(words), i + max_words)):
            if filler[j]:
                continue
            span = text[words[i].start() : words[j].end()].strip(_TRIM)
            inner = {w.group().strip(_TRIM).lower() for w in words[i + 1 : j]}
            if span and not inner & _VERBS and not _NUMERIC.fullmatch(span):
                spans.append(span)
    return list(dict.fromkeys(spans))


_INSTRUCTION_NAMES = frozenset({"task", "prompt", "instruction", "instructions", "goal"})
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def instruction_spans(name: str, request: str) -> list[str]:
    """Whole clauses for a parameter that holds what to do (``task``, ``prompt``, ``instruction(s)``,
    ``goal``): from each word that is no filler to the end of its sentence, so "a function that checks
    if a number is prime" is offered whole (:func:`text_spans` stops before "is", which frames values,
    not instructions). Empty for other parameters."""
    if name.lower() not in _INSTRUCTION_NAMES:
        return []
    spans: list[str] = []
    for sentence in _SENTENCE_END.split(request):
        words = list(re.finditer(r"\S+", sentence))
        for w in words[:-1]:
            if w.group().strip(_TRIM).lower() not in _FILLER:
                spans.append(sentence[w.start():].strip(_TRIM))
    return [s for s in dict.fromkeys(spans) if s]


def _name_words(name: str, request: str, shortest: int) -> tuple[list[str], set[str]]:
    """The words of a parameter name longer than ``shortest`` letters, and the request's words (lower case)."""
    parts = [p for p in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name.lower()) if len(p) > shortest]
    return parts, set(re.findall(r"[a-z]+", request.lower()))


def names_parameter(name: str, request: str) -> bool:
    """Whether the request names the parameter: every word of its name (``subject``, ``due date``) appears."""
    parts, words = _name_words(name, request, 2)
    return bool(parts) and all(p in words or p + "s" in words for p in parts)


def names_flag(name: str, request: str) -> bool:
    """Whether the request mentions a switch: a word of its name of four letters or more ("header")."""
    parts, words = _name_words(name, request, 3)
    return any(p in words or p + "s" in words or (len(p) > 6 and any(w.startswith(p[:6]) for w in words)) for p in parts)
