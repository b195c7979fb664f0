"""Filter and pattern parameters: when a request asks for a filter, and which shell patterns it writes.

Part of :mod:`agentfn.backends._extract`. A tool's optional filter (``pattern: str | None``, a glob,
an expression) is left to its default unless the request asks for one: it names the parameter, writes
a glob, an extension or a kind of file ("the markdown files"). A glob parameter then takes the shell
patterns the request gives (:func:`file_globs`: ``*.md``, ``report*``, ".md files", "the csv files").

Guarantees: pure functions of the request text and the parameter schema; nothing is invented that the
request does not write or name (a kind of file maps to its usual extension only).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from agentfn._values import parameter_kind

__all__ = ["asks_for_filter", "describes_glob", "file_globs", "is_filter"]

_FILTER_WORDS = re.compile(
    r"\*|\[\w|\.\w{1,5}\b|\b(?:csv|txt|md|markdown|json|py|python|pdf|png|jpe?g|images?|logs?|html|xml|ya?ml|text|"
    r"ending|ends?|extension|named|called|starting|starts?|matching|match(?:es)?|contain(?:s|ing)?|only|filter)\b",
    re.I,
)

_KIND_EXTENSIONS = {"markdown": "md", "csv": "csv", "text": "txt", "python": "py", "json": "json", "pdf": "pdf",
                    "image": "png", "log": "log", "html": "html", "yaml": "yaml", "spreadsheet": "csv"}


def is_filter(name: str, schema: Mapping[str, Any], kind: str) -> bool:
    """Whether a parameter is a pattern or filter (an optional string: ``str | None`` counts)."""
    if kind == "expression":
        return True
    options = cast("list[Mapping[str, Any]]", schema.get("anyOf") or [])
    strings = [o for o in options if o.get("type") == "string"]
    if len(options) != 2 or len(strings) != 1 or not any(o.get("type") == "null" for o in options):
        return False
    inner = {**{k: v for k, v in schema.items() if k != "anyOf"}, **strings[0]}
    return parameter_kind(name, inner) == "expression"


def file_globs(request: str) -> list[str]:
    """Shell patterns a request asks for: written ones (``*.md``, ``report*``), extensions (".md files")
    and kinds of file ("the markdown files" -> ``*.md``)."""
    globs = re.findall(r"(?<!\S)[\w.-]*\*[\w.*-]*", request)
    globs += [f"*.{ext}" for ext in re.findall(r"(?<![\w*])\.([A-Za-z0-9]{1,5})\b(?=\s+files?\b|\s*$|[?!,])", request)]
    words = {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z]+(?=\s+(?:files?|documents?|sheets?)\b)", request)}
    globs += [f"*.{ext}" for word, ext in _KIND_EXTENSIONS.items() if word in words]
    return list(dict.fromkeys(globs))


def describes_glob(name: str, schema: Mapping[str, Any]) -> bool:
    """Whether a parameter's name or description says it is a glob ("shell-style", "*.x", fnmatch)."""
    words = f"{name} {schema.get('description', '')}".lower()
    return "glob" in words or "shell" in words or "*." in words or "fnmatch" in words


def asks_for_filter(request: str) -> bool:
    """Whether the request's words ask for a filter: a glob, an extension, a kind of file, "only", "named"..."""
    return _FILTER_WORDS.search(request) is not None
