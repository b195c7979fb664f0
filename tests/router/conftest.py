"""Shared fixtures: one MiniLM encoder per session, a small hand-made registry."""

from __future__ import annotations

from typing import Any

import pytest

from agentfn.router import Router
from agentfn.router.encoder import Encoder, load_encoder
from agentfn.tool import Tool

SPECS: list[dict[str, Any]] = [
    {"name": "convert_currency", "description": "Convert an amount of money from one currency to another at today's exchange rate.",
     "parameters": {"type": "object", "properties": {"amount": {"type": "number", "description": "amount to convert"},
                    "from_currency": {"type": "string", "description": "ISO code"}, "to_currency": {"type": "string", "description": "ISO code"}}},
     "return_schema": {"type": "object", "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}}}},
    {"name": "send_email", "description": "Send an email message to a recipient with a subject and body.",
     "parameters": {"type": "object", "properties": {"to": {"type": "string", "description": "recipient address"},
                    "subject": {"type": "string"}, "body": {"type": "string", "description": "message text"}}}},
    {"name": "send_sms", "description": "Send a text message (SMS) to a phone number.",
     "parameters": {"type": "object", "properties": {"phone": {"type": "string"}, "text": {"type": "string"}}}},
    {"name": "sendSlackMessage", "description": "Post a message to a Slack channel or user.",
     "parameters": {"type": "object", "properties": {"channel": {"type": "string"}, "text": {"type": "string"}}}},
    {"name": "get_weather_forecast", "description": "Weather forecast (temperature, rain, wind) for a city for the next days.",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}},
     "return_schema": {"type": "object", "properties": {"summary": {"type": "string"}}}},
    {"name": "create_calendar_event", "description": "Create a calendar event with title, start time and attendees.",
     "parameters": {"type": "object", "properties": {"title": {"type": "string"}, "start": {"type": "string"}, "attendees": {"type": "array"}}}},
    {"name": "list_files", "description": "List the files and folders in a directory.",
     "parameters": {"type": "object", "properties": {"folder": {"type": "string"}}}},
    {"name": "delete_file", "description": "Delete a file from disk.",
     "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}},
    {"name": "get_stock_quote", "description": "Latest share price for a stock ticker symbol.",
     "parameters": {"type": "object", "properties": {"symbol": {"type": "string"}}},
     "return_schema": {"type": "object", "properties": {"price": {"type": "number"}}}},
    {"name": "translate_text", "description": "Translate text into another language.",
     "parameters": {"type": "object", "properties": {"text": {"type": "string"}, "target_lang": {"type": "string"}}},
     "return_schema": {"type": "object", "properties": {"text": {"type": "string"}}}},
    {"name": "book_flight", "description": "Book a plane ticket between two airports on a date.",
     "parameters": {"type": "object", "properties": {"origin": {"type": "string"}, "destination": {"type": "string"}, "date": {"type": "string"}}}},
    {"name": "create_invoice", "description": "Create a customer invoice with line items and a due date.",
     "parameters": {"type": "object", "properties": {"customer": {"type": "string"}, "amount": {"type": "number", "description": "total amount"}}}},
]


def make_tools(specs: list[dict[str, Any]] | None = None) -> list[Tool[..., Any]]:
    """Real Tool objects (schema-only) built from the specs."""
    return [Tool.from_schema({k: v for k, v in s.items() if k != "return_schema"}) for s in (specs or SPECS)]


class CountingEncoder:
    """Wraps the real encoder and counts how many texts it embedded."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.texts = 0

    @property
    def spec(self) -> str:
        return self.inner.spec

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts: list[str], batch_size: int = 64) -> Any:
        self.texts += len(texts)
        return self.inner.encode(texts, batch_size)

    def encode_packed(self, texts: list[str], spans: Any = ()) -> Any:
        # A request's texts in one pass, as the wrapped encoder does them (same floats as unwrapped).
        self.texts += len(texts)
        return self.inner.encode_packed(texts, spans)  # type: ignore[attr-defined]

    def encode_pooled(self, texts: list[str], groups: Any = ()) -> Any:
        self.texts += len(texts)
        return self.inner.encode_pooled(texts, groups)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return load_encoder()


@pytest.fixture(scope="session")
def router(encoder: Encoder) -> Router:
    """Hybrid router over the specs (dicts keep their return schemas for type chaining)."""
    return Router.build(SPECS, encoder=encoder)


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread() -> Any:
    """One BLAS thread: on a shared 2-core box, two threads spin-wait on each other under load."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(1):
        yield
