"""One unpacked OpenVoiceOS skill wheel read as data: its intent handlers, their grammar, and its own examples.

:func:`read_skill` finds the skill's package folder (the one with ``__init__.py`` and ``locale/``), parses its
Python with :mod:`ast` (nothing is imported or run) and returns a :class:`Skill`:

* one :class:`Handler` per method registered for an intent, by decorator (``@intent_handler("x.intent")``,
  ``@intent_file_handler``, ``@intent_handler(IntentBuilder("X").require(...)...)``) or by a call in the body
  (``self.register_intent_file("x.intent", self.handle_x)``, ``self.register_intent(IntentBuilder(...), ...)``);
  with its docstring's summary and the requests its ``Examples:`` section quotes;
* the English grammar files under ``locale/en-us`` (any sub-folder): Padatious sentences per ``.intent`` file,
  Adapt phrases per ``.voc`` file and slot values per ``.entity`` file, each expanded with
  :func:`~agentfn.evals.router_data.ovos_grammar.expand`;
* ``skill.json``'s description and example requests.

A handler whose intent file is not shipped in English keeps no sentences (it can still be a tool).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from agentfn.evals.router_data.ovos_grammar import AdaptRule, expand

__all__ = ["Handler", "Skill", "read_skill"]


@dataclass
class Handler:
    """One intent handler method and the grammar that routes to it."""

    method: str
    intent_file: str = ""
    adapt: AdaptRule | None = None
    summary: str = ""
    examples: list[str] = field(default_factory=list[str])
    sentences: list[str] = field(default_factory=list[str])


@dataclass
class Skill:
    """A skill's handlers, vocabularies, slot values and ``skill.json`` fields."""

    name: str
    description: str
    handlers: list[Handler]
    vocab: dict[str, list[str]]
    entities: dict[str, list[str]]
    examples: list[str]


def _chain(node: ast.expr) -> AdaptRule | None:
    """An ``IntentBuilder("Name").require("a")...`` expression (``.build()`` allowed) as a rule."""
    calls: list[ast.Call] = []
    cur: ast.expr = node
    while isinstance(cur, ast.Call):
        calls.append(cur)
        cur = cur.func.value if isinstance(cur.func, ast.Attribute) else cur.func
    calls.reverse()
    if not calls or not (isinstance(calls[0].func, ast.Name) and calls[0].func.id == "IntentBuilder"):
        return None
    args0 = [a.value for a in calls[0].args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    rule = AdaptRule(name=str(args0[0]) if args0 else "")
    for call in calls[1:]:
        if not isinstance(call.func, ast.Attribute):
            continue
        names = [str(a.value).lower() for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        kind = call.func.attr
        if kind == "require":
            rule.require += names
        elif kind == "optionally":
            rule.optionally += names
        elif kind == "one_of":
            rule.one_of.append(names)
        elif kind == "exclude":
            rule.exclude += names
    return rule


def _target(node: ast.expr) -> tuple[str, AdaptRule | None] | None:
    """The intent a registration names: an ``.intent`` file name, or an Adapt rule."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(".intent"):
        return node.value, None
    rule = _chain(node)
    return ("", rule) if rule is not None else None


def _docstring_parts(doc: str) -> tuple[str, list[str]]:
    """A docstring's first paragraph and the requests listed under its ``Examples:`` heading."""
    summary = " ".join(doc.strip().split("\n\n", 1)[0].split())
    examples: list[str] = []
    block = re.search(r"(?:Examples?|Utterances?)\s*:\s*\n(.*?)(?:\n\s*\n|\Z)", doc, re.S | re.I)
    if block:
        for line in block.group(1).splitlines():
            quoted = re.search(r'"([^"]+)"', line)
            text = (quoted.group(1) if quoted else line).strip().lstrip("-*").strip().strip("'").strip()
            if text and not text.startswith(":") and not text.endswith(":") and len(text.split()) <= 20:
                examples.append(text)
    summary = re.split(r"\s*(?::param\b|:returns?\b|Args\s*:|Returns\s*:|Examples?\s*:|Utterances?\s*:)", summary)[0]
    summary = re.sub(r"[\s,]+such as\s*:?$", "", summary).strip()
    return summary, examples


def _handlers(tree: ast.Module) -> list[Handler]:
    methods = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    found: dict[str, tuple[str, AdaptRule | None]] = {}
    for name, fn in methods.items():
        for dec in fn.decorator_list:
            if (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Name)
                    and dec.func.id in ("intent_handler", "intent_file_handler") and dec.args):
                got = _target(dec.args[0])
                if got is not None:
                    found.setdefault(name, got)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("register_intent_file", "register_intent") and len(node.args) >= 2):
            handler = node.args[1]
            got = _target(node.args[0])
            if got is not None and isinstance(handler, ast.Attribute) and handler.attr in methods:
                found.setdefault(handler.attr, got)
    out: list[Handler] = []
    for name, (intent_file, rule) in sorted(found.items()):
        summary, examples = _docstring_parts(ast.get_docstring(methods[name]) or "")
        out.append(Handler(method=name, intent_file=intent_file, adapt=rule, summary=summary, examples=examples))
    return out


def _package_dir(root: Path) -> Path | None:
    for init in sorted(root.glob("*/__init__.py")):
        if (init.parent / "locale").is_dir():
            return init.parent
    return None


def _lines(path: Path) -> list[str]:
    out: list[str] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            out += expand(line)
    return out


def read_skill(root: Path, name: str) -> Skill | None:
    """The skill unpacked at ``root`` (``name`` is its PyPI name), or ``None`` if it has no English locale."""
    pkg = _package_dir(root)
    if pkg is None:
        return None
    english = [d for d in (pkg / "locale").iterdir() if d.is_dir() and d.name.lower() == "en-us"]
    if not english:
        return None
    files: dict[str, Path] = {}
    for path in sorted(english[0].rglob("*")):
        if path.is_file():
            files.setdefault(path.name.lower(), path)
    tree = ast.parse("\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(pkg.glob("*.py"))))
    handlers = _handlers(tree)
    for h in handlers:
        path = files.get(h.intent_file.lower()) if h.intent_file else None
        h.sentences = _lines(path) if path else []
    vocab = {p.name[:-4].lower(): _lines(p) for n, p in files.items() if n.endswith(".voc")}
    entities = {p.name[:-7].lower(): _lines(p) for n, p in files.items() if n.endswith(".entity")}
    meta: dict[str, Any] = {}
    if "skill.json" in files:
        loaded: Any = json.loads(files["skill.json"].read_text(encoding="utf-8"))
        meta = cast(dict[str, Any], loaded) if isinstance(loaded, dict) else {}
    examples = [str(x).strip() for x in cast(list[Any], meta.get("examples") or []) if str(x).strip()]
    return Skill(name=name, description=" ".join(str(meta.get("description") or "").split()), handlers=handlers,
                 vocab=vocab, entities=entities, examples=examples)
