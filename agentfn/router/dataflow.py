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
number, path, list, names, option, text) and the request's values are counted
per kind (:class:`~agentfn.router.reqvalues.RequestValues`); a ``path`` is given
as a path or a full file name ("/etc/hosts", "notes.txt"; not by "the README"; "save
it as b.txt" only to a tool that writes), a
``list`` only by listing ("eggs, milk and flour"), and an optional id the
request sets by name ("assign it to Ana") is open too; free text and options
are assumed given, unless the request names the value by a relation ("the
capital of Peru") that some tool's output answers (:func:`relation_flow`). An
input named for its role whose description names an identifier (``origin``:
"station code") is id-like, and a quantity given in another unit than the
input's (``weight_kg`` for "180 pounds", :mod:`agentfn.router.flowunits`) is
open. An output fills an input by its name words, or, discounted, by its
description ("``matches``: full paths"), or by being the identifier the input's
description names (:func:`described_id`), or as a converter of the input's
unit; a count never fills a date or free text. Traces teach
(:mod:`agentfn.router.flowstats`) which producer filled which input;
:mod:`agentfn.router.chain` builds the chain.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from agentfn.router.brands import brand_words
from agentfn.router.flowunits import converts_into, named_currencies, needs_conversion
from agentfn.router.flowwords import CODED, GENERIC, PAYLOAD, SYNONYMS, WEAK, IOSlot, words_of
from agentfn.router.reqvalues import RequestValues
from agentfn.router.text import ToolRecord, split_name, tokenize

__all__ = [
    "ACTIONS",
    "IOSlot",
    "RequestValues",
    "ToolIO",
    "coded_thing",
    "described_id",
    "describes_material",
    "fill_score",
    "flow_score",
    "is_payload",
    "missing_inputs",
    "name_words",
    "reads_source",
    "relation_flow",
    "slot_key",
    "taken_by_name",
    "tool_io",
    "weak_words",
]

_SECRET = frozenset(["api", "secret", "access", "private", "public", "license", "encryption", "sort", "primary", "auth"])
"""Words that make a ``key`` a credential or a setting, not the identifier of a thing (``location_key``)."""
_REFERENCE = frozenset(["number", "reference", "locator", "pnr", "confirmation"])
"""Name words of a string that identifies a record ("order number", ``booking_reference``)."""
_CODE = frozenset(["code", "iata", "icao", "symbol", "sku", "isbn", "slug", "handle", "vin", "imei", "iban", "upc", "ean", "gtin",
                   "asin", "isin", "bic", "swift", "locode", "unlocode"])
"""Name words of an input that takes a standard code (a VIN, an IBAN, an ISBN): a value written as such, or looked up."""
_ID_PHRASE = re.compile(r"^(?:the\s+|an?\s+)?(?:[a-z0-9-]+\s+){1,2}(code|id|identifier|number|key)(?:\s+of\s+(?:the\s+|an?\s+)?[a-z-]+(?:\s+[a-z-]+)?)?\.?$")
"""A description that only names an identifier ("station code", "the employee number of the requester")."""
_VERBS = frozenset(
    ["get", "fetch", "retrieve", "search", "find", "lookup", "look", "list", "query", "show", "read", "convert", "calculate", "compute", "check", "create", "make", "resolve", "translate", "send", "post", "update", "delete", "set", "add", "remove", "generate", "geocode", "locate", "detect"]
)
ACTIONS = frozenset(
    ["create", "add", "send", "post", "reply", "forward", "delete", "remove", "cancel", "update", "modify", "edit",
     "set", "book", "reserve", "purchase", "buy", "pay", "transfer", "archive", "move", "upload", "write", "publish",
     "schedule", "invite", "share", "submit", "save", "approve", "reject", "close", "trigger", "restart", "reset", "disable",
     "enable", "acknowledge", "ack", "assign", "mark", "complete", "refund", "return", "exchange", "checkout", "request",
     "order", "start", "stop", "pause", "play", "mute", "unmute", "kill", "revoke", "grant", "rename", "insert", "append",
     "renew", "extend"]
)
"""Verbs that change state (stemmed as :func:`~agentfn.router.text.tokenize` does)."""
_FOLDER = frozenset(["directory", "folder", "dir", "root"])
"""Description words of a path input that takes a folder to work in (a search's starting point): free text."""
_PEOPLE = frozenset(["to", "cc", "bcc", "recipient", "attendee", "participant", "guest", "invitee", "member", "user",
                     "assignee", "reviewer", "email", "address", "people", "person", "contact"])
"""Name words of a list of people: a request names them in its text ("to Marco and Ana"), as free text."""
_RETURNS_FIRST = re.compile(r"\b(?:returns?|outputs?|yields?)\s+([^.;:]+)", re.I)
_RETURNS = re.compile(r"\b(?:returns?|gives?|provides?|outputs?|yields?|retrieves?|gets?|fetch(?:es)?|finds?|looks? up)\s+([^.;:]+)", re.I)


def weak_words() -> frozenset[str]:
    """Name words too common to link an output to an input by themselves (``id``, ``name``, ``code``...)."""
    return WEAK


def name_words(name: str) -> list[str]:
    """Words of a tool or field name as data flow compares them (split, stemmed, synonyms unified)."""
    return words_of(name)


def _text_words(text: str) -> frozenset[str]:
    """Content words of prose (no camel splitting: ``IMDb`` stays one word), synonyms unified."""
    return frozenset(SYNONYMS.get(w, w) for w in tokenize(text.lower()) if w not in GENERIC)


def slot_key(name: str) -> str:
    """Normalised key of an input or output name (``userId`` and ``user_id`` share one)."""
    return " ".join(w for w in words_of(name) if w not in GENERIC) or name.lower()


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

    @property
    def input_words(self) -> frozenset[str]:
        """Name words of every input (``branch``, ``card``, ``number``...)."""
        return frozenset[str]().union(*(s.words for s in self.inputs))


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
    if words & _CODE or ("code" in desc and t == "string" and not words - WEAK - {"airport", "country", "currency"}):
        return "code"
    named = _ID_PHRASE.match(str(schema.get("description") or "").strip().lower()) if t in ("string", "any") else None
    if named:  # ``origin``: "station code", ``staff_id``: "employee number": the description names an identifier
        return "code" if named.group(1) == "code" else "id"
    if t == "array" and "name" in words | desc and _type(_items(schema)) in ("string", "any") and words - WEAK:
        return "names"  # ``hotel_names``: a list of named things, which a lookup (``get_all_hotels_in_city``) lists
    if t == "array" and _type(_items(schema)) == "string" and "enum" not in _items(schema):
        if words & {"path", "file"}:
            return "path"  # ``paths``: given as paths or file names, as one is
        if words - WEAK - PAYLOAD - _PEOPLE:
            return "list"  # ``ingredientList``: several things, given by listing them ("eggs, milk and flour")
    if t in ("number", "integer"):
        return "number"
    if t in ("string", "any") and "path" in words and not desc & _FOLDER:
        return "path"  # where a file is: a request gives it as a path ("/etc/hosts"), not as a bare name
    return "text"


def _slot_words(name: str, schema: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """(name words, description words); a name with no content word (``to``, ``q``) borrows its description's."""
    desc = _text_words(str(schema.get("description") or ""))
    words = frozenset(w for w in words_of(name) if w not in GENERIC)
    return words or frozenset(words_of(name)) or desc, desc


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
            out += _flatten(inner, parent | (words - WEAK), depth + 1)  # pyright: ignore[reportUnknownArgumentType]
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
    name_words = [w for w in words_of(rec.name)]
    objects = frozenset(w for w in name_words if w not in _VERBS and w not in GENERIC)
    outputs: list[IOSlot] = []
    rs = rec.return_schema or {}
    props = rs.get("properties")
    items = rs.get("items")
    if not isinstance(props, dict) and isinstance(items, dict):
        props = items.get("properties")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if isinstance(props, dict) and props:
        outputs = [_described(o, rec.description) for o in _flatten(props, frozenset(), 0)]  # pyright: ignore[reportUnknownArgumentType]
    elif rs:
        title = str(rs.get("title") or "")
        words = frozenset(w for w in words_of(title) if w not in GENERIC) | objects
        said = _RETURNS_FIRST.search(str(rs.get("description") or "")) or _RETURNS_FIRST.search(rec.description)
        if said:  # one plain value ("-> str"): what the description says it returns names it
            words |= {w for w in (SYNONYMS.get(w, w) for w in tokenize(said.group(1).lower())[:6]) if w not in GENERIC}
        outputs = [IOSlot(title or "result", words, frozenset(), _type(rs), _kind(words, frozenset(), rs))]
    if not outputs:
        guess = set(objects)
        m = _RETURNS_FIRST.search(rec.description) or _RETURNS.search(rec.description)
        if m:
            phrase = [SYNONYMS.get(w, w) for w in tokenize(m.group(1).lower())][:6]
            guess |= {w for w in phrase if w not in GENERIC}
        if guess:
            words = frozenset(guess)
            outputs = [IOSlot("result", words, frozenset(), "any", _kind(words, frozenset(), {}), inferred=True)]
    text_words = frozenset(w for w in words_of(rec.name) if w not in GENERIC) | _text_words(rec.description)
    actions = frozenset(w for w in name_words if w in ACTIONS)
    return ToolIO(rec.name, tuple(inputs), tuple(outputs), objects, text_words, actions, brand_words(rec.name, rec.description))


def _described(out: IOSlot, description: str) -> IOSlot:
    """``out`` with the word its tool's description sets before its name ("resolve a hostname to its *IP*
    addresses" for ``addresses``) as its description, when it has none of its own."""
    if out.desc or not description:
        return out
    parts = split_name(out.name)
    name = str(parts[-1]).lower() if parts else ""
    if len(name) < 3:
        return out
    m = re.search(rf"\b([A-Za-z][\w-]+)\s+{re.escape(name)}\b", description, re.I)
    if m is None:
        return out
    said = frozenset(words_of(m.group(1))) - GENERIC - out.words - _VERBS
    return replace(out, desc=said) if said else out


def _weight(w: str) -> float:
    return 0.5 if w in WEAK else 1.0


_COMPATIBLE = {("integer", "number"), ("number", "integer")}
_SOURCE = frozenset(["file", "filename", "path", "page", "webpage", "document"])


def is_payload(slot: IOSlot) -> bool:
    """Whether an input takes the material a tool works on (``text``, ``content``, ``body``...), not a setting."""
    return slot.kind == "text" and bool(slot.words & PAYLOAD)


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
    outputs. A number never fills a date, nor a string of free text (``words`` counted is no ``word``).
    """
    need = dst.words
    total = sum(_weight(w) for w in need) or 1.0
    best = 0.0
    made = src.object_words - taken_by_name(src)
    if converts_into(src.object_words, any(o.kind == "number" for o in src.outputs), dst):
        best = 0.75  # ``convert_mass`` fills ``weight_kg``: a converter of the input's dimension
    for out in src.outputs:
        if out.kind == "number" and (dst.kind == "date" or (dst.kind == "text" and dst.type == "string")):
            continue  # a count about dates (``date_diff``'s days) is no date, a count of words (``words``) no ``word``
        have: frozenset[str] = out.words | (src.object_words if out.inferred or out.name == "result" else frozenset[str]())
        if dst.kind in _SPECIFIC and out.kind == dst.kind:
            best = max(best, 0.8 if out.inferred else 0.9)  # an email fills an email, whatever the names say
        if coded_thing(out, dst):
            best = max(best, 0.9)  # ``origin_iata`` from ``airport_code``: the standard says which thing it codes
        if is_payload(dst) and out.type in ("string", "any") and out.name in ("result", "") and reads_source(src):
            best = max(best, 0.7)  # a reader of a page or file hands over its text
        if is_payload(dst) and out.kind == "text" and out.words <= _MATERIAL and not out.inferred:
            best = max(best, 0.8 if reads_source(src) else 0.7)  # a file's ``content``, a summary: material to work on
        hit = need & have
        if not hit and need - WEAK and need - WEAK <= out.desc and not out.inferred:
            best = max(best, 0.6)  # ``matches``: "full paths": the description says what the output holds
        if not hit and described_id(out, dst):
            best = max(best, 0.75)  # ``staff_id``: "employee number" from ``employee_number``: the input's description names the output
        if not hit and own_id(out, dst, made):
            best = max(best, 0.8)  # ``patient`` ("Patient id") from ``fhir.Patient.search``'s bare ``id``
        if not hit or hit <= GENERIC or (hit <= WEAK and not (need - WEAK) <= (have | made)):
            continue  # ``items`` meets ``items``: filler names say nothing of what is listed  # "id" alone matches only when the input's other words name this tool's object
        score = sum(_weight(w) for w in hit) / total
        rest = (need - hit) & made
        score += 0.8 * sum(_weight(w) for w in rest) / total
        score += 0.1 * min(len((dst.desc - need) & (out.words | src.object_words)), 2)
        clash = dst.type != "any" and out.type != "any" and dst.type != out.type and (dst.type, out.type) not in _COMPATIBLE
        # A string output that lists names fills a list of names; a list fills an input that takes one of its items.
        listed = (dst.kind == "names" and out.type == "string") or (dst.kind in ("text", "list") and out.type == "array")
        # An id, code or date may be written as a number; a number that is a quantity (days between two dates) is none.
        as_text = dst.type == "string" and dst.kind in ("id", "code", "date") and out.kind != "number"
        if clash and not listed and not as_text:
            score *= 0.5
        if out.inferred:
            score *= 0.8
        best = max(best, min(score, 1.0))
    return best


def taken_by_name(io: ToolIO) -> frozenset[str]:
    """Object words of ``io``'s name that it takes by name (``city_airports(city)``: the city is its input, the
    airports its result), so they say nothing of what its outputs are. The head noun of a name without a
    preposition (its last object word: ``gh_repo(owner, repo)`` returns a repository) is what it returns."""
    taken = frozenset(w for s in io.inputs if s.required and s.kind not in ("id", "code") and len(s.words - WEAK) == 1
                      for w in s.words - WEAK) & io.object_words
    raw = [w.lower() for w in split_name(io.name)]
    if not taken or _LINKS & set(raw):
        return taken
    head = next((w for w in reversed(words_of(io.name)) if w in io.object_words), None)
    return taken - {head} if len(io.object_words) > 1 else taken


_LINKS = frozenset(["by", "for", "from", "in", "at", "of", "with", "to", "on"])
"""Prepositions of a tool name (``search_airports_by_city``): the words after them qualify, the head comes before."""


def own_id(out: IOSlot, dst: IOSlot, made: frozenset[str]) -> bool:
    """Whether the bare identifier ``out`` (a field named only ``id`` or ``key``, however nested) of a tool
    whose name is about ``made`` is the one the id-like input ``dst`` takes: the input names (by its own
    words, or its description's) only things the tool's name is about (``patient`` or ``subject``: "Patient id" from ``fhir.Patient.search``'s
    ``entry.resource.id``; ``repo_id`` from ``gh_repo``'s ``id``).
    """
    if out.inferred or dst.kind != "id" or not set(words_of(out.name)) <= WEAK - {"name", "title", "type"}:
        return False
    if not set(words_of(out.name)) & {"id", "key"}:
        return False
    thing, said = dst.words - WEAK - GENERIC, dst.desc - WEAK - GENERIC
    return any(bool(w) and w <= made for w in (thing, said))


def coded_thing(out: IOSlot, dst: IOSlot) -> bool:
    """Whether ``out`` is an identifier of the thing a standard code ``dst`` names takes (:data:`~agentfn.router.flowwords.CODED`).

    An input named by its standard (``origin_iata``, ``isbn``, ``vin``) takes the code of an airport, a book,
    a vehicle: an output that identifies that thing (``airport_code``, ``book_id``), or is named by a standard
    coding the same thing (``unlocode`` for ``from_locode``), fills it.
    """
    things = {CODED[w] for w in dst.words | dst.desc if w in CODED}
    coded = {CODED[w] for w in out.words if w in CODED}  # ``unlocode`` for ``from_locode``: one standard, two spellings
    return bool(things) and not out.inferred and out.kind in ("id", "code") and bool(things & (out.words | coded))


def described_id(out: IOSlot, dst: IOSlot) -> bool:
    """Whether the identifier ``out`` is the one the id-like input ``dst``'s description names.

    An input named for its role (``origin``, ``from_account``, ``staff_id``) may say in its description
    which identifier it takes ("station code", "account id", "employee number"); an output carrying that
    identifier (``station_code``, ``account_id``, ``employee_number``: its thing words all in the
    description, and an id stem or an id kind) fills it.
    """
    if out.inferred or dst.kind not in ("id", "code"):
        return False
    thing = out.words - WEAK
    return bool(thing) and thing <= dst.desc and (out.kind in ("id", "code") or bool(out.words & WEAK - {"name", "title", "type"}))


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


def _asked_for(slot: IOSlot, values: RequestValues) -> bool:
    """Whether the request sets an optional identifier by its name's word ("*assign* it to Ana" for ``assigneeId``)."""
    if slot.kind not in ("id", "code"):
        return False
    own = slot.words - WEAK
    return any(w == o or (len(w) >= 5 and o.startswith(w)) for w in values.words for o in own)


def missing_inputs(io: ToolIO, values: RequestValues, learned: Callable[[IOSlot], float | None] | None = None) -> list[IOSlot]:
    """Required inputs of ``io`` that the request does not give (values counted per kind), and optional
    identifiers it sets by name (``assigneeId`` for "assign it to Ana").

    ``learned(slot)`` may return the share of traced calls whose value for an
    input of this name came from an earlier tool's result; with enough evidence
    it decides instead of the kind count (>= 0.5: open, below: given).
    """
    need: dict[str, list[IOSlot]] = {}
    out: list[IOSlot] = []
    for slot in io.inputs:
        if not slot.required and not _asked_for(slot, values):
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
    taken: list[str] = []
    for kind in sorted(need, key=lambda k: k != "id"):  # ids first: a value they take is no code too
        given = "path_target" if kind == "path" and io.actions else kind  # a writer may take where to write
        left, filled = values.fill(given, need[kind], io.text_words | io.object_words, used, taken)
        out += left
        if kind == "id":
            taken = filled
    # "US dollars to Mexican pesos": currencies named in words, as many as the tool takes, give their codes.
    money = [s for s in need.get("code", []) if "currency" in s.words]
    if money and named_currencies(values.words) >= len(money):
        out = [s for s in out if s not in money]
    # "Summarize the latest episode": the material is described, not given: a tool finds it.
    # Not the ``body`` of a message an action writes, nor when the thing described is where the tool writes ("say
    # hi in the newest *room*": ``room_id``).
    if not io.actions and describes_material(values) and not values.described & io.input_words:
        out += [s for s in need.get("text", []) if s not in out and is_payload(s) and not s.words & _WRITTEN]
    # "I weigh 180 pounds" for ``weight_kg``: given, but in another unit: a converter fills it.
    return out + [s for s in need.get("number", []) if s not in out and needs_conversion(s, values.words)]


_SHORT = 14
_WRITTEN = frozenset(["body", "message", "comment", "reply", "note"])
"""Words of an input that takes what a tool writes or sends (a mail's ``body``): the request words it itself."""
"""Most content words of a request that describes the material a tool works on rather than pasting it."""


def describes_material(values: RequestValues) -> bool:
    """Whether a short request with nothing quoted describes the thing it wants worked on ("summarize *the
    latest episode* of ...", "translate *each* review"): the text an input such as ``text`` takes then comes
    from a tool that finds that thing, not from the request."""
    return bool(values.described) and not values.counts.get("names", 0) and len(values.words) <= _SHORT


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
        elif s.words - WEAK & values.words:
            got += 0.5
    return got / len(required)
