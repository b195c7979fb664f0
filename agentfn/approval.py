"""Approvals bound to the exact arguments of a call, with expiry.

An approval granted for ``transfer(amount=10, to="ann")`` does not cover
``transfer(amount=1000, to="eve")``: the grant is keyed by the tool name and
the canonical JSON of the validated arguments, and it expires. Nothing a
tool returns can grant an approval; only the user-side ``ask`` callback can.

Example:
    ```python
    approvals = ApprovalPolicy(ask=lambda req: input(f"run {req.tool_name} {req.arguments}? [y/N] ") == "y")
    agent = Agent(model, tools, approver=approvals)
    ```
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from agentfn.agent import ApprovalRequest

__all__ = ["ApprovalPolicy", "approval_key"]

Ask = Callable[[ApprovalRequest], bool | Awaitable[bool]]


def approval_key(tool_name: str, arguments: dict[str, Any]) -> str:
    """The identity of a call for approval purposes: name plus canonical arguments."""
    return tool_name + "\x00" + json.dumps(arguments, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass
class ApprovalPolicy:
    """An approver for :class:`~agentfn.Agent` that remembers grants for ``ttl_s`` seconds.

    Args:
        ask: asks the user; returns True to approve. Called again whenever the
            tool, the arguments, or the expiry differ from an earlier grant.
        ttl_s: how long a grant lasts; 0 asks every time.
        clock: injectable time source (seconds), for tests.
    """

    ask: Ask
    ttl_s: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _grants: dict[str, float] = field(default_factory=dict[str, float])

    def grant(self, tool_name: str, arguments: dict[str, Any]) -> None:
        """Pre-approve one exact call (for UIs that collect approval up front)."""
        self._grants[approval_key(tool_name, arguments)] = self.clock() + self.ttl_s

    def revoke_all(self) -> None:
        self._grants.clear()

    async def __call__(self, request: ApprovalRequest) -> bool:
        key = approval_key(request.tool_name, request.arguments)
        now = self.clock()
        expires = self._grants.get(key)
        if expires is not None and now < expires:
            return True
        self._grants.pop(key, None)
        decision = self.ask(request)
        if inspect.isawaitable(decision):
            decision = await decision
        if decision is True:
            if self.ttl_s > 0:
                self._grants[key] = now + self.ttl_s
            return True
        return False
