"""Input with nothing to act on: only punctuation, symbols or emoji ("?", "...", "!!!", "👋"), or chat markup.

A user's first message is sometimes no request at all. The embedded 135M model, forced to fill
``generate``'s ``prompt`` for "?", copied the tool's own description into it and answered "A poem, a
haiku, a story, a joke, a note, a tweet, a paragraph, a" after two model calls (309 s on a loaded box).
:func:`nothing_asked` tells such input; :data:`NOTHING_ASKED` is the plain reply to it, which says what
to ask instead (what :mod:`agentfn.library._prose` answers without asking the model).

Chat markup typed as the message (``<|im_start|>assistant``, ``<tool_response></tool_response>``: a chat
template's special tokens and tool tags, :data:`CHAT_TAGS`, with at most the role names they frame) asks
nothing either: the model read ``<|im_start|>`` in the user's text as its own turn marker and answered "I'm
here to help you with any creative writing project..." after 194 s.

Guarantees: pure; a message with any letter or digit in any script outside chat markup and role names ("42",
"ok", "こんにちは", "<tool_response>42</tool_response>") is something asked (this module does not judge
what), only one without any is nothing.
"""

from __future__ import annotations

import re

__all__ = ["CHAT_TAGS", "NOTHING_ASKED", "nothing_asked"]

CHAT_TAGS = re.compile(r"</?tool_(?:call|response)>|</?tools>|<\|[^|>]{1,40}\|>|<(?:end_of_text|endoftext|eos|s|/s)>")
"""Chat markup: a chat template's special tokens (``<|im_end|>``...) and tool-call/tool-response tags."""
_ROLES = re.compile(r"\b(?:system|user|assistant|tool|ipython)\b", re.I)

NOTHING_ASKED = ('I did not find a question or a request in that. Ask me something, for example "what is 15% of '
                 '80?", "convert 5 miles to km" or "what day is it today?", and I will answer it with my tools.')
"""The reply to a message that asks nothing."""


def nothing_asked(text: str) -> bool:
    """Whether ``text`` holds no letter and no digit in any script: only spaces, punctuation, symbols or emoji,
    or chat markup with the role names it frames."""
    if CHAT_TAGS.search(text):
        text = _ROLES.sub("", CHAT_TAGS.sub(" ", text))
    return not any(ch.isalnum() for ch in text)
