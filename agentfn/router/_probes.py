"""Requests that no tool should serve, used to calibrate abstention at cold start.

Deliberately disjoint from the evaluation set's no-tool requests: the router
scores these against its own registry and places the threshold relative to
their scores, so the threshold adapts to how a registry's descriptions are
written (short descriptions score lower cosines everywhere).
"""

from __future__ import annotations

PROBES: list[str] = [
    "write me a sonnet about the sea",
    "what do you think about modern art",
    "tell me something funny",
    "how do rainbows form",
    "who wrote Pride and Prejudice",
    "give me three tips for public speaking",
    "what is love",
    "can you describe a sunset in poetic words",
    "why do cats purr",
    "what is the square root of a banana",
    "explain the theory of relativity simply",
    "do you dream",
    "invent a new holiday and describe it",
    "what's a good name for a band",
    "how was the universe created",
    "good morning, how's it going",
    "write a short story about a lost robot",
    "which came first, the chicken or the egg",
    "summarize the French revolution in a paragraph",
    "what makes a good friend",
    "list three famous philosophers",
    "pretend you are a medieval knight",
    "what is the best way to learn to draw",
    "why do we yawn",
    "compose a lullaby for a baby elephant",
    "is a hot dog a sandwich",
    "what are black holes made of",
    "share an inspiring thought",
    "how many legs does a spider have",
    "write an acrostic poem with the word HOPE",
    "what's the difference between weather and climate in general",
    "describe your ideal vacation",
    "why is music so emotional",
    "what rhymes with orange",
    "tell me about ancient Egypt",
    "ok thanks bye",
    "what is consciousness",
    "give me a tongue twister",
    "how do birds know where to migrate",
    "what should I name my houseplant",
]
