"""The agents a server exposes as models, built once per process from the config."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentfn._small_path import agent_setup, is_small_local_model
from agentfn.agent import Agent, ApprovalRequest
from agentfn.backends.base import Model
from agentfn.exceptions import ConfigError
from agentfn.serve.config import AgentConfig, ServeConfig
from agentfn.serve.security import Principal
from agentfn.toolset import Toolset

if TYPE_CHECKING:
    from agentfn.traces import TraceRecorder

__all__ = ["AgentPool", "ServedAgent", "load_approver", "load_toolsets"]

log = logging.getLogger("agentfn.serve")


def load_approver(spec: str) -> Callable[[ApprovalRequest], Any]:
    """Import ``module:function`` (or ``module.function``)."""
    module_name, sep, attr = spec.partition(":")
    if not sep:
        module_name, _, attr = spec.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"cannot load approver {spec!r}: {exc}") from exc
    if not callable(found):
        raise ConfigError(f"approver {spec!r} is not callable")
    return found


def load_toolsets(specs: list[str]) -> Toolset:
    """Load each spec and combine them in order.

    A spec is anything :meth:`Toolset.load` reads (``builtin``, a path, a module,
    ``entry-points``) or ``mcp:COMMAND`` / ``mcp:URL`` for the tools of an MCP server.
    """
    out = Toolset(name="+".join(specs) or "none")
    for spec in specs:
        if spec.startswith("mcp:"):
            from agentfn.mcp import toolset_from_mcp

            loaded = toolset_from_mcp(spec[len("mcp:"):])
        else:
            loaded = Toolset.load(spec)
        out = out.combine(loaded, name=out.name)
    return out


@dataclass
class ServedAgent:
    """One configured agent and its per-allow-list variants."""

    config: AgentConfig
    agent: Agent[Any, str]
    router: Any = None
    _restricted: dict[frozenset[str], Agent[Any, str]] = field(default_factory=dict[frozenset[str], "Agent[Any, str]"])

    @property
    def name(self) -> str:
        return self.config.name

    def for_principal(self, principal: Principal) -> Agent[Any, str]:
        """The agent with only the tools this caller may use (cached per allow-list)."""
        if principal.tools is None:
            return self.agent
        allowed = principal.tools
        found = self._restricted.get(allowed)
        if found is None:
            found = self._restricted[allowed] = self.agent.with_tools(allowed)
        return found


def _served_tools(tools: Toolset, ac: AgentConfig) -> Toolset:
    allowed = set(ac.allow_side_effects)
    kept = tools.filtered(lambda t: t.requires_approval or t.side_effects in allowed)
    left_out = [t.name for t in tools if t.name not in kept]
    if left_out:
        log.warning("agent %r: not serving %s (side effects not in allow_side_effects=%s and no approval required)",
                    ac.name, ", ".join(left_out), sorted(allowed))
    return kept


class AgentPool:
    """Models, toolsets, routers, the trace recorder and the approver, shared by all requests.

    Args:
        config: the server configuration.
        model: a ready model for every agent (tests and embedders); overrides the config's specs.
        toolsets: ready toolsets by agent name (overrides the agent's ``tools`` specs).
    """

    def __init__(
        self,
        config: ServeConfig,
        *,
        model: Model | None = None,
        toolsets: dict[str, Toolset] | None = None,
    ) -> None:
        from agentfn.backends import load_model

        self.config = config
        self.recorder: TraceRecorder | None = None
        if config.trace_store:
            from agentfn.traces import TraceRecorder

            # A server lives long and answers many runs: rows are built and written by a child
            # process, so recording costs the request path almost nothing.
            self.recorder = TraceRecorder(config.trace_store, writer="auto")
        approver = load_approver(config.approver) if config.approver else None
        self.models: dict[tuple[str | None, str | None], Model] = {}
        self.agents: dict[str, ServedAgent] = {}
        for ac in config.agents:
            spec, base_url = ac.model or config.model, ac.base_url or config.base_url
            if model is not None:
                agent_model = model
            else:
                agent_model = self.models.get((spec, base_url))
                if agent_model is None:
                    agent_model = self.models[(spec, base_url)] = load_model(spec, base_url=base_url)
            tools = _served_tools((toolsets or {}).get(ac.name) or load_toolsets(ac.tools), ac)
            # The embedded small model is served as `agentfn run` drives it: a forced call along the router's plan.
            setup = agent_setup(tools, small=model is None and is_small_local_model(spec, base_url),
                                router=ac.router or "off", tool_choice=ac.tool_choice, route_k=ac.route_k)
            agent: Agent[Any, str] = Agent(
                agent_model, setup.toolset, name=ac.name, system_prompt=ac.system_prompt, max_steps=ac.max_steps,
                max_tool_calls=ac.max_tool_calls, tool_timeout=ac.tool_timeout, tool_choice=setup.tool_choice,
                parallel_tool_calls=ac.parallel_tool_calls, approver=approver, recorder=self.recorder,
                router=setup.router, route_k=setup.route_k, pinned_tools=ac.pinned_tools,
                follow_route=setup.follow_route,
            )
            self.agents[ac.name] = ServedAgent(ac, agent, setup.router)

    def get(self, name: str | None) -> ServedAgent | None:
        if name is None:
            return next(iter(self.agents.values()))
        return self.agents.get(name)

    async def aclose(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
        for m in {id(a.agent.model): a.agent.model for a in self.agents.values()}.values():
            await m.aclose()
