"""Pythonic call lists, parsed with ``ast`` (literals only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .conformance import CallSpec, ParserConformance


def _literal(value: Any, ascii_only: bool) -> str:
    if isinstance(value, dict):
        items = ", ".join(f"{_literal(k, ascii_only)}: {_literal(v, ascii_only)}" for k, v in value.items())  # pyright: ignore[reportUnknownVariableType]
        return "{" + items + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v, ascii_only) for v in value) + "]"  # pyright: ignore[reportUnknownVariableType]
    return ascii(value) if ascii_only else repr(value)


class TestPythonicConformance(ParserConformance):
    parser_name = "pythonic"
    string_arguments = False

    def render(self, calls: Sequence[CallSpec], *, ascii_only: bool = False) -> str:
        rendered = [
            f"{n}(" + ", ".join(f"{k}={_literal(v, ascii_only)}" for k, v in a.items()) + ")"
            for n, a in calls
        ]
        return "[" + ", ".join(rendered) + "]"

    def test_json_literals_and_dotted_names(self) -> None:
        text = '[functions.get(flag=true, other=false, nothing=null, t=(1, 2), neg=-1.5, s="""tri"ple""")]'
        args = {"flag": True, "other": False, "nothing": None, "t": [1, 2], "neg": -1.5, "s": 'tri"ple'}
        self.check(text, calls=[("functions.get", args)])

    def test_never_evaluates(self) -> None:
        for text in (
            "[f(x=__import__('os').system('echo hi'))]",
            "[f(x=1+2)]",
            "[f(x={1, 2})]",
            "[f(x=b'raw')]",
            "[f(x=1e999)]",
            "[f(1, x=2)]",
            "[f(x=1), 3]",
            "[f(x=[i for i in y])]",
        ):
            self.check(text, content=text)

    def test_brackets_inside_strings(self) -> None:
        self.check(
            """[f(s="]", t='[(', u='''x]''')] tail""",
            calls=[("f", {"s": "]", "t": "[(", "u": "x]"})],
            content="tail",
        )

    def test_markdown_links_stay_text(self) -> None:
        text = "See [the docs](https://x.y) and [1] or [f (2)]."
        self.check(text, content=text)
