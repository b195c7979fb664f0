"""Ordered, named collections of tools and the ways to load them.

Toolsets come from Python objects, a module, a folder of modules (this is how
the built-in ``agentfn.library`` (repository folder ``tools/``) loads), package entry points in the
``agentfn.tools`` group, a JSONL file of OpenAI-format specs, or an MCP server.

A toolset can change in place (:meth:`Toolset.add`, :meth:`Toolset.remove`,
:meth:`Toolset.replace`); :meth:`Toolset.on_change` callbacks hear about it (an MCP
server built over the toolset tells its clients). Loaders for ``PREFIX:rest`` specs
register with :meth:`Toolset.register_source`: this module imports no loader, so
``agentfn.mcp`` (which registers ``mcp:``) stands on it and not the other way round.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from agentfn.exceptions import AgentFnError, ConfigError, ToolSchemaError, ToolsetConflictError
from agentfn.tool import Tool

__all__ = ["Toolset"]

ToolLike = Tool[..., Any] | Callable[..., Any]

# Loaders for ``PREFIX:rest`` specs (see Toolset.register_source).
_SOURCES: dict[str, Callable[..., Toolset]] = {}


def _as_tool(item: ToolLike) -> Tool[..., Any]:
    if isinstance(item, Tool):
        return cast(Tool[..., Any], item)
    return Tool(item)


class Toolset:
    """An ordered collection of uniquely named tools.

    Args:
        tools: tools or plain typed functions (wrapped with :func:`~agentfn.tool`).
        name: where these tools come from; used in conflict messages.
    """

    def __init__(self, tools: Iterable[ToolLike] = (), *, name: str = "toolset") -> None:
        self.name = name
        self._tools: dict[str, Tool[..., Any]] = {}
        self._sources: dict[str, str] = {}
        self._listeners: dict[object, Callable[[Toolset], None]] = {}
        for item in tools:
            self._add(_as_tool(item), name)

    def _add(self, item: Tool[..., Any], source: str) -> None:
        if item.name in self._tools:
            raise ToolsetConflictError(item.name, self._sources[item.name], source)
        self._tools[item.name] = item
        self._sources[item.name] = source

    # -- collection protocol ----------------------------------------------------------

    def __iter__(self) -> Iterator[Tool[..., Any]]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def __contains__(self, item: object) -> bool:
        """``"name" in ts`` or ``a_tool in ts`` (that very tool under its name)."""
        if isinstance(item, Tool):
            return self._tools.get(cast(Tool[..., Any], item).name) is item
        return item in self._tools

    def __getitem__(self, name: str) -> Tool[..., Any]:
        try:
            return self._tools[name]
        except KeyError:
            raise KeyError(f"no tool named {name!r} in {self.name} (has: {', '.join(self._tools) or 'none'})") from None

    def __repr__(self) -> str:
        return f"Toolset({self.name!r}, {list(self._tools)})"

    def get(self, name: str) -> Tool[..., Any] | None:
        return self._tools.get(name)

    def resolve(self, name: str) -> str | None:
        """The registered name for ``name``: itself, or the one tool imported under that original name.

        Foreign names that are not valid function names (``geometry.area_circle``)
        are registered sanitised (``geometry_area_circle``) with the original kept in
        ``metadata["original_name"]``; expected calls written against the original
        definitions still find their tool. ``None`` when no tool, or several, match.
        """
        if name in self._tools:
            return name
        found = [n for n, t in self._tools.items() if t.metadata.get("original_name") == name]
        return found[0] if len(found) == 1 else None

    def names(self) -> list[str]:
        return list(self._tools)

    def source_of(self, name: str) -> str:
        """Where a tool came from (module, file, entry point...)."""
        return self._sources[name]

    def specs(self, strict: bool = False) -> list[dict[str, Any]]:
        """OpenAI-format tool definitions, in order."""
        return [t.openai_schema(strict=strict) for t in self]

    # -- combining --------------------------------------------------------------------

    def add(self, item: ToolLike, *, source: str | None = None) -> Tool[..., Any]:
        """Add one tool in place; a name clash raises :class:`ToolsetConflictError`."""
        built = _as_tool(item)
        self._add(built, source or self.name)
        self._changed()
        return built

    def remove(self, name: str) -> Tool[..., Any]:
        """Take a tool out in place and return it; an unknown name raises ``KeyError``."""
        found = self[name]
        # New dicts, swapped in: a reader iterating on another thread keeps the old ones.
        self._tools = {k: v for k, v in self._tools.items() if k != name}
        self._sources = {k: v for k, v in self._sources.items() if k != name}
        self._changed()
        return found

    def replace(self, tools: Iterable[ToolLike], *, source: str | None = None) -> None:
        """Make the toolset hold exactly these tools, in one step (readers see the old set or the new one).

        Raises:
            ToolsetConflictError: two of the tools share a name (the toolset is left unchanged).
        """
        staged = Toolset(name=self.name)
        for item in tools:
            built = _as_tool(item)
            staged._add(built, source if source is not None else self._sources.get(built.name, self.name))
        self._tools, self._sources = staged._tools, staged._sources
        self._changed()

    def on_change(self, callback: Callable[[Toolset], None]) -> Callable[[], None]:
        """Call ``callback(toolset)`` after every in-place change; returns a function that unsubscribes.

        Callbacks run on the thread that made the change and must not raise.
        """
        token = object()
        self._listeners[token] = callback

        def unsubscribe() -> None:
            self._listeners.pop(token, None)

        return unsubscribe

    def _changed(self) -> None:
        for callback in list(self._listeners.values()):
            callback(self)

    def combine(self, *others: Toolset | Iterable[ToolLike], name: str | None = None) -> Toolset:
        """A new toolset with this one's tools followed by the others'."""
        out = Toolset(name=name or self.name)
        for ts in (self, *others):
            if isinstance(ts, Toolset):
                for t in ts:
                    out._add(t, ts.source_of(t.name))
            else:
                for item in ts:
                    out._add(_as_tool(item), "arguments")
        return out

    def __add__(self, other: Toolset | Iterable[ToolLike]) -> Toolset:
        return self.combine(other)

    def filtered(self, keep: Callable[[Tool[..., Any]], bool] | Iterable[str]) -> Toolset:
        """A new toolset with the tools a predicate (or a list of names) keeps, in order."""
        if callable(keep):
            predicate = keep
        else:
            wanted = {keep} if isinstance(keep, str) else set(keep)
            predicate: Callable[[Tool[..., Any]], bool] = lambda t: t.name in wanted  # noqa: E731
        out = Toolset(name=self.name)
        for t in self:
            if predicate(t):
                out._add(t, self._sources[t.name])
        return out

    def renamed(self, mapping: Mapping[str, str] | Callable[[str], str]) -> Toolset:
        """A new toolset whose tools carry new names; the functions are shared."""
        def rename(n: str) -> str:
            return mapping(n) if callable(mapping) else mapping.get(n, n)

        out = Toolset(name=self.name)
        for t in self:
            new_name = rename(t.name)
            out._add(t.with_name(new_name) if new_name != t.name else t, self._sources[t.name])
        return out

    def prefixed(self, prefix: str, sep: str = "_") -> Toolset:
        """A new toolset with every name prefixed (``prefix_sep_name``)."""
        return self.renamed(lambda n: f"{prefix}{sep}{n}")

    # -- loading ----------------------------------------------------------------------

    @classmethod
    def from_module(cls, module: ModuleType | str) -> Toolset:
        """Every :class:`Tool` defined at module level (and ``__tools__`` if present), in order."""
        mod = importlib.import_module(module) if isinstance(module, str) else module
        declared = getattr(mod, "__tools__", None)
        if declared is not None:
            items = [_as_tool(t) for t in declared]
        else:
            items = [
                cast(Tool[..., Any], v)
                for v in vars(mod).values()
                if isinstance(v, Tool) and _defined_in(cast(Tool[..., Any], v), mod.__name__)
            ]
        out = cls(name=mod.__name__)
        for t in items:
            out._add(t, f"module {mod.__name__}")
        return out

    @classmethod
    def from_path(cls, target: str | Path) -> Toolset:
        """Load from a ``.py`` file, a folder of modules (or a package), a JSONL file, or a dotted module name."""
        path = Path(target)
        if path.suffix in (".jsonl", ".json") and path.is_file():
            return cls.from_jsonl(path)
        if path.is_file() and path.suffix == ".py":
            return cls.from_module(_import_file(path))
        if path.is_dir():
            out = cls(name=str(path))
            init = path / "__init__.py"
            files = sorted(p for p in path.glob("*.py") if p.name != "__init__.py" and not p.name.startswith("_"))
            package = path.name if init.exists() else None
            for file in files:
                mod = _import_file(file, package=package)
                for t in cls.from_module(mod):
                    out._add(t, f"{file}")
            return out
        if isinstance(target, str) and not path.exists():
            try:
                mod = importlib.import_module(target)
            except ImportError as exc:
                raise ConfigError(f"cannot load tools from {target!r}: not a file, folder or importable module ({exc})") from exc
            spec_path = getattr(mod, "__path__", None)
            if spec_path:  # a package: load its modules like a folder
                return cls._from_package(mod)
            return cls.from_module(mod)
        raise ConfigError(f"cannot load tools from {str(target)!r}")

    @classmethod
    def _from_package(cls, package: ModuleType) -> Toolset:
        import pkgutil

        out = cls(name=package.__name__)
        for t in cls.from_module(package):
            out._add(t, f"module {package.__name__}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if info.name.startswith("_"):
                continue
            mod = importlib.import_module(f"{package.__name__}.{info.name}")
            for t in cls.from_module(mod):
                out._add(t, f"module {mod.__name__}")
        return out

    @classmethod
    def from_entry_points(cls, group: str = "agentfn.tools") -> Toolset:
        """Tools that installed packages advertise under an entry-point group.

        An entry point may name a module/package (all its tools), a Toolset, a
        Tool, or a callable returning any of those.
        """
        out = cls(name=f"entry points {group}")
        for ep in importlib.metadata.entry_points(group=group):
            try:
                loaded: Any = ep.load()
            except Exception as exc:
                raise ConfigError(
                    f"entry point {ep.name!r} ({ep.value}) in group {group!r} failed to load: {type(exc).__name__}: {exc}"
                ) from exc
            if isinstance(loaded, ModuleType):
                ts = cls._from_package(loaded) if hasattr(loaded, "__path__") else cls.from_module(loaded)
            elif isinstance(loaded, Toolset):
                ts = loaded
            elif isinstance(loaded, Tool):
                ts = cls([cast(Tool[..., Any], loaded)])
            elif callable(loaded):
                produced = loaded()
                ts = produced if isinstance(produced, Toolset) else cls(cast(Iterable[ToolLike], produced))
            else:
                raise ConfigError(f"entry point {ep.name!r} ({ep.value}) is not a module, Toolset, Tool or factory")
            for t in ts:
                out._add(t, f"entry point {ep.name} ({ep.value})")
        return out

    @classmethod
    def from_jsonl(cls, path: str | Path) -> Toolset:
        """Schema-only tools from a JSONL (or JSON array) file of OpenAI-format specs.

        Raises:
            ToolSchemaError: naming the line of the first definition that cannot be read.
        """
        p = Path(path)
        text = p.read_text(encoding="utf-8")
        out = cls(name=str(p))
        if p.suffix == ".json" or text.lstrip().startswith("["):
            try:
                loaded: Any = json.loads(text)
            except ValueError as exc:
                raise ToolSchemaError(f"{p}: not JSON ({exc})") from exc
            if not isinstance(loaded, list):
                raise ToolSchemaError(f"{p}: expected a JSON array of tool definitions")
            records: list[tuple[int, Any]] = list(enumerate(cast(list[Any], loaded), 1))
        else:
            records = []
            for lineno, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    try:
                        records.append((lineno, json.loads(line)))
                    except ValueError as exc:
                        raise ToolSchemaError(f"{p}:{lineno}: not JSON ({exc})") from exc
        for lineno, spec in records:
            try:
                out._add(Tool.from_schema(spec), f"{p}:{lineno}")
            except ToolSchemaError as exc:
                raise ToolSchemaError(f"{p}:{lineno}: {exc}") from exc
        return out

    def to_jsonl(self, path: str | Path, strict: bool = False) -> None:
        """Write one OpenAI-format spec per line."""
        with Path(path).open("w", encoding="utf-8") as fh:
            for spec in self.specs(strict=strict):
                fh.write(json.dumps(spec, ensure_ascii=False) + "\n")

    @classmethod
    def register_source(cls, prefix: str, loader: Callable[..., Toolset]) -> None:
        """Let :meth:`load` read ``PREFIX:rest`` specs with ``loader(rest)`` (``mcp`` is registered by ``agentfn.mcp``).

        ``loader`` also receives the keyword options of the matching ``from_PREFIX``
        method, when there is one (:meth:`from_mcp`).
        """
        if not prefix.isidentifier():
            raise ValueError(f"a toolset source prefix must be a plain word, got {prefix!r}")
        _SOURCES[prefix] = loader

    @classmethod
    def load(cls, spec: str | Path | None) -> Toolset:
        """Load from a CLI-style string: ``builtin``, ``entry-points``, ``mcp:COMMAND_OR_URL``, a path or a dotted module."""
        if spec is None or str(spec) in ("", "builtin"):
            return cls.builtin()
        if str(spec) == "entry-points":
            return cls.from_entry_points()
        prefix, sep, rest = str(spec).partition(":")
        if sep and prefix in _SOURCES:
            return _SOURCES[prefix](rest)
        loaded = cls.from_path(spec)
        if not len(loaded):  # a file of plain functions: running it as "your tools" would silently offer none
            raise ConfigError(f"no tools in {str(spec)!r}: decorate the functions to offer with @tool "
                              "(from agentfn import tool)")
        return loaded

    @classmethod
    def from_mcp(
        cls,
        command_or_url: str | Sequence[str] | Any,
        *,
        name: str | None = None,
        prefix: str | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        timeout: float = 60.0,
        requires_approval: bool | Callable[[str], bool] = False,
        headers: Mapping[str, str] | None = None,
    ) -> Toolset:
        """Mount the tools of an MCP server (a stdio command or a streamable-HTTP URL).

        Returns an ``MCPToolset`` (a Toolset with ``close()`` and ``with`` support) whose tools
        call the server; see :func:`agentfn.mcp.toolset_from_mcp` for the arguments.
        """
        loader = _SOURCES.get("mcp")
        if loader is None:  # only when agentfn.mcp failed to import with the package
            raise ConfigError("MCP support is not loaded: import agentfn.mcp first")
        return loader(
            command_or_url, name=name, prefix=prefix, env=env, cwd=cwd, timeout=timeout,
            requires_approval=requires_approval, headers=headers,
        )

    @classmethod
    def builtin(cls) -> Toolset:
        """The built-in library: ``agentfn.library`` (the repository's ``tools/`` folder)."""
        import agentfn.library

        out = cls._from_package(agentfn.library)
        out.name = "builtin"
        return out


def _defined_in(item: Tool[..., Any], module_name: str) -> bool:
    # Tools imported from elsewhere belong to their own module, not this one.
    if item.function is None:
        return True
    return getattr(item.function, "__module__", module_name) == module_name


def _import_file(path: Path, package: str | None = None) -> ModuleType:
    """Import a .py file by path, as part of its package when it has one."""
    if package is not None:
        parent = str(path.parent.parent.resolve())
        if parent not in sys.path:
            sys.path.insert(0, parent)
        return importlib.import_module(f"{package}.{path.stem}")
    name = f"agentfn_user_tools.{path.stem}_{abs(hash(str(path.resolve()))) % 10**8}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except AgentFnError:  # a tool definition error already names the tool
        del sys.modules[name]
        raise
    except Exception as exc:  # the user's own code: say which file, keep the traceback for --debug
        del sys.modules[name]
        raise ConfigError(f"cannot load tools from {str(path)!r}: {type(exc).__name__}: {exc}") from exc
    return module
