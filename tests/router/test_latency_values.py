"""RequestValues.of remembers recent texts: the same values as a fresh parse, parsed once per text."""

from __future__ import annotations

from agentfn.router.dataflow import RequestValues


def test_of_equals_a_fresh_parse_and_is_shared() -> None:
    texts = ["refund order 55123 to ana@example.com", "book a table for 4 on 2025-05-05 at 7:30",
             'translate "good morning" into Portuguese', "what's the capital of Peru?"]
    for text in texts:
        got = RequestValues.of(text)
        assert got == RequestValues.parse(text)
        assert RequestValues.of(text) is got  # the second read is the remembered one


def test_of_tells_different_texts_apart() -> None:
    a = RequestValues.of("track parcel 1Z999AA10123456784")
    b = RequestValues.of("track parcel 1Z999AA10123456785 and order 77")
    assert (a is not b and a.counts != b.counts) or a.labels != b.labels
