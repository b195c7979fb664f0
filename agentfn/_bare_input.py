"""Input with nothing to act on: only punctuation, symbols or emoji ("?", "...", "!!!", "👋").

A user's first message is sometimes no request at all. The embedded 135M model, forced to fill
``generate``'s ``prompt`` for "?", copied the tool's own description into it and answered "A poem, a
haiku, a story, a joke, a note, a tweet, a paragraph, a" after two model calls (309 s on a loaded box).
:func:`nothing_asked` tells such input; :data:`NOTHING_ASKED` is the plain reply to it, which says what
to ask instead (what :mod:`agentfn.library._prose` answers without asking the model).

Guarantees: pure; a message with any letter or digit in any script ("42", "ok", "こんにちは") is something
asked (this module does not judge what), only one without any is nothing.
"""

from __future__ import annotations

__all__ = ["NOTHING_ASKED", "nothing_asked"]

NOTHING_ASKED = ('I did not find a question or a request in that. Ask me something, for example "what is 15% of '
                 '80?", "convert 5 miles to km" or "what day is it today?", and I will answer it with my tools.')
"""The reply to a message that asks nothing."""


def nothing_asked(text: str) -> bool:
    """Whether ``text`` holds no letter and no digit in any script: only spaces, punctuation, symbols or emoji."""
    return not any(ch.isalnum() for ch in text)
