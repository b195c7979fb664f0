"""Letter counts: ``text_stats`` counts vowels, consonants and each letter, and the answer leads with the one asked."""

from __future__ import annotations

import pytest

from agentfn._answer import render_result
from agentfn._counted import asked_letters
from agentfn.library.text_tools import text_stats


def test_text_stats_counts_letters_vowels_and_consonants() -> None:
    stats = text_stats("Crème brûlée, twice!")
    assert stats.letters == 16
    assert stats.vowels == 7  # e, e, u, e, e, i, e (accents dropped)
    assert stats.consonants == 9
    assert stats.letter_counts["e"] == 5 and next(iter(stats.letter_counts)) == "e"


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("how many vowels are in 'avocado'", "vowels"),
        ("count the consonants of 'rhythm'", "consonants"),
        ("how often does the letter e occur in 'excellence'", "e"),
        ("how many r's in 'carrot'", "r"),
        ("number of 'o's in 'foo boo'", "o"),
        ("how many times does 'l' appear in 'hello world'", "l"),
        ("how many letters in 'hello world'", "letters"),
        ("how many vowels: the cat sat", "vowels"),
        ("how many times does the letter a show up in 'cabana'", "a"),
        ("how many words in 'the vowels are here'", None),
        ("how many characters is this: hello there", None),
        ("how many a day should I drink", None),
    ],
)
def test_the_question_names_what_to_count(question: str, asked: str | None) -> None:
    assert asked_letters(question) == asked


@pytest.mark.parametrize(
    ("text", "question", "expected"),
    [
        ("avocado", "how many vowels are in 'avocado'", "4 vowels"),
        ("rhythm", "count the consonants of 'rhythm'", "6 consonants"),
        ("excellence", "how often does the letter e occur in 'excellence'", "The letter 'e' appears 4 times."),
        ("carrot", "how many r's in 'carrot'", "The letter 'r' appears 2 times."),
        ("carrot", "how many z's in 'carrot'", "The letter 'z' appears 0 times."),
        ("hello world", "how many letters in 'hello world'", "10 letters"),
        ("see you soon", "how many words in 'see you soon'", "3 words"),
        ("hello", "how many words in 'hello'", "1 word,"),
    ],
)
def test_the_answer_leads_with_the_count_asked(text: str, question: str, expected: str) -> None:
    content = text_stats(text).model_dump_json()
    assert render_result("text_stats", content, {"text": text}, question).startswith(expected)
