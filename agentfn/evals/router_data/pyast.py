"""Tool specs from Python source that is read, never imported.

Benchmark packages define their tools as typed Python functions with
docstrings, and their result types as pydantic models, enums and ``Literal``
aliases. Importing them would pull in their whole dependency tree, so this
module reads the source with :mod:`ast` instead and writes the OpenAI-format
spec a user would get: name, the docstring's summary as description, one
JSON-Schema property per parameter (type from the annotation, description from
a Google-style ``Args:`` or Sphinx ``:param x:`` line) and the return
annotation as ``returns`` (an output schema, classes expanded a few levels).
Parameters annotated ``Annotated[..., Depends(...)]`` are injected by the
host, not given by the model, and are left out.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["ClassIndex", "function_spec", "functions_in", "parse_docstring"]

_PRIMITIVES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"}, "int": {"type": "integer"}, "float": {"type": "number"},
    "bool": {"type": "boolean"}, "dict": {"type": "object"}, "Dict": {"type": "object"},
    "list": {"type": "array"}, "List": {"type": "array"}, "Any": {}, "object": {},
    "datetime": {"type": "string", "format": "date-time"}, "date": {"type": "string", "format": "date"},
    "time": {"type": "string", "format": "time"}, "EmailStr": {"type": "string", "format": "email"},
    "None": {"type": "null"},
}
_ARGS = re.compile(r"^\s*(Args|Arguments|Parameters|Params)\s*:\s*$", re.M)
_SECTION = re.compile(r"^\s*(Returns?|Raises|Yields|Examples?|Notes?|Example)\s*:\s*$", re.M)
_SPHINX = re.compile(r"^\s*:param\s+(?:\w+\s+)?(\w+)\s*:\s*(.*)$")
_GOOGLE = re.compile(r"^\s{0,12}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


class ClassIndex:
    """Class, enum and alias definitions of some modules, to expand annotations."""

    def __init__(self, files: Iterable[Path] = ()) -> None:
        self.classes: dict[str, ast.ClassDef] = {}
        self.aliases: dict[str, ast.expr] = {}
        for file in files:
            tree = ast.parse(Path(file).read_text())
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    self.classes.setdefault(node.name, node)
                elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    self.aliases.setdefault(node.targets[0].id, node.value)
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                    self.aliases.setdefault(node.target.id, node.value)

    def schema(self, node: ast.expr | None, depth: int = 0) -> dict[str, Any]:
        """JSON Schema of an annotation expression (unknown names give ``{}``)."""
        if node is None:
            return {}
        if isinstance(node, ast.Constant):
            if node.value is None:
                return {"type": "null"}
            if isinstance(node.value, str):  # a string annotation: parse it
                try:
                    return self.schema(ast.parse(node.value, mode="eval").body, depth)
                except SyntaxError:
                    return {}
            return {}
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._union([node.left, node.right], depth)
        if isinstance(node, ast.Subscript):
            return self._generic(node, depth)
        name = _dotted(node)
        if name is None:
            return {}
        short = name.rsplit(".", 1)[-1]
        if short in _PRIMITIVES:
            return dict(_PRIMITIVES[short])
        if short in self.classes:
            return self._class(self.classes[short], depth)
        if short in self.aliases and depth < 6:
            return self.schema(self.aliases[short], depth + 1)
        return {}

    def _union(self, parts: list[ast.expr], depth: int) -> dict[str, Any]:
        flat: list[ast.expr] = []
        for p in parts:
            if isinstance(p, ast.BinOp) and isinstance(p.op, ast.BitOr):
                flat += [p.left, p.right]
            else:
                flat.append(p)
        schemas = [self.schema(p, depth) for p in flat]
        non_null = [s for s in schemas if s != {"type": "null"}]
        if len(non_null) == 1:
            return non_null[0]
        return {"anyOf": schemas}

    def _generic(self, node: ast.Subscript, depth: int) -> dict[str, Any]:
        base = (_dotted(node.value) or "").rsplit(".", 1)[-1]
        args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base in ("list", "List", "Sequence", "set", "Set", "tuple", "Tuple", "Iterable", "frozenset"):
            items = self.schema(args[0], depth) if args else {}
            return {"type": "array", "items": items} if items else {"type": "array"}
        if base in ("dict", "Dict", "Mapping"):
            values = self.schema(args[1], depth) if len(args) > 1 else {}
            return {"type": "object", "additionalProperties": values} if values else {"type": "object"}
        if base == "Optional":
            return self.schema(args[0], depth)
        if base == "Union":
            return self._union(args, depth)
        if base == "Annotated":
            return self.schema(args[0], depth)
        if base == "Literal":
            values = [a.value for a in args if isinstance(a, ast.Constant)]
            kinds = {type(v).__name__ for v in values}
            out: dict[str, Any] = {"enum": values}
            if kinds == {"str"}:
                out["type"] = "string"
            elif kinds == {"int"}:
                out["type"] = "integer"
            return out
        return self.schema(node.value, depth)

    def _class(self, cls: ast.ClassDef, depth: int) -> dict[str, Any]:
        bases = {(_dotted(b) or "").rsplit(".", 1)[-1] for b in cls.bases}
        doc = ast.get_docstring(cls) or ""
        if bases & {"Enum", "StrEnum", "IntEnum"}:
            values = [
                n.value.value for n in cls.body
                if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
            ]
            return {"type": "string", "enum": values, **({"description": doc} if doc else {})}
        out: dict[str, Any] = {"type": "object", "title": cls.name}
        if doc:
            out["description"] = doc.split("\n\n")[0].strip()
        if depth >= 3:
            return out
        props: dict[str, Any] = {}
        for stmt in cls.body:
            if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                continue
            if stmt.target.id.startswith("_") or (_dotted(stmt.annotation) or "").endswith("ClassVar"):
                continue
            field = self.schema(stmt.annotation, depth + 1)
            text = _field_text(stmt.value)
            if text:
                field = {**field, "description": text}
            props[stmt.target.id] = field
        for base in bases:  # inherited fields from classes we know
            if base in self.classes and base != cls.name:
                inherited = self._class(self.classes[base], depth)
                props = {**inherited.get("properties", {}), **props}
        if props:
            out["properties"] = props
        return out


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    return None


def _field_text(value: ast.expr | None) -> str:
    """``description=`` (or ``title=``) of a ``Field(...)`` default."""
    if not isinstance(value, ast.Call):
        return ""
    for kw in value.keywords:
        if kw.arg in ("description", "title") and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
            return kw.value.value
    return ""


def parse_docstring(doc: str) -> tuple[str, dict[str, str], str]:
    """(summary, parameter descriptions, returns text) of a Google- or Sphinx-style docstring."""
    lines = doc.splitlines()
    params: dict[str, str] = {}
    returns = ""
    summary: list[str] = []
    mode = "summary"
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        sphinx = _SPHINX.match(line)
        if sphinx:
            mode, current = "sphinx", str(sphinx.group(1))
            params[current] = str(sphinx.group(2)).strip()
            continue
        if stripped.startswith((":return", ":returns", ":rtype", ":raises")):
            mode, current = "returns" if stripped.startswith(":return") else "other", None
            if mode == "returns":
                returns = stripped.split(":", 2)[-1].strip()
            continue
        if _ARGS.match(line):
            mode, current = "args", None
            continue
        section = _SECTION.match(line)
        if section:
            mode, current = ("returns" if section.group(1).startswith("Return") else "other"), None
            continue
        if mode == "summary":
            summary.append(stripped)
        elif mode == "args":
            m = _GOOGLE.match(line)
            if m and (current is None or len(line) - len(line.lstrip()) <= _indent_of(lines, current)):
                current = str(m.group(1))
                params[current] = str(m.group(2)).strip()
            elif current and stripped:
                params[current] = f"{params[current]} {stripped}".strip()
        elif mode == "sphinx" and current and stripped:
            params[current] = f"{params[current]} {stripped}".strip()
        elif mode == "returns" and stripped:
            returns = f"{returns} {stripped}".strip()
    text = " ".join(s for s in summary if s)
    return re.sub(r"\s+", " ", text).strip(), params, returns


def _indent_of(lines: list[str], name: str) -> int:
    for line in lines:
        if re.match(rf"^\s*{re.escape(name)}\s*(\([^)]*\))?\s*:", line):
            return len(line) - len(line.lstrip())
    return 0


def _injected(annotation: ast.expr | None, classes: ClassIndex) -> bool:
    """``Annotated[X, Depends(...)]`` (or an alias of one): a value the host injects."""
    if isinstance(annotation, ast.Name) and annotation.id in classes.aliases:
        annotation = classes.aliases[annotation.id]
    if not (isinstance(annotation, ast.Subscript) and (_dotted(annotation.value) or "").endswith("Annotated")):
        return False
    extras = annotation.slice.elts[1:] if isinstance(annotation.slice, ast.Tuple) else []
    return any(isinstance(e, ast.Call) and (_dotted(e.func) or "").endswith("Depends") for e in extras)


def function_spec(fn: ast.FunctionDef | ast.AsyncFunctionDef, classes: ClassIndex) -> dict[str, Any]:
    """The OpenAI-format spec (plus ``returns``) of one function definition."""
    summary, docs, returns_text = parse_docstring(ast.get_docstring(fn) or "")
    args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
    defaults: dict[str, ast.expr] = {}
    positional = fn.args.posonlyargs + fn.args.args
    for arg, default in zip(positional[len(positional) - len(fn.args.defaults):], fn.args.defaults, strict=True):
        defaults[arg.arg] = default
    for arg, kw_default in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True):
        if kw_default is not None:
            defaults[arg.arg] = kw_default
    props: dict[str, Any] = {}
    required: list[str] = []
    for arg in args:
        if arg.arg in ("self", "cls") or _injected(arg.annotation, classes):
            continue
        schema = classes.schema(arg.annotation)
        if arg.arg in docs:
            schema = {**schema, "description": docs[arg.arg]}
        default = defaults.get(arg.arg)
        if isinstance(default, ast.Constant) and default.value is not None:
            schema = {**schema, "default": default.value}
        props[arg.arg] = schema
        if arg.arg not in defaults:
            required.append(arg.arg)
    spec: dict[str, Any] = {
        "name": fn.name,
        "description": summary,
        "parameters": {"type": "object", "properties": props, "required": required},
    }
    out = classes.schema(fn.returns)
    if out and out != {"type": "null"}:
        if returns_text:
            out = {**out, "description": out.get("description") or returns_text}
        spec["returns"] = out
    return spec


def functions_in(path: Path) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function and method defined in a file, by name (methods too, first wins)."""
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.setdefault(node.name, node)
    return found
