"""Durable runs for ``agentfn serve`` (``durable = true`` in ``agentfn.toml``).

Every chat completion runs as a durable run of the served agent. What makes a
request's agent differ from the configured one (the key's tool allow-list,
sampling settings, ``parallel_tool_calls``) is recorded as the run's variant,
so any replica can rebuild the same agent and finish the run. At start, and
then every ``durable_recover_interval_s``, a server resumes the pending runs
of dead processes (its own predecessor's or another replica's); each run is
resumed by exactly one server.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
from collections.abc import Sequence
from typing import Any

from agentfn.agent import Agent, AgentRun
from agentfn.durable.agent import DurableAgent
from agentfn.durable.runtime import DurableRuntime
from agentfn.messages import Message
from agentfn.serve.agents import AgentPool
from agentfn.serve.config import ServeConfig
from agentfn.serve.security import Principal

__all__ = ["DurableServing"]

log = logging.getLogger("agentfn.durable")


class DurableServing:
    """The served agents as durable agents on one runtime, plus periodic recovery."""

    def __init__(self, config: ServeConfig, pool: AgentPool) -> None:
        self.pool = pool
        self.interval = config.durable_recover_interval_s
        self.runtime = DurableRuntime(config.durable_store or config.trace_store, listen=True,
                                      executor_prefix="serve")
        policy = "rerun" if config.rerun_interrupted else "skip"
        self.agents: dict[str, DurableAgent[Any, str]] = {}
        for name in pool.agents:
            self.agents[name] = DurableAgent(
                pool.agents[name].agent, runtime=self.runtime, name=name,
                resolve=lambda variant, name=name: self.resolve(name, variant), interrupted=policy)
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> list[str]:
        """Launch DBOS, resume dead processes' runs, and keep doing so in the background."""
        await self.runtime.launch()
        resumed = await self.runtime.recover()
        if resumed:
            log.warning("resuming %d durable run(s) left by stopped processes: %s", len(resumed), ", ".join(resumed))
        if self.interval > 0:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())
        return resumed

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                resumed = await self.runtime.recover()
            except Exception as exc:  # the store may be briefly unreachable; try again later
                log.warning("durable recovery sweep failed: %s", exc)
                continue
            if resumed:
                log.warning("resuming %d durable run(s) of stopped processes: %s", len(resumed), ", ".join(resumed))

    def iter(self, name: str, agent: Agent[Any, str], principal: Principal, settings: dict[str, Any],
             parallel_tool_calls: bool | None, messages: Sequence[Message], **kwargs: Any) -> AgentRun[str]:
        """Start a request's run durably; ``agent`` is the request's (restricted, tuned) agent."""
        variant: dict[str, Any] | None = None
        if principal.tools is not None or settings or parallel_tool_calls is not None:
            variant = {"tools": sorted(principal.tools) if principal.tools is not None else None,
                       "settings": settings, "parallel_tool_calls": parallel_tool_calls}
        return self.agents[name].iter(messages, agent=agent, variant=variant, **kwargs)

    def resolve(self, name: str, variant: dict[str, Any]) -> Agent[Any, str]:
        """Rebuild a request's agent from its recorded variant (as ``_Server.prepare`` built it)."""
        tools = variant.get("tools")
        principal = Principal(name="recovered", rate_per_minute=1.0, burst=1,
                              tools=frozenset(tools) if tools is not None else None)
        agent = self.pool.agents[name].for_principal(principal)
        settings: dict[str, Any] = variant.get("settings") or {}
        parallel = variant.get("parallel_tool_calls")
        if settings or parallel is not None:
            agent = copy.copy(agent)
            agent.model_settings = {**agent.model_settings, **settings}
            if parallel is not None:
                agent.parallel_tool_calls = parallel
        return agent

    async def aclose(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(BaseException):
                await self._sweeper
        self.runtime.close()
