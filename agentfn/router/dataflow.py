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
(:class:`RequestValues`); free text and options are assumed given. Traces teach
(:class:`FlowStats`) which producer filled which input, and how often an input
of a given name comes from an earlier result rather than from the user.
:func:`plan_flow` pulls the producers of open inputs into a selection.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agentfn.router.text import ToolRecord, split_name, tokenize

__all__ = [
    "FlowLink",
    "FlowStats",
    "IOSlot",
    "RequestValues",
    "ToolIO",
    "fill_score",
    "flow_score",
    "missing_inputs",
    "plan_flow",
    "slot_key",
    "tool_io",
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
    "link": "url", "uri": "url", "href": "url", "website": "url", "tel": "phone", "mobile": "phone",
}
_GENERIC = frozenset(
    ["get", "fetch", "retrieve", "search", "find", "lookup", "look", "list", "query", "show", "read", "return", "give", "value", "data", "info", "information", "result", "output", "input", "param", "parameter", "detail", "object", "item", "record", "entry", "api", "response", "request", "by", "new", "current", "default", "specific", "given", "provided", "field", "v1", "v2", "v3", "all", "one"]
)
_WEAK = frozenset(["id", "name", "code", "number", "key", "type", "title"])
_CODE = frozenset(["code", "iata", "icao", "symbol", "sku", "isbn", "slug", "handle"])
_VERBS = frozenset(
    ["get", "fetch", "retrieve", "search", "find", "lookup", "look", "list", "query", "show", "read", "convert", "calculate", "compute", "check", "create", "make", "resolve", "translate", "send", "post", "update", "delete", "set", "add", "remove", "generate", "geocode", "locate", "detect"]
)
_RETURNS = re.compile(r"\b(?:returns?|gives?|provides?|outputs?|yields?|retrieves?|gets?|fetch(?:es)?|finds?|looks? up)\s+([^.;:]+)", re.I)


def _words(text: str) -> list[str]:
    return [_SYNONYMS.get(w, w) for w in tokenize(" ".join(split_name(text)))]


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


def _type(schema: dict[str, Any]) -> str:
    t: Any = schema.get("type")
    if isinstance(t, list):
        t = next((str(x) for x in t if x != "null"), "any")  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    return t if isinstance(t, str) else "any"


def _kind(words: frozenset[str], desc: frozenset[str], schema: dict[str, Any]) -> str:
    t, fmt = _type(schema), str(schema.get("format") or "")
    if "enum" in schema or t == "boolean":
        return "option"
    if words & {"latitude", "longitude", "coordinates"}:
        return "coord"
    if fmt == "email" or "email" in words:
        return "email"
    if fmt in ("uri", "url") or "url" in words:
        return "url"
    if "phone" in words:
        return "phone"
    if fmt in ("date", "date-time", "time") or words & {"date", "time"}:
        return "date"
    if "id" in words:
        return "id"
    if words & _CODE or ("code" in desc and t == "string" and not words - _WEAK - {"airport", "country", "currency"}):
        return "code"
    if t in ("number", "integer"):
        return "number"
    return "text"


def _flatten(props: dict[str, Any], parent: frozenset[str], depth: int) -> list[IOSlot]:
    out: list[IOSlot] = []
    for key, raw in props.items():
        schema: dict[str, Any] = raw if isinstance(raw, dict) else {}  # pyright: ignore[reportUnknownVariableType]
        words = frozenset(w for w in _words(str(key)) if w not in _GENERIC) or frozenset(_words(str(key)))
        desc = frozenset(w for w in _words(str(schema.get("description") or "")) if w not in _GENERIC)
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
        words = frozenset(w for w in _words(pname) if w not in _GENERIC) or frozenset(_words(pname))
        desc = frozenset(w for w in _words(str(schema.get("description") or "")) if w not in _GENERIC)
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
        outputs = [IOSlot(title or "result", words, frozenset(), _type(rs), _kind(words, frozenset(), rs))]
    if not outputs:
        guess = set(objects)
        m = _RETURNS.search(rec.description)
        if m:
            guess |= {w for w in _words(m.group(1))[:6] if w not in _GENERIC}
        if guess:
            words = frozenset(guess)
            outputs = [IOSlot("result", words, frozenset(), "any", _kind(words, frozenset(), {}), inferred=True)]
    return ToolIO(rec.name, tuple(inputs), tuple(outputs), objects)


def _weight(w: str) -> float:
    return 0.5 if w in _WEAK else 1.0


_COMPATIBLE = {("integer", "number"), ("number", "integer")}


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
        hit = need & have
        if not hit or (hit <= _WEAK and not (need - _WEAK) <= (have | src.object_words)):
            continue  # "id" alone matches only when the input's other words name this tool's object
        score = sum(_weight(w) for w in hit) / total
        rest = (need - hit) & src.object_words
        score += 0.8 * sum(_weight(w) for w in rest) / total
        score += 0.1 * min(len((dst.desc - need) & (out.words | src.object_words)), 2)
        clash = dst.type != "any" and out.type != "any" and dst.type != out.type and (dst.type, out.type) not in _COMPATIBLE
        if clash and not (dst.type == "string" and dst.kind in ("id", "code", "date")):
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
_CODELIKE = re.compile(r"\b[A-Z][A-Z0-9]{1,5}\b")
_QUOTED = re.compile(r"\"[^\"]+\"|'[^'\s][^']*'|`[^`]+`")
_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b(?:today|tomorrow|tonight|yesterday|now|"
    r"mon|tues|wednes|thurs|fri|satur|sun)(?:day)?\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\s+\d"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|\bnext\s+(?:week|month|year)\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b",
    re.I,
)
_NUMWORDS = frozenset(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty", "hundred", "thousand", "dozen"])
_NOT_CODES = frozenset(["I", "A", "OK", "AM", "PM", "ID"])


@dataclass
class RequestValues:
    """How many values of each kind a request spells out (inputs it can fill without another tool)."""

    counts: dict[str, int] = field(default_factory=dict[str, int])
    words: frozenset[str] = frozenset()

    @classmethod
    def of(cls, text: str) -> RequestValues:
        quoted = len(_QUOTED.findall(text))
        numbers = len(_NUMBER.findall(text)) + sum(1 for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMWORDS)
        codes = [c for c in _CODELIKE.findall(text) if c not in _NOT_CODES]
        ids = len(_IDLIKE.findall(text))
        counts = {
            "coord": len(_DECIMAL.findall(text)),
            "email": len(_EMAIL.findall(text)),
            "url": len(_URL.findall(text)),
            "phone": len(_PHONE.findall(text)),
            "date": len(_DATE.findall(text)),
            "number": numbers,
            "id": ids + quoted,
            "code": len(codes) + ids + quoted,
        }
        return cls(counts, frozenset(_words(text)))

    def available(self, kind: str) -> int:
        if kind in ("text", "option"):
            return 1 << 20
        return self.counts.get(kind, 0)


def missing_inputs(io: ToolIO, values: RequestValues, learned: Callable[[IOSlot], float | None] | None = None) -> list[IOSlot]:
    """Required inputs of ``io`` that the request does not give (values counted per kind).

    ``learned(slot)`` may return the share of traced calls whose value for an
    input of this name came from an earlier tool's result; with enough evidence
    it decides instead of the kind count (>= 0.5: open, <= 0.1: given).
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
    for kind, slots in need.items():
        have = values.available(kind)
        if kind == "coord" and have == 0 and values.words & {"latitude", "longitude", "coordinates"}:
            have = values.counts.get("number", 0)  # "coordinates 48 and 2": numbers named as coordinates
        out += slots[have:]
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


@dataclass(frozen=True)
class FlowLink:
    """One traced data flow: ``consumer``'s argument ``param`` held a value from ``producer``'s result."""

    producer: str
    consumer: str
    param: str
    field: str = ""
    """The producer's result field the value was found under ("" when unknown)."""


class FlowStats:
    """Data flow learned from traces: producer -> consumer links, and which inputs come from results."""

    def __init__(self) -> None:
        self.pairs: dict[tuple[str, str], int] = {}
        self.from_result: dict[str, list[int]] = {}
        """slot key -> [calls whose value came from an earlier result, calls seen]."""
        self.field_pairs: dict[tuple[str, str], int] = {}
        """(input key, output key) -> count: generalises to tools never traced."""

    def fit(self, links: Iterable[FlowLink], calls: Iterable[tuple[str, Sequence[str]]] = ()) -> None:
        """Add traced links, and every traced call as ``(tool, argument names)`` (for the from-result shares)."""
        linked: dict[tuple[str, str], int] = {}
        for ln in links:
            self.pairs[(ln.producer, ln.consumer)] = self.pairs.get((ln.producer, ln.consumer), 0) + 1
            linked[(ln.consumer, ln.param)] = linked.get((ln.consumer, ln.param), 0) + 1
            if ln.field:
                fk = (slot_key(ln.param), slot_key(ln.field))
                self.field_pairs[fk] = self.field_pairs.get(fk, 0) + 1
        for tool, params in calls:
            for p in params:
                row = self.from_result.setdefault(slot_key(p), [0, 0])
                row[1] += 1
                if linked.get((tool, p), 0) > 0:
                    row[0] += 1
                    linked[(tool, p)] -= 1

    def share_from_result(self, slot: IOSlot, min_calls: int = 3) -> float | None:
        row = self.from_result.get(slot_key(slot.name))
        if row is None or row[1] < min_calls:
            return None
        return row[0] / row[1]

    def boost(self, src: ToolIO, dst_tool: str, slot: IOSlot) -> float:
        """A learned flow score for ``src -> slot`` (0 when traces say nothing)."""
        if self.pairs.get((src.name, dst_tool), 0) > 0:
            return 1.0
        key = slot_key(slot.name)
        best = 0
        for out in src.outputs:
            best = max(best, self.field_pairs.get((key, slot_key(out.name)), 0))
        return 0.9 if best >= 2 else 0.0

    @property
    def empty(self) -> bool:
        return not self.pairs and not self.from_result

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": [[a, b, n] for (a, b), n in sorted(self.pairs.items())],
            "fields": [[a, b, n] for (a, b), n in sorted(self.field_pairs.items())],
            "from_result": {k: v for k, v in sorted(self.from_result.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlowStats:
        st = cls()
        st.pairs = {(str(a), str(b)): int(n) for a, b, n in data.get("pairs", [])}
        st.field_pairs = {(str(a), str(b)): int(n) for a, b, n in data.get("fields", [])}
        st.from_result = {str(k): [int(v[0]), int(v[1])] for k, v in data.get("from_result", {}).items()}
        return st

    def forget(self, name: str) -> None:
        self.pairs = {k: v for k, v in self.pairs.items() if name not in k}


def plan_flow(
    chosen: Sequence[str],
    io_of: Callable[[str], ToolIO],
    values: RequestValues,
    relevance: dict[str, float],
    stats: FlowStats,
    *,
    min_flow: float = 0.5,
    max_depth: int = 3,
) -> tuple[list[str], set[tuple[str, str]], list[str]]:
    """Pull in the producers of chosen tools' open inputs; return (tools, edges, pulled).

    For every open required input (:func:`missing_inputs`), a tool already chosen
    that produces it wins; otherwise the candidate (a key of ``relevance``)
    with the best ``flow x (0.5 + 0.5 x relevance)``, learned flow counting as
    well, joins if its flow is at least ``min_flow``, and its own open inputs
    are looked at in turn, up to ``max_depth`` levels. Edges also link chosen
    tools whose outputs clearly feed each other, for ordering.
    """
    tools = list(dict.fromkeys(chosen))
    edges: set[tuple[str, str]] = set()
    pulled: list[str] = []
    learned = None if stats.empty else stats.share_from_result
    frontier = list(tools)
    for _ in range(max_depth):
        nxt: list[str] = []
        for consumer in frontier:
            cio = io_of(consumer)
            for slot in missing_inputs(cio, values, learned):
                best, best_name = 0.0, None
                for other in tools:
                    if other != consumer:
                        f = max(flow_score(io_of(other), slot), stats.boost(io_of(other), consumer, slot))
                        if f >= min_flow and f > best:
                            best, best_name = f, other
                if best_name is not None:
                    edges.add((best_name, consumer))
                    continue
                best = 0.0
                for cand, rel in relevance.items():
                    if cand == consumer or cand in tools:
                        continue
                    pio = io_of(cand)
                    f = max(flow_score(pio, slot), stats.boost(pio, consumer, slot))
                    if f < min_flow:
                        continue
                    s = f * (0.5 + 0.5 * rel)
                    if s > best:
                        best, best_name = s, cand
                if best_name is not None:
                    tools.append(best_name)
                    pulled.append(best_name)
                    edges.add((best_name, consumer))
                    nxt.append(best_name)
        frontier = nxt
        if not frontier:
            break
    # Ordering edges between tools chosen for other reasons (e.g. two steps of the request).
    for a in tools:
        aio = io_of(a)
        for b in tools:
            if a == b or (a, b) in edges or (b, a) in edges:
                continue
            bio = io_of(b)
            ab = max((flow_score(aio, s) for s in bio.inputs), default=0.0)
            ba = max((flow_score(bio, s) for s in aio.inputs), default=0.0)
            if ab >= max(min_flow, ba + 0.2):
                edges.add((a, b))
    return tools, edges, pulled
