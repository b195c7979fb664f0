"""``classify``'s offline rules (the embedded default): spam cues, and labels described as sentences."""

from __future__ import annotations

import pytest

from agentfn.library._language_rules import nearest_label


@pytest.mark.parametrize(
    ("text", "labels", "label"),
    [
        ("You won a free cruise! Click here to claim now!", ["spam", "not spam"], "spam"),
        ("Congratulations! You have been selected for a cash prize, reply with your bank details.",
         ["not_spam", "spam"], "spam"),
        ("Are we still on for lunch at 1pm tomorrow?", ["spam", "not spam"], "not spam"),
        ("Your invoice for March is attached.", ["ham", "spam"], "ham"),
        ("Claim your free prize now, click here!", ["message spam", "not spam"], "message spam"),  # a model's label
    ],
)
def test_spam_against_not_spam_goes_by_spam_cues(text: str, labels: list[str], label: str) -> None:
    found, confidence = nearest_label(text, labels)
    assert found == label and 0 < confidence <= 1


def test_topic_labels_are_compared_as_sentences() -> None:
    """Bare label words embed poorly ("sports" was farther from a match report than "science")."""
    assert nearest_label("The striker scored twice in the final", ["sports", "business", "science"])[0] == "sports"
    assert nearest_label("Stocks fall as interest rates rise", ["weather", "sports", "finance"])[0] == "finance"
