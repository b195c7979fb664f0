"""Every registered parser must have a conformance test class."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from agentfn.parsers import available_parsers

from .conformance import ParserConformance


def _conformance_classes() -> list[type[ParserConformance]]:
    package = __package__ or "parsers"
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("test_"):
            importlib.import_module(f"{package}.{info.name}")
    found: list[type[ParserConformance]] = []
    todo = list(ParserConformance.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_registered_parser_has_conformance_cases() -> None:
    covered = {cls.parser_name for cls in _conformance_classes() if cls.parser_name}
    missing = sorted(set(available_parsers()) - covered)
    assert not missing, f"registered parsers without a ParserConformance subclass in tests/parsers: {missing}"


def test_builtin_formats_are_registered() -> None:
    assert available_parsers()[:5] == ["hermes", "mistral", "llama3_json", "pythonic", "json"]
