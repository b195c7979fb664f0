"""Parser tests: internal parser errors fail loudly instead of degrading to content."""

from __future__ import annotations

import pytest

from agentfn.parsers import base


@pytest.fixture(autouse=True)
def _raise_parser_bugs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "RAISE_INTERNAL_ERRORS", True)
