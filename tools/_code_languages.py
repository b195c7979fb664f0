"""The programming language a request names: "write me a javascript function..." is JavaScript, not Python.

:func:`named_language` reads a request for the names of programming languages (canonical name, aliases:
"js", "node", "golang", "c++", "bash"...). Names that are also plain English words or letters (Go, C, R)
count only next to a code word ("a Go function", "in C", "R script"). When a request names several
("port this Python to Rust"), the one after "to", "into", "in" or "using" is the one to write, else the
first named. Pure function of the text; None when no language is named.
"""

from __future__ import annotations

import re

__all__ = ["named_language"]

_ALIASES: dict[str, tuple[str, ...]] = {
    "python": ("python", "python3", "py"),
    "javascript": ("javascript", "js", "node\\.js", "nodejs"),
    "typescript": ("typescript", "ts"),
    "java": ("java",),
    "kotlin": ("kotlin",),
    "rust": ("rust",),
    "golang": ("golang",),
    "c++": ("c\\+\\+", "cpp"),
    "c#": ("c#", "csharp"),
    "ruby": ("ruby",),
    "php": ("php",),
    "swift": ("swift",),
    "sql": ("sql", "postgresql", "mysql", "sqlite"),
    "bash": ("bash", "shell", "sh", "zsh"),
    "powershell": ("powershell",),
    "haskell": ("haskell",),
    "scala": ("scala",),
    "lua": ("lua",),
    "perl": ("perl",),
    "dart": ("dart",),
    "julia": ("julia",),
    "elixir": ("elixir",),
    "html": ("html",),
    "css": ("css",),
}
_CANONICAL = {"golang": "go"}
_CODE_WORD = r"(?:function|program|script|code|snippet|class|method|query|one-liner|version|implementation|module)"
_AMBIGUOUS = {"go": "go", "c": "c", "r": "r"}  # English words or letters: need a code word beside them
_TARGET = re.compile(r"\b(?:to|into|in|using|with)\s+(?:a\s+|an\s+)?$", re.I)


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = [(_CANONICAL.get(name, name), re.compile(rf"(?<![\w#+.-])(?:{'|'.join(aliases)})(?![\w#+-])", re.I))
             for name, aliases in _ALIASES.items()]
    for name, word in _AMBIGUOUS.items():
        found.append((name, re.compile(rf"\b(?:(?<=\bin )|(?<=\busing ))?{word}(?=\s+{_CODE_WORD}\b)|"
                                       rf"(?<=\bin ){word}\b(?![\w#+'-])|(?<=\busing ){word}\b(?![\w#+'-])", re.I)))
    return found


_PATTERNS = _patterns()


def named_language(text: str) -> str | None:
    """The programming language ``text`` asks for (see the module docstring), lower case; None if it names none."""
    hits = sorted((m.start(), name) for name, pattern in _PATTERNS for m in pattern.finditer(text))
    if not hits:
        return None
    targets = [name for start, name in hits if _TARGET.search(text[:start])]
    return targets[-1] if targets and len({n for _, n in hits}) > 1 else hits[0][1]
