"""One rule for "is this a pasted table": the request's values, the extracted csv, the router's steps."""

from __future__ import annotations

from agentfn._values import pasted_table, request_values, table_rows
from agentfn.backends._extract import ExtractionSources
from agentfn.router.combine import segment


def test_rows_with_delimiters_or_single_fields_are_a_table() -> None:
    assert table_rows("city;temp\nLima;19\nQuito;14")
    assert table_rows("scores\n12\n15\n9")  # one column
    assert table_rows("a | b\n1 | 2")
    assert not table_rows("The bus was late.\nI walked home instead.")  # prose lines
    assert not table_rows("x,y")  # one line is no table


def test_every_reader_of_a_request_agrees_on_the_pasted_table() -> None:
    request = "Which city is warmest?\ncity;temp\nLima;19\nQuito;14"
    assert pasted_table(request) == "city;temp\nLima;19\nQuito;14"
    assert request_values(request)["csv"] == 1
    assert ExtractionSources(request).of_kind("csv") == ["city;temp\nLima;19\nQuito;14"]
    assert [s.text for s in segment(request)] == ["Which city is warmest"]
    prose = "Summarise this note:\nThe bus was late.\nI walked home instead."
    assert pasted_table(prose) is None and request_values(prose)["csv"] == 0
    assert ExtractionSources("Summarise data.csv", results=["a,b\n1,2"]).of_kind("csv") == ["a,b\n1,2"]
