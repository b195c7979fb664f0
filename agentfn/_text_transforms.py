"""Mechanical edits of a text the request gives: reverse, sort, upper/lower/title case, drop duplicates.

"sort these words alphabetically: pear, apple, fig", "reverse the word 'stressed'", "put 'hello there'
in capital letters": no built-in tool does these, and the plain reply of a 135M model gets them wrong
("apple, pear, fig"). They need no model: :func:`text_transform` reads the one operation the request
asks for and the text it applies to, and returns the edited text as the reply.

The text is the request's quoted span (the longest), else what follows the instruction's colon, else
a single word after "the word/string/name"; the request opens with the edit or a neutral verb ("put",
"make", "turn"...), not another action ("save 'b, a' to a file, sorted" is a file write). Lists are split at commas (or semicolons), else at
whitespace; numbers sort by value, words alphabetically (case-insensitive). "reverse" reverses the
characters of one word or string, the items of a list ("reverse the order of ...", or a comma list)
and the words of a sentence when it says "the words" / "word order".

Guarantee: a reply only when exactly one operation is asked for and the text is found; None otherwise
(the request then goes on as before); a request that lists options to choose from ("sort 'great service'
into praise or complaint") is a classification, not an edit. Pure functions of the text.
"""

from __future__ import annotations

import re

from agentfn._number_words import spelled_number
from agentfn._passage_tasks import leading_verb
from agentfn._values import listed_options, quoted_spans

__all__ = ["text_transform", "transform_verb"]

_OPERATIONS: dict[str, re.Pattern[str]] = {
    "reverse": re.compile(r"\b(?:reverse|backwards?|back\s+to\s+front)\b", re.I),
    "sort": re.compile(r"\b(?:sort|alphabeti[sz]e|in\s+(?:alphabetical|ascending|descending|numerical)\s+order|"
                       r"(?:alphabetical|ascending|descending)(?:ly)?|order\s+(?:these|them|the\s+\w+)\b)", re.I),
    "upper": re.compile(r"\b(?:upper\s*case|upper-case|all\s+caps|in\s+caps|capital\s+letters|capitali[sz]e\s+(?:all|every"
                        r"thing|it\s+all|the\s+whole))\b", re.I),
    "lower": re.compile(r"\b(?:lower\s*case|lower-case|small\s+letters|no\s+capitals)\b", re.I),
    "title": re.compile(r"\b(?:title\s*case|capitali[sz]e\s+(?:each|every|the\s+first\s+letter\s+of\s+each)\s+word)\b", re.I),
    "dedupe": re.compile(r"\b(?:remove|drop|delete|without)\s+(?:the\s+|any\s+)?(?:duplicates?|repeats|repeated\s+\w+)\b|"
                         r"\bde-?dup(?:e|licate)\b|\bunique\s+(?:words|items|values)\b", re.I),
}
_DESCENDING = re.compile(r"\b(?:descending|reverse\s+(?:alphabetical\s+)?order|z\s+to\s+a|largest\s+first|biggest\s+first|"
                         r"highest\s+first|from\s+(?:high|largest|biggest|highest))\b", re.I)
_ITEMS = re.compile(r"\b(?:order\s+of|list|items|these\s+words|the\s+words|word\s+order|each\s+word)\b", re.I)
_NAMED = re.compile(r"\b(?:word|string|name|text|phrase)\s+([^\s'\"]+)\s*[?.!]?\s*$", re.I)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_LEADS = frozenset(
    "reverse flip title sort alphabetize alphabetise order arrange uppercase lowercase capitalize capitalise titlecase remove drop "  # noqa: SIM905
    "delete dedupe dedup deduplicate put make turn change convert rewrite spell give show return print list "
    "what what's whats how".split())
"""Words an edit request opens with: the edit itself or a neutral verb ("put it in capital letters"); a request
that opens with another verb ("save 'b, a' to a file, sorted") asks for that, not for the edit."""


def _operation(instruction: str) -> str | None:
    found = [name for name, pattern in _OPERATIONS.items() if pattern.search(instruction)]
    if found == ["reverse", "sort"] and _DESCENDING.search(instruction):  # "sort in reverse order"
        return "sort"
    if "title" in found and "upper" in found:
        found.remove("upper")
    return found[0] if len(found) == 1 else None


def _target(request: str) -> tuple[str, str] | None:
    """``(instruction, text)``: the text to edit and the words around it."""
    quotes = [q for q in quoted_spans(request) if q.strip()]
    if quotes:
        text = max(quotes, key=len)
        return request.replace(text, " ", 1), text
    head, colon, rest = request.partition(":")
    if colon and rest.strip() and len(head.split()) <= 12:
        return head, rest.strip().rstrip(".!?")
    named = _NAMED.search(request)
    if named:
        return request[: named.start(1)], named.group(1)
    return None


def _split(text: str) -> tuple[list[str], str]:
    """The items of a list and the separator to join them with."""
    for delimiter in (",", ";"):
        if delimiter in text:
            items = [re.sub(r"^(?:and|or)\s+", "", i.strip()) for i in text.split(delimiter)]
            return [i for i in items if i], f"{delimiter} "
    return text.split(), " "


def _sorted(items: list[str], descending: bool) -> list[str]:
    if all(_NUMBER.fullmatch(i) for i in items):
        return sorted(items, key=float, reverse=descending)
    return sorted(items, key=str.casefold, reverse=descending)


def _apply(operation: str, instruction: str, text: str) -> str:
    items, joiner = _split(text)
    if operation == "sort":
        return joiner.join(_sorted(items, _DESCENDING.search(instruction) is not None))
    if operation == "reverse":
        if len(items) > 1 and (joiner != " " or _ITEMS.search(instruction)):
            return joiner.join(reversed(items))
        return text[::-1]
    if operation == "dedupe":
        return joiner.join(dict.fromkeys(items))
    if operation == "upper":
        return text.upper()
    if operation == "lower":
        return text.lower()
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


def text_transform(request: str) -> str | None:
    """The edited text a request asks for (see the module docstring), or None; a number asked for in words
    ("write 111 in words") is spelled out (:func:`agentfn._number_words.spelled_number`)."""
    if (spelled := spelled_number(request)) is not None:
        return spelled
    found = _target(request.strip())
    if found is None:
        return None
    instruction, text = found
    if leading_verb(request) not in _LEADS or listed_options(request):  # "sort 'x' into praise or complaint": a choice
        return None
    operation = _operation(instruction)
    if operation is None or not text.strip():
        return None
    return _apply(operation, instruction, text.strip())


def transform_verb(request: str) -> str | None:
    """The operation :func:`text_transform` reads in ``request`` ("reverse", "sort", "upper", "lower", "title",
    "dedupe", "words" for a number spelled out), when it can apply it; else None."""
    if spelled_number(request) is not None:
        return "words"
    found = _target(request.strip())
    if found is None or text_transform(request) is None:
        return None
    return _operation(found[0])
