"""Units in data flow: an input that takes a quantity in one unit, a request that gives another; money named in words.

An input named with a unit (``weight_kg``, ``height_m``, ``distance_km``,
``temp_f``) takes its quantity in that unit. When the request gives a quantity
of the same dimension only in another unit ("I weigh 180 *pounds*"), the value
is not given as the tool needs it: :func:`needs_conversion` says the input is
open, and :func:`converts_into` says which tool fills it: a converter of that
dimension (a tool whose name says mass, weight, length, distance or temperature
and that returns a number, such as ``convert_mass``). A currency code input is
given when the request names as many currencies in words ("450 US dollars to
Mexican pesos") as the tool takes (:func:`named_currencies`). Pure functions of names
and the request's words (:attr:`~agentfn.router.reqvalues.RequestValues.words`);
no state.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agentfn.router.flowwords import IOSlot

__all__ = ["CURRENCY_NAMES", "converts_into", "named_currencies", "needs_conversion", "unit_of", "unit_word"]

_UNITS: dict[str, tuple[str, str]] = {}
"""A unit word (as a name part or a request word) -> (dimension, unit)."""
for _dim, _table in {
    "mass": {"kg": ["kg", "kgs", "kilogram", "kilo"], "g": ["g", "gram"], "lb": ["lb", "lbs", "pound"],
             "oz": ["oz", "ounce"], "st": ["stone"]},
    "length": {"m": ["m", "meter", "metre"], "km": ["km", "kilometer", "kilometre"], "cm": ["cm", "centimeter", "centimetre"],
               "mm": ["mm", "millimeter", "millimetre"], "mi": ["mi", "mile"], "ft": ["ft", "foot", "feet"],
               "in": ["inch", "inche"], "yd": ["yd", "yard"]},
    "temperature": {"c": ["c", "celsius", "centigrade"], "f": ["f", "fahrenheit"], "k": ["kelvin"]},
    "energy": {"kwh": ["kwh", "kilowatt"], "mwh": ["mwh", "megawatt"], "wh": ["wh"], "j": ["joule"], "kj": ["kj", "kilojoule"],
               "kcal": ["kcal", "calorie"]},
    "duration": {"s": ["s", "sec", "second"], "min": ["minute", "mins"], "h": ["hr", "hrs", "hour"]},
    "power": {"w": ["w", "watt"], "kw": ["kw"], "mw": ["mw"]},
    "volume": {"l": ["l", "liter", "litre"], "ml": ["ml", "milliliter", "millilitre"], "gal": ["gal", "gallon"],
               "floz": ["floz"], "cup": ["cup"]},
    "concentration": {"mmol": ["mmol"], "mgdl": ["mgdl"]},
}.items():
    for _unit, _words in _table.items():
        for _w in _words:
            _UNITS[_w] = (_dim, _unit)
_NOUNS = {"mass": frozenset(["mass", "weight"]), "length": frozenset(["length", "distance", "height"]),
          "temperature": frozenset(["temperature", "temp"]), "energy": frozenset(["energy"]),
          "duration": frozenset(["duration"]), "power": frozenset(["power"]), "volume": frozenset(["volume"]),
          "concentration": frozenset(["concentration"])}
"""Words that name a dimension in a converter's name (``convert_mass``, ``length_convert``)."""
_QUANTITY = frozenset(["mass", "weight", "length", "distance", "height", "width", "depth", "elevation", "altitude",
                       "temperature", "temp", "energy", "duration", "power", "volume", "concentration"])
"""Name words of an input that takes a measured quantity (``bag_weight_kg``, ``target_temp_c``)."""
_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def unit_word(word: str) -> tuple[str, str] | None:
    """(dimension, unit) of a unit word as a request writes it ("miles" -> length, mi; "Celsius" -> temperature, c)."""
    w = word.lower()
    return _UNITS.get(w) or (_UNITS.get(w[:-1]) if w.endswith("s") and len(w) > 3 else None)


def unit_of(name: str) -> tuple[str, str] | None:
    """(dimension, unit) of an input named with a quantity word and a unit (``weight_kg`` -> mass, kg;
    ``tempF`` -> temperature, f); None for a unit alone (``m``) or after no quantity word (``size_in``)."""
    parts = [p.lower() for p in _PARTS.findall(name)]
    if len(parts) < 2 or parts[-1] not in _UNITS or not any(p in _QUANTITY for p in parts[:-1]):
        return None
    return _UNITS[parts[-1]]


def needs_conversion(slot: IOSlot, request_words: Iterable[str]) -> bool:
    """Whether the request gives ``slot``'s quantity only in another unit of its dimension ("180 pounds"
    for ``weight_kg``): its value must be converted first, so the input is open."""
    if slot.kind != "number":
        return False
    unit = unit_of(slot.name)
    if unit is None:
        return False
    said = {_UNITS[w] for w in request_words if w in _UNITS and len(w) > 1}
    same = {u for d, u in said if d == unit[0]}
    return bool(same) and unit[1] not in same


def converts_into(object_words: frozenset[str], returns_number: bool, slot: IOSlot) -> bool:
    """Whether a tool whose name holds ``object_words`` converts into ``slot``'s unit: it names the slot's
    dimension (``convert_mass`` for ``weight_kg``) and returns a number."""
    unit = unit_of(slot.name) if slot.kind == "number" else None
    return unit is not None and returns_number and bool(object_words & _NOUNS[unit[0]])


CURRENCY_NAMES = frozenset(
    ["dollar", "euro", "yen", "yuan", "renminbi", "rupee", "peso", "franc", "krona", "krone", "kroner", "real", "reais",
     "rand", "ruble", "rouble", "lira", "won", "dirham", "riyal", "shekel", "zloty", "forint", "baht", "ringgit", "dong",
     "naira", "shilling", "sterling", "rupiah", "koruna", "leu", "lev", "dinar", "hryvnia", "tenge"])
"""Currencies as a request names them in words (as :func:`~agentfn.router.flowwords.words_of` stems them)."""


def named_currencies(request_words: Iterable[str]) -> int:
    """How many currencies the request names in words ("US dollars to Mexican pesos": 2)."""
    return sum(1 for w in set(request_words) if w in CURRENCY_NAMES)
