"""What a request gives that a near-duplicate cannot take, and what it asks of the request that is not there.

Among near-tied tools (:mod:`agentfn.router.neardup`) the right one uses what the request gives, all of it,
and asks for nothing the request lacks. Retrieval cannot see this: ``current_year()`` ("What year is it. Get
the time, date, day of the week") and ``get_weekday(date)`` both read as the day of the week, but "Which day
of the week was 1999-12-31?" gives a date that only one of them can take. :func:`leftover_misfits` counts,
per competitor, one misfit for each of these (at most one per rule), only when a competitor does not have it
(so a cluster that all share a misfit stays as retrieval ordered it):

* *a given value it has no input for*: the request spells out a date other than the present ("1999-12-31",
  "tomorrow", "sunday"; "today" and "now" are what a tool without inputs reads anyway), numbers, coordinates,
  an email, a url, a phone number or an ip address, the tool takes no input at all, and a competitor has an
  input of that kind (:func:`takes_kind`: a date also fits a text input named for a date or time; numbers also
  fit coordinates and options). Only inputless tools pay: a tool with inputs may take the value in a way its
  schema does not spell out, and a date often qualifies a thing ("the invite for next Monday") rather than
  being an argument;
* *words it has no place for*: the request says things beyond the tool's vocabulary, its actions and filler
  ("a joke about *dentists*", "wallpaper with *dogs*"; places such as paths and urls are values, not words)
  and the tool has no text input, while a competitor about the same thing (a shared object word of their
  names, service names aside) requires a search input (``query``, ``topic``, ``keywords``...);
* *a search the request gives nothing to*: the tool requires a search input and the request says nothing
  beyond the tool's own words, names no capitalised thing and quotes nothing ("new wallpaper" against
  ``wallpaper_about(query)``), while a competitor about the same thing requires none.

Pure and cheap: the request's values come from :class:`~agentfn.router.reqvalues.RequestValues` and the
tools' inputs from their :class:`~agentfn.router.dataflow.ToolIO`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from agentfn.router.brands import brand_words
from agentfn.router.calibration import tool_vocabulary
from agentfn.router.dataflow import ToolIO
from agentfn.router.fitness import ACTION_GROUPS, name_objects
from agentfn.router.reqvalues import RequestValues, without_places
from agentfn.router.servers import server_of
from agentfn.router.text import ToolRecord, split_name, tokenize

__all__ = ["FILLER", "given_kinds", "leftover_misfits", "rest_words", "takes_kind"]

_TYPED = ("date", "number", "coord", "email", "url", "phone", "ip")
"""Kinds of values a request spells out that only an input of their kind takes."""
_WHEN = frozenset(["date", "day", "time", "when", "datetime", "period", "start", "end", "until", "since", "year", "month"])
"""Words of a text input that takes a date ("when", "start_time")."""
_FITS = {"number": ("number", "coord", "option"), "coord": ("coord", "number"), "date": ("date",)}
"""Kinds of inputs each kind of value fits besides its own (a date also fits a text input named for one)."""
FILLER = frozenset(tokenize(
    "tell show know give want need like please can could would should will let help ask find get make new one "
    "was were been being have has had do does did say said thing something anything some any other another "
    "me you i we they it this that there here now today inside using use via through everything all don doesn isn "
    "won didn quick hey okay just also really"
)) | frozenset(w for group in ACTION_GROUPS.values() for w in tokenize(" ".join(group)))
"""Words that ask rather than give: actions, modal and filler verbs (they fill no free-text input)."""
_SEARCH = frozenset(tokenize("query search topic keyword keywords term terms subject about"))
"""Words of an input that takes what to look for."""
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")
_QUOTED = re.compile(r"\"[^\"]+\"|(?<!\w)'[^'\n]+'(?!\w)")


def given_kinds(values: RequestValues) -> frozenset[str]:
    """The typed kinds of value a request spells out (a date only when it is not the present)."""
    out = {k for k in _TYPED if k != "date" and values.counts.get(k, 0) > 0}
    if values.fixed_dates:
        out.add("date")
    return frozenset(out)


def takes_kind(io: ToolIO, kind: str) -> bool:
    """Whether some input of ``io`` takes a value of ``kind`` (see the module docstring)."""
    fits = _FITS.get(kind, (kind,))
    for slot in io.inputs:
        if slot.kind in fits:
            return True
        if kind == "date" and slot.kind == "text" and (slot.words | slot.desc) & _WHEN:
            return True
        if kind in ("email", "url", "phone", "ip") and slot.kind == "text" and kind in slot.words | slot.desc:
            return True
    return False


def rest_words(text: str, rec: ToolRecord) -> frozenset[str]:
    """The request's words that are neither filler, numbers, places (:func:`~agentfn.router.reqvalues.without_places`)
    nor in the tool's vocabulary."""
    words = {w for w in tokenize(without_places(text)) if w.isalpha() and len(w) > 2}
    return frozenset(words - FILLER - tool_vocabulary(rec))


def _search_input(io: ToolIO) -> bool:
    """Whether ``io`` requires free text that names what to look for (a query, a topic, keywords)."""
    return any(s.required and s.kind == "text" and s.words & _SEARCH for s in io.inputs)


def leftover_misfits(names: Sequence[str], text: str, records: Mapping[str, ToolRecord],
                     io_of: Callable[[str], ToolIO]) -> list[int]:
    """Per competitor in ``names``, its misfits of the three kinds in the module docstring (0 to 3)."""
    if len(names) < 2:
        return [0] * len(names)
    values = RequestValues.of(text)
    ios = [io_of(n) for n in names]
    out = [0] * len(names)
    for kind in sorted(given_kinds(values)):  # a given value a tool without inputs cannot take
        takes = [takes_kind(io, kind) for io in ios]
        if any(takes):
            out = [max(m, int(not io.inputs)) for m, io in zip(out, ios, strict=True)]
    search = [_search_input(io) for io in ios]
    if not any(search) or all(search):
        return out
    objects = [_objects(n, records) for n in names]
    rests = [rest_words(text, records[n]) if n in records else frozenset[str]() for n in names]
    named = bool(_CAPITALISED.search(text.strip()) or _QUOTED.search(text))
    for i, (q, rest) in enumerate(zip(search, rests, strict=True)):
        kin = any(search[j] != q and objects[i] & objects[j] for j in range(len(names)))  # the same thing, searched or not
        topic = not q and bool(rest) and not _takes_text(ios[i])  # words beyond the tool's own: the search takes them
        empty = q and not rest and not named  # no topic: the search cannot be called
        out[i] += int(kin and (topic or empty))
    return out


def _takes_text(io: ToolIO) -> bool:
    return any(s.kind == "text" for s in io.inputs)


def _objects(name: str, records: Mapping[str, ToolRecord]) -> frozenset[str]:
    """What a tool's name acts on, without the words that name its service (``shopify``, a server's name)."""
    rec = records.get(name)
    server = server_of(name)
    service = brand_words(name, rec.description if rec is not None else "") | frozenset(tokenize(" ".join(split_name(server))))
    objects = frozenset(tokenize(" ".join(name_objects(name)))) - FILLER
    return (objects - service) or objects  # ``wallpapers__set_wallpaper``: the service is the thing
