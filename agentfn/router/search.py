"""Deferred tool loading: the model looks tools up with ``search_tools`` instead of receiving them all.

```python
Agent(model, tools, tool_search=True)                            # BM25 over the agent's tools, no model
Agent(model, tools, router=router, tool_search=True)             # the router's hybrid search
Agent(model, tools, tool_search=ToolSearch(k=3, max_k=10), pinned_tools=["calculate"])
```

Contract (the pattern of Anthropic's and OpenAI's tool search, on the client side, for any model):

* With tool search on, every tool of the agent except ``pinned_tools`` is deferred: a step offers the
  pinned tools, ``search_tools`` and the tools that this run's searches have found so far (registry
  order). The search tool itself is never deferred.
* ``search_tools(query: str, k: int = 5)`` returns ``{"names": [...], "tools": [{"name",
  "description", "parameters"}]}``: the ``k`` (1 to ``max_k``) best matches for the query from the
  router (tool names, descriptions, parameter names and descriptions, output fields), only among the
  agent's own tools, pinned ones left out. The tools found are offered from the next step on.
* A search never fails a run. When the router would abstain (nothing fits closely) the nearest tools
  still come back, with a ``note`` saying so, and the model can rephrase.
* Built without a router, the search indexes the agent's tools with BM25 (``encoder=None``);
  pass ``router=`` (or the agent's ``router``) for the hybrid BM25 + embedding search.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from agentfn.tool import Tool

if TYPE_CHECKING:
    from agentfn.router.router import Router

__all__ = ["DEFAULT_NAME", "ToolSearch"]

DEFAULT_NAME = "search_tools"
_NAMES_HEAD = re.compile(r'^\s*\{\s*"names"\s*:\s*(\[[^\]]*\])')


class ToolSearch:
    """The ``search_tools`` tool and the bookkeeping an agent needs for it.

    Args:
        router: what searches; None = the agent's router, or a BM25 index of the agent's tools.
        k: results when the model does not say.
        max_k: the most results one search may ask for.
        include_schemas: return each tool's parameter schema (else names and descriptions only).
        name: the tool's name.
    """

    def __init__(
        self,
        router: Router | None = None,
        *,
        k: int = 5,
        max_k: int = 20,
        include_schemas: bool = True,
        name: str = DEFAULT_NAME,
    ) -> None:
        if not 1 <= k <= max_k:
            from agentfn.exceptions import ConfigError

            raise ConfigError(f"ToolSearch needs 1 <= k <= max_k, got k={k}, max_k={max_k}")
        self.router = router
        self.k = k
        self.max_k = max_k
        self.include_schemas = include_schemas
        self.name = name
        self._allowed: list[str] | None = None
        self._tool: Tool[..., Any] | None = None

    def bind(self, tools: Iterable[Any], *, router: Router | None = None, exclude: Sequence[str] = ()) -> ToolSearch:
        """A copy that searches only ``tools`` (an agent's), leaving out ``exclude`` (its pinned tools).

        The copy uses this search's router, else ``router``, else a BM25 router built over ``tools``.
        """
        tools = list(tools)
        skip = set(exclude)
        bound = ToolSearch(self.router or router, k=self.k, max_k=self.max_k,
                           include_schemas=self.include_schemas, name=self.name)
        if bound.router is None:
            from agentfn.router.router import Router

            bound.router = Router.build(tools, encoder=None)
        bound._allowed = [t.name for t in tools if t.name not in skip]
        return bound

    def search(self, query: str, k: int | None = None) -> dict[str, Any]:
        """The ``k`` best matches as the tool returns them: ``{"names": [...], "tools": [...]}``."""
        if self.router is None:
            from agentfn.exceptions import UserError

            raise UserError("this ToolSearch has no router; pass router= or bind() it to tools")
        k = max(1, min(int(k or self.k), self.max_k))
        allowed = set(self._allowed) if self._allowed is not None else None
        # Ask for more when the router indexes tools this agent does not have.
        extra = 0 if allowed is None else max(0, len(self.router) - len(allowed))
        plan = self.router.route(query, k=k + min(extra, 4 * k))
        lexical = self.router.mode == "lexical"  # BM25 scores 0 for tools sharing no word with the query
        names = [n for n, s in plan.ranked if (allowed is None or n in allowed) and (s > 0 or not lexical)][:k]
        found: list[dict[str, Any]] = []
        for n in names:
            rec = self.router.record(n)
            entry: dict[str, Any] = {"name": rec.name, "description": rec.description}
            if self.include_schemas:
                entry["parameters"] = rec.parameters
            found.append(entry)
        result: dict[str, Any] = {"names": names, "tools": found}
        if plan.abstain:
            result["note"] = "No tool matched closely; these are the nearest. Try other words if none fits."
        return result

    @property
    def tool(self) -> Tool[..., Any]:
        """The ``search_tools`` tool to offer the model (built once)."""
        if self._tool is None:
            search = self.search

            async def run_search(query: str, k: int | None = None) -> dict[str, Any]:
                # Async on purpose: it runs on the agent's loop, like routing does, never in a thread.
                return search(query, k)

            spec = {
                "name": self.name,
                "description": (
                    "Search the available tools by what they do. Returns the best matches with their "
                    "parameters; the tools found can be called from the next step on."
                ),
                "parameters": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string", "description": "What you need to do, in a few words."},
                        "k": {"type": "integer", "minimum": 1, "maximum": self.max_k, "default": self.k,
                              "description": "How many tools to return."},
                    },
                    "required": ["query"],
                },
            }
            self._tool = Tool.from_schema(spec, function=run_search, side_effects="none")
        return self._tool

    def names_in(self, content: str) -> list[str]:
        """The tool names a ``search_tools`` result lists (also when the text was truncated)."""
        try:
            data: Any = json.loads(content)
            names: Any = cast(dict[str, Any], data).get("names") if isinstance(data, dict) else None
        except ValueError:
            head = _NAMES_HEAD.match(content)
            names = json.loads(head.group(1)) if head else None
        if not isinstance(names, list):
            return []
        allowed = set(self._allowed) if self._allowed is not None else None
        return [n for n in cast(list[Any], names) if isinstance(n, str) and (allowed is None or n in allowed)]
