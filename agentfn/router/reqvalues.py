"""What a request gives by itself: values counted per kind, labelled ids, described things, relations.

:class:`RequestValues` reads a request once (pure text, no tools): how many
coordinates, emails, urls, phones, ips, dates, numbers, ids and codes it
spells out (words written as ids count: "the coin ids bitcoin and ethereum"),
the label word before each id ("order 55123" -> order), paths to files
("/etc/hosts"; one after "in"/"under" is a folder) and bare file names,
whether it lists things ("eggs, milk and flour"), whether it names or speaks
of a file ("notes.txt", "the README", "my TODO file") or page but holds no
text, which things it describes instead of naming ("the channel with the most
members"), which values it names by a relation ("the capital of Peru"), and
the imperative it opens with. :meth:`RequestValues.open_among` then says which
inputs of one kind those values cannot fill, each value used once
(:meth:`RequestValues.fill`: also across ids and codes).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from agentfn.router.finishcues import finish_cues
from agentfn.router.flowwords import GENERIC, PAYLOAD, SYNONYMS, WEAK, IOSlot, words_of
from agentfn.router.steps import opening_verb
from agentfn.router.text import tokenize

__all__ = ["RequestValues", "without_places"]

_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*(?![\w])")
_DECIMAL = re.compile(r"(?<![\w.])[-+]?\d{1,3}\.\d+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+|\b[\w-]+\.(?:com|org|net|io|dev|ai)\b", re.I)
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
_IDLIKE = re.compile(r"(?<![\w@])(?!\d{1,3}-[a-z]{3,}(?![\w-]))(?=[\w-]*\d)(?=[\w-]*[A-Za-z_-])[\w-]{3,}|\b\d{4,}\b|\b[0-9a-f]{8}-[0-9a-f-]{27}\b")
# A count joined to its noun ("3-bedroom", "30-year", "4-slice") is a value of a parameter, not an identifier.
_SHORT_NUMBER = re.compile(r"(?<![\w.#-])#?\d{1,3}(?![\w.,:/-])")
_CODELIKE = re.compile(r"\b[A-Z][A-Z0-9]{1,5}\b")
_QUOTED = re.compile(r"\"[^\"]+\"|(?<!\w)'[^'\n]+'(?!\w)|`[^`]+`")
_IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b|\b(?:[0-9a-f]{1,4}:){4,7}[0-9a-f]{1,4}\b", re.I)
_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b(?:19|20)\d{2}-(?:0[1-9]|1[0-2])\b(?!-)|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b(?:today|tomorrow|tonight|yesterday|now|"
    r"mon|tues|wednes|thurs|fri|satur|sun)(?:day)?\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\s+\d{1,4}(?:st|nd|rd|th)?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|\bnext\s+(?:week|month|year)\b"
    r"|\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b",
    re.I,
)
# A file the request names ("notes.txt", "reports/q1.csv"): what it holds is not in the request.
_FILE_NAME = re.compile(r"(?<![\w@/.])(?:[\w-]+/)*[\w-]+\.(?:txt|md|csv|tsv|json|jsonl|log|ya?ml|xml|html?|py|ini|cfg|toml|rst|pdf|docx?|xlsx?|pptx?|odt|rtf|epub)\b", re.I)
# A path to a file ("/etc/hosts", "~/notes/todo.md", "docs/a.md"); one after "in", "under"... is a folder to look in.
_PATH = re.compile(r"(?<![\w@:/.~])(?:~|\.{1,2})?(?:/[\w.-]+)+/?|(?<![\w@:/.~])[\w-]+(?:/[\w.-]+)+/?")
_IN_FOLDER = re.compile(r"\b(?:in|under|inside|within|from|below|beneath)\s+(?:the\s+)?(?:folder\s+|directory\s+|dir\s+)?$", re.I)
_MEDIA_FILE = re.compile(r"(?<![\w@/.])[\w-]+\.(?:png|jpe?g|gif|svg|webp|heic|bmp|tiff?|zip|tar|gz|7z|rar|mp3|wav|m4a|flac|ogg|"
                         r"mp4|mov|avi|mkv|webm)\b", re.I)
"""A file the request names that holds no text (an image, an archive, a recording)."""
_TARGET = re.compile(r"\b(?:as|into|to|named|called)\s+(?:a\s+(?:new\s+)?file\s+(?:named\s+|called\s+)?)?$", re.I)
_FOLDER_WORD = re.compile(r"\b(?:folder|directory)\b", re.I)
# A file the request speaks of without naming it fully ("my TODO notes file", "the README").
_SOME_FILE = re.compile(r"\b(?:the|my|this|that|our|your)\s+(?:[\w-]+\s+){0,3}files?\b|\bREADME\b|\bCHANGELOG\b|\bLICENSE\b", re.I)
# Things listed: "eggs, milk and flour", "200g chicken breast and 1 cup of rice", "a, b, c".
_LISTED = re.compile(r"\b[\w'-]+(?:\s+[\w'-]+){0,3},\s*[\w'-]+(?:\s+[\w'-]+){0,3},?\s+(?:and|or|&)\s+\w|\w,\s*\w+,\s*\w"
                     r"|\b\d+(?:\.\d+)?\s*[a-z]*\s+[^,.;]{1,40}?\s+and\s+\d", re.I)
_NAMED_ID = re.compile(r"\b(?:ids?|identifiers?|usernames?|handles?|slugs?)\s+(?:is\s+|are\s+|=\s*|:\s*)?[\"'`]?([a-z][\w.-]*)",
                       re.I)
_NOT_VALUES = frozenset(["of", "for", "the", "a", "an", "and", "or", "to", "in", "on", "from", "with", "that", "this", "these",
                         "those", "which", "who", "is", "are", "it", "them", "my", "your", "our", "their", "all", "each",
                         "every", "by", "at", "as", "if", "not", "so", "please", "then"])
_PASTED = re.compile(r":\s*\S(?:.*\s){3,}", re.S)  # "... this text: <four or more words>"
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
# "the city where the Eiffel Tower is", "the country the Taj Mahal is in": a place named by what is in it.
_RELATION = re.compile(r"\bthe\s+([A-Za-z]+)\s+of\s+(?:the\s+)?(?=[A-Z\"'])|\b[A-Z][\w-]*'s\s+([a-z]+)\b"
                       r"|\bthe\s+([a-z]+)\s+(?:where|in\s+which)\s+(?:the\s+)?(?=[A-Z\"'])"
                       r"|\bthe\s+([a-z]+)\s+(?:the\s+)?[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,3}\s+(?:is|are|lies|sits|stands)\s+in\b")
# A street address ("221B Baker Street", "1600 Amphitheatre Parkway", "22 Rue de Rivoli"): a place given by
# where it is, which a tool taking an ``address`` reads (a place named by its name is no address).
_STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:(?:[A-Z][\w'.-]*|de|del|la|di|du|van|von)\s+){0,4}?(?:Street|St|Road|Rd|Avenue|Ave|Boulevard|"
    r"Blvd|Lane|Ln|Drive|Dr|Way|Parkway|Pkwy|Place|Pl|Square|Sq|Loop|Court|Ct|Terrace|Highway|Hwy|Circle|Row|Crescent)\b"
    r"|\b\d{1,5},?\s+(?:Rue|Via|Calle|Avenida|Rua|Strada|Plaza|Piazza|Boulevard)\s+\w"
    r"|\b[A-Z][\w-]*(?:stra(?:ss|ß)e|straat|gatan|gade|vej|weg)\s+\d{1,5}\b")
_NOT_RELATIONS = frozenset(["rest", "end", "top", "most", "best", "first", "last", "middle", "start", "beginning",
                            "part", "kind", "type", "sort", "list", "number", "name", "one", "result", "same"])
_PRESENT = frozenset(["today", "now", "tonight"])
"""Dates that say the present: what a tool without inputs reads anyway."""
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
    verb: str = ""
    """The imperative the request opens with ("translate", "price"...; :func:`~agentfn.router.steps.opening_verb`), or ""."""
    finish: frozenset[str] = frozenset()
    """Operations the request asks for on the numbers its chain finds ("warmer ... than", "in euros", "average"):
    :func:`~agentfn.router.finishcues.finish_cues`."""
    fixed_dates: int = 0
    """Dates that name a day other than the present ("1999-12-31", "tomorrow", "sunday"; not "today", "now",
    "tonight"): a value only a tool with a date input takes (:mod:`agentfn.router.leftover`)."""

    @classmethod
    def of(cls, text: str) -> RequestValues:
        """:meth:`parse`, remembered for the last 128 texts: routing reads one request's values several
        times (abstention's fill feature, the near-duplicate head, selection). The instance is shared:
        read it, never change it."""
        return _parsed(text) if cls is RequestValues else cls.parse(text)

    @classmethod
    def parse(cls, text: str) -> RequestValues:
        """The values ``text`` spells out (parsed afresh; :meth:`of` remembers recent texts)."""
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
        # Words written as ids ("the coin ids bitcoin and ethereum", "username octocat"): ids though they hold no digit.
        ids += [_label(text, m.start()) for m in _NAMED_ID.finditer(text)
                if not _IDLIKE.fullmatch(m.group(1)) and m.group(1).lower() not in _NOT_VALUES]
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
            "street": len(_STREET.findall(text)),
            "date": len(_DATE.findall(text)),
            "number": numbers,
        }
        counts["names"] = quoted  # a list of named things is given only by naming them in quotes
        counts["list"] = 1 << 20 if quoted or _LISTED.search(_DATE.sub(" ", text)) else 0
        counts["path"], counts["path_target"] = _paths(text)
        labels = {"id": ids + [""] * quoted, "code": codes + ids + [""] * quoted}
        # Named files and no text of their own: a tool that works on text needs the file read first.
        named_file = _FILE_NAME.search(text) or _SOME_FILE.search(text) or _URL.search(_EMAIL.sub(" ", text))
        # A quoted file name or address ("read 'notes.txt'") is no text pasted into the request.
        pasted = [q for q in _QUOTED.findall(text) if not (_FILE_NAME.fullmatch(q[1:-1]) or _URL.fullmatch(q[1:-1]))]
        file_only = bool(named_file) and not pasted and not _PASTED.search(text)
        described = frozenset(w for m in _DESCRIBED.finditer(text) for w in words_of(m.group(1) or m.group(2) or m.group(3)))
        relations = frozenset(w for m in _RELATION.finditer(text) for w in words_of(m.group(1) or m.group(2) or m.group(3) or m.group(4))
                              if w not in _NOT_RELATIONS)
        verb = opening_verb(text)
        return cls(counts, frozenset(words_of(text)), labels, file_only, re.sub(r"[^a-z0-9]", "", text.lower()), described,
                   relations, digit_ids, " ".join(words_of(verb)) if verb else "", finish_cues(text),
                   sum(1 for m in _DATE.finditer(text) if m.group().lower() not in _PRESENT))

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
        return self.fill(kind, slots, tool_words, used)[0]

    def fill(self, kind: str, slots: Sequence[IOSlot], tool_words: frozenset[str] = frozenset(), used: int = 0,
             taken: Sequence[str] = ()) -> tuple[list[IOSlot], list[str]]:
        """(:meth:`open_among`'s open slots, the labels of the values that filled the others).

        ``taken``: labels of values another kind's slots of the same tool already filled (an id is also
        counted as a code): each is used no more ("my card is 29384471" fills ``card_number`` or an
        ``isbn``, not both).
        """
        if kind == "text":
            return [slot for slot in slots if (self.file_only and slot.words & PAYLOAD)
                    or (len(slot.words) == 1 and slot.words <= self.described and not slot.words & PAYLOAD)], []
        if kind not in self.labels:
            have = self.available(kind) - (used if kind == "number" else 0)
            if kind == "coord" and have == 0 and self.words & {"latitude", "longitude", "coordinates"}:
                have = self.counts.get("number", 0)  # "coordinates 48 and 2": numbers named as coordinates
            return list(slots[have:]), []
        free = list(self.labels[kind])
        for lab in taken:
            if lab in free:
                free.remove(lab)
        out: list[IOSlot] = []
        filled: list[str] = []
        for slot in slots:
            thing = slot.words - WEAK
            if thing and thing <= self.described and not any(lab in thing for lab in free):
                out.append(slot)  # "the channel with the most members": described, so its id is looked up
                continue
            fits = [i for i, lab in enumerate(free) if lab and lab in slot.words | slot.desc]
            fits = fits or [i for i, lab in enumerate(free) if not lab or lab in tool_words]
            if fits:
                filled.append(free.pop(fits[0]))
            else:
                out.append(slot)
        return out, filled


@functools.lru_cache(maxsize=128)
def _parsed(text: str) -> RequestValues:
    return RequestValues.parse(text)


def _blank(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: " " * len(m.group()), text)


def without_places(text: str) -> str:
    """``text`` with its urls, emails, paths and file names blanked: where things are, which inputs of those
    kinds take, not words about what the request wants ("what's inside Projects/alpha")."""
    return _blank(_FILE_NAME, _blank(_PATH, _blank(_URL, _blank(_EMAIL, text))))


def _paths(text: str) -> tuple[int, int]:
    """How many values the request gives for an input that takes where a file is: (to read it, to write it).

    A path ("/etc/hosts", "docs/a.md") or a file's full name ("letter.txt") gives one each (a folder
    mentioned after "in"/"under" is a place to look, no file); one named as a target ("save it *as*
    notes.txt", "write it *into* b.md") is where to write, no file to read. A request that speaks of a
    file without its full name ("the README", "my notes file") or names only a folder gives none, so a
    search must find it; one that speaks of no file at all is assumed to give it (as free text is).
    """
    plain = _blank(_URL, _blank(_EMAIL, text))
    found = [m.start() for m in _PATH.finditer(plain) if not m.group().endswith("/")]
    at = [i for i in found if not _IN_FOLDER.search(plain[:i])]
    at += [m.start() for m in _FILE_NAME.finditer(text) if "/" not in m.group()]
    at += [m.start() for m in _MEDIA_FILE.finditer(text)]
    targets = sum(1 for i in at if _TARGET.search(text[:i]))
    if at:
        return len(at) - targets, len(at)
    if len(found) or _FOLDER_WORD.search(text) or _SOME_FILE.search(text):
        return 0, 0
    return 1 << 20, 1 << 20


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
    words = [SYNONYMS.get(w, w) for w in tokenize(m.group(1))]
    return words[-1] if words and words[-1] not in GENERIC else ""
