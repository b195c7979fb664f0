"""The small-model path of ``agentfn run``/``chat``: which model counts as small, its tool choice and router.

A small local model (the embedded SmolLM2-135M default: no ``--model``/``--base-url``) cannot choose
tools or answer alone, so the CLI forces a call (``tool_choice="required"``) along a router's plan.
:func:`small_model_router` composes that router:

* :class:`agentfn.fill.FillRouter` prefers the tool whose parameters the request fills and never
  abstains: when no tool fits and nothing in the request supports the nearest one, the plan is the
  plain reply (``generate``);
* :class:`agentfn._request_cues.CueRouter` routes phrasal verbs ("sum up") and one-word durations ("in a
  fortnight") as their plain words, and sends a question about a passage's form ("how many words...") or a
  request for a joke, a poem... to the one offered tool that names it;
* :class:`PlainReplyRouter` sends to that plain reply too a request for live data the chosen tool does
  not serve ("euro to dollar rate right now" is not the clock; the plain reply then says honestly that
  no tool has live data instead of inventing it), and an instruction about a text it gives (quoted or
  after a colon) whose verb no offered tool's name or description uses, when no other word of it names
  the chosen tool, it asks no question and lists no options ("reverse the string 'stressed'": quoted
  text fits every text tool, but no tool reverses; without this rule ``sentiment`` took it), a mechanical
  edit of a given text (sort, reverse, change case, drop duplicates: :mod:`agentfn._text_transforms`) that no
  offered tool's name names, which the plain reply then makes exactly, and a request to act in the world
  that no offered tool does ("remind me to call mom at 6pm" went to ``convert_timezone``, the only tool
  "6pm" fills; the plain reply then says honestly that it cannot), and a request in another language that
  has no English reading (:mod:`agentfn._foreign_requests`: "¿Qué hora es en Tokio?" went to ``translate``
  and failed three times; the plain reply then says it reads English only).

A toolset of the user's own (``--tools my_tools.py``) has no plain reply: forced to call a tool, the
small model answered "hi there, how are you?" by calling the nearest of the user's tools (``menu``).
:func:`with_plain_reply` adds the built-in ``generate`` to such a toolset for the small path.

Guarantees: nothing heavy is imported before a router is built (the CLI starts fast); a toolset that
already has a tool named ``generate`` keeps its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import typer

if TYPE_CHECKING:
    from agentfn.router.config import RoutePlan
    from agentfn.toolset import Toolset

__all__ = [
    "PLAIN_REPLY", "AgentSetup", "PlainReplyRouter", "agent_setup", "build_router", "is_small_local_model",
    "small_model_router", "with_plain_reply",
]

PLAIN_REPLY = "generate"
"""The tool that is the model's own plain reply: what a small model's request no tool fits gets."""


def is_small_local_model(model: str | None, base_url: str | None) -> bool:
    return base_url is None and model in (None, "embedded")


def build_router(spec: str, toolset: Toolset, small_model: bool) -> Any:
    """The router for ``--router``: None when off; built over the toolset for auto (a small model) and on,
    BM25 only for ``lexical``; else a saved router loaded from that directory."""
    if spec == "off" or (spec == "auto" and not small_model):
        return None
    from agentfn.exceptions import MissingExtraError
    from agentfn.router import Router

    if spec == "lexical":  # BM25 only, built at start
        return Router.build(list(toolset), encoder=None)
    if spec not in ("auto", "on"):
        return Router.load(spec)
    try:
        return Router.build(list(toolset))
    except MissingExtraError as exc:  # no sentence-transformers: lexical routing still narrows the offer
        typer.secho(f"router: {exc}; using lexical routing", err=True, fg=typer.colors.YELLOW)
        return Router.build(list(toolset), encoder=None)


class AgentSetup(NamedTuple):
    """What an agent over ``toolset`` is built with: the CLI's ``run``/``chat`` and ``agentfn serve`` share it."""

    toolset: Toolset
    router: Any
    tool_choice: str
    follow_route: bool
    route_k: int


def agent_setup(toolset: Toolset, *, small: bool, router: str = "auto", tool_choice: str | None = None,
                route_k: int | None = None) -> AgentSetup:
    """The toolset, router and tool choice for an agent whose model is ``small`` (see the module docstring):
    a small model gets a forced call along :func:`small_model_router` (one named call per step) and a plain
    reply; any other model chooses (``auto``) and gets a router only when ``router`` names one."""
    choice = tool_choice if tool_choice is not None else ("required" if small else "auto")
    if small and choice == "required" and router != "off":  # a forced call needs a plain reply for chit-chat
        toolset = with_plain_reply(toolset)
    routed = build_router(router, toolset, small)
    if small and routed is not None:  # a small model follows the top-1: the tool the request fills, else prose
        routed = small_model_router(routed, toolset)
    follow = small and routed is not None and choice == "required"
    return AgentSetup(toolset, routed, choice, follow, route_k or (4 if small else 8))


def with_plain_reply(toolset: Toolset) -> Toolset:
    """``toolset`` plus the built-in plain reply (``generate``) when it has none (see the module docstring)."""
    if PLAIN_REPLY in toolset:
        return toolset
    from agentfn.toolset import Toolset

    return toolset.combine(Toolset.builtin().filtered([PLAIN_REPLY]))


def small_model_router(routed: Any, toolset: Toolset) -> Any:
    """``routed`` for a small model that follows the top-1 (see the module docstring)."""
    from agentfn._followups import LatestTurnRouter
    from agentfn._request_cues import CueRouter
    from agentfn.fill import FillRouter

    # Follow-ups arrive resolved (agentfn._followups): earlier turns would only pull a new topic back.
    fill = FillRouter(LatestTurnRouter(routed), list(toolset), never_abstain=True, fallback=PLAIN_REPLY)
    specs = list(fill.specs.values())
    return PlainReplyRouter(CueRouter(fill, specs, PLAIN_REPLY), specs, PLAIN_REPLY)


_EDIT_NAMES = {"reverse": ("revers",), "sort": ("sort", "order", "alphabet"), "upper": ("upper", "caps", "capital"),
               "lower": ("lower",), "title": ("title", "capital"), "dedupe": ("dedup", "duplicate", "unique"),
               "words": ("spell", "in_words", "to_words", "number_word")}
"""Words in a tool's name that say it makes the edit :func:`agentfn._text_transforms.transform_verb` names."""
_QUESTION = re.compile(r"\?|\b(?:what|whats|how|which|who|whom|whose|where|when|why)\b", re.I)


class _Router(Protocol):
    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan: ...


class PlainReplyRouter:
    """A router whose plan is the ``fallback`` (the plain reply) for a live fact the chosen tool does not serve
    or an instruction no tool does (see the module docstring)."""

    def __init__(self, router: _Router, specs: Sequence[Mapping[str, Any]], fallback: str) -> None:
        self.router = router  # the wrapped router (``agentfn.agent`` finds the records behind ``.router``)
        self.specs = {str(s.get("function", s).get("name")): s for s in specs}
        self.fallback = fallback

    def route(self, query: str | Sequence[Any], k: int = 10) -> RoutePlan:
        """The wrapped router's plan, or the fallback alone for a live fact its first tool does not serve (the
        request read as :func:`agentfn._request_cues.reworded`: "give me the gist of this: ..." instructs a
        summary, not an unserved "give")."""
        from agentfn._foreign_requests import not_english_reply
        from agentfn._live_facts import asks_live_fact, live_kinds, serves
        from agentfn._request_cues import reworded
        from agentfn.router.text import query_from_messages

        plan = self.router.route(query, k=k)
        text = reworded(query if isinstance(query, str) else query_from_messages(query, context_turns=0)[0])
        head = plan.selected[0] if plan.selected else None
        if head is None or head == self.fallback or self.fallback not in self.specs or head not in self.specs:
            return plan
        kinds = live_kinds(text) if asks_live_fact(text) else []
        if (kinds and not any(serves(self.specs[head], kind) for kind in kinds)) or self.unserved_instruction(text, head) \
                or self.unnamed_edit(text) or self.unserved_action(text, head) or not_english_reply(text) is not None:
            return plan.model_copy(update={"selected": [self.fallback]})
        return plan

    def unserved_action(self, text: str, head: str) -> bool:
        """Whether ``text`` asks for an act in the world (:func:`agentfn._world_actions.world_action`) that no
        offered tool's name or first sentence names, and no other word of its instruction names ``head``."""
        from agentfn._grounding import asks_for
        from agentfn._world_actions import action_words, does, other_words

        words = action_words(text)
        if not words or any(does(spec, words) for spec in self.specs.values()):
            return False
        return not asks_for(self.specs[head], other_words(text))

    def unnamed_edit(self, text: str) -> bool:
        """Whether ``text`` asks for a mechanical edit of a text it gives (:mod:`agentfn._text_transforms`: sort,
        reverse, change case, drop duplicates) that the plain reply makes exactly, and no offered tool's name
        says it does that edit (a user's ``reverse_string`` keeps it)."""
        from agentfn._text_transforms import transform_verb

        verb = transform_verb(text)
        if verb is None:
            return False
        stems = _EDIT_NAMES[verb]
        return not any(stem in name.lower() for name in self.specs for stem in stems)

    def unserved_instruction(self, text: str, head: str) -> bool:
        """Whether ``text`` instructs something about quoted text with a verb no offered tool's name or
        description uses, and nothing but the quote supports ``head``: no word of the instruction names
        it, it asks no question and lists no options to choose from."""
        from agentfn._grounding import asks_for, instruction_words
        from agentfn._passage_tasks import leading_verb, split_passage
        from agentfn._values import listed_options, quoted_spans, strip_values

        instruction, passage = split_passage(text)
        verb = leading_verb(text)
        unquoted = strip_values(text)  # a question anywhere but in the quoted text
        if not (quoted_spans(text) or passage) or verb is None or _QUESTION.search(unquoted) or listed_options(text):
            return False
        if asks_for(self.specs[head], instruction_words(instruction)):
            return False
        return not any(asks_for(spec, {verb}) for spec in self.specs.values())
