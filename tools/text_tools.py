"""Text statistics (plain Python, no model)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from pydantic import BaseModel

from agentfn import ToolRetry, tool
from agentfn.library.config import get_config

__all__ = ["TextStats", "text_stats"]

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?。！？]+(?=\s|$)")
_VOWELS = frozenset("aeiou")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# Common English function words left out of ``top_words``.
_STOP = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "he", "her", "his", "i", "in", "is", "it", "its", "of", "on", "or", "she", "that", "the", "their", "them", "they", "this", "to", "was", "we", "were", "will", "with", "you", "your", "not", "no", "so", "if", "then", "than", "there", "these", "those", "our", "us", "my", "me"]
)


class WordCount(BaseModel):
    word: str
    count: int


class TextStats(BaseModel):
    """Counts and readability figures of a text."""

    characters: int
    characters_no_spaces: int
    words: int
    unique_words: int
    sentences: int
    paragraphs: int
    lines: int
    average_word_length: float
    average_sentence_words: float
    reading_time_minutes: float
    top_words: list[WordCount]
    letters: int
    vowels: int
    consonants: int
    letter_counts: dict[str, int]
    """Each letter (lower case) and how often it occurs, most frequent first."""


def _letters(text: str) -> list[str]:
    """The letters of ``text``, lower case, accents dropped ("é" is an "e")."""
    folded = unicodedata.normalize("NFKD", text.lower())
    return [c for c in folded if c.isalpha()]


@tool(side_effects="none")
def text_stats(text: str, top: int = 10) -> TextStats:
    """Count the words, characters, sentences, paragraphs and lines of a given text; estimate its
    reading time (230 words a minute) and list its most frequent content words.

    CJK characters count as one word each, since those scripts do not separate words by spaces.

    Args:
        text: the text to measure.
        top: how many frequent words to list (0-100).
    """
    if len(text) > get_config().max_input_chars:
        raise ToolRetry(f"the text is longer than {get_config().max_input_chars} characters")
    top = max(0, min(top, 100))
    cjk = _CJK.findall(text)
    words = [w for w in _WORD.findall(_CJK.sub(" ", text))] + cjk
    stripped = text.strip()
    sentences = len(_SENTENCE_END.findall(stripped)) if stripped else 0
    if stripped and not _SENTENCE_END.search(stripped[-1:] + " "):
        sentences += 1  # a last sentence without final punctuation
    paragraphs = len([p for p in re.split(r"\n\s*\n", stripped) if p.strip()]) if stripped else 0
    lowered = [w.lower() for w in words]
    counts = Counter(w for w in lowered if (w not in _STOP and len(w) > 1) or _CJK.fullmatch(w))
    # The result also counts vowels, consonants and each letter; the description does not say so: "letters" in it
    # would make text_stats the tool for any instruction about letters ("scramble the letters of 'orange'").
    letters = _letters(text)
    latin = [c for c in letters if "a" <= c <= "z"]
    vowels = sum(c in _VOWELS for c in latin)
    return TextStats(
        characters=len(text),
        characters_no_spaces=len(re.sub(r"\s", "", text)),
        words=len(words),
        unique_words=len(set(lowered)),
        sentences=sentences,
        paragraphs=paragraphs,
        lines=len(text.splitlines()),
        average_word_length=round(sum(map(len, words)) / len(words), 2) if words else 0.0,
        average_sentence_words=round(len(words) / sentences, 2) if sentences else 0.0,
        reading_time_minutes=round(len(words) / 230, 2),
        top_words=[WordCount(word=w, count=c) for w, c in counts.most_common(top)],
        letters=len(letters),
        vowels=vowels,
        consonants=len(latin) - vowels,
        letter_counts=dict(Counter(letters).most_common()),
    )
