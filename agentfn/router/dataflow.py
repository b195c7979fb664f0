"""Data flow between tools: which tool's output fills another's input, and what a request already gives.

A tool's inputs are its parameters; its outputs are the fields of its return
schema (``return_schema``: ``@tool`` return types, MCP ``outputSchema``,
OpenAPI responses), nested fields flattened with their parents' words. A tool
without a return schema still has outputs: the object words of its name
(``search_airports`` -> airport) and of a "Returns ..." phrase in its
description, trusted less.

:func:`flow_score` matches an output to an input by words (name parts, light
synonyms such as lat/latitude, a little of the input's description) and JSON
types. :func:`missing_inputs` says which required inputs the request leaves
open: each input has a *kind* (coordinates, id, code, email, url, phone, date,
number, option, text) and the request's values are counted per kind
(:class:`RequestValues`); free text and options are assumed given, unless the
request names the value by a relation ("the capital of Peru") that some tool's
output answers (:func:`relation_flow`). Traces teach
(:mod:`agentfn.router.flowstats`) which producer filled which input;
:mod:`agentfn.router.chain` builds the chain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentfn.router.brands import brand_words
from agentfn.router.text import ToolRecord, split_name, tokenize

__all__ = [
    "ACTIONS",
    "IOSlot",
    "RequestValues",
    "ToolIO",
    "fill_score",
    "flow_score",
    "is_payload",
    "missing_inputs",
    "name_words",
    "reads_source",
    "relation_flow",
    "slot_key",
    "tool_io",
    "weak_words",
]

_SYNONYMS = {
    "lat": "latitude", "lng": "longitude", "lon": "longitude", "long": "longitude", "coord": "coordinates",
    "coordinate": "coordinates", "coords": "coordinates", "geo": "coordinates", "addr": "address", "loc": "location",
    "zipcode": "zip", "postcode": "zip", "postal": "zip", "tz": "timezone", "qty": "quantity", "amt": "amount",
    "num": "number", "nbr": "number", "msg": "message", "img": "image", "pic": "image", "photo": "image",
    "usr": "user", "username": "user", "acct": "account", "org": "organization", "repo": "repository",
    "desc": "description", "temp": "temperature", "doc": "document", "uid": "id", "uuid": "id", "guid": "id",
    "identifier": "id", "ident": "id", "ids": "id", "ticker": "symbol", "sym": "symbol", "mail": "email",
    "e": "email", "cur": "currency", "ccy": "currency", "dt": "date", "datetime": "date", "timestamp": "date",
    "total": "amount", "link": "url", "uri": "url", "href": "url", "website": "url", "tel": "phone", "mobile": "phone",
}
_GENERIC = frozenset(
    ["get", "fetch", "retrieve", "search", "find", "lookup", "look", "list", "query", "show", "read", "return", "give", "value", "data", "info", "information", "result", "output", "input", "param", "parameter", "detail", "object", "item", "record", "entry", "api", "response", "request", "by", "new", "current", "default", "specific", "given", "provided", "field", "v1", "v2", "v3", "all", "one"]
)
_SECRET = frozenset(["api", "secret", "access", "private", "public", "license", "encryption", "sort", "primary", "auth"])
"""Words that make a ``key`` a credential or a setting, not the identifier of a thing (``location_key``)."""
_WEAK = frozenset(["id", "name", "code", "number", "key", "type", "title"])
_REFERENCE = frozenset(["number", "reference", "locator", "pnr", "confirmation"])
"""Name words of a string that identifies a record ("order number", ``booking_reference``)."""
_CODE = frozenset(["code", "iata", "icao", "symbol", "sku", "isbn", "slug", "handle"])
_VERBS = frozenset(
    ["get", "fetch", "retrieve", "search", "find", "lookup", "look", "list", "query", "show", "read", "convert", "calculate", "compute", "check", "create", "make", "resolve", "translate", "send", "post", "update", "delete", "set", "add", "remove", "generate", "geocode", "locate", "detect"]
)
ACTIONS = frozenset(
    ["create", "add", "send", "post", "reply", "forward", "delete", "remove", "cancel", "update", "modify", "edit",
     "set", "book", "reserve", "purchase", "buy", "pay", "transfer", "archive", "move", "upload", "write", "publish",
     "schedule", "invite", "share", "submit", "approve", "reject", "close", "trigger", "restart", "reset", "disable",
     "enable", "acknowledge", "ack", "assign", "mark", "complete", "refund", "return", "exchange", "checkout", "request",
     "order", "start", "stop", "pause", "play", "mute", "unmute", "kill", "revoke", "grant", "rename", "insert", "append"]
)
"""Verbs that change state (stemmed as :func:`~agentfn.router.text.tokenize` does)."""
_RETURNS_FIRST = re.compile(r"\b(?:returns?|outputs?|yields?)\s+([^.;:]+)", re.I)
_RETURNS = re.compile(r"\b(?:returns?|gives?|provides?|outputs?|yields?|retrieves?|gets?|fetch(?:es)?|finds?|looks? up)\s+([^.;:]+)", re.I)


def _words(text: str) -> list[str]:
    """Words of a name (``getUserId`` -> get, user, id; ``lat1`` -> latitude), synonyms unified."""
    out: list[str] = []
    for w in tokenize(" ".join(split_name(text))):
        bare = w.rstrip("0123456789")
        w = bare if len(bare) >= 2 else w
        out.append(_SYNONYMS.get(w, w))
    return out


def weak_words() -> frozenset[str]:
    """Name words too common to link an output to an input by themselves (``id``, ``name``, ``code``...)."""
    return _WEAK


def name_words(name: str) -> list[str]:
    """Words of a tool or field name as data flow compares them (split, stemmed, synonyms unified)."""
    return _words(name)


def _text_words(text: str) -> frozenset[str]:
    """Content words of prose (no camel splitting: ``IMDb`` stays one word), synonyms unified."""
    return frozenset(_SYNONYMS.get(w, w) for w in tokenize(text.lower()) if w not in _GENERIC)


def slot_key(name: str) -> str:
    """Normalised key of an input or output name (``userId`` and ``user_id`` share one)."""
    return " ".join(w for w in _words(name) if w not in _GENERIC) or name.lower()


@dataclass(frozen=True)
class IOSlot:
    """One input or output of a tool."""

    name: str
    words: frozenset[str]
    """Content words of the name (and of parent fields, for nested outputs)."""
    desc: frozenset[str] = frozenset()
    type: str = "any"
    kind: str = "text"
    required: bool = False
    inferred: bool = False
    """An output guessed from the tool's name or description (no return schema)."""


@dataclass(frozen=True)
class ToolIO:
    name: str
    inputs: tuple[IOSlot, ...]
    outputs: tuple[IOSlot, ...]
    object_words: frozenset[str]
    """The tool name's words that are not verbs or filler (``get_user_email`` -> user, email)."""
    text_words: frozenset[str] = frozenset()
    """Content words of the name and description (what a request mentioning the tool would say)."""
    actions: frozenset[str] = frozenset()
    """Verbs of the name that change something (``create``, ``send``, ``cancel``...): such a tool
    is pulled in as a producer only when the request asks for that action."""
    brands: frozenset[str] = frozenset()
    """Brand words of a plain tool name (:func:`~agentfn.router.brands.brand_words`: ``zohoMailArchiveEmail`` -> zoho)."""


def _type(schema: dict[str, Any]) -> str:
    t: Any = schema.get("type")
    if isinstance(t, list):
        t = next((str(x) for x in t if x != "null"), "any")  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    return t if isinstance(t, str) else "any"


def _items(schema: dict[str, Any]) -> dict[str, Any]:
    items: Any = schema.get("items")
    return items if isinstance(items, dict) else {}  # pyright: ignore[reportUnknownVariableType]


def _kind(words: frozenset[str], desc: frozenset[str], schema: dict[str, Any]) -> str:
    """What sort of value an input or output holds (decides how a request can give it)."""
    t, fmt = _type(schema), str(schema.get("format") or "")
    if "enum" in schema or t == "boolean":
        return "option"
    if words & {"latitude", "longitude", "coordinates"}:
        return "coord"
    if fmt == "email" or "email" in words:
        return "email"
    if fmt in ("uri", "url") or "url" in words:
        return "url"
    if fmt in ("ipv4", "ipv6") or "ip" in words:
        return "ip"
    if "phone" in words:
        return "phone"
    if fmt in ("date", "date-time", "time") or (words & {"date", "time"} and t not in ("number", "integer")):
        return "date"  # a number about dates (``date_diff`` -> days, ``time_in_seconds``) is a quantity
    if "id" in words or (t in ("string", "any") and words & _REFERENCE) or ("key" in words and not words & _SECRET):
        return "id"  # an "order number" or "tracking number" is an identifier, not a quantity
    if words & _CODE or ("code" in desc and t == "string" and not words - _WEAK - {"airport", "country", "currency"}):
        return "code"
    if t == "array" and "name" in words | desc and _type(_items(schema)) in ("string", "any") and words - _WEAK:
        return "names"  # ``hotel_names``: a list of named things, which a lookup (``get_all_hotels_in_city``) lists
    if t in ("number", "integer"):
        return "number"
    return "text"


def _slot_words(name: str, schema: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """(name words, description words); a name with no content word (``to``, ``q``) borrows its description's."""
    desc = _text_words(str(schema.get("description") or ""))
    words = frozenset(w for w in _words(name) if w not in _GENERIC)
    return words or frozenset(_words(name)) or desc, desc


def _flatten(props: dict[str, Any], parent: frozenset[str], depth: int) -> list[IOSlot]:
    out: list[IOSlot] = []
    for key, raw in props.items():
        schema: dict[str, Any] = raw if isinstance(raw, dict) else {}  # pyright: ignore[reportUnknownVariableType]
        words, desc = _slot_words(str(key), schema)
        out.append(IOSlot(str(key), words | parent, desc, _type(schema), _kind(words, desc, schema)))
        inner = schema.get("properties")
        items = schema.get("items")
        if not isinstance(inner, dict) and isinstance(items, dict):
            inner = items.get("properties")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if isinstance(inner, dict) and depth < 2:
            out += _flatten(inner, parent | (words - _WEAK), depth + 1)  # pyright: ignore[reportUnknownArgumentType]
    return out


def tool_io(rec: ToolRecord) -> ToolIO:
    """Inputs and outputs of a tool, from its schemas (or, for outputs, its name and description)."""
    required = rec.parameters.get("required")
    req_set = {str(r) for r in required} if isinstance(required, list) else None  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    inputs: list[IOSlot] = []
    for pname, schema in rec.param_items():
        words, desc = _slot_words(pname, schema)
        kind = _kind(words, desc, schema)
        # No "required" list: an input without a default that a request rarely spells out counts as required.
        is_req = pname in req_set if req_set is not None else ("default" not in schema and kind in ("coord", "id", "code"))
        inputs.append(IOSlot(pname, words, desc, _type(schema), kind, is_req))
    name_words = [w for w in _words(rec.name)]
    objects = frozenset(w for w in name_words if w not in _VERBS and w not in _GENERIC)
    outputs: list[IOSlot] = []
    rs = rec.return_schema or {}
    props = rs.get("properties")
    items = rs.get("items")
    if not isinstance(props, dict) and isinstance(items, dict):
        props = items.get("properties")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if isinstance(props, dict) and props:
        outputs = _flatten(props, frozenset(), 0)  # pyright: ignore[reportUnknownArgumentType]
    elif rs:
        title = str(rs.get("title") or "")
        words = frozenset(w for w in _words(title) if w not in _GENERIC) | objects
        said = _RETURNS_FIRST.search(str(rs.get("description") or "")) or _RETURNS_FIRST.search(rec.description)
        if said:  # one plain value ("-> str"): what the description says it returns names it
            words |= {w for w in (_SYNONYMS.get(w, w) for w in tokenize(said.group(1).lower())[:6]) if w not in _GENERIC}
        outputs = [IOSlot(title or "result", words, frozenset(), _type(rs), _kind(words, frozenset(), rs))]
    if not outputs:
        guess = set(objects)
        m = _RETURNS_FIRST.search(rec.description) or _RETURNS.search(rec.description)
        if m:
            phrase = [_SYNONYMS.get(w, w) for w in tokenize(m.group(1).lower())][:6]
            guess |= {w for w in phrase if w not in _GENERIC}
        if guess:
            words = frozenset(guess)
            outputs = [IOSlot("result", words, frozenset(), "any", _kind(words, frozenset(), {}), inferred=True)]
    text_words = frozenset(w for w in _words(rec.name) if w not in _GENERIC) | _text_words(rec.description)
    actions = frozenset(w for w in name_words if w in ACTIONS)
    return ToolIO(rec.name, tuple(inputs), tuple(outputs), objects, text_words, actions, brand_words(rec.name, rec.description))


def _weight(w: str) -> float:
    return 0.5 if w in _WEAK else 1.0


_COMPATIBLE = {("integer", "number"), ("number", "integer")}
_SOURCE = frozenset(["file", "filename", "path", "page", "webpage", "document"])


def is_payload(slot: IOSlot) -> bool:
    """Whether an input takes the material a tool works on (``text``, ``content``, ``body``...), not a setting."""
    return slot.kind == "text" and bool(slot.words & _PAYLOAD)


def reads_source(io: ToolIO) -> bool:
    """Whether a tool takes a web address or a file (its required input) and returns the whole of it."""
    return any(s.required and (s.kind == "url" or s.words & _SOURCE) for s in io.inputs)
_SPECIFIC = frozenset({"coord", "email", "url", "ip", "phone"})
_MATERIAL = frozenset(["text", "content", "contents", "body", "passage", "summary", "transcript", "translated", "translation",
                       "markdown", "html"])
"""Output words of material another tool can work on (a read file's ``content``, a ``summary``)."""


def flow_score(src: ToolIO, dst: IOSlot) -> float:
    """How well one of ``src``'s outputs fills the input ``dst`` (0..1).

    The input's name words must meet an output's words (or, for an output
    guessed from the tool's name, the tool's object words); the score is the
    matched share of the input's name words, plus a little for matched
    description words, halved when JSON types clash and discounted for guessed
    outputs.
    """
    need = dst.words
    total = sum(_weight(w) for w in need) or 1.0
    best = 0.0
    for out in src.outputs:
        have: frozenset[str] = out.words | (src.object_words if out.inferred or out.name == "result" else frozenset[str]())
        if dst.kind in _SPECIFIC and out.kind == dst.kind:
            best = max(best, 0.8 if out.inferred else 0.9)  # an email fills an email, whatever the names say
        if is_payload(dst) and out.type in ("string", "any") and out.name in ("result", "") and reads_source(src):
            best = max(best, 0.7)  # a reader of a page or file hands over its text
        if is_payload(dst) and out.kind == "text" and out.words <= _MATERIAL and not out.inferred:
            best = max(best, 0.8 if reads_source(src) else 0.7)  # a file's ``content``, a summary: material to work on
        hit = need & have
        if not hit or (hit <= _WEAK and not (need - _WEAK) <= (have | src.object_words)):
            continue  # "id" alone matches only when the input's other words name this tool's object
        score = sum(_weight(w) for w in hit) / total
        rest = (need - hit) & src.object_words
        score += 0.8 * sum(_weight(w) for w in rest) / total
        score += 0.1 * min(len((dst.desc - need) & (out.words | src.object_words)), 2)
        clash = dst.type != "any" and out.type != "any" and dst.type != out.type and (dst.type, out.type) not in _COMPATIBLE
        # A string output that lists names fills a list of names; a list fills an input that takes one of its items.
        listed = (dst.kind == "names" and out.type == "string") or (dst.kind == "text" and out.type == "array")
        # An id, code or date may be written as a number; a number that is a quantity (days between two dates) is none.
        as_text = dst.type == "string" and dst.kind in ("id", "code", "date") and out.kind != "number"
        if clash and not listed and not as_text:
            score *= 0.5
        if out.inferred:
            score *= 0.8
        best = max(best, min(score, 1.0))
    return best


_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*(?![\w])")
_DECIMAL = re.compile(r"(?<![\w.])[-+]?\d{1,3}\.\d+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+|\b[\w-]+\.(?:com|org|net|io|dev|ai)\b", re.I)
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
_IDLIKE = re.compile(r"(?<![\w@])(?=[\w-]*\d)(?=[\w-]*[A-Za-z_-])[\w-]{3,}|\b\d{4,}\b|\b[0-9a-f]{8}-[0-9a-f-]{27}\b")
_SHORT_NUMBER = re.compile(r"(?<![\w.#-])#?\d{1,3}(?![\w.,:/-])")
_CODELIKE = re.compile(r"\b[A-Z][A-Z0-9]{1,5}\b")
_QUOTED = re.compile(r"\"[^\"]+\"|(?<!\w)'[^'\n]+'(?!\w)|`[^`]+`")
_IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b|\b(?:[0-9a-f]{1,4}:){4,7}[0-9a-f]{1,4}\b", re.I)
_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b(?:today|tomorrow|tonight|yesterday|now|"
    r"mon|tues|wednes|thurs|fri|satur|sun)(?:day)?\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\s+\d{1,4}(?:st|nd|rd|th)?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|\bnext\s+(?:week|month|year)\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b",
    re.I,
)
# A file the request names ("notes.txt", "reports/q1.csv"): what it holds is not in the request.
_FILE_NAME = re.compile(r"(?<![\w@/.])(?:[\w-]+/)*[\w-]+\.(?:txt|md|csv|tsv|json|jsonl|log|ya?ml|xml|html?|py|ini|cfg|toml|rst|pdf|docx?|xlsx?|pptx?|odt|rtf|epub)\b", re.I)
_PASTED = re.compile(r":\s*\S(?:.*\s){3,}", re.S)  # "... this text: <four or more words>"
_PAYLOAD = frozenset(["text", "content", "contents", "document", "body", "passage"])
"""Words of an input that takes the material a tool works on (``text_stats(text)``), not a parameter of it."""
# "a channel", "all users", "the channel starting with ...": a thing described, not named ("the channel
# named X" / "called X" names it, and "the 'general' channel" puts the name first).
_DESCRIBED = re.compile(
    r"\b(?:an?|each|every|all|any|which)\s+([a-z]+)\b(?!\s+(?:named|called)\b)"
    r"|\bthe\s+([a-z]+)\s+(?:that|which|where|who|whose|with|starting|ending|containing|having)\b"
    r"|\b(?:the|my|our|your)\s+(?:(?:very|most)\s+)?(?:latest|newest|last|recent|oldest|first|previous|current|unread)"
    r"\s+(?:unread\s+)?([a-z]+)\b",
    re.I,
)
# "the capital of Peru", "the CEO of Acme": a value named by its relation to a named thing (capitalised or
# quoted); "Japan's currency" the same, possessive first.
_RELATION = re.compile(r"\bthe\s+([A-Za-z]+)\s+of\s+(?:the\s+)?(?=[A-Z\"'])|\b[A-Z][\w-]*'s\s+([a-z]+)\b")
_NOT_RELATIONS = frozenset(["rest", "end", "top", "most", "best", "first", "last", "middle", "start", "beginning",
                            "part", "kind", "type", "sort", "list", "number", "name", "one", "result", "same"])
_NUMWORDS = frozenset(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty", "hundred", "thousand", "dozen"])
_NOT_CODES = frozenset(["I", "A", "OK", "AM", "PM", "ID"])
_AMOUNT_VERBS = frozenset(["convert", "calculate", "compute", "add", "send", "pay", "transfer", "buy", "sell", "book",
                           "reserve", "withdraw", "deposit", "multiply", "divide", "subtract", "give", "charge", "refund"])
"""Verbs whose number is an amount, not the identifier of a thing ("convert 250")."""


@dataclass
class RequestValues:
    """How many values of each kind a request spells out (inputs it can fill without another tool).

    An id or code right after a content word is *labelled* by it ("order
    55123"): it can fill only an input whose words include the label, so an
    order number does not pass for a tracking number.
    """

    counts: dict[str, int] = field(default_factory=dict[str, int])
    words: frozenset[str] = frozenset()
    labels: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    """Per kind (``id``, ``code``), the label of each value ("" when unlabelled)."""
    file_only: bool = False
    """The request names a file ("notes.txt") or a web page and holds no text of its own (quoted or pasted):
    an input that takes the material a tool works on (``text``, ``content``, ``body``...) is open, for a
    reader to fill."""
    squashed: str = ""
    """The request lower-cased without spaces or punctuation ("EasyPost" -> easypost): where a service's name is looked for."""
    described: frozenset[str] = frozenset()
    """Things the request describes instead of naming ("*a* channel with the most users", "*the* channel
    *starting with* ...", "*all* users"): an input that takes one of them by name is open, for a lookup to fill."""
    relations: frozenset[str] = frozenset()
    """Values the request names by their relation to something it names ("the *capital* of Peru",
    "Japan's *currency*"): a tool's output of that name gives the value (:func:`relation_flow`)."""
    digit_ids: tuple[str, ...] = ()
    """Labels of the numbers that may identify a thing ("order 90412" -> order): a tool whose id input takes
    one has that number no more for an amount (:func:`missing_inputs`)."""

    @classmethod
    def of(cls, text: str) -> RequestValues:
        quoted = len(_QUOTED.findall(text))
        # A date or a time ("2025-05-05", "May 5", "7:30") holds no amounts of its own.
        numbers = len(_NUMBER.findall(_DATE.sub(" ", text))) + sum(1 for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMWORDS)
        # A date ("2025-03-10") or a time is a date, not an identifier.
        ids = [lab for m in _IDLIKE.finditer(text) if not _DATE.fullmatch(m.group())
               and not ((lab := _label(text, m.start())) in _AMOUNT_VERBS and m.group().isdigit())]
        # A short number right after a content word ("ticket 993", "order 42") is an identifier of that thing.
        # Not inside a date ("August 12"), nor after a verb that takes an amount ("convert 250", "add 3").
        dates = [m.span() for m in _DATE.finditer(text)]
        short = [(m, lab) for m in _SHORT_NUMBER.finditer(text) if (lab := _label(text, m.start())) and lab not in _AMOUNT_VERBS
                 and not any(a <= m.start() < b for a, b in dates)]
        ids += [lab for _, lab in short]
        # Labels of the numbers that may identify a thing ("order 90412"): one an id input takes is no amount too.
        digit_ids = tuple(lab for _, lab in short) + tuple(
            lab for m in _IDLIKE.finditer(text) if m.group().isdigit() and (lab := _label(text, m.start())) not in ("", *_AMOUNT_VERBS))
        codes = [_label(text, m.start()) for m in _CODELIKE.finditer(text) if m.group() not in _NOT_CODES]
        counts = {
            "coord": len(_DECIMAL.findall(text)),
            "email": len(_EMAIL.findall(text)),
            "url": len(_URL.findall(text)),
            "phone": len(_PHONE.findall(text)),
            "ip": len(_IP.findall(text)),
            "date": len(_DATE.findall(text)),
            "number": numbers,
        }
        counts["names"] = quoted  # a list of named things is given only by naming them in quotes
        labels = {"id": ids + [""] * quoted, "code": codes + ids + [""] * quoted}
        # Named files and no text of their own: a tool that works on text needs the file read first.
        file_only = bool(_FILE_NAME.search(text) or _URL.search(_EMAIL.sub(" ", text))) and not quoted and not _PASTED.search(text)
        described = frozenset(w for m in _DESCRIBED.finditer(text) for w in _words(m.group(1) or m.group(2) or m.group(3)))
        relations = frozenset(w for m in _RELATION.finditer(text) for w in _words(m.group(1) or m.group(2))
                              if w not in _NOT_RELATIONS)
        return cls(counts, frozenset(_words(text)), labels, file_only, re.sub(r"[^a-z0-9]", "", text.lower()), described,
                   relations, digit_ids)

    def available(self, kind: str) -> int:
        if kind in ("text", "option"):
            return 1 << 20
        if kind in self.labels:
            return len(self.labels[kind])
        return self.counts.get(kind, 0)

    def open_among(self, kind: str, slots: Sequence[IOSlot], tool_words: frozenset[str] = frozenset(), used: int = 0) -> list[IOSlot]:
        """The ``slots`` (all of ``kind``) that the request's values cannot fill, values used once each.

        A labelled value fills a slot whose words include its label, or any slot
        of a tool whose own name or description uses the label ("parcel 1Z99..."
        for a parcel-tracking tool); an order number stays out of a tracking one.
        """
        if kind == "text":
            return [slot for slot in slots if (self.file_only and slot.words & _PAYLOAD)
                    or (len(slot.words) == 1 and slot.words <= self.described and not slot.words & _PAYLOAD)]
        if kind not in self.labels:
            have = self.available(kind) - (used if kind == "number" else 0)
            if kind == "coord" and have == 0 and self.words & {"latitude", "longitude", "coordinates"}:
                have = self.counts.get("number", 0)  # "coordinates 48 and 2": numbers named as coordinates
            return list(slots[have:])
        free = list(self.labels[kind])
        out: list[IOSlot] = []
        for slot in slots:
            thing = slot.words - _WEAK
            if thing and thing <= self.described and not any(lab in thing for lab in free):
                out.append(slot)  # "the channel with the most members": described, so its id is looked up
                continue
            fits = [i for i, lab in enumerate(free) if lab and lab in slot.words | slot.desc]
            fits = fits or [i for i, lab in enumerate(free) if not lab or lab in tool_words]
            if fits:
                free.pop(fits[0])
            else:
                out.append(slot)
        return out


_LINKS = re.compile(r"(?:\s*\b(?:is|are|was|were|be|of|=)\b|\s*[:=])+\W{0,2}$", re.I)
_OWNER = re.compile(r"([A-Za-z]+)[\s_-]+(?:id|ids|number|no|code|key|identifier)\W{0,2}$", re.I)


def _label(text: str, start: int) -> str:
    """The content word right before position ``start`` ("" if none or a stop word).

    Linking words are skipped ("your user id is raj_7", "order number: 55") and an
    identifier word takes its owner's name ("reservation IDs XEHM4B" -> reservation),
    so the value fills inputs of that thing only.
    """
    before = _LINKS.sub("", text[:start]) if _LINKS.search(text[:start]) else text[:start]
    owner = _OWNER.search(before)
    m = owner or re.search(r"([A-Za-z]+)\W{0,2}$", before)
    if m is None:
        return ""
    words = [_SYNONYMS.get(w, w) for w in tokenize(m.group(1))]
    return words[-1] if words and words[-1] not in _GENERIC else ""


def relation_flow(src: ToolIO, dst: IOSlot, relations: frozenset[str]) -> float:
    """How well ``src`` gives the value a request names by relation (0.8 or 0) for the text input ``dst``.

    "the capital of Peru" for ``geocode(city)``: an output named by the relation (``capital``, "the capital
    city") whose words or description meet the input's (``city``) gives it, though the request "fills" a
    free-text input by kind.
    """
    if not relations or dst.kind != "text" or is_payload(dst):
        return 0.0
    want = dst.words | dst.desc
    place = bool(want & _PLACE)
    for out in src.outputs:
        if not out.inferred and out.words & relations and ((out.words | out.desc) & want or (place and out.words & _PLACE)):
            return 0.8
    return 0.0


_PLACE = frozenset(["address", "city", "place", "location", "town", "capital", "region", "venue", "destination",
                    "landmark", "headquarters"])
"""Words of a place: "the capital of Kenya" gives the ``address`` a geocoder takes."""


def missing_inputs(io: ToolIO, values: RequestValues, learned: Callable[[IOSlot], float | None] | None = None) -> list[IOSlot]:
    """Required inputs of ``io`` that the request does not give (values counted per kind).

    ``learned(slot)`` may return the share of traced calls whose value for an
    input of this name came from an earlier tool's result; with enough evidence
    it decides instead of the kind count (>= 0.5: open, below: given).
    """
    need: dict[str, list[IOSlot]] = {}
    out: list[IOSlot] = []
    for slot in io.inputs:
        if not slot.required:
            continue
        share = learned(slot) if learned is not None else None
        if share is not None:
            if share >= 0.5:
                out.append(slot)
            continue
        need.setdefault(slot.kind, []).append(slot)
    # A number an id input of this tool takes by its label ("refund order 90412": order_id) is no amount.
    ids = [s for k in ("id", "code") for s in need.get(k, [])]
    used = min(len(values.digit_ids), sum(1 for s in ids if any(lab in s.words | s.desc for lab in values.digit_ids)))
    for kind, slots in need.items():
        out += values.open_among(kind, slots, io.text_words | io.object_words, used)
    return out


def fill_score(rec: ToolRecord, text: str, io: ToolIO | None = None) -> float:
    """Share of ``rec``'s required inputs the request ``text`` can fill by itself (1.0 when none are required).

    An input counts as filled when the request holds a value of its kind
    (counted, so two required ids need two), half when only its name is
    mentioned, and always for free text and options.
    """
    io = io or tool_io(rec)
    required = [s for s in io.inputs if s.required]
    if not required:
        return 1.0
    values = RequestValues.of(text)
    open_slots = {s.name for s in missing_inputs(io, values)}
    got = 0.0
    for s in required:
        if s.name not in open_slots:
            got += 1.0
        elif s.words - _WEAK & values.words:
            got += 0.5
    return got / len(required)
