"""Data flow inside a traced run: which argument values came from which earlier result.

Derived from what every trace already records (each call's arguments and the
result content the model saw), so it works for agent runs and imported
conversations alike, old traces included, with no change to the stored rows.

An argument value is traced to an earlier call when it does not occur in the
user's own messages but does occur in that call's result: as the value of a
JSON field (the field is named) or as a whole token of the result text. The
most recent such call wins. Booleans, ``None`` and values too short to be
telling (one-character strings, integers below 10) are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from agentfn.traces.records import Run, ToolCallRecord

__all__ = ["ArgumentSource", "argument_sources"]


class ArgumentSource(BaseModel):
    """One argument of one call whose value came from an earlier call's result."""

    call_id: str
    tool: str
    argument: str
    """The argument's name (the last key, for nested arguments)."""
    source_call_id: str
    source_tool: str
    field: str = ""
    """The result field the value was found under ("" when found in plain text)."""
    value: str


def _leaves(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():  # pyright: ignore[reportUnknownVariableType]
            yield from _leaves(v, str(k))  # pyright: ignore[reportUnknownArgumentType]
    elif isinstance(value, list):
        for v in value:  # pyright: ignore[reportUnknownVariableType]
            yield from _leaves(v, key)
    else:
        yield key, value


def _telling(value: Any) -> str | None:
    """The value as text if it can identify a flow, else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if abs(value) >= 10 else None
    if isinstance(value, float):
        return repr(value) if not value.is_integer() or abs(value) >= 10 else None
    text = str(value).strip()
    return text if len(text) >= 2 else None


class _Result:
    def __init__(self, call: ToolCallRecord) -> None:
        self.call = call
        self.text = call.content or ""
        self.fields: dict[str, str] = {}
        try:
            parsed = json.loads(self.text)
        except ValueError:
            parsed = None
        if parsed is not None:
            for key, leaf in _leaves(parsed):
                tell = _telling(leaf)
                if tell is not None:
                    self.fields.setdefault(tell, key)

    def find(self, value: str) -> str | None:
        """The field holding ``value`` ("" when only the text holds it), or None."""
        if value in self.fields:
            return self.fields[value]
        if re.search(rf"(?<![\w.-]){re.escape(value)}(?![\w-])", self.text):
            return ""
        return None


def _user_text(run: Run) -> str:
    parts: list[str] = []
    for m in run.input_messages:
        if m.role == "user":
            content: Any = getattr(m, "content", "")
            parts.append(content if isinstance(content, str) else json.dumps(content, default=str))
    return "\n".join(parts)


def argument_sources(run: Run) -> list[ArgumentSource]:
    """Every argument value of ``run``'s successful calls that an earlier successful call's result supplied."""
    user = _user_text(run)
    earlier: list[_Result] = []
    out: list[ArgumentSource] = []
    for step in run.steps:
        ready: list[_Result] = []
        for call in step.tool_calls:
            if not call.ok:
                continue
            for name, leaf in _leaves(call.arguments or {}):
                value = _telling(leaf)
                if value is None or value in user:
                    continue
                for res in reversed(earlier):
                    found = res.find(value)
                    if found is not None:
                        out.append(ArgumentSource(
                            call_id=call.call_id, tool=call.name, argument=name, source_call_id=res.call.call_id,
                            source_tool=res.call.name, field=found, value=value[:200],
                        ))
                        break
            ready.append(_Result(call))
        earlier += ready  # calls of one step ran side by side: they cannot feed each other
    return out
