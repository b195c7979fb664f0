"""Questions go to tools that read: a request's mood against what a tool does.

Near-duplicate tools of one domain often differ only in whether they read or
change state (``get_temperature`` / ``set_temperature``, ``timer_status`` /
``increase_timer``), and a sentence encoder scores "what is the temperature in
the bedroom" about as close to both. The request's grammar tells them apart: a
question ("what is...", "how much time is left...", "are all the lights
off?") asks to *read*. :func:`asks_to_read` detects such a request (a
question whose verb is not a state-changing one, so "can you book a table?" is
a command); :class:`ToolKinds` marks each slot of the index whose name carries
a state-changing verb (:data:`STATE_CHANGING`: ``set``, ``create``,
``delete``, ``increase``...); :func:`mood_penalty` lowers those tools' fused
scores by ``weight`` times the ranking's spread (best minus ``spread_rank``-th
score), so they fall behind a reading near-duplicate without leaving the
candidates. Only single-step requests are judged: a multi-step request may
read and then act.
"""

from __future__ import annotations

import re

import numpy as np

from agentfn._openers import OPENER
from agentfn.router.dataflow import ACTIONS
from agentfn.router.index import FloatArray, ToolIndex
from agentfn.router.servers import top_finite
from agentfn.router.text import split_name, tokenize

__all__ = ["STATE_CHANGING", "ToolKinds", "asks_to_read", "changes_state", "mood_penalty", "without_lead"]

STATE_CHANGING = (ACTIONS - {"add", "return"}) | frozenset(
    ["increase", "decrease", "raise", "lower", "lock", "unlock", "turn", "open", "toggle", "register", "save"]
)
"""Verbs that change state: data flow's :data:`~agentfn.router.dataflow.ACTIONS` and device verbs, less
the ones arithmetic shares (``add``, ``return``: "what is 3 plus 4?" may well go to ``add``)."""

_LEAD = re.compile(rf"^(?:(?:{OPENER})[\s,:!.-]*)+", re.IGNORECASE)
"""Greetings and filler (the shared list of :mod:`agentfn._openers`)."""
_POLITE = re.compile(r"^(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?(?:tell|show|let)\s+me\b", re.IGNORECASE)
_COMMAND = re.compile(r"^(?:can|could|would|will)\s+(?:you|u|i|we)\b|^(?:shall|should)\s+(?:i|we)\b", re.IGNORECASE)
_QUESTION = re.compile(
    r"^(?:what|what's|whats|which|where|where's|when|who|who's|whose|how|why|is|are|was|were|do|does|did|has|have|had"
    r"|any|tell\s+me|show\s+me)\b",
    re.IGNORECASE,
)
_WORDS = 6


def changes_state(name: str) -> bool:
    """Whether a tool's name carries a state-changing verb (``HassClimateSetTemperature``: yes)."""
    return any(w in STATE_CHANGING for w in tokenize(" ".join(split_name(name))))


def without_lead(text: str) -> str:
    """The request without the greeting or filler it opens with ("quick one: ", "hey, ", "ok so ")."""
    return _LEAD.sub("", text.strip()).strip()


def asks_to_read(text: str) -> bool:
    """Whether a request is a question that reads ("what is the temperature", "are all the lights off?").

    Questions that are polite commands ("can you book a table?", "could you turn off
    the lights") and questions about how to act ("how do I cancel...") do not count;
    "can you tell me..." does.
    """
    t = without_lead(text)
    if not t:
        return False
    if _POLITE.match(t):
        return True
    if _COMMAND.match(t) or re.match(r"^how\s+(?:do|can|should)\s+(?:i|we|you)\b", t, re.IGNORECASE):
        return False
    if not (_QUESTION.match(t) or t.rstrip().endswith("?")):
        return False
    head = tokenize(" ".join(t.split()[:_WORDS]))
    return not any(w in STATE_CHANGING for w in head[1:]) or t.lower().startswith(("is ", "are "))


class ToolKinds:
    """1.0 for every slot of a :class:`ToolIndex` whose tool changes state, rebuilt when the index changes."""

    def __init__(self, index: ToolIndex) -> None:
        self.index = index
        self._key: tuple[int, int] | None = None
        self._acts: FloatArray = np.zeros(0, dtype=np.float32)

    def acts(self) -> FloatArray:
        key = (self.index.version, self.index.n_slots)
        if key != self._key:
            self._acts = np.asarray(
                [1.0 if n is not None and changes_state(n) else 0.0 for n in self.index.slot_names], dtype=np.float32
            )
            self._key = key
        return self._acts


def mood_penalty(fused: FloatArray, acts: FloatArray, weight: float, spread_rank: int = 30) -> FloatArray:
    """``fused`` less ``weight`` times the ranking's spread for every tool that changes state."""
    if fused.size == 0 or weight <= 0:
        return fused
    top = top_finite(fused, spread_rank)  # removed tools' slots hold -inf
    spread = float(fused[top[0]] - fused[top[-1]]) if top.size > 1 else 0.0
    if spread <= 0:
        return fused
    return (fused - np.float32(weight * spread) * acts).astype(np.float32)
