"""Tool-call parsers: turn a model's raw text into content, tool calls and reasoning.

Each format lives in its own module and is registered by name::

    from agentfn.parsers import get_parser

    result = get_parser("hermes").parse(text)          # never raises
    stream = get_parser("hermes").streaming()
    for chunk in chunks:
        for delta in stream.feed(chunk): ...
    result = stream.finish()                             # == parse("".join(chunks))

Built-in formats: ``hermes``, ``mistral``, ``llama3_json``, ``pythonic``, ``json``.
Third-party formats subclass :class:`ToolCallParser`, implement
:meth:`ToolCallParser.step` with the building blocks exported here
(:class:`TextBuffer`, :class:`Decided`, :class:`Pending`, :class:`Partial`,
:class:`Text`, :class:`Call`, :func:`text_until_marker`, the JSON scanner
:class:`JsonScan` with :func:`call_from_scan` / :func:`value_arguments`), and
are registered with :func:`register_parser` or loaded with
:func:`load_parser_plugin`; whole-text parsing, streaming, reasoning and ids
come from the base class. The shared rules (reasoning, content, argument
normalisation, ids) are documented in :mod:`agentfn.parsers.base`.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from agentfn.exceptions import ConfigError
from agentfn.parsers._calls import CallRules, call_from_scan, partial_call, partial_value, value_arguments
from agentfn.parsers._json import INCOMPLETE, INVALID, OK, JsonScan
from agentfn.parsers.base import (
    Call,
    Decided,
    ParseDelta,
    ParseResult,
    Partial,
    Pending,
    StreamingParser,
    Text,
    TextBuffer,
    ToolCallParser,
    UnknownParserError,
    text_until_marker,
)
from agentfn.parsers.hermes import HermesParser
from agentfn.parsers.json_calls import JsonParser
from agentfn.parsers.llama3_json import Llama3JsonParser
from agentfn.parsers.mistral import MistralParser
from agentfn.parsers.pythonic import PythonicParser

__all__ = [
    "INCOMPLETE",
    "INVALID",
    "OK",
    "Call",
    "CallRules",
    "Decided",
    "HermesParser",
    "JsonParser",
    "JsonScan",
    "Llama3JsonParser",
    "MistralParser",
    "ParseDelta",
    "ParseResult",
    "Partial",
    "Pending",
    "PythonicParser",
    "StreamingParser",
    "Text",
    "TextBuffer",
    "ToolCallParser",
    "UnknownParserError",
    "available_parsers",
    "call_from_scan",
    "detect_format",
    "get_parser",
    "get_parser_class",
    "load_parser_plugin",
    "partial_call",
    "partial_value",
    "register_parser",
    "text_until_marker",
    "unregister_parser",
    "value_arguments",
]

_REGISTRY: dict[str, type[ToolCallParser]] = {}
P = TypeVar("P", bound=type[ToolCallParser])


def register_parser(cls: P, *, replace: bool = False) -> P:
    """Register a parser class under its ``name``; usable as a class decorator.

    Raises:
        ConfigError: the class is not a :class:`ToolCallParser` with a name, or
            the name is taken by another class and ``replace`` is False.
    """
    if not (inspect.isclass(cls) and issubclass(cls, ToolCallParser)):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ConfigError(f"register_parser expects a ToolCallParser subclass, got {cls!r}")
    name = cls.name
    if not name or not isinstance(name, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ConfigError(f"parser class {cls.__qualname__} has no `name` (set name: ClassVar[str] = '...')")
    existing = _REGISTRY.get(name)
    if existing is not None and existing is not cls and not replace:
        if f"{existing.__module__}.{existing.__qualname__}" == f"{cls.__module__}.{cls.__qualname__}":
            replace = True  # the same plugin loaded again (e.g. a re-imported file)
        else:
            raise ConfigError(
                f"parser name {name!r} is already registered by {existing.__module__}.{existing.__qualname__};"
                " pass replace=True to override it"
            )
    _REGISTRY[name] = cls
    return cls


def unregister_parser(name: str) -> None:
    """Remove a registered parser (a no-op when the name is unknown)."""
    _REGISTRY.pop(name, None)


def available_parsers() -> list[str]:
    """Registered parser names, built-in formats first, in registration order."""
    return list(_REGISTRY)


def get_parser_class(name: str) -> type[ToolCallParser]:
    """The parser class registered under ``name``.

    Raises:
        UnknownParserError: no such parser (the message lists the available ones).
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownParserError(
            f"unknown tool-call parser {name!r}; available: {', '.join(available_parsers())}"
            " (load your own with agentfn.parsers.load_parser_plugin)"
        ) from None


def get_parser(name: str, **options: Any) -> ToolCallParser:
    """A parser instance for format ``name``.

    Args:
        name: a registered name, see :func:`available_parsers`.
        **options: passed to the parser class (``reasoning_started``, ``id_factory``).

    Raises:
        UnknownParserError: no such parser (the message lists the available ones).
    """
    return get_parser_class(name)(**options)


def _import_plugin(spec: str) -> ModuleType:
    path = Path(spec).expanduser()
    if spec.endswith(".py") or path.exists():
        if not path.is_file():
            raise ConfigError(f"parser plugin file {spec!r} does not exist")
        resolved = path.resolve()
        digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
        module_name = f"agentfn_parser_plugin_{resolved.stem}_{digest}"
        module_spec = importlib.util.spec_from_file_location(module_name, resolved)
        if module_spec is None or module_spec.loader is None:
            raise ConfigError(f"cannot import parser plugin file {spec!r}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[module_name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(module_name, None)
            raise ConfigError(f"parser plugin {spec!r} failed to import: {exc!r}") from exc
        return module
    try:
        return importlib.import_module(spec)
    except ImportError as exc:
        raise ConfigError(f"cannot import parser plugin module {spec!r}: {exc}") from exc
    except Exception as exc:
        raise ConfigError(f"parser plugin {spec!r} failed to import: {exc!r}") from exc


def load_parser_plugin(path_or_dotted: str) -> list[str]:
    """Import a plugin (a ``.py`` file or a dotted module) and register its parsers.

    Every :class:`ToolCallParser` subclass with a ``name`` defined in the module
    is registered (classes the module registered itself are fine too).

    Returns:
        The names of the parsers the plugin provides.

    Raises:
        ConfigError: the plugin cannot be imported or defines no parser.
    """
    module = _import_plugin(path_or_dotted)
    names: list[str] = []
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if issubclass(obj, ToolCallParser) and obj.__module__ == module.__name__ and obj.name:
            register_parser(obj)
            names.append(obj.name)
    if not names:
        raise ConfigError(
            f"parser plugin {path_or_dotted!r} defines no ToolCallParser subclass with a `name`"
        )
    return names


def detect_format(text: str) -> str | None:
    """The registered format that finds the most calls in ``text`` (None when none finds any).

    Ties go to the earlier registered format; built-ins are registered from the
    most specific markers (``hermes``) to the least (``json``).
    """
    best: str | None = None
    best_count = 0
    for name, cls in _REGISTRY.items():
        count = len(cls().parse(text).tool_calls)
        if count > best_count:
            best, best_count = name, count
    return best


for _cls in (HermesParser, MistralParser, Llama3JsonParser, PythonicParser, JsonParser):
    register_parser(_cls)
