"""What :class:`~agentfn.backends.openai_compat.OpenAIModel` reads from an OpenAI-compatible server
besides the chat completion itself: the wire-level helpers and the served model's card.

* :func:`normalise_base_url`: ``http://host:8000`` names the API under ``/v1``;
* :func:`server_message`: the human message in an OpenAI-style or vLLM-style error body;
* :func:`extra_field`: a field the ``openai`` types do not declare (``reasoning_content``,
  ``max_model_len``), if the server sent it;
* :func:`checked_completion` raises :class:`InvalidBody` for a 200 whose body is not a chat
  completion (a proxy's HTML page), :func:`complete_json` tells whether a call's arguments are
  finished JSON, :func:`usage_of` reads token counts, :func:`http_errors` names the HTTP
  library's error class (a connection dropped mid-stream);
* :class:`ModelCard` / :func:`model_cards`: each served model's id and context length from a
  ``GET /v1/models`` page. vLLM reports ``max_model_len``; other servers report ``context_length``,
  ``max_context_length`` or nothing (``None``: unknown, no budget is applied);
* :func:`request_token_budget`: how many tokens a request's prompt may take so that the reply still
  fits the context (the reply's ``max_tokens``, or :data:`RESERVED_REPLY_TOKENS` when unset).

Guarantees: nothing here sends a request; every reader tolerates a field that is missing or has
the wrong type (it reads as unknown, never raises).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from agentfn.messages import Usage

__all__ = [
    "CONTEXT_FIELDS",
    "RESERVED_REPLY_TOKENS",
    "InvalidBody",
    "ModelCard",
    "checked_completion",
    "complete_json",
    "extra_field",
    "http_errors",
    "model_cards",
    "normalise_base_url",
    "request_token_budget",
    "server_message",
    "usage_of",
]

CONTEXT_FIELDS = ("max_model_len", "context_length", "max_context_length")
"""Fields of a ``/v1/models`` entry that give the model's context length, in order of trust."""
RESERVED_REPLY_TOKENS = 256
"""Tokens kept free for the reply of a request that sets no ``max_tokens``."""


def normalise_base_url(url: str) -> str:
    """``url`` with ``/v1`` appended when it names only a host (the API lives under ``/v1``)."""
    parts = urlsplit(url)
    return url.rstrip("/") + "/v1" if parts.path in ("", "/") else url.rstrip("/")


def server_message(exc: Any) -> str:
    """The human message inside an OpenAI-style or vLLM-style error body."""
    body: object = getattr(exc, "body", None)
    if isinstance(body, dict):
        fields = cast("dict[str, Any]", body)
        err: object = fields.get("error", fields)
        if isinstance(err, dict) and cast("dict[str, Any]", err).get("message"):
            return str(cast("dict[str, Any]", err)["message"])
        if fields.get("message"):
            return str(fields["message"])
    return str(getattr(exc, "message", None) or exc)


def extra_field(obj: Any, *names: str) -> Any:
    """The first of ``names`` the server sent on ``obj`` (declared or extra field), else None."""
    for name in names:
        value = getattr(obj, name, None)
        if value is None:
            extra: object = getattr(obj, "model_extra", None)
            value = cast("dict[str, Any]", extra).get(name) if isinstance(extra, dict) else None
        if value is not None:
            return value
    return None


class InvalidBody(ValueError):
    """A successful HTTP status with a body that is not a chat completion."""


async def checked_completion(pending: Awaitable[Any]) -> Any:
    """The awaited completion; :class:`InvalidBody` when it has no ``choices`` (openai hands back the
    raw text of a non-JSON body)."""
    completion = await pending
    if not hasattr(completion, "choices"):
        raise InvalidBody(f"the server's reply is not a chat completion: {str(completion)[:200]!r}")
    return completion


def complete_json(arguments: str) -> bool:
    """Whether a call's ``arguments`` are empty or finished JSON."""
    if not arguments.strip():
        return True
    try:
        json.loads(arguments, strict=False)
    except ValueError:
        return False
    return True


def usage_of(raw: Any) -> Usage:
    """One request's :class:`~agentfn.messages.Usage` from a completion's ``usage`` (None: counts unknown)."""
    if raw is None:
        return Usage(requests=1)
    return Usage(
        requests=1,
        input_tokens=int(getattr(raw, "prompt_tokens", 0) or 0),
        output_tokens=int(getattr(raw, "completion_tokens", 0) or 0),
    )


def http_errors() -> type[Exception]:
    """The HTTP library's error class: ``httpx2`` for openai>=3, ``httpx`` before (else ``OSError``)."""
    for module in ("httpx2", "httpx"):
        try:
            errors: Any = importlib.import_module(module)
        except ImportError:
            continue
        return cast("type[Exception]", errors.HTTPError)
    return OSError


@dataclass(frozen=True)
class ModelCard:
    """One served model: its id and context length in tokens (None: the server does not say)."""

    id: str
    context_length: int | None = None


def _field(entry: Any, name: str) -> Any:
    return cast("dict[str, Any]", entry).get(name) if isinstance(entry, dict) else extra_field(entry, name)


def _context_length(entry: Any) -> int | None:
    for name in CONTEXT_FIELDS:
        value = _field(entry, name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def model_cards(entries: Any) -> list[ModelCard]:
    """The cards of a ``/v1/models`` page's ``data`` (``openai`` objects or plain dicts), in order;
    entries without an id are skipped."""
    out: list[ModelCard] = []
    for entry in cast("list[Any]", entries) if isinstance(entries, list) else []:
        ident = _field(entry, "id")
        if ident:
            out.append(ModelCard(str(ident), _context_length(entry)))
    return out


def request_token_budget(context_length: int | None, max_tokens: int | None) -> int | None:
    """The most tokens a request's prompt may take on a model with ``context_length`` (None: no budget)."""
    if context_length is None:
        return None
    reply = max_tokens if max_tokens is not None and max_tokens > 0 else RESERVED_REPLY_TOKENS
    return max(1, context_length - reply)
