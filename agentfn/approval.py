"""Approvals bound to the exact arguments of a call, with expiry; approval at a terminal.

An approval granted for ``transfer(amount=10, to="ann")`` does not cover
``transfer(amount=1000, to="eve")``: the grant is keyed by the tool name and
the canonical JSON of the validated arguments, and it expires. Nothing a
tool returns can grant an approval; only the user-side ``ask`` callback can.

:func:`require_approval` marks every tool with side effects (``side_effects``
other than ``"none"``) as ``requires_approval``; :class:`TerminalApprover` asks
at the terminal, showing the exact arguments, or refuses with a reason the model
is told when nobody can be asked. ``agentfn run`` and ``agentfn chat`` use both.

Example:
    ```python
    approvals = ApprovalPolicy(ask=lambda req: input(f"run {req.tool_name} {req.arguments}? [y/N] ") == "y")
    agent = Agent(model, tools, approver=approvals)
    ```
"""

from __future__ import annotations

import copy
import inspect
import json
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import IO, Any

from agentfn.exceptions import ApprovalDeniedError
from agentfn.tool import Tool
from agentfn.toolset import Toolset

__all__ = [
    "ApprovalPolicy",
    "ApprovalRequest",
    "Approver",
    "TerminalApprover",
    "approval_key",
    "needs_approval",
    "require_approval",
]


@dataclass(frozen=True)
class ApprovalRequest:
    """What an approver is asked: this exact tool with these exact validated arguments."""

    run_id: str
    tool_name: str
    arguments: dict[str, Any]
    call_id: str
    side_effects: str


Approver = Callable[[ApprovalRequest], bool | Awaitable[bool]]
Ask = Approver


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


def needs_approval(tool: Tool[..., Any]) -> bool:
    """True for a tool that requires approval or has side effects (``side_effects != "none"``)."""
    return tool.requires_approval or tool.side_effects != "none"


def require_approval(tools: Toolset) -> Toolset:
    """A copy of ``tools`` in which every tool with side effects also ``requires_approval``.

    The tools themselves are not changed (each marked one is a shallow copy), so the same
    function stays usable elsewhere without approval.
    """
    marked: list[Tool[..., Any]] = []
    for t in tools:
        if needs_approval(t) and not t.requires_approval:
            t = copy.copy(t)
            t.requires_approval = True
        marked.append(t)
    return Toolset(marked, name=tools.name)


def show_arguments(arguments: dict[str, Any]) -> str:
    """The exact arguments as indented JSON, with every non-printable character escaped, so text a
    model wrote cannot move the cursor, clear the screen or fake the prompt."""
    text = json.dumps(arguments, indent=2, ensure_ascii=False, sort_keys=True)
    return "".join(c if c.isprintable() or c == "\n" else f"\\u{ord(c):04x}" for c in text)


class TerminalApprover:
    """Asks at the terminal before a tool that needs approval runs.

    Args:
        allow_all: approve every call without asking (``--yes``).
        allow: tool names approved without asking (``--approve NAME``).
        interactive: whether a person can be asked; default: standard input is a terminal.
        stdin: where the answer is read (default ``sys.stdin``).
        stderr: where the question goes (default ``sys.stderr``; standard output stays the run's).

    A call is approved when allowed up front or answered ``y``/``yes``; any other answer,
    end of input, or no terminal denies it. Without a terminal the denial is an
    :class:`~agentfn.exceptions.ApprovalDeniedError` whose message tells the model (and a
    line on ``stderr`` tells the user, once per tool) how it could be allowed.
    """

    def __init__(
        self,
        *,
        allow_all: bool = False,
        allow: Collection[str] = (),
        interactive: bool | None = None,
        stdin: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ) -> None:
        self.allow_all = allow_all
        self.allow = frozenset(allow)
        self.stdin = stdin or sys.stdin
        self.stderr = stderr or sys.stderr
        self.interactive = _is_terminal(self.stdin) if interactive is None else interactive
        self._lock = threading.Lock()  # parallel calls ask one at a time
        self._refused: set[str] = set()

    def __call__(self, request: ApprovalRequest) -> bool:
        if self.allow_all or request.tool_name in self.allow:
            return True
        name = request.tool_name
        if not self.interactive:
            if name not in self._refused:
                self._refused.add(name)
                self.stderr.write(
                    f"refused {name} ({request.side_effects}): it needs approval and standard input is not a "
                    f"terminal; pass --approve {name} or --yes to allow it\n"
                )
                self.stderr.flush()
            raise ApprovalDeniedError(
                f"Tool {name!r} was not run: it needs the user's approval and nobody can approve it here. "
                "Answer without it, or tell the user what you would need to run.",
                tool_name=name,
            )
        with self._lock:
            self.stderr.write(
                f"\n{name} wants to run (side effects: {request.side_effects}) with these arguments:\n"
                f"{show_arguments(request.arguments)}\nAllow? [y/N] "
            )
            self.stderr.flush()
            answer = self.stdin.readline()
        return answer.strip().lower() in ("y", "yes")


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False
