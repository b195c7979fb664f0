"""Single-step call cases on foreign tools: the first gold call of requests that state its arguments.

The routing benchmark (:mod:`agentfn.evals.router_data`) keeps, for requests of third-party
sources (tau2-bench, AgentDojo...), the gold calls with their arguments. A small model can only be
scored on the values it could copy, so :func:`foreign_call_cases` keeps a request when its first
gold call has arguments and every argument value is *stated* in the request (:func:`stated_in`):
each string leaf appears in the request (case- and whitespace-insensitively), each number is one of
the request's numbers, or (given the tools) the value is one of its parameter's ``enum`` values, which
the model picks from the schema rather than copies (``domain: light`` for "turn on the lights").
Requests whose first call takes no arguments, or whose values the model would have to look up or
compute, are left out. With ``single_call`` only requests answered by one call are kept (an AgentDojo
task whose ground truth is one call, a tau2 task with one expected action, every Home Assistant
intent example): the shape of the short single-call requests a user-facing call benchmark asks.

Each kept request becomes a :class:`~agentfn.evals.calls.CallCase` expecting exactly that call
(every gold argument required, with its one gold value; scoring as in :mod:`agentfn.evals.calls`),
paired with its source. ``per_source`` caps each source by a deterministic hash order, so a
subsample is the same on every machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from agentfn._values import numbers_in_request
from agentfn.evals.calls import CallCase, ExpectedCall
from agentfn.evals.router_data.records import RouterExample

__all__ = ["ForeignCase", "foreign_call_cases", "stated_in"]


@dataclass(frozen=True)
class ForeignCase:
    """One scored request: its source and the call case."""

    source: str
    case: CallCase

    @property
    def gold(self) -> ExpectedCall:
        expected = self.case.expected or []
        return expected[0]


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, Mapping):
        for v in cast("Mapping[str, Any]", value).values():
            yield from _leaves(v)
    elif isinstance(value, list | tuple):
        for v in cast("list[Any]", value):
            yield from _leaves(v)
    else:
        yield value


def _squash(text: str) -> str:
    return " ".join(text.casefold().split())


def _enums(spec: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """Per top-level parameter of a tool spec, its ``enum`` values (parameters without one left out)."""
    params: Any = (spec or {}).get("parameters") or {}
    props: Any = cast("Mapping[str, Any]", params).get("properties") if isinstance(params, Mapping) else None
    out: dict[str, list[Any]] = {}
    for name, schema in cast("Mapping[str, Any]", props or {}).items():
        enum: Any = cast("Mapping[str, Any]", schema).get("enum") if isinstance(schema, Mapping) else None
        if isinstance(enum, list) and enum:
            out[name] = cast("list[Any]", enum)
    return out


def stated_in(arguments: Mapping[str, Any], text: str, enums: Mapping[str, list[Any]] | None = None) -> bool:
    """Whether every value of ``arguments`` is written in ``text`` (strings as substrings, numbers as numbers).

    A top-level argument whose value is one of ``enums[name]`` counts as stated (chosen from the
    schema). Booleans and nulls are never "stated" (the request does not write them); an empty
    argument object is not either (there is nothing to copy).
    """
    if not arguments:
        return False
    picked = {k for k, v in arguments.items() if enums and k in enums and v in enums[k] and not isinstance(v, bool)}
    leaves = list(_leaves({k: v for k, v in arguments.items() if k not in picked}))
    if not leaves:
        return True
    squashed = _squash(text)
    numbers = set(numbers_in_request(text))
    for leaf in leaves:
        if isinstance(leaf, bool) or leaf is None:
            return False
        if isinstance(leaf, int | float):
            if float(leaf) not in numbers:
                return False
        elif not (isinstance(leaf, str) and leaf.strip() and _squash(leaf) in squashed):
            return False
    return True


def _rank(seed: int, case_id: str) -> str:
    return hashlib.sha1(f"{seed}\x1f{case_id}".encode()).hexdigest()


def foreign_call_cases(
    examples: Iterable[RouterExample], *, per_source: int | None = None, seed: int = 0,
    tools: Iterable[Mapping[str, Any]] | None = None, single_call: bool = False,
) -> list[ForeignCase]:
    """The scored cases of ``examples`` (see the module docstring), grouped by source, each source in hash order.

    ``tools``: the registry's specs; with them an argument set to one of its parameter's enum values counts as stated.
    ``single_call``: only requests whose gold is exactly one call.
    """
    enums = {str(t["name"]): _enums(t) for t in tools or []}
    by_source: dict[str, list[ForeignCase]] = {}
    seen: set[tuple[str, str]] = set()
    for example in examples:
        if not example.calls or (single_call and len(example.calls) != 1):
            continue
        first = example.calls[0]
        arguments = cast("dict[str, Any]", first.get("arguments") or {})
        if not stated_in(arguments, example.text, enums.get(str(first["name"]))) or (example.source, example.text) in seen:
            continue
        seen.add((example.source, example.text))
        case = CallCase(
            id=example.id,
            prompt=example.text,
            expected=[ExpectedCall(name=str(first["name"]), arguments={k: [v] for k, v in arguments.items()})],
        )
        by_source.setdefault(example.source, []).append(ForeignCase(example.source, case))
    out: list[ForeignCase] = []
    for source in sorted(by_source):
        cases = sorted(by_source[source], key=lambda c: _rank(seed, c.case.id))
        out += cases[:per_source] if per_source is not None else cases
    return out
