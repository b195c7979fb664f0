"""Chat templates shipped in ``prompts/chat/`` and the message shape templates expect.

Templates are jinja2 files selected by format name (``hermes`` …). agentfn renders them
with ``StrictUndefined`` so a template that reads a missing variable fails loudly instead of
silently producing a broken prompt; the same files also work as ``--chat-template`` for a
vLLM server and as ``tokenizer.chat_template`` for transformers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any, NoReturn, cast

import jinja2
import jinja2.sandbox

from agentfn.exceptions import ConfigError
from agentfn.messages import AssistantMessage, Message, ToolMessage

__all__ = [
    "available_chat_templates",
    "chat_template_path",
    "load_chat_template",
    "messages_to_chat",
    "render_chat_template",
]


def _template_dir() -> Any:
    return resources.files("agentfn.prompts").joinpath("chat")


def available_chat_templates() -> list[str]:
    """Names of the shipped chat templates (file names without ``.jinja``)."""
    names: list[str] = []
    for entry in _template_dir().iterdir():
        name = str(entry.name)
        if name.endswith(".jinja"):
            names.append(name.removesuffix(".jinja"))
    return sorted(names)


def chat_template_path(name: str) -> str:
    """Filesystem path of a shipped template (for ``--chat-template`` of a vLLM server)."""
    entry = _template_dir().joinpath(f"{name}.jinja")
    if not entry.is_file():
        raise ConfigError(f"unknown chat template {name!r}; available: {', '.join(available_chat_templates())}")
    return str(entry)


@cache
def load_chat_template(name: str) -> str:
    """The source of a shipped template.

    Raises:
        ConfigError: no template has that name.
    """
    entry = _template_dir().joinpath(f"{name}.jinja")
    if not entry.is_file():
        raise ConfigError(f"unknown chat template {name!r}; available: {', '.join(available_chat_templates())}")
    return entry.read_text(encoding="utf-8")


def _raise_exception(message: str) -> NoReturn:
    raise jinja2.TemplateError(message)


def _tojson(value: Any, indent: int | None = None) -> str:
    # Plain JSON like transformers' own filter: jinja's default escapes <, > and & to \u003c.
    return json.dumps(value, ensure_ascii=False, indent=indent)


@cache
def _environment() -> jinja2.Environment:
    # The same settings as transformers and vLLM use, so a template renders identically everywhere.
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
    )
    env.filters["tojson"] = _tojson  # pyright: ignore[reportUnknownMemberType]
    env.globals["raise_exception"] = _raise_exception  # pyright: ignore[reportUnknownMemberType]
    return env


@cache
def _compiled(source: str) -> jinja2.Template:
    return _environment().from_string(source)


def messages_to_chat(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Messages as the dicts chat templates read.

    Like the OpenAI wire format except that tool-call arguments are decoded to objects when
    they are valid JSON objects, since most model templates ``tojson`` them again.
    """
    out: list[dict[str, Any]] = []
    for m in messages:
        if isinstance(m, AssistantMessage):
            d: dict[str, Any] = {"role": "assistant", "content": m.content or ""}
            if m.tool_calls:
                d["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": _arguments_value(c.arguments)},
                    }
                    for c in m.tool_calls
                ]
            out.append(d)
        elif isinstance(m, ToolMessage):
            out.append({"role": "tool", "tool_call_id": m.tool_call_id, "name": m.name, "content": m.content})
        else:
            out.append({"role": m.role, "content": m.content})
    return out


def _arguments_value(arguments: str) -> Any:
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        return arguments  # malformed text stays text so the model sees its own mistake
    return cast("dict[str, Any]", value) if isinstance(value, dict) else arguments


def render_chat_template(
    template: str,
    messages: Sequence[dict[str, Any]],
    tools: Sequence[dict[str, Any]] | None = None,
    *,
    add_generation_prompt: bool = True,
    **extra: Any,
) -> str:
    """Render a template (a shipped name or jinja source) with ``StrictUndefined``.

    Args:
        template: a shipped template name such as ``"hermes"``, or template source.
        messages: dicts as made by :func:`messages_to_chat`.
        tools: OpenAI-format tool specs, or None.
        add_generation_prompt: end with the opening of an assistant turn.
        **extra: further template variables (``bos_token`` …).
    """
    source = template if ("{%" in template or "{{" in template) else load_chat_template(template)
    return _compiled(source).render(
        messages=list(messages), tools=list(tools) if tools else None, add_generation_prompt=add_generation_prompt, **extra
    )
