"""``agentfn chat``: a terminal REPL over an agent, and the live event printer ``agentfn run`` shares.

The conversation lives in the session (``/reset`` clears it, ``/save FILE``
writes it as JSON that :func:`agentfn.messages.load_messages` reads back).
Input uses :func:`input` with readline history when available; one event loop
serves the whole session so model clients keep their connections.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from agentfn.events import (
    AgentEvent,
    ModelResponseEvent,
    RunEnd,
    RunStart,
    StepEnd,
    TextDeltaEvent,
    ToolCallEvent,
    ToolResultEvent,
)
from agentfn.exceptions import ModelError

if TYPE_CHECKING:
    from rich.console import Console

    from agentfn.agent import Agent
    from agentfn.messages import Message

__all__ = ["ChatSession", "EventPrinter"]

_PREVIEW = 300

HELP = """commands:
  /tools        list the tools the agent can call
  /reset        forget the conversation
  /save FILE    write the conversation as JSON
  /help         this text
  /exit         leave (also /quit or Ctrl-D)"""


def _preview(text: str, limit: int = _PREVIEW) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EventPrinter:
    """Prints a run as it happens: streamed text, each tool call and its result, how it ended."""

    def __init__(self, console: Console | None = None, *, file: IO[str] | None = None) -> None:
        from rich.console import Console

        self.console = console or Console(file=file or sys.stdout, highlight=False)
        self._streamed = False

    def handle(self, event: AgentEvent) -> None:
        c = self.console
        if isinstance(event, TextDeltaEvent):
            c.print(event.text, end="", markup=False, highlight=False, soft_wrap=True)
            c.file.flush()
            self._streamed = True
        elif isinstance(event, ModelResponseEvent):
            if self._streamed:
                c.print()
            elif event.response.message.content and not event.response.message.tool_calls:
                # A model that did not stream: show its answer now.
                c.print(event.response.message.content, markup=False, highlight=False)
            self._streamed = False
        elif isinstance(event, ToolCallEvent):
            c.print(f"[cyan]→ {event.call.name}[/cyan]", _preview(event.call.arguments), markup=True, highlight=False)
        elif isinstance(event, ToolResultEvent):
            style = "green" if event.status == "ok" else "red"
            c.print(f"[{style}]← {event.tool_name} \\[{event.status}][/{style}]", _preview(event.content),
                    highlight=False)
        elif isinstance(event, StepEnd):
            pass
        elif isinstance(event, RunEnd) and event.outcome != "answered" and not (event.reason or "").startswith("model error"):
            # Model errors are reported by the caller (with an exit code or a retry hint).
            c.print(f"[yellow]run ended: {event.outcome} ({event.reason})[/yellow]")


class ChatSession:
    """A conversation with an agent, driven line by line.

    Args:
        agent: the agent to talk to.
        console: where output goes (default stdout).
        history_file: readline history (default ``~/.agentfn/chat_history``).
        debug: print the traceback of a turn that failed unexpectedly (always one line without it).
    """

    def __init__(self, agent: Agent[Any, str], *, console: Console | None = None, history_file: Path | None = None,
                 debug: bool = False) -> None:
        self.agent = agent
        self.debug = debug
        self.printer = EventPrinter(console)
        self.console = self.printer.console
        self.messages: list[Message] = []
        self.history_file = history_file or Path.home() / ".agentfn" / "chat_history"
        self._loop = asyncio.new_event_loop()

    # -- one turn -------------------------------------------------------------------

    async def ask(self, text: str) -> None:
        """Send one user message; print the run as it happens; keep the conversation.

        On the small path (an agent that follows its router's route) an elliptical follow-up ("and 10?",
        "what about in feet?", "double it") is first made a request that stands alone
        (by :class:`agentfn.Agent`, :func:`agentfn._followups.resolve_followups`); the session shows and keeps
        that request.
        """
        run = self.agent.iter(text, message_history=self.messages, stream=True)
        async for event in run:
            if isinstance(event, RunStart) and event.messages and event.messages[-1].content != text:
                self.console.print(f"(understood as: {event.messages[-1].content})", style="dim", markup=False,
                                   highlight=False)
            self.printer.handle(event)
        result = run.result
        if isinstance(result.error, ModelError):
            from rich.markup import escape

            self.console.print(f"[red]model error: {escape(str(result.error))}[/red]", highlight=False)
            # Keep the question so the user can retry after fixing the server.
        self.messages = list(result.messages)

    def handle(self, line: str) -> bool:
        """Process one input line; False when the session should end."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("/"):
            return self._command(text)
        try:
            self._loop.run_until_complete(self.ask(text))
        except KeyboardInterrupt:
            self.console.print("\n[yellow](interrupted)[/yellow]")
        except Exception as exc:  # one turn failed; the session (and its conversation) goes on
            if self.debug:
                self.console.print_exception()
            first = (str(exc).strip().splitlines() or [""])[0]
            hint = "" if self.debug else " (start chat with --debug for the traceback)"
            self.console.print(f"error: unexpected {type(exc).__name__}: {first}{hint}", markup=False, highlight=False,
                               soft_wrap=True)
        return True

    def _command(self, text: str) -> bool:
        name, _, arg = text.partition(" ")
        c = self.console
        if name in ("/exit", "/quit"):
            return False
        if name == "/help":
            c.print(HELP, markup=False)
        elif name == "/tools":
            for t in self.agent.toolset:
                first = (t.description or "").strip().splitlines()[0] if t.description else ""
                flag = " (needs approval)" if t.requires_approval else ""
                c.print(f"{t.name}{flag}: {first}", markup=False, highlight=False)
            if not len(self.agent.toolset):
                c.print("no tools")
        elif name == "/reset":
            self.messages = []
            c.print("conversation cleared")
        elif name == "/save":
            if not arg.strip():
                c.print("usage: /save FILE")
                return True
            from agentfn.messages import dump_messages

            path = Path(arg.strip()).expanduser()
            try:
                path.write_bytes(dump_messages(self.messages))
            except OSError as exc:
                c.print(f"[red]cannot write {path}: {exc.strerror or exc}[/red]")
                return True
            c.print(f"saved {len(self.messages)} messages to {path}", markup=False)
        else:
            c.print(f"unknown command {name}; /help lists them", markup=False)
        return True

    # -- the loop -------------------------------------------------------------------

    def _setup_readline(self) -> None:
        try:
            import readline
        except ImportError:  # Windows without pyreadline: plain input still works
            return
        try:
            self.history_file.parent.mkdir(parents=True, exist_ok=True)
            if self.history_file.exists():
                readline.read_history_file(self.history_file)
        except OSError:
            pass
        readline.set_history_length(1000)

    def _save_readline(self) -> None:
        try:
            import readline

            readline.write_history_file(self.history_file)
        except (ImportError, OSError):
            pass

    def repl(self, prompt: str = "you> ") -> None:
        """Read lines until /exit or end of input."""
        self._setup_readline()
        self.console.print(f"agentfn chat: {self.agent.model.name} with {len(self.agent.toolset)} tools; /help for commands")
        try:
            while True:
                try:
                    line = input(prompt)
                except EOFError:
                    self.console.print()
                    break
                except KeyboardInterrupt:
                    self.console.print()
                    continue
                if not self.handle(line):
                    break
        finally:
            self._save_readline()
            self.close()

    def close(self) -> None:
        """Close the model's connections and the session's event loop (the session cannot ask again)."""
        if not self._loop.is_closed():
            self._loop.run_until_complete(self.agent.model.aclose())
            self._loop.close()

    def transcript(self) -> str:
        """The conversation as OpenAI-format JSON (for debugging and tests)."""
        from agentfn.messages import messages_to_openai

        return json.dumps(messages_to_openai(self.messages), ensure_ascii=False)
