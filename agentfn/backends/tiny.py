"""A tiny random-weight chat model built on the spot, for tests and demos (no downloads).

The model is a Qwen2 with hidden size 128 and 2 heads of 64 (head_dim 16 fails in vLLM's CPU
attention), and its byte-level BPE tokenizer is trained here on ``corpus``. The tokenizer has no
chat template, so agentfn falls back to its hermes template. Needs torch, transformers and tokenizers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_CORPUS", "build_tiny_chat_model"]

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
DEFAULT_CORPUS = (
    '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}\n</tool_call>',
    "The weather in Paris is sunny. What is the time in Tokyo? You are a helpful assistant.",
    '{"query": "books about cats", "limit": 5, "tags": ["a", "b"], "ok": true, "x": null, "n": -1.5e3}',
    "# Tools\nYou may call one or more functions to assist with the user query. <tools></tools>",
    "0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ {}[]:,\"'\\/_-+.!?()<>=|",
)


def build_tiny_chat_model(
    folder: Path, *, corpus: Sequence[str] = DEFAULT_CORPUS, vocab_size: int = 600, seed: int = 0
) -> Path:
    """Save a tiny random chat model and its tokenizer into ``folder`` and return it."""
    import torch  # pyright: ignore[reportMissingTypeStubs]
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    tokenizer: Any = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer: Any = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(list(corpus) * 4, trainer=trainer)
    fast: Any = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<|im_start|>", eos_token="<|im_end|>",
        pad_token="<|endoftext|>", unk_token="<|endoftext|>",
    )
    # head_dim goes through **kwargs, which the type stubs do not list.
    settings: dict[str, Any] = {
        "vocab_size": len(fast), "hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 2,
        "num_attention_heads": 2, "num_key_value_heads": 2, "head_dim": 64, "max_position_embeddings": 4096,
        "tie_word_embeddings": True, "bos_token_id": fast.bos_token_id, "eos_token_id": fast.eos_token_id,
        "pad_token_id": fast.pad_token_id,
    }
    config: Any = Qwen2Config(**settings)
    torch.manual_seed(seed)  # pyright: ignore[reportUnknownMemberType]
    model: Any = Qwen2ForCausalLM(config)
    model.save_pretrained(str(folder))
    fast.save_pretrained(str(folder))
    return folder
