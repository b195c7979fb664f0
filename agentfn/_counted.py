"""Which letters a question about a text asks to count: vowels, consonants, all letters, or one letter.

"how many vowels are in 'avocado'", "count the consonants of 'rhythm'", "how often does the letter e occur
in 'excellence'", "how many r's in 'carrot'", "number of 'o's in 'foo boo'": the built-in ``text_stats``
returns every count (``vowels``, ``consonants``, ``letters``, ``letter_counts``) and its answer template
leads with the one :func:`asked_letters` reads in the user's question (the filter ``counted``).

Guarantee: a pure function of the question; None when it asks about no letters (words, characters,
sentences...: the template's full summary then answers). Only the words around the quoted text (or before
the colon that introduces it) are read, so a text that itself says "vowels" asks for nothing.
"""

from __future__ import annotations

import re

from agentfn._values import quoted_spans

__all__ = ["asked_letters"]

_CLASSES = re.compile(r"\b(vowels?|consonants?|letters)\b", re.I)
_ONE = re.compile(
    r"\bletters?\s+[\"'‘“]?([a-z])\b[\"'’”]?"  # "the letter s", "letter 'e'"
    r"|\bhow\s+(?:many|often)\s+(?:times\s+)?[\"'‘“]?([a-z])[\"'’”]?(?:'s|’s|s)?(?=\s|$|\?)"  # "how many r's", "how many 'o's"
    r"|\b(?:number|count)\s+of\s+[\"'‘“]?([a-z])[\"'’”]?(?:'s|’s|s)?(?=\s|$|\?)"  # "number of 'o's", "count of a's"
    r"|\b(?:times|often)\s+(?:does|is|do)\s+(?:the\s+)?[\"'‘“]?([a-z])[\"'’”]?\s+(?:appear|occur|show|come)",
    re.I,
)


def asked_letters(question: object) -> str | None:
    """``"vowels"``, ``"consonants"``, ``"letters"`` or one lower-case letter: what ``question`` asks to count
    in a text; None when it asks about no letters."""
    text = str(question)
    quotes = [q for q in quoted_spans(text) if len(q.strip()) > 1]
    for quote in sorted(quotes, key=len, reverse=True):  # the counted text, not the question around it
        text = text.replace(quote, " ", 1)
    if not quotes:
        text = text.partition(":")[0]  # "how many vowels: ..." counts in the text after the colon
    one = _ONE.search(text)
    if one:
        letter = next(g for g in one.groups() if g)
        if letter.lower() != "a" or re.search(rf"[\"'‘“]{letter}|{letter}['’]s|\bletter\s+{letter}", text, re.I):
            return letter.lower()  # "how many a's", but not "how many a ..." (an article)
    found = _CLASSES.search(text)
    if found is None:
        return None
    word = found.group(1).lower()
    return word if word == "letters" else word.rstrip("s") + "s"
