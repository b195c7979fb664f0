"""Single-call requests over near-duplicate tools: Home Assistant's voice intents (PyPI ``home-assistant-intents``).

Home Assistant exposes its intents (``HassTurnOn``, ``HassLightSet``, ``HassStartTimer``,
``HassIncreaseTimer``...) to LLM agents as tools. The pinned package carries, per intent, a
description written by its authors, its slots (the tool's parameters, with descriptions and
``required`` flags), and per *slot combination* one or more example requests in English
("turn on the lights in the kitchen", "add 10 minutes to the pizza timer"). Each example needs
exactly one call, many of the tools are near-duplicates of each other (turn on / set position /
light set; start / increase / decrease / pause a timer), and values are typed: the shape of the
held-out single-call requests that score every landing, unlike the long tau2/AgentDojo tasks.

Tools: one per intent, named ``homeassistant__<Intent>``. A parameter's type comes from the
slot lists the English templates (``data/en.json``) fill it from: a range list is a number with
its bounds, a value list an enum of its canonical ``out`` values (plus the fixed values templates
assign to the slot, e.g. ``domain: light``), anything else a string.

Requests: the authors' examples, verbatim. The gold call's arguments come from the source's own
grammar: each example is parsed with the templates by ``hassil`` (Home Assistant's own template
matcher, Apache-2.0, the ``evals`` extra); a parse counts only if it fills exactly the slots the
example's combination declares and every such parse agrees, else the example is left out (a few
authors' examples do not match their own templates, and those that need the speaker's room as
context have no text to fill it from). Device, area and floor names are the phrases of the
examples themselves (an installation supplies them at run time), excluding phrases that start or
end with a function word, so "the kitchen" parses as area ``kitchen``.

Split: the whole family is ``unseen-source`` (listed in ``UNSEEN_FAMILIES``): it is the one source
of short single-call requests, so it measures how a router trained on the other sources does on a
registry of tools and wording it never saw, which is what the held-out sets ask.
Licence: Apache-2.0 (the package and hassil).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, cast

from agentfn.evals.router_data.fetch import PACKAGES
from agentfn.evals.router_data.records import RouterExample, RouterSource
from agentfn.exceptions import ConfigError

__all__ = ["PREFIX", "home_assistant_source", "intent_tools"]

PREFIX = "homeassistant"
SOURCE = "home-assistant"
_REF = re.compile(r"\{(\w+)(?::(\w+))?\}")
_RULE = re.compile(r"<(\w+)>")
_FUNCTION_WORDS = frozenset(
    ["the", "my", "our", "a", "an", "in", "on", "to", "at", "of", "for", "from", "with", "and", "is", "are", "all", "this", "here", "what", "set", "turn", "off"])
_ENTITY_LISTS = ("name", "area", "floor")


def _inline(text: str, rules: dict[str, str], depth: int = 0) -> str:
    """Template text with ``<rule>`` references expanded (for scanning slot lists only)."""
    if depth > 6:
        return text
    return _RULE.sub(lambda m: _inline(rules.get(m.group(1), ""), rules, depth + 1), text)


def _list_schema(spec: dict[str, Any]) -> dict[str, Any]:
    if "range" in spec:
        rng = cast(dict[str, Any], spec["range"])
        kind = "number" if rng.get("fractions") or rng.get("multiplier") else "integer"
        lo, hi = rng.get("from", 0), rng.get("to", 100)
        if rng.get("multiplier"):
            lo, hi = sorted((lo * rng["multiplier"], hi * rng["multiplier"]))
        return {"type": kind, "minimum": lo, "maximum": hi}
    if "values" in spec:
        outs: list[Any] = []
        for v in cast(list[Any], spec["values"]):
            item: Any = cast(dict[str, Any], v) if isinstance(v, dict) else {"out": v}
            out: Any = item.get("out", item.get("in"))
            if out not in outs:
                outs.append(out)
        kind = "string" if any(isinstance(o, str) for o in outs) else "number"
        return {"type": kind, "enum": [str(o) if kind == "string" else o for o in outs]}
    return {"type": "string"}


def _slot_schemas(intent: dict[str, Any], lists: dict[str, Any], rules: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per slot, the JSON schema its values take, from the lists and fixed values the templates use."""
    out: dict[str, dict[str, Any]] = {}
    fixed: dict[str, list[str]] = {}
    for block in cast(list[dict[str, Any]], intent.get("data") or []):
        for slot, value in cast(dict[str, Any], block.get("slots") or {}).items():
            if isinstance(value, str) and value not in fixed.setdefault(slot, []):
                fixed[slot].append(value)
        for sentence in cast(list[str], block.get("sentences") or []):
            for list_name, slot in _REF.findall(_inline(sentence, rules)):
                slot = slot or list_name
                spec: Any = lists.get(list_name)
                schema = _list_schema(cast(dict[str, Any], spec)) if isinstance(spec, dict) else {"type": "string"}
                prev = out.get(slot)
                if prev is None:
                    out[slot] = schema
                elif prev.get("type") != schema.get("type") or "enum" not in prev or "enum" not in schema:
                    out[slot] = {"type": "string"} if "string" in (prev.get("type"), schema.get("type")) else prev
                else:
                    prev["enum"] = list(dict.fromkeys([*prev["enum"], *schema["enum"]]))
    for slot, values in fixed.items():
        schema = out.get(slot)
        if schema is None:
            out[slot] = {"type": "string", "enum": values}
        elif "enum" in schema and schema.get("type") == "string":
            schema["enum"] = list(dict.fromkeys([*schema["enum"], *values]))
    return out


def intent_tools(meta: dict[str, Any], language: dict[str, Any]) -> list[dict[str, Any]]:
    """One OpenAI-format tool per supported intent (see the module docstring)."""
    lists = cast(dict[str, Any], language.get("lists") or {})
    rules = cast(dict[str, str], language.get("expansion_rules") or {})
    intents = cast(dict[str, Any], language.get("intents") or {})
    tools: list[dict[str, Any]] = []
    for name, info in sorted(meta.items()):
        if not info.get("supported", True) or not info.get("description"):
            continue
        schemas = _slot_schemas(cast(dict[str, Any], intents.get(name) or {}), lists, rules)
        props: dict[str, Any] = {}
        required: list[str] = []
        for slot, raw in cast(dict[str, Any], info.get("slots") or {}).items():
            slot_info: dict[str, Any] = cast(dict[str, Any], raw) if isinstance(raw, dict) else {}
            schema = dict(schemas.get(slot, {"type": "string"}))
            if slot_info.get("description"):
                schema["description"] = str(slot_info["description"])
            props[slot] = schema
            if slot_info.get("required"):
                required.append(slot)
        for slot, schema in schemas.items():  # slots the templates fill that the metadata does not list
            props.setdefault(slot, schema)
        tools.append({"name": f"{PREFIX}__{name}", "description": str(info["description"]),
                      "parameters": {"type": "object", "properties": props, "required": required}})
    return tools


def _phrases(texts: list[str]) -> list[str]:
    grams: set[str] = set()
    for text in texts:
        words = re.sub(r"[?!.,]", "", text.lower()).split()
        for n in (1, 2, 3):
            for i in range(len(words) - n + 1):
                g = words[i:i + n]
                if g[0] not in _FUNCTION_WORDS and g[-1] not in _FUNCTION_WORDS:
                    grams.add(" ".join(g))
    return sorted(grams)


def _domains(language: dict[str, Any]) -> list[str]:
    """Every device domain a template requires of a named entity (``requires_context: domain``)."""
    found: list[str] = []
    for intent in cast(dict[str, Any], language.get("intents") or {}).values():
        for block in cast(list[dict[str, Any]], intent.get("data") or []):
            wanted: Any = cast(dict[str, Any], block.get("requires_context") or {}).get("domain")
            options: list[Any] = [wanted] if isinstance(wanted, str) else cast(list[Any], wanted) if isinstance(wanted, list) else []
            for dom in options:
                if isinstance(dom, str) and dom not in found:
                    found.append(dom)
    return found


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _examples(meta: dict[str, Any]) -> list[tuple[str, str, list[str], str]]:
    """``(intent, combination, declared slots, example text)`` for every example the metadata gives."""
    rows: list[tuple[str, str, list[str], str]] = []
    for intent, info in sorted(meta.items()):
        for combo, spec in sorted(cast(dict[str, Any], info.get("slot_combinations") or {}).items()):
            example: Any = spec.get("example")
            slots = [str(s) for s in cast(list[Any], spec.get("slots") or [])]
            texts: list[Any] = cast(list[Any], example) if isinstance(example, list) else [example]
            for text in texts:
                if isinstance(text, str) and text.strip():
                    rows.append((intent, combo, slots, text.strip()))
    return rows


def home_assistant_source(root: Path) -> RouterSource:
    """The source from the unpacked ``home-assistant-intents`` wheel at ``root``.

    Raises:
        ConfigError: ``hassil`` (the ``evals`` extra) is not installed.
    """
    try:
        from hassil import Intents, recognize_all  # pyright: ignore[reportMissingTypeStubs]
        from hassil.intents import TextSlotList  # pyright: ignore[reportMissingTypeStubs]
    except ImportError as exc:
        raise ConfigError("the Home Assistant source needs hassil: pip install 'agentfn[evals]'") from exc
    pkg = PACKAGES["home-assistant-intents"]
    base = root / "home_assistant_intents"
    meta: dict[str, Any] = json.loads((base / "intents.json").read_text())
    language: dict[str, Any] = json.loads((base / "data" / "en.json").read_text())
    tools = intent_tools(meta, language)
    names = {t["name"] for t in tools}
    rows = _examples(meta)
    phrases = _phrases([r[3] for r in rows])
    # A device name may be of any domain a template asks for: one value per (phrase, domain).
    slot_lists: dict[str, Any] = {n: TextSlotList.from_strings(phrases, name=n, allow_template=False)
                                  for n in _ENTITY_LISTS if n != "name"}
    slot_lists["name"] = TextSlotList.from_tuples(
        [(p, p, {"domain": d}) for p in phrases for d in _domains(language)], name="name", allow_template=False)
    grammar: Any = Intents.from_dict(language)
    examples: list[RouterExample] = []
    seen: set[str] = set()
    for intent, combo, declared, text in rows:
        tool = f"{PREFIX}__{intent}"
        if tool not in names or text.casefold() in seen:
            continue
        parses: list[Any] = [r for r in recognize_all(text, grammar, slot_lists=slot_lists)
                             if r.intent.name == intent and set(r.entities) == set(declared)]
        values = {json.dumps({k: _plain(e.value) for k, e in p.entities.items()}, sort_keys=True) for p in parses}
        if len(values) != 1:
            continue
        seen.add(text.casefold())
        arguments: dict[str, Any] = json.loads(values.pop())
        examples.append(RouterExample(
            id=f"{SOURCE}:{intent}:{combo}:{len(examples)}", source=SOURCE, text=text, gold=[tool], chain=[tool],
            calls=[{"name": tool, "arguments": arguments}], kind="single"))
    return RouterSource(name=SOURCE, family=SOURCE, package=pkg.name, version=pkg.version, licence=pkg.licence,
                        tools=tools, examples=examples,
                        notes="authors' example requests; gold arguments parsed with the source's own templates")
