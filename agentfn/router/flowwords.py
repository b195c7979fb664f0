"""The words data flow compares: name words, light synonyms, filler, and one input or output of a tool.

:func:`words_of` splits a tool or field name into the words :mod:`agentfn.router.dataflow`
matches (``getUserId`` -> get, user, id; ``lat1`` -> latitude), stemmed as
:func:`~agentfn.router.text.tokenize` does and with light synonyms unified
(:data:`SYNONYMS`). :data:`GENERIC` words say nothing about a value,
:data:`WEAK` ones (``id``, ``name``...) link an output to an input only with
help, :data:`PAYLOAD` ones name the material a tool works on. :class:`IOSlot`
is one input or output. Pure data and functions: no state.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from agentfn.router.text import split_name, tokenize

__all__ = ["CODED", "GENERIC", "PAYLOAD", "SYNONYMS", "WEAK", "IOSlot", "words_of"]

SYNONYMS = {
    "lat": "latitude", "lng": "longitude", "lon": "longitude", "long": "longitude", "coord": "coordinates",
    "coordinate": "coordinates", "coords": "coordinates", "geo": "coordinates", "addr": "address", "loc": "location",
    "zipcode": "zip", "town": "city", "postcode": "zip", "postal": "zip", "tz": "timezone", "qty": "quantity", "amt": "amount",
    "num": "number", "nbr": "number", "msg": "message", "img": "image", "pic": "image", "photo": "image",
    "usr": "user", "username": "user", "acct": "account", "org": "organization", "repo": "repository",
    "desc": "description", "temp": "temperature", "doc": "document", "uid": "id", "uuid": "id", "guid": "id",
    "identifier": "id", "ident": "id", "ids": "id", "ticker": "symbol", "sym": "symbol", "mail": "email",
    "e": "email", "cur": "currency", "ccy": "currency", "dt": "date", "datetime": "date", "timestamp": "date",
    "total": "amount", "ref": "reference", "emp": "employee", "empl": "employee", "dept": "department", "link": "url", "uri": "url", "uris": "url", "urls": "url", "href": "url", "website": "url", "tel": "phone", "mobile": "phone",
}
GENERIC = frozenset(
    ["get", "fetch", "retrieve", "search", "find", "lookup", "look", "list", "query", "show", "read", "return", "give", "value", "data", "info", "information", "result", "output", "input", "param", "parameter", "detail", "object", "item", "record", "entry", "api", "response", "request", "by", "new", "current", "default", "specific", "given", "provided", "field", "v1", "v2", "v3", "all", "one"]
)
WEAK = frozenset(["id", "name", "code", "number", "key", "type", "title"])
CODED = {"iata": "airport", "icao": "airport", "isbn": "book", "upc": "product", "ean": "product", "gtin": "product",
         "asin": "product", "sku": "product", "vin": "vehicle", "iban": "account", "imei": "device", "isin": "security",
         "cusip": "security", "unlocode": "port", "locode": "port", "fips": "county", "ifsc": "bank", "bic": "bank", "swift": "bank", "iso": "country"}
"""A standard code's word -> the thing it identifies (``origin_iata`` takes an ``airport_code``)."""

def words_of(text: str) -> list[str]:
    """Words of a name (``getUserId`` -> get, user, id; ``lat1`` -> latitude), synonyms unified."""
    return list(_words_of(text))


@functools.lru_cache(maxsize=1 << 16)
def _words_of(text: str) -> tuple[str, ...]:
    # Tool and field names recur on every request (producer search compares thousands): split each once.
    out: list[str] = []
    for w in tokenize(" ".join(split_name(text))):
        bare = w.rstrip("0123456789")
        w = bare if len(bare) >= 2 else w
        out.append(SYNONYMS.get(w, w))
    return tuple(out)


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


PAYLOAD = frozenset(["text", "content", "contents", "document", "body", "passage"])
"""Words of an input that takes the material a tool works on (``text_stats(text)``), not a parameter of it."""
