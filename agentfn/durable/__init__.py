"""Durable agent runs on DBOS: a run interrupted at any point resumes at its last completed step.

``DurableAgent(agent)`` runs the agent loop as a DBOS workflow whose steps are
the model calls and the tool calls; recorded steps are replayed, never redone.
A ``DurableRuntime`` per process holds DBOS, the store (SQLite beside the trace
store, or the same PostgreSQL database) and recovery of runs whose process
died. The CLI: ``agentfn run --durable``, ``agentfn runs list|resume``; the
server: ``durable = true`` in ``agentfn.toml``. Needs the ``durable`` extra
(``dbos``), imported only when a runtime launches.
"""

from agentfn.durable.agent import DurableAgent
from agentfn.durable.runtime import DurableRuntime, durable_store_url

__all__ = ["DurableAgent", "DurableRuntime", "durable_store_url"]
