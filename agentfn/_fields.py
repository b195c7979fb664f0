"""The fields a request asks to pull out of a text ("Extract the name and email from: '...'").

Shared by the offline ``extract`` rules (:mod:`agentfn.library._language_rules`) and by extractive
constrained decoding (:mod:`agentfn.backends._extract_objects`), which gives a free-object parameter
these fields as its keys so a small model's forced call ends.

:func:`requested_fields` reads the phrase between an extraction verb (extract, pull out, get, find,
give me, grab, take, list, tell me; after a clause naming the source: "from this note, get ...") and where the passage starts ("from", "out of", "in", "of", a
colon or a quote), split on commas and "and"; each field is at most four words, determiners dropped.
:func:`field_key` is the key a field gets in an object ("due date" -> ``due_date``).
Pure functions of the text; no imports from the rest of the package.
"""

from __future__ import annotations

import re

__all__ = ["field_key", "requested_fields"]

_ASK_FIELDS = re.compile(
    r"^\s*(?:(?:hi|hey|hello)\W+)?(?:(?:from|in|out\s+of)\s+(?:[\w'-]+\s+){0,4}?[\w'-]+\s*,\s*)?"  # "From this note, get ..."
    r"(?:please\s+|pls\s+|can you\s+|could you\s+|can u\s+)?"
    r"(?:pull(?:\s+out)?|extract|get|find|give me|grab|take|list|tell me)\s+"
    r"(.+?)\s*(?:\b(?:out of|from|in|of)\b|$)", re.I)
_DETERMINERS = re.compile(r"^(?:the|a|an|its|their|his|her|my|any|all|both)\s+", re.I)
_PASSAGE = re.compile(r"(?<!\w)'(?:[^']|'(?=\w))*'(?!\w)|\"[^\"]*\"|“[^”]*”|:.*$", re.S)  # "doctor's" is no quote


def requested_fields(request: str) -> list[str]:
    """The fields a request asks to extract ("Pull out the due date and amount from '...'": due date, amount)."""
    first = request.strip().splitlines()[0] if request.strip() else ""
    unquoted = _PASSAGE.sub(" ", first).strip()
    found = _ASK_FIELDS.search(unquoted)
    if not found:
        return []
    parts = [_DETERMINERS.sub("", p.strip(" .?!")) for p in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", found.group(1))]
    return [p for p in parts if p and len(p.split()) <= 4]


def field_key(field: str) -> str:
    """The object key of a field: lower case, words joined by ``_`` ("Due date" -> ``due_date``)."""
    return re.sub(r"\W+", "_", field.lower()).strip("_")
