"""Structured data: JSONPath queries over JSON, and a column summary of CSV tables."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import statistics
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel

from agentfn import MissingExtraError, ToolRetry, tool
from agentfn.library.config import get_config

__all__ = ["ColumnSummary", "TableSummary", "csv_summary", "json_query"]

JsonValue = dict[str, Any] | list[Any] | str | int | float | bool | None


def _check_size(text: str, what: str) -> None:
    limit = get_config().max_input_chars
    if len(text) > limit:
        raise ToolRetry(f"{what} is {len(text)} characters; the limit is {limit}")


@tool(side_effects="none", blocking=False)
def json_query(data: JsonValue, path: str) -> list[Any]:
    """Look up values inside a JSON document with a JSONPath expression (a field, a nested field,
    every item of a list, the items matching a filter); returns every match, in document order.

    Supports the usual JSONPath plus filters and arithmetic (jsonpath-ng "ext" dialect):
    ``$.store.book[*].author``, ``$..price``, ``$.items[?(@.qty > 2)].name``,
    ``$.items[0:2]``, ``$.items.`len```.

    Args:
        data: the JSON document, as a JSON value or as JSON text.
        path: the JSONPath expression, starting with ``$``.
    """
    try:
        from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
        from jsonpath_ng.ext.parser import parse
    except ImportError as exc:
        raise MissingExtraError("json_query", "tools", "jsonpath-ng") from exc
    document: Any = data
    if isinstance(data, str):
        _check_size(data, "the JSON text")
        try:
            document = json.loads(data)
        except ValueError:
            document = data  # a plain string is a valid (if dull) JSON document
    try:
        expression = parse(path)
    except (JsonPathLexerError, JsonPathParserError, Exception) as exc:
        raise ToolRetry(f"invalid JSONPath {path!r}: {exc}") from None
    try:
        return [match.value for match in expression.find(document)]
    except Exception as exc:  # filters comparing incompatible types raise inside jsonpath-ng
        raise ToolRetry(f"cannot apply {path!r}: {type(exc).__name__}: {exc}") from None


class ColumnSummary(BaseModel):
    """One column of a table."""

    name: str
    type: Literal["integer", "number", "boolean", "date", "string", "empty"]
    count: int
    missing: int
    unique: int
    min: float | str | None = None
    max: float | str | None = None
    total: float | None = None
    mean: float | None = None
    median: float | None = None
    std: float | None = None
    top: list[tuple[str, int]] = []


class TableSummary(BaseModel):
    """Shape and per-column statistics of a table."""

    rows: int
    columns: list[ColumnSummary]
    delimiter: str
    truncated: bool = False


_MISSING = {"", "na", "n/a", "nan", "null", "none", "-"}
_BOOLS = {"true", "false", "yes", "no"}


_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _number(text: str) -> float | None:
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _is_date(text: str) -> bool:
    from datetime import date, datetime

    try:
        (date if len(text) == 10 else datetime).fromisoformat(text)
    except ValueError:
        return False
    return True


def _summarise(name: str, values: list[str]) -> ColumnSummary:
    present = [v.strip() for v in values if v.strip().lower() not in _MISSING]
    missing = len(values) - len(present)
    base: dict[str, Any] = {"name": name, "count": len(present), "missing": missing, "unique": len(set(present))}
    if not present:
        return ColumnSummary(type="empty", **base)
    numbers = [_number(v) for v in present]
    if all(n is not None for n in numbers):
        nums = [n for n in numbers if n is not None]
        kind = "integer" if all(n.is_integer() and "." not in v for n, v in zip(nums, present, strict=True)) else "number"
        return ColumnSummary(
            type=kind, min=min(nums), max=max(nums), total=math.fsum(nums), mean=statistics.fmean(nums),
            median=statistics.median(nums),
            std=statistics.stdev(nums) if len(nums) > 1 else 0.0, **base,
        )
    top = Counter(present).most_common(5)
    if all(v.lower() in _BOOLS for v in present):
        return ColumnSummary(type="boolean", top=top, **base)
    if all(_is_date(v) for v in present):
        return ColumnSummary(type="date", min=min(present), max=max(present), top=top, **base)
    return ColumnSummary(type="string", min=min(present), max=max(present), top=top, **base)


@tool(side_effects="none")
def csv_summary(csv_text: str, delimiter: str | None = None, has_header: bool = True, max_rows: int = 100_000) -> TableSummary:
    """Summarise a CSV table (comma- or semicolon-separated rows): row count and, per column,
    type, missing values, distinct values,
    min/max/total (sum)/mean/median/standard deviation for numbers and the most common values otherwise.

    Args:
        csv_text: the table as CSV text.
        delimiter: field separator; detected when omitted (comma, semicolon, tab, pipe).
        has_header: whether the first row names the columns.
        max_rows: rows read at most; the summary says when the table was longer.
    """
    _check_size(csv_text, "the CSV text")
    if not csv_text.strip():
        raise ToolRetry("the CSV text is empty")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(csv_text[:10_000], delimiters=",;\t|").delimiter
        except csv.Error:  # e.g. ragged rows: take the candidate most frequent in the first line
            first = csv_text.lstrip().splitlines()[0]
            delimiter = max(",;\t|", key=first.count)
    if len(delimiter) != 1:
        raise ToolRetry("delimiter must be one character")
    reader = csv.reader(io.StringIO(csv_text), delimiter=delimiter)
    rows: list[list[str]] = []
    truncated = False
    limit = max_rows + (1 if has_header else 0)
    try:
        for row in reader:
            if len(rows) >= limit:
                truncated = True
                break
            if row:
                rows.append(row)
    except csv.Error as exc:
        raise ToolRetry(f"malformed CSV: {exc}") from None
    if not rows:
        raise ToolRetry("the CSV text has no rows")
    header = rows.pop(0) if has_header else [f"column_{i + 1}" for i in range(max(map(len, rows)))]
    width = max([len(header), *map(len, rows)]) if rows else len(header)
    header = header + [f"column_{i + 1}" for i in range(len(header), width)]
    columns = [_summarise(name, [r[i] if i < len(r) else "" for r in rows]) for i, name in enumerate(header)]
    return TableSummary(rows=len(rows), columns=columns, delimiter=delimiter, truncated=truncated)
