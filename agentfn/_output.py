"""The final answer's contract: text, or a typed ``output_type`` given through the ``final_result`` tool.

:class:`OutputSpec` decides how a run's final answer is produced and checked: ``str``
answers are the model's text; a pydantic model is offered as the ``final_result``
tool (marked ``Tool.is_output_tool``, so the executor ends the run with its
validated value); any other type is parsed from JSON text (code fences stripped).
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from agentfn.tool import Tool

__all__ = ["FINAL_RESULT_TOOL", "OutputSpec", "Parsed"]

FINAL_RESULT_TOOL = "final_result"


@dataclass
class Parsed:
    ok: bool
    value: Any = None
    error: str = ""


@dataclass
class OutputSpec:
    """How the final answer is produced and checked for a given ``output_type``."""

    output_type: type[Any]
    tool: Tool[..., Any] | None = None
    schema: dict[str, Any] | None = None
    _adapter: TypeAdapter[Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.output_type is str:
            return
        self._adapter = TypeAdapter(self.output_type)
        self.schema = self._adapter.json_schema()
        if inspect.isclass(self.output_type) and issubclass(self.output_type, BaseModel):  # list[int] is no class
            adapter = self._adapter

            def final_result(**data: Any) -> Any:
                return adapter.validate_python(data)

            self.tool = Tool.from_schema(
                {"name": FINAL_RESULT_TOOL, "description": "Give the final answer.", "parameters": self.schema},
                function=final_result,
                is_output_tool=True,
            )

    def parse_text(self, text: str) -> Parsed:
        if self._adapter is None:
            return Parsed(True, text)
        try:
            return Parsed(True, self._adapter.validate_json(_strip_fence(text)))
        except ValidationError as exc:
            return Parsed(False, error=(
                "Your final answer must be JSON matching this schema: "
                f"{json.dumps(self.schema)}\nErrors: {exc.errors(include_url=False)}"
            ))


def _strip_fence(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        stripped = stripped.rsplit("```", 1)[0]
    return stripped
