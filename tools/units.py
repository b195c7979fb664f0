"""Unit conversion: length, mass, temperature, volume, speed, data size, time, area.

Linear units are stored as factors to a base unit per quantity; temperatures
are converted through kelvin. Unit names are matched case-insensitively
except where case carries meaning (``Mb`` megabit vs ``MB`` megabyte).
US customary volumes are US liquid measures.
"""

from __future__ import annotations

import difflib
import re

from pydantic import BaseModel

from agentfn import ToolRetry, tool

__all__ = ["Conversion", "convert_units"]

# quantity -> unit -> factor to the base unit (first entry of each table).
_LINEAR: dict[str, dict[str, float]] = {
    "length": {
        "m": 1.0, "km": 1000.0, "cm": 0.01, "mm": 0.001, "um": 1e-6, "nm": 1e-9,
        "in": 0.0254, "ft": 0.3048, "yd": 0.9144, "mi": 1609.344, "nmi": 1852.0,
    },
    "mass": {
        "kg": 1.0, "g": 0.001, "mg": 1e-6, "ug": 1e-9, "t": 1000.0,
        "lb": 0.45359237, "oz": 0.028349523125, "st": 6.35029318, "ton_us": 907.18474,
    },
    "volume": {
        "l": 1.0, "ml": 0.001, "cl": 0.01, "dl": 0.1, "m3": 1000.0, "cm3": 0.001,
        "gal": 3.785411784, "qt": 0.946352946, "pt": 0.473176473, "cup": 0.2365882365,
        "fl_oz": 0.0295735295625, "tbsp": 0.01478676478125, "tsp": 0.00492892159375, "gal_uk": 4.54609,
    },
    "speed": {"m/s": 1.0, "km/h": 1 / 3.6, "mph": 0.44704, "kn": 0.514444444444, "ft/s": 0.3048},
    "data": {
        "B": 1.0, "bit": 0.125, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15,
        "KiB": 1024.0, "MiB": 1024.0**2, "GiB": 1024.0**3, "TiB": 1024.0**4, "PiB": 1024.0**5,
        "kbit": 125.0, "Mbit": 125e3, "Gbit": 125e6, "Tbit": 125e9,
    },
    "time": {
        "s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "min": 60.0, "h": 3600.0, "day": 86400.0,
        "week": 604800.0, "month": 2629746.0, "year": 31556952.0,  # Gregorian mean month/year
    },
    "area": {
        "m2": 1.0, "km2": 1e6, "cm2": 1e-4, "mm2": 1e-6, "ha": 1e4, "acre": 4046.8564224,
        "ft2": 0.09290304, "in2": 0.00064516, "mi2": 2589988.110336, "yd2": 0.83612736,
    },
}

_ALIASES: dict[str, str] = {
    # length
    "meter": "m", "meters": "m", "metre": "m", "metres": "m", "kilometer": "km", "kilometers": "km",
    "kilometre": "km", "kilometres": "km", "centimeter": "cm", "centimeters": "cm", "millimeter": "mm",
    "millimeters": "mm", "micrometer": "um", "µm": "um", "nanometer": "nm", "inch": "in", "inches": "in",
    "foot": "ft", "feet": "ft", "yard": "yd", "yards": "yd", "mile": "mi", "miles": "mi",
    "nautical_mile": "nmi", "nautical_miles": "nmi",
    # mass
    "kilogram": "kg", "kilograms": "kg", "kilo": "kg", "kilos": "kg", "kgs": "kg", "gram": "g", "grams": "g", "milligram": "mg", "milligrams": "mg",
    "µg": "ug", "microgram": "ug", "tonne": "t", "tonnes": "t", "metric_ton": "t", "pound": "lb", "pounds": "lb",
    "lbs": "lb", "ounce": "oz", "ounces": "oz", "stone": "st", "short_ton": "ton_us",
    # volume
    "liter": "l", "liters": "l", "litre": "l", "litres": "l", "milliliter": "ml", "milliliters": "ml",
    "millilitre": "ml", "deciliter": "dl", "deciliters": "dl", "centiliter": "cl", "centiliters": "cl", "cubic_meter": "m3", "m^3": "m3", "cc": "cm3", "cm^3": "cm3", "gallon": "gal",
    "gallons": "gal", "quart": "qt", "quarts": "qt", "pint": "pt", "pints": "pt", "cups": "cup",
    "fluid_ounce": "fl_oz", "fluid_ounces": "fl_oz", "floz": "fl_oz", "tablespoon": "tbsp", "teaspoon": "tsp",
    "imperial_gallon": "gal_uk",
    # speed
    "mps": "m/s", "kph": "km/h", "kmh": "km/h", "km/hr": "km/h", "mi/h": "mph", "knot": "kn", "knots": "kn",
    "kt": "kn", "fps": "ft/s",
    # data
    "byte": "B", "bytes": "B", "bits": "bit", "kilobyte": "kB", "kilobytes": "kB", "megabyte": "MB",
    "megabytes": "MB", "gigabyte": "GB", "gigabytes": "GB", "terabyte": "TB", "terabytes": "TB",
    "petabyte": "PB", "kibibyte": "KiB", "mebibyte": "MiB", "gibibyte": "GiB", "tebibyte": "TiB",
    "Kb": "kbit", "kb": "kbit", "Mb": "Mbit", "Gb": "Gbit", "Tb": "Tbit", "KB": "kB",
    # time
    "sec": "s", "secs": "s", "second": "s", "seconds": "s", "millisecond": "ms", "milliseconds": "ms",
    "microsecond": "us", "µs": "us", "nanosecond": "ns", "minute": "min", "minutes": "min", "mins": "min",
    "hour": "h", "hours": "h", "hr": "h", "hrs": "h", "days": "day", "d": "day", "weeks": "week",
    "months": "month", "years": "year", "yr": "year",
    # area
    "square_meter": "m2", "sq_m": "m2", "m^2": "m2", "km^2": "km2", "hectare": "ha", "hectares": "ha",
    "acres": "acre", "sq_ft": "ft2", "ft^2": "ft2", "sq_mi": "mi2",
    # temperature
    "c": "C", "°c": "C", "celsius": "C", "degc": "C", "f": "F", "°f": "F", "fahrenheit": "F", "degf": "F",
    "k": "K", "kelvin": "K", "r": "R", "rankine": "R",
}
_TEMPERATURE = {"C", "F", "K", "R"}
# Units whose case matters; everything else is matched case-insensitively.
_CASE_SENSITIVE = {"Mb", "Gb", "Tb", "Kb", "MB", "GB", "TB", "KB", "kb", "kB", "B", "PB"}


_PREFIXES = {"square_": "2", "sq_": "2", "cubic_": "3"}


def _compound(raw: str) -> str:
    """``square_meters`` -> ``m2``, ``cubic_centimeters`` -> ``cm3``, ``degrees_celsius`` -> ``celsius``."""
    lowered = raw.lower()
    if lowered.startswith(("degrees_", "degree_")):
        return raw.split("_", 1)[1]
    for prefix, power in _PREFIXES.items():
        if lowered.startswith(prefix):
            base = _ALIASES.get(lowered[len(prefix) :], lowered[len(prefix) :])
            base = _ALIASES.get(base.rstrip("s"), base) if base not in _LINEAR["length"] else base
            if base + power in _LINEAR["area"] or base + power in _LINEAR["volume"]:
                return base + power
    return raw


def _lookup(raw: str) -> str:
    if raw in _CASE_SENSITIVE:
        return _ALIASES.get(raw, raw)
    name = _ALIASES.get(raw, _ALIASES.get(raw.lower(), raw))
    if name == raw:
        name = next((u for table in _LINEAR.values() for u in table if u.lower() == raw.lower()), raw)
    if not _known(name) and len(raw) > 3 and raw.lower().endswith("s"):  # "teaspoons", "tablespoons", "knots"
        return _lookup(raw[:-1])
    if not _known(name) and re.search(r"(?:metre|litre)s?$", raw.lower()):  # "centimetre": the -re spelling
        return _lookup(re.sub(r"re(s?)$", r"er\1", raw.lower()))
    return name


def _misspelt(raw: str) -> str | None:
    """The unit a misspelt long name means ("farenheit", "kilometers"), when one spelled-out name is that close."""
    if len(raw) < 5:
        return None
    close = difflib.get_close_matches(raw.lower(), [a for a in _ALIASES if len(a) >= 5], n=2, cutoff=0.8)
    names = {_ALIASES[c] for c in close}
    return names.pop() if len(names) == 1 else None


def _known(name: str) -> bool:
    return name in _TEMPERATURE or any(name in table for table in _LINEAR.values())


_NUMBER = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?\s*")


_PER = re.compile(r"(?P<length>[a-z]+?)\s*(?:/|\s+per\s+|\s+an?\s+|\s+each\s+)\s*(?P<time>second|sec|s|hour|hr|h)s?", re.I)


def _speed(text: str) -> str | None:
    """A speed written as a length per a time in words ("metres per second", "miles an hour") -> ``m/s``, ``mph``."""
    m = _PER.fullmatch(text.strip())
    if m is None:
        return None
    length = _lookup(m["length"])
    name = _lookup(f"{length}/{m['time'][0].lower()}")
    return name if length in _LINEAR["length"] and name in _LINEAR["speed"] else None


def _unit_name(unit: str) -> str:
    """The unit a model wrote, also when it copied more of the request: "3 tablespoons" ->
    ``tbsp``; a phrase naming exactly one known unit ("teaspoons are in") -> that unit."""
    text = _NUMBER.sub("", unit.strip()).strip(" .?!'\"")
    name = _lookup(_compound(text.replace(" ", "_")))
    if not _known(name) and (speed := _speed(text)) is not None:
        return speed
    if not _known(name) and (near := _misspelt(_compound(text.replace(" ", "_")))) is not None:
        name = near
    if _known(name) or " " not in text:
        return name
    found = {n for n in (_lookup(w) for w in re.findall(r"[^\s,?!.]+", text)) if _known(n) and len(n) > 1 and n != "in"}  # "in" is a word first
    return found.pop() if len(found) == 1 else name


def _canonical(unit: str) -> tuple[str, str]:
    name = _unit_name(unit)
    if name in _TEMPERATURE:
        return "temperature", name
    for quantity, table in _LINEAR.items():
        if name in table:
            return quantity, name
    known = "; ".join(f"{q}: {', '.join(t)}" for q, t in _LINEAR.items())
    raise ToolRetry(f"unknown unit {unit!r}. Known units -- {known}; temperature: C, F, K, R")


def _to_kelvin(value: float, unit: str) -> float:
    return {"C": value + 273.15, "F": (value - 32) * 5 / 9 + 273.15, "K": value, "R": value * 5 / 9}[unit]


def _from_kelvin(value: float, unit: str) -> float:
    return {"C": value - 273.15, "F": (value - 273.15) * 9 / 5 + 32, "K": value, "R": value * 9 / 5}[unit]


# Units whose everyday name is shared by a mass and a volume: the other side tells which is meant.
_MASS_OR_VOLUME = {"oz": "fl_oz"}


def _same_quantity(q_from: str, u_from: str, q_to: str, u_to: str) -> tuple[str, str, str, str]:
    """The pair read as one quantity when one side is a name both quantities use (``oz`` beside a volume
    is ``fl_oz``), or a length beside an area or a volume whose square or cube it names ("square metres
    to feet" is to square feet); otherwise unchanged."""
    if q_from == "volume" and q_to == "mass" and u_to in _MASS_OR_VOLUME:
        return q_from, u_from, "volume", _MASS_OR_VOLUME[u_to]
    if q_to == "volume" and q_from == "mass" and u_from in _MASS_OR_VOLUME:
        return "volume", _MASS_OR_VOLUME[u_from], q_to, u_to
    for quantity, power in (("area", "2"), ("volume", "3")):
        if q_from == quantity and q_to == "length" and u_to + power in _LINEAR[quantity]:
            return q_from, u_from, quantity, u_to + power
        if q_to == quantity and q_from == "length" and u_from + power in _LINEAR[quantity]:
            return quantity, u_from + power, q_to, u_to
    return q_from, u_from, q_to, u_to


_SYSTEMS = {"american": "F", "us": "F", "usa": "F", "imperial": "F", "freedom": "F", "metric": "C", "european": "C",
            "normal": "C"}
"""A temperature asked "in american" or "in metric": the scale that system uses."""


def _system_scale(raw: str, other: str) -> str:
    """``raw`` as the temperature scale a unit system names ("30C in *american*" -> ``F``) when the other side is a
    temperature; ``raw`` otherwise."""
    word = re.sub(r"\s*units?$", "", raw.strip().lower())
    if word not in _SYSTEMS:
        return raw
    try:
        return _SYSTEMS[word] if _canonical(other)[0] == "temperature" else raw
    except ToolRetry:
        return raw


def _bare_k(q_this: str, u_this: str, raw: str, q_other: str) -> tuple[str, str]:
    """A bare "k" ("a 5k run") beside a length is kilometres, not kelvin; otherwise ``(q_this, u_this)``."""
    if q_this == "temperature" and q_other == "length" and _NUMBER.sub("", raw.strip()).strip().lower() == "k":
        return "length", "km"
    return q_this, u_this


class Conversion(BaseModel):
    """A converted value."""

    value: float
    unit: str
    quantity: str
    original_value: float
    original_unit: str


@tool(side_effects="none", blocking=False)
def convert_units(value: float, from_unit: str, to_unit: str) -> Conversion:
    """Convert a value from one unit to another of the same quantity (how many of one unit make
    another): length, mass and weight, temperature, volume, speed, data size, durations, area.

    Quantities and units: length (m km cm mm in ft yd mi nmi), mass (kg g mg t lb oz st),
    temperature (C F K R), volume (l ml m3 gal qt pt cup fl_oz tbsp tsp gal_uk), speed
    (m/s km/h mph kn ft/s), data (B kB MB GB TB KiB MiB GiB TiB bit kbit Mbit Gbit), time
    (s ms us ns min h day week month year), area (m2 km2 ha acre ft2). Full names and
    plurals work too: metres, kilometres, miles, feet, inches, yards, grams, kilograms,
    pounds, ounces, stones, litres, millilitres, gallons, cups, teaspoons, celsius,
    fahrenheit, kelvin, seconds, minutes, hours, days, weeks, megabytes, gigabytes, acres.

    Args:
        value: the number to convert.
        from_unit: unit of ``value``, spelled as the request says it (e.g. "miles", "kg").
        to_unit: unit wanted, spelled as the request says it (e.g. "kilometers").
    """
    q_from, u_from = _canonical(_system_scale(from_unit, to_unit))
    q_to, u_to = _canonical(_system_scale(to_unit, from_unit))
    if q_from != q_to:  # "1.5 liters to ounces" means fluid ounces; "2 cups in ounces" too; "a 5k run" is in km
        q_from, u_from, q_to, u_to = _same_quantity(q_from, u_from, q_to, u_to)
        (q_from, u_from), (q_to, u_to) = _bare_k(q_from, u_from, from_unit, q_to), _bare_k(q_to, u_to, to_unit, q_from)
    if q_from != q_to:
        raise ToolRetry(f"cannot convert {q_from} ({from_unit}) to {q_to} ({to_unit})")
    if q_from == "temperature":
        kelvin = _to_kelvin(value, u_from)
        if kelvin < 0:
            raise ToolRetry(f"{value} {from_unit} is below absolute zero")
        result = _from_kelvin(kelvin, u_to)
    else:
        table = _LINEAR[q_from]
        result = value * table[u_from] / table[u_to]
    return Conversion(value=result, unit=u_to, quantity=q_from, original_value=value, original_unit=u_from)
