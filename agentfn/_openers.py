"""The words a request opens with that ask for nothing: greetings, filler and thanks, in one list.

Three readers strip them, each for its own purpose: :func:`agentfn.router.mood.without_lead` (a request's
mood is read after "hey, quick one:"), :mod:`agentfn._followups` (a follow-up is elliptical after "ok",
"cool, thanks"), and :mod:`agentfn._request_cues` (a message that is only "good morning!" is chit-chat).
They share these word lists through :func:`phrases`, so a greeting taught to one is known to all three.

* :data:`GREETINGS`: "hi", "hello", "good morning"... (each may be followed by "there");
* :data:`FILLERS`: "ok", "so", "hmm"... (words that only open a turn);
* :data:`REACTIONS`: "cool", "great", "well", "right"... (they open a turn only before a pause or a
  continuation: "cool, and in feet?", "great and 20?", but "cool the room to 20" and "great britain" keep them);
* :data:`POLITE`: "please", "quick question", "excuse me", "sorry";
* :data:`THANKS`: "thanks", "thank you", "many thanks", "cheers".

:data:`OPENER` is the regex for one of them; :func:`phrases` the alternation of chosen lists.

Guarantees: pure data and one pure function; :func:`phrases` gives a non-capturing regex alternation
(longest phrase first, spaces as ``\\s+``) that matches whole words only when the caller adds ``\\b``;
:data:`OPENER` matches whole words only and consumes no punctuation after them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["FILLERS", "GREETINGS", "OPENER", "POLITE", "REACTIONS", "THANKS", "phrases"]

GREETINGS = ("hi", "hey", "hello", "hiya", "howdy", "yo", "good morning", "good afternoon", "good evening",
             "good day", "greetings")
"""Greetings; :func:`phrases` lets each be followed by "there" ("hi there")."""
FILLERS = ("ok", "okay", "alright", "all right", "so", "hmm+", "um+", "oh")
"""Words that only open a turn ("ok so..."); ``hmm+`` is a pattern."""
REACTIONS = ("well", "right", "cool", "great", "nice", "perfect", "awesome", "got it")
"""Words that open a turn before a pause or a continuation only (see the module docstring)."""
POLITE = ("please", "quick one", "quick question", "excuse me", "sorry")
"""Polite openers ("quick question: ...")."""
THANKS = ("thanks", "thank you", "many thanks", "thanks a lot", "thanks so much", "thanks very much", "thank you so much",
          "thank you very much", "cheers")
"""Thanks at the start of a turn ("thanks! and in feet?")."""


def phrases(*groups: Iterable[str], there: bool = False) -> str:
    """A non-capturing alternation of every phrase in ``groups`` (longest first; a space matches any
    whitespace); ``there`` lets a greeting be followed by "there"."""
    words = sorted({p for g in groups for p in g}, key=len, reverse=True)
    body = "|".join(r"\s+".join(w if w.endswith("+") else re.escape(w) for w in p.split()) for p in words)
    return f"(?:(?:{body})(?:\\s+there)?)" if there else f"(?:{body})"


_PAUSE = r"(?=\s*[,!.:;]|\s+(?:and|but|so|then|also|what|how)\b)"
OPENER = (f"(?:{phrases(GREETINGS, there=True)}|{phrases(FILLERS, POLITE, THANKS)})\\b"
          f"|{phrases(REACTIONS)}\\b{_PAUSE}")
"""One greeting, filler, polite opener or thanks, or a reaction before a pause or a continuation."""
