"""Typed records of the routing benchmark: sources, requests and abstention items.

A :class:`RouterSource` is one origin of tools (and usually requests): a
third-party package's domain, or the project's generated set. Tools are kept
as OpenAI-format specs (``Tool.from_schema`` reads them; output schemas under
``returns``). A :class:`RouterExample` is one request written by the source's
authors with the tools it needs: ``gold`` is the set in first-use order,
``chain`` the full ordered call list as the source gives it (repeats kept),
``calls`` the gold calls with their arguments where the source has them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AbstainItem", "RouterExample", "RouterSource", "Split"]

Split = Literal["train", "dev", "test", "unseen-tool", "unseen-source"]
"""``test``: held-out requests of seen sources whose tools all appear in training;
``unseen-tool``: requests of seen sources that need a tool no training request uses;
``unseen-source``: every request of a source kept out of training entirely."""


class RouterExample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    source: str
    text: str
    gold: list[str] = Field(default_factory=list[str])
    """Tools the request needs, in order of first use (registry names)."""
    chain: list[str] = Field(default_factory=list[str])
    """Every gold call in order, repeats kept (equals ``gold`` when the source gives only a set)."""
    calls: list[dict[str, Any]] = Field(default_factory=list[dict[str, Any]])
    """``{"name", "arguments"}`` of the gold calls where the source gives arguments."""
    kind: Literal["single", "multi", "none"]
    split: Split = "train"

    @property
    def ordered(self) -> bool:
        """Whether the source defines an order (a chain of calls), not only a set."""
        return self.kind == "multi"


class AbstainItem(BaseModel):
    """A request offered a few tools: ``should_abstain`` when none of them fits."""

    model_config = ConfigDict(extra="forbid")

    id: str
    source: str
    text: str
    offered: list[str]
    should_abstain: bool
    split: Split
    offer: str = ""
    """How the tools were picked (:mod:`agentfn.evals.router_data.near_abstain`: ``near-1``/``near-3``: tools of the
    request's own source or domain that do not serve it; ``own-1``/``own-3``: a gold tool, alone or with two of
    those); empty for the original set (gold plus neighbours, or another source's nearest)."""


class RouterSource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    family: str
    """Sources of one family share tools or authors; splits keep a family together."""
    package: str
    version: str
    licence: str
    tools: list[dict[str, Any]]
    examples: list[RouterExample] = Field(default_factory=list[RouterExample])
    notes: str = ""

    def tool_names(self) -> list[str]:
        return [str(t["name"]) for t in self.tools]
