"""Street addresses in a request: "order 2 pizzas to *5 Elm Road*", "deliver to *221B Baker Street, London*".

An address holds a number and words that the extractive constraints would otherwise offer elsewhere: the
house number 5 as the *quantity* ("order 2 pizzas to 5 Elm Road" ordered 5), and "Baker Street" as a
pizza's *topping* (a text field of a model parameter). :func:`street_addresses` finds the addresses: a
house number (digits, maybe a letter: "221B"), one to four name words and a street word
(:data:`STREET_WORDS`: Street, St, Road, Avenue, Lane...), maybe followed by ", Town". Name words are not
function words ("2 pizzas to elm road" is no address: "to" is not part of a street's name).

* :func:`house_numbers`: the house numbers, as numbers (never a quantity the request asks for);
  :func:`without_addresses`: the text with its addresses blanked;
* :func:`in_address`: whether a span shares a word with an address (so is not some other field's text);
* :func:`is_address_field`: a parameter or field whose name says it holds an address or place to go.

Guarantees: pure functions of the text; a request with no street word has no address.
"""

from __future__ import annotations

import re

__all__ = ["STREET_WORDS", "house_numbers", "in_address", "is_address_field", "street_addresses", "without_addresses"]

STREET_WORDS = (
    "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "boulevard", "blvd", "way", "court",
    "ct", "place", "pl", "terrace", "close", "crescent", "square", "sq", "parkway", "pkwy", "highway", "hwy", "row",
    "alley", "gardens", "walk", "circle", "grove", "mews", "plaza",
)
_FUNCTION = ("to", "for", "at", "on", "in", "of", "the", "a", "an", "and", "or", "from", "with", "by", "into", "near",
             "please", "my", "our", "your", "this", "that", "is", "are", "each", "every", "per", "both", "either", "one")
"""Words no street name holds ("12 miles *each* way" is a distance, not an address on a Way)."""
_NAME = rf"(?!(?:{'|'.join(_FUNCTION)})\b)[A-Za-z][\w'-]*"
_ADDRESS = re.compile(
    rf"(?<![\w.])(?P<number>\d+[A-Za-z]?)\s+(?:{_NAME}\s+){{1,4}}?(?:{'|'.join(STREET_WORDS)})\b\.?"
    r"(?-i:,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)?",  # ", Leeds": a town is capitalised
    re.I,
)
_ADDRESS_FIELD = re.compile(r"(?:^|_)(?:address|addr|street|destination|location|deliver(?:y|_to)?|ship(?:ping)?_?to|"
                            r"where|place|venue|house)(?:$|_)", re.I)


def street_addresses(text: str) -> list[str]:
    """The street addresses written in ``text`` ("5 Elm Road", "221B Baker Street, London"), in order."""
    return [m.group().rstrip(".") for m in _ADDRESS.finditer(text)]


def without_addresses(text: str) -> str:
    """``text`` with its street addresses blanked out."""
    return _ADDRESS.sub(" ", text)


def house_numbers(text: str) -> list[float]:
    """The house numbers of the addresses in ``text`` ("221B" gives none: it is no plain number)."""
    return [float(m.group("number")) for m in _ADDRESS.finditer(text) if m.group("number").isdigit()]


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]\w*", text)}


def in_address(span: str, text: str) -> bool:
    """Whether ``span`` shares a name or street word with an address of ``text``."""
    words = set[str]().union(*(_words(a) for a in street_addresses(text)))
    return bool(words & _words(span))


def is_address_field(name: str) -> bool:
    """Whether a parameter or field named ``name`` holds an address or a place to go ("address", "ship_to")."""
    return _ADDRESS_FIELD.search(name) is not None
