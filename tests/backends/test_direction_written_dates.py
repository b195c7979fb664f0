"""Two dates a request writes with no from/to cue: the one written first is the start (also as 14/08/2027)."""

from __future__ import annotations

import pytest

from agentfn.backends._extract import ExtractionSources, extractive_spec
from agentfn.toolset import Toolset


@pytest.mark.parametrize(
    ("request_text", "start", "end"),
    [
        ("We check in on 23/04/2027 and check out on 30 April 2027, how many nights is that?", "2027-04-23", "2027-04-30"),
        ("the course starts 1 October 2026 and ends on 2026-12-18. how many weeks long is it", "2026-10-01",
         "2026-12-18"),
        ("I started the job on 2025-02-10 and left on 2026-07-31; how many days did I work there?", "2025-02-10",
         "2026-07-31"),
    ],
)
def test_first_written_date_is_the_start(request_text: str, start: str, end: str) -> None:
    spec = Toolset.builtin()["date_diff"].openai_schema()
    params = extractive_spec(spec, ExtractionSources(request_text, "2026-12-07"))["function"]["parameters"]
    branches = params.get("anyOf", [params])
    assert {v for b in branches for v in b["properties"]["start"]["enum"]} == {start}
    assert {v for b in branches for v in b["properties"]["end"]["enum"]} == {end}
