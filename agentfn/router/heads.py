"""A tool's *head*: its readable name and the first sentence of its description.

Long docstrings (paragraphs of syntax and examples) dilute a tool's vector, so
a short request scores low against it even when the tool serves it; the first
sentence says what the tool is for. The abstention model compares a request
with the head vectors of its top tools (``hdense``,
:mod:`agentfn.router.calibration`). The index embeds every tool's head beside
its full text when the tool is added (:class:`~agentfn.router.index.ToolIndex`),
and saved routers keep them (``heads.npy``), so routing a request never encodes
a tool text (except, once per tool, for routers saved before head vectors
existed or built from precomputed tool vectors alone).
"""

from __future__ import annotations

import re

from agentfn.router.text import ToolRecord, split_name

__all__ = ["head_text"]

_FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s|\n\s*\n")


def head_text(rec: ToolRecord) -> str:
    """A tool's readable name and the first sentence of its description (at most 40 words)."""
    first = _FIRST_SENTENCE.split(rec.description.strip(), maxsplit=1)[0]
    return f"{' '.join(split_name(rec.name))}: {' '.join(first.split()[:40])}"
