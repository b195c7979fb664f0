"""An incremental, resumable JSON scanner that also normalises what it reads.

Tool-call formats embed JSON in free text, and a streaming parser sees that
JSON a few characters at a time. :class:`JsonScan` answers the one question a
parser needs at every moment: starting at this offset, is there a complete
JSON value, a valid prefix that may still complete, or something that can
never be JSON? It resumes where it stopped, so feeding a growing text costs
linear time overall.

While scanning it writes the value's *normalised* text: the exact string that
``json.dumps(json.loads(raw), ensure_ascii=False)`` gives for input without
duplicate keys (duplicate keys are kept, which keeps the model's raw text
honest). Normalisation works token by token, so the normalised text of a prefix
is a prefix of the normalised text of the whole value; that is what lets
argument deltas stream and still add up to the final arguments exactly.

Leniency, on purpose: raw control characters inside strings (models put real
newlines in code arguments) are accepted and re-escaped. ``NaN``/``Infinity``
and other non-JSON literals are rejected.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "INCOMPLETE",
    "INVALID",
    "OK",
    "WS_RE",
    "JsonScan",
    "Member",
    "Status",
    "normalize_json_text",
    "run_end",
    "scan_complete",
]

Status = Literal["incomplete", "ok", "invalid"]
INCOMPLETE: Status = "incomplete"
OK: Status = "ok"
INVALID: Status = "invalid"

_WS = re.compile(r"[ \t\n\r]*")
WS_RE = _WS
"""JSON blank space (what may surround a value)."""
_STR_RUN = re.compile(r'[^"\\]*')
_NUM_CHARS = re.compile(r"[-+0-9.eE]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LETTERS = re.compile(r"[A-Za-z]*")
_LITERALS = ("true", "false", "null")
_DECODER = json.JSONDecoder(strict=False)
_PROBE = 64
_PROBE_AFTER = 4096

# What the scanner expects next.
_VALUE, _KEY_OR_CLOSE, _KEY, _COLON, _VALUE_OR_CLOSE, _COMMA_OR_CLOSE = range(6)


@dataclass
class Member:
    """One ``key: value`` member of the top-level object, with its normalised span."""

    key: str
    first_char: str
    norm_start: int
    norm_end: int = -1
    decoded: Any = None
    """The decoded value, kept only for string values (names, double-encoded arguments)."""


class _Fallback(Exception):
    """The C decoder's reading would differ from the token scanner's; use the scanner."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Fallback  # repeated keys are kept by the token scanner, dropped by dict
    return result


def _finite_float(token: str) -> float:
    value = float(token)
    if value in (float("inf"), float("-inf")):
        raise _Fallback  # the token scanner keeps the model's spelling
    return value


def _no_constant(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def _first_char(value: Any) -> str:
    if isinstance(value, dict):
        return "{"
    if isinstance(value, list):
        return "["
    if isinstance(value, str):
        return '"'
    if value is None or isinstance(value, bool):
        return "n" if value is None else ("t" if value else "f")
    return "0"


_FAST_DECODER = json.JSONDecoder(
    strict=False, object_pairs_hook=_unique_pairs, parse_float=_finite_float, parse_constant=_no_constant
)


class _Rope:
    """Append-only text with slices in time proportional to their length."""

    __slots__ = ("_length", "_pieces", "_starts")

    def __init__(self) -> None:
        self._pieces: list[str] = []
        self._starts: list[int] = []
        self._length = 0

    def __len__(self) -> int:
        return self._length

    def append(self, piece: str) -> None:
        if piece:
            self._starts.append(self._length)
            self._pieces.append(piece)
            self._length += len(piece)

    def slice(self, start: int, end: int | None = None) -> str:
        end = self._length if end is None else min(end, self._length)
        if start >= end:
            return ""
        first = bisect.bisect_right(self._starts, start) - 1
        last = bisect.bisect_left(self._starts, end)
        base = self._starts[first]
        return "".join(self._pieces[first:last])[start - base : end - base]


def _decode_string(token: str) -> str:
    value: str = _DECODER.decode(token)
    return value


class JsonScan:
    """Scan one JSON value that starts at ``start`` in a text that may still grow.

    Call :meth:`advance` with the whole text seen so far (it must only ever grow)
    and ``final=True`` once no more text will come. Then read :attr:`status`;
    when it is ``"ok"``, :attr:`end` is the offset just past the value and
    :meth:`normalized` its normalised text.
    """

    def __init__(self, start: int) -> None:
        self.start = start
        self.status: Status = INCOMPLETE
        self.end = -1
        self.fail = -1
        """Where the value failed when ``status`` is invalid (the text's length when it was cut off)."""
        self._pos = start
        self._expect = _VALUE
        self._stack: list[str] = []  # "{" or "["
        self._out = _Rope()
        self._partial = _Rope()  # normalised text of an unfinished string token
        self._partial_token = -1  # offset of that token's opening quote
        self._partial_raw = -1  # raw offset up to which it has been decoded
        self._str_resume = -1  # where to resume scanning an unfinished string
        self.top_kind = ""  # first character of the top-level value
        self.members: list[Member] = []
        self._member: Member | None = None
        self._pending_key: str | None = None

    # -- output ----------------------------------------------------------------

    def _emit(self, piece: str) -> None:
        self._out.append(piece)

    @property
    def _out_len(self) -> int:
        return len(self._out)

    def normalized(self, start: int = 0, end: int | None = None) -> str:
        """Normalised text written so far (a slice of it when bounds are given)."""
        return self._out.slice(start, end)

    @property
    def normalized_length(self) -> int:
        """Length of the normalised text written so far."""
        return len(self._out)

    def tail(self, text: str, start: int) -> str:
        """Normalised text from offset ``start`` on, including an unfinished string at the end.

        Used for provisional argument deltas. The unfinished string's part never
        ends in a half escape or a lone high surrogate, so whatever this returns
        stays a prefix of the normalised text once the string completes. Costs
        time in proportion to the result, not to the whole value.
        """
        self._advance_partial(text)
        in_string = self.status == INCOMPLETE and self._str_resume >= 0 and self._partial_token == self._pos
        partial = self._partial if in_string else _Rope()
        out_len = len(self._out)
        if start < out_len:
            return self._out.slice(start) + partial.slice(0)
        return partial.slice(start - out_len)

    def _advance_partial(self, text: str) -> None:
        if self.status != INCOMPLETE or self._str_resume < 0:
            return
        if self._partial_token != self._pos:
            self._partial_token = self._pos
            self._partial = _Rope()
            self._partial.append('"')
            self._partial_raw = self._pos + 1
        raw = text[self._partial_raw : self._str_resume]
        if not raw:
            return
        try:
            decoded = _decode_string('"' + raw + '"')
        except ValueError:
            return  # an invalid escape: the string will fail as a whole
        if decoded and "\ud800" <= decoded[-1] <= "\udbff" and not raw.endswith(decoded[-1]):
            # "\\ud83d" may pair with the next escape: wait for it.
            decoded, raw = decoded[:-1], raw[:-6]
        self._partial.append(json.dumps(decoded, ensure_ascii=False)[1:-1])
        self._partial_raw += len(raw)

    @property
    def depth(self) -> int:
        """Current container nesting depth (1 inside the top-level object)."""
        return len(self._stack)

    @property
    def open_member(self) -> Member | None:
        """The top-level object's member whose value is being read, if any."""
        return self._member

    # -- scanning --------------------------------------------------------------

    def advance(self, text: str, final: bool = False) -> Status:
        """Scan as far as ``text`` allows; returns the new :attr:`status`."""
        if self.status != INCOMPLETE:
            return self.status
        if final and self._pos == self.start and self._worth_fast(text) and self._fast(text):
            return self.status
        try:
            self._run(text, final)
        except (ValueError, RecursionError):
            self._invalid()
        if final and self.status == INCOMPLETE:
            # Text ended inside the value: truncated output.
            self.status, self.fail = INVALID, len(text)
        return self.status

    def _invalid(self) -> None:
        self.status, self.fail = INVALID, self._pos

    def _worth_fast(self, text: str) -> bool:
        """Whether to try the C decoder on a complete text: containers only, and not on likely failures far in.

        The C decoder's errors cost time in proportion to the offset in the text (it
        counts lines), so far into a long text only values that pass a short
        token-scanner probe use it.
        """
        if text[self.start : self.start + 1] not in ("{", "["):
            return False
        return (
            self.start < _PROBE_AFTER
            or JsonScan(0).advance(text[self.start : self.start + _PROBE]) == INCOMPLETE
        )

    def _fast(self, text: str) -> bool:
        """Scan a complete text with the C decoder; False when only the slow path gives the exact answer.

        Equivalent to the token scanner for containers: same grammar, same
        leniency, and normalisation by ``json.dumps`` agrees with the token
        normaliser unless keys repeat or a float overflows, which fall back.
        """
        try:
            value, end = _FAST_DECODER.raw_decode(text, self.start)
        except (_Fallback, ValueError, RecursionError):
            return False  # invalid JSON goes the slow way too: it knows where the value failed
        self.status, self.end, self._pos = OK, end, end
        self.top_kind = text[self.start]
        if not isinstance(value, dict):
            self._emit(json.dumps(value, ensure_ascii=False))
            return True
        self._emit("{")
        for i, (key, item) in enumerate(value.items()):  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            self._emit((", " if i else "") + json.dumps(key, ensure_ascii=False) + ": ")
            member = Member(key=str(key), first_char=_first_char(item), norm_start=len(self._out))  # pyright: ignore[reportUnknownArgumentType]
            self._emit(json.dumps(item, ensure_ascii=False))
            member.norm_end = len(self._out)
            if isinstance(item, str):
                member.decoded = item
            self.members.append(member)
        self._emit("}")
        return True

    def _run(self, text: str, final: bool) -> None:
        n = len(text)
        while True:
            pos = run_end(_WS, text, self._pos)
            self._pos = pos
            if pos >= n:
                return
            ch = text[pos]
            expect = self._expect
            if expect == _COLON:
                if ch != ":":
                    self._invalid()
                    return
                self._pos = pos + 1
                self._emit(": ")
                self._expect = _VALUE
                self._begin_member_value()
                continue
            if expect == _COMMA_OR_CLOSE:
                if ch == ",":
                    self._pos = pos + 1
                    self._emit(", ")
                    self._expect = _KEY if self._stack[-1] == "{" else _VALUE
                    continue
                if (ch == "}" and self._stack[-1] == "{") or (ch == "]" and self._stack[-1] == "["):
                    self._close(pos)
                    if self.status != INCOMPLETE:
                        return
                    continue
                self._invalid()
                return
            if expect in (_KEY_OR_CLOSE, _VALUE_OR_CLOSE) and ch in "}]":
                if (ch == "}") != (expect == _KEY_OR_CLOSE):
                    self._invalid()
                    return
                self._close(pos)
                if self.status != INCOMPLETE:
                    return
                continue
            if expect in (_KEY_OR_CLOSE, _KEY):
                if ch != '"':
                    self._invalid()
                    return
                token = self._read_string(text)
                if token is None:
                    return
                self._pending_key = _decode_string(token)
                self._emit(json.dumps(self._pending_key, ensure_ascii=False))
                self._expect = _COLON
                continue
            # A value is expected.
            if not self._read_value(text, ch, final):
                return
            if self.status != INCOMPLETE:
                return

    def _read_value(self, text: str, ch: str, final: bool) -> bool:
        """Read one value starting at ``self._pos``; False when more text is needed."""
        pos = self._pos
        if not self.top_kind:
            self.top_kind = ch
        if self._member is not None and self.depth == 1:
            self._member.first_char = ch
        if ch in "{[":
            self._stack.append(ch)
            self._pos = pos + 1
            self._emit(ch)
            self._expect = _KEY_OR_CLOSE if ch == "{" else _VALUE_OR_CLOSE
            return True
        if ch == '"':
            token = self._read_string(text)
            if token is None:
                return False
            decoded = _decode_string(token)
            if self._member is not None and self.depth == 1:
                self._member.decoded = decoded
            self._emit(json.dumps(decoded, ensure_ascii=False))
        elif ch in "-0123456789":
            end = run_end(_NUM_CHARS, text, pos)
            if end >= len(text) and not (final and not self._stack):
                return False
            token = text[pos:end]
            if not _NUMBER.fullmatch(token):
                self._invalid()
                return False
            value = json.loads(token)
            piece = json.dumps(value)
            # 1e999 overflows to inf; keep the model's spelling rather than write "Infinity".
            self._emit(token if piece in ("Infinity", "-Infinity", "NaN") else piece)
            self._pos = end
        elif ch.isalpha():
            end = run_end(_LETTERS, text, pos)
            word = text[pos:end]
            if end >= len(text) and not (final and not self._stack):
                if any(lit.startswith(word) for lit in _LITERALS):
                    return False
                self._invalid()
                return False
            if word not in _LITERALS:
                self._invalid()
                return False
            self._emit(word)
            self._pos = end
        else:
            self._invalid()
            return False
        self._after_value()
        return True

    def _read_string(self, text: str) -> str | None:
        """Read a string token at ``self._pos``; None (and remember progress) when unfinished."""
        pos = self._pos
        i = self._str_resume if self._str_resume > pos else pos + 1
        n = len(text)
        while True:
            i = run_end(_STR_RUN, text, i)
            if i >= n:
                self._str_resume = i
                return None
            if text[i] == '"':
                self._str_resume = -1
                self._pos = i + 1
                return text[pos : i + 1]
            # A backslash: the escape must be complete before we move past it.
            if i + 1 >= n:
                self._str_resume = i
                return None
            if text[i + 1] == "u":
                if i + 6 > n:
                    self._str_resume = i
                    return None
                i += 6
            else:
                i += 2

    def _begin_member_value(self) -> None:
        if self.depth == 1 and self._stack[0] == "{" and self._pending_key is not None:
            self._member = Member(key=self._pending_key, first_char="", norm_start=self._out_len)
        self._pending_key = None

    def _close(self, pos: int) -> None:
        closing = "}" if self._stack.pop() == "{" else "]"
        self._pos = pos + 1
        self._emit(closing)
        self._after_value()

    def _after_value(self) -> None:
        if not self._stack:
            self.status = OK
            self.end = self._pos
            self._expect = _COMMA_OR_CLOSE
            return
        if self.depth == 1 and self._member is not None:
            self._member.norm_end = self._out_len
            self.members.append(self._member)
            self._member = None
        self._expect = _COMMA_OR_CLOSE

    def member(self, *keys: str) -> Member | None:
        """The first completed top-level member whose key is one of ``keys``."""
        for m in self.members:
            if m.key in keys:
                return m
        return None


def scan_complete(text: str, start: int = 0) -> JsonScan:
    """Scan a whole text (no more will come) from ``start``."""
    scan = JsonScan(start)
    scan.advance(text, final=True)
    return scan


def normalize_json_text(text: str) -> str | None:
    """Normalised text of ``text`` if it is exactly one JSON value (surrounding blanks allowed)."""
    start = run_end(_WS, text)
    scan = scan_complete(text, start)
    if scan.status != OK or run_end(_WS, text, scan.end) != len(text):
        return None
    return scan.normalized()


def run_end(pattern: re.Pattern[str], text: str, pos: int = 0) -> int:
    """End of ``pattern``'s match at ``pos`` (patterns here match the empty string, so always found)."""
    match = pattern.match(text, pos)
    return match.end() if match else pos
