"""Values the request assigns by naming the parameter: "using *'Weekly sync'* as the *subject*".

Two refinements of :func:`agentfn.backends._extract.extractive_spec` for tools with several text
parameters (an e-mail's ``subject`` and ``body``), applied by :func:`apply_request_cues`:

* a quoted text written next to a text parameter's name ("'Weekly sync' as the subject",
  "subject: 'Weekly sync'", "with the title 'Q3 plan'") is that parameter's value, its only option,
  and no other text parameter is offered it (a small model otherwise swaps the two quotes);
* an optional array parameter the request does not name (``cc``, ``bcc``, ``tags``) is left out:
  its default applies, rather than a copy of the addresses meant for the required one.

Guarantees: mutates only the ``properties`` mapping it is given; a parameter is only narrowed to a
quote of the request, or removed when optional; required parameters are never removed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from agentfn._values import quoted_spans
from agentfn.backends._extract_words import name_words

__all__ = ["apply_request_cues", "cued_quotes"]

_QUOTE = "[\"'\u201c\u201d\u2018\u2019`]"


def _name_pattern(name: str) -> str | None:
    words = name_words(name)
    if not words:
        return None
    return r"\s+".join(rf"{re.escape(w)}s?" for w in words)


def cued_quotes(names: list[str], request: str) -> dict[str, str]:
    """Per parameter of ``names``, the quoted text of ``request`` its name is written next to."""
    out: dict[str, str] = {}
    for quote in quoted_spans(request):
        q = re.escape(quote)
        hits: list[str] = []
        for name in names:
            pattern = _name_pattern(name)
            if pattern is None:
                continue
            after = rf"{q}{_QUOTE}\s+(?:as|for)\s+(?:the|its|a|an)?\s*{pattern}\b"
            before = rf"\b{pattern}\s*(?:is|of|:|=|to|as)?\s*(?:be\s+)?{_QUOTE}{q}"
            if re.search(after, request, re.I) or re.search(before, request, re.I):
                hits.append(name)
        if len(hits) == 1 and hits[0] not in out:
            out[hits[0]] = quote
    return out


def _named(name: str, request: str) -> bool:
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", request)}  # "tagged" names tags
    return any(r.startswith(w) for w in name_words(name) for r in words)


def apply_request_cues(props: dict[str, Any], required: set[str], request: str) -> None:
    """Narrow ``props`` (narrowed parameter schemas) by the cues of ``request`` (see the module docstring)."""
    texts = [n for n, s in props.items() if isinstance(s, dict) and cast("dict[str, Any]", s).get("type") == "string"]
    cued = cued_quotes(texts, request)
    for name, quote in cued.items():
        props[name] = {**props[name], "enum": [quote]}
    for name in texts:
        schema = cast("dict[str, Any]", props[name])
        options = schema.get("enum")
        if name not in cued and isinstance(options, list) and any(o in cued.values() for o in cast("list[Any]", options)):
            kept = [o for o in cast("list[Any]", options) if o not in cued.values()]
            if kept:
                props[name] = {**schema, "enum": kept}
    for name, raw in list(props.items()):
        schema: Mapping[str, Any] = cast("Mapping[str, Any]", raw) if isinstance(raw, Mapping) else {}
        if name not in required and schema.get("type") == "array" and not _named(name, request):
            del props[name]
