"""Prompt-backed built-ins against the real vLLM CPU server (embedded SmolLM2-135M): schema validity only.

A 135M model's answers are not judged; constrained decoding (``output_schema``) must make every
reply validate into the declared result type.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import BaseModel, Field
from vllm_server import VLLMServer

from agentfn.backends.openai_compat import OpenAIModel
from agentfn.library.text_llm import Classification, Sentiment, classify, extract, sentiment

pytestmark = pytest.mark.integration
SETTINGS = {"max_tokens": 200, "temperature": 0.0}


@pytest.fixture
async def model(vllm_server: VLLMServer) -> AsyncIterator[OpenAIModel]:
    m = OpenAIModel(vllm_server.served_name, base_url=vllm_server.base_url, timeout=180, max_retries=1)
    yield m
    await m.aclose()


async def test_sentiment_is_schema_valid(model: OpenAIModel) -> None:
    result = await sentiment("I love this phone, the battery lasts for days!", model=model, model_settings=SETTINGS)
    assert isinstance(result, Sentiment)
    assert result.label in ("positive", "negative", "neutral", "mixed") and 0 <= result.confidence <= 1


async def test_classify_is_schema_valid(model: OpenAIModel) -> None:
    labels = ["billing", "technical", "other"]
    result = await classify("I was charged twice this month.", labels=labels, model=model, model_settings=SETTINGS)
    assert isinstance(result, Classification) and result.label in labels and 0 <= result.confidence <= 1


class Contact(BaseModel):
    name: str = Field(max_length=40)
    age: int = Field(ge=0, le=150)
    city: str = Field(max_length=40)


async def test_extract_is_schema_valid(model: OpenAIModel) -> None:
    result = await extract("Ann Lee is 31 and lives in Oslo.", schema=Contact, model=model, model_settings=SETTINGS)
    assert isinstance(result, Contact)
