"""Server configuration: one TOML or YAML file, overridden by ``AGENTFN_*`` environment variables.

Example ``agentfn.toml``::

    model = "openai:Qwen/Qwen3-8B"          # any agentfn.backends.load_model spec
    base_url = "http://vllm:8000/v1"        # an OpenAI-compatible model server (optional)
    host = "0.0.0.0"
    port = 8080
    auth = "keys"                           # "none" is refused unless host is a loopback address
    trace_store = "postgresql+psycopg://agentfn:secret@db/agentfn"
    approver = "mypkg.approvals:approve"    # callable(ApprovalRequest) -> bool; none: approval tools are denied
    client_tools = "reject"                 # or "ignore": request-supplied `tools` are never executed
    include_tool_steps = true               # tool steps as the `agentfn` extra field of responses
    cors_origins = []                       # CORS is off unless origins are listed
    durable = false                         # true: runs survive crashes; replicas on one store share recovery

    [limits]
    max_body_bytes = 1048576
    max_messages = 256
    rate_per_minute = 120                   # per key (token bucket), `burst` requests at once
    burst = 20

    [[agents]]                              # each agent is a "model" on /v1/models
    name = "agentfn"
    tools = ["builtin", "mypkg.tools"]      # Toolset.load specs, combined in order
    system_prompt = "You are a helpful assistant."
    router = "routers/main"                 # a saved Router directory, "lexical", "off"; default "auto" (embedded model)
    max_steps = 10
    allow_side_effects = ["none", "read"]   # default; add "write"/"external" to serve such tools

    [[keys]]
    name = "alice"
    sha256 = "<hex sha256 of the key>"      # `agentfn serve hash-key` prints it; the key itself is never stored
    rate_per_minute = 600
    tools = ["get_weather"]                 # allow-list; omit for every tool

Environment variables (they win over the file): ``AGENTFN_MODEL``, ``AGENTFN_BASE_URL``,
``AGENTFN_HOST``, ``AGENTFN_PORT``, ``AGENTFN_AUTH``, ``AGENTFN_TRACE_STORE``, ``AGENTFN_APPROVER``,
``AGENTFN_TOOLS`` (comma-separated, for the default agent), ``AGENTFN_CORS_ORIGINS`` (comma-separated),
``AGENTFN_API_KEYS`` (comma-separated ``name:sha256`` pairs, added to the file's keys),
``AGENTFN_MAX_BODY_BYTES``, ``AGENTFN_MAX_MESSAGES``, ``AGENTFN_RATE_PER_MINUTE``, ``AGENTFN_BURST``,
``AGENTFN_DURABLE`` (``true``/``false``), ``AGENTFN_DURABLE_STORE``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentfn.exceptions import ConfigError

__all__ = [
    "LOOPBACK_HOSTS",
    "AgentConfig",
    "KeyConfig",
    "LimitsConfig",
    "ServeConfig",
    "hash_key",
    "load_config",
]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def hash_key(key: str) -> str:
    """The sha256 hex digest stored in the config for an API key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LimitsConfig(_Strict):
    """Request limits, per process."""

    max_body_bytes: int = Field(default=1_048_576, gt=0)
    max_messages: int = Field(default=256, gt=0)
    rate_per_minute: float = Field(default=120.0, gt=0)
    """Sustained requests per minute per key (per client address with ``auth = "none"``)."""
    burst: int = Field(default=20, gt=0)
    """Requests a key may make at once before the rate applies."""


class KeyConfig(_Strict):
    """One API key, stored as its sha256 hex digest."""

    name: str
    sha256: str
    rate_per_minute: float | None = Field(default=None, gt=0)
    burst: int | None = Field(default=None, gt=0)
    tools: list[str] | None = None
    """Tool allow-list; None allows every tool of the agent."""
    agents: list[str] | None = None
    """Agents this key may use; None allows all."""

    @field_validator("sha256")
    @classmethod
    def _hex(cls, value: str) -> str:
        value = value.strip().lower()
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise ValueError("must be the 64-character hex sha256 of the key (agentfn serve hash-key KEY)")
        return value


class AgentConfig(_Strict):
    """One agent, served as a model."""

    name: str = "agentfn"
    model: str | None = None
    """Overrides the top-level ``model`` for this agent."""
    base_url: str | None = None
    tools: list[str] = Field(default_factory=lambda: ["builtin"])
    system_prompt: str | None = None
    router: str | None = "auto"
    """``auto`` (a router for the embedded small model, as ``agentfn run``; none for other models), ``on``,
    ``off`` (or None), ``lexical`` (BM25 built over the tools at start), or a saved router directory."""
    route_k: int | None = Field(default=None, gt=0)
    """Tools offered per step: 4 for the embedded small model, 8 for others."""
    pinned_tools: list[str] = Field(default_factory=list[str])
    allow_side_effects: list[Literal["none", "read", "write", "external"]] = Field(
        default_factory=lambda: ["none", "read"])
    """Tools whose ``side_effects`` are not listed here are not served unless they ``requires_approval``:
    a network service does not run world-changing tools (``run_python``, sending mail...) by default."""
    max_steps: int = Field(default=10, gt=0)
    max_tool_calls: int = Field(default=50, gt=0)
    tool_timeout: float | None = 60.0
    tool_choice: str | None = None
    """None: ``required`` for the embedded small model (it follows the router's plan, as ``agentfn run``), else ``auto``."""
    parallel_tool_calls: bool = True


class ServeConfig(_Strict):
    """Everything ``agentfn serve`` needs (see the module docstring)."""

    model: str | None = None
    base_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    auth: Literal["keys", "none"] = "keys"
    keys: list[KeyConfig] = Field(default_factory=list[KeyConfig])
    agents: list[AgentConfig] = Field(default_factory=lambda: [AgentConfig.model_validate({})])
    limits: LimitsConfig = Field(default_factory=lambda: LimitsConfig.model_validate({}))
    trace_store: str | None = None
    approver: str | None = None
    """``module:function`` called for every ``requires_approval`` tool; without it they are denied."""
    client_tools: Literal["reject", "ignore"] = "reject"
    include_tool_steps: bool = True
    cors_origins: list[str] = Field(default_factory=list[str])
    metrics: bool = True
    durable: bool = False
    """Run every request as a durable run (the ``durable`` extra): a run a crash or deploy interrupts is
    resumed at its last completed step by the next server to start (or sweep) on the same store."""
    durable_store: str | None = None
    """Where durable state lives (default: ``trace_store``, else the default trace store); replicas share it."""
    durable_recover_interval_s: float = Field(default=30.0, ge=0)
    """How often a server looks for runs of stopped processes to resume (0: only at start)."""
    rerun_interrupted: bool = False
    """Call again a non-idempotent tool call a crash cut off (default: tell the model it was cut off)."""

    def check(self) -> ServeConfig:
        """Cross-field rules; raises :class:`ConfigError`."""
        if self.auth == "none" and self.host not in LOOPBACK_HOSTS:
            raise ConfigError(
                f"auth = \"none\" is only allowed when binding to a loopback address, not {self.host!r}; "
                "configure [[keys]] (agentfn serve hash-key KEY) or bind to 127.0.0.1"
            )
        if self.auth == "keys" and not self.keys:
            raise ConfigError(
                'auth = "keys" but no [[keys]] are configured: `agentfn serve hash-key KEY` prints a hash, then set '
                "AGENTFN_API_KEYS=name:sha256 or add [[keys]] to --config; for local use only, AGENTFN_AUTH=none "
                "serves 127.0.0.1 without keys"
            )
        names = [a.name for a in self.agents]
        if not names:
            raise ConfigError("configure at least one [[agents]] entry")
        if len(set(names)) != len(names):
            raise ConfigError(f"agent names must be unique, got {names}")
        key_names = [k.name for k in self.keys]
        if len(set(key_names)) != len(key_names):
            raise ConfigError(f"key names must be unique, got {key_names}")
        digests = [k.sha256 for k in self.keys]
        if len(set(digests)) != len(digests):
            raise ConfigError("two [[keys]] entries have the same sha256")
        for key in self.keys:
            for agent in key.agents or []:
                if agent not in names:
                    raise ConfigError(f"key {key.name!r} names unknown agent {agent!r} (agents: {names})")
        return self


_ENV_SCALARS: dict[str, tuple[str, ...]] = {
    "AGENTFN_MODEL": ("model",),
    "AGENTFN_BASE_URL": ("base_url",),
    "AGENTFN_HOST": ("host",),
    "AGENTFN_PORT": ("port",),
    "AGENTFN_AUTH": ("auth",),
    "AGENTFN_TRACE_STORE": ("trace_store",),
    "AGENTFN_APPROVER": ("approver",),
    "AGENTFN_MAX_BODY_BYTES": ("limits", "max_body_bytes"),
    "AGENTFN_MAX_MESSAGES": ("limits", "max_messages"),
    "AGENTFN_RATE_PER_MINUTE": ("limits", "rate_per_minute"),
    "AGENTFN_BURST": ("limits", "burst"),
    "AGENTFN_DURABLE": ("durable",),
    "AGENTFN_DURABLE_STORE": ("durable_store",),
}


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
    try:
        if path.suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError as exc:
                from agentfn.exceptions import MissingExtraError

                raise MissingExtraError("YAML server config", "serve", "pyyaml") from exc
            data: Any = yaml.safe_load(text) or {}
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.') or 'toml'}: {exc}") from exc
    except Exception as exc:  # yaml.YAMLError has no common base with ValueError
        raise ConfigError(f"{path}: cannot parse: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a table/mapping")
    return dict(data)  # pyright: ignore[reportUnknownArgumentType]


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> None:
    for var, path in _ENV_SCALARS.items():
        if env.get(var):
            target = data
            for part in path[:-1]:
                target = target.setdefault(part, {})
            target[path[-1]] = env[var]
    if env.get("AGENTFN_CORS_ORIGINS"):
        data["cors_origins"] = [o.strip() for o in env["AGENTFN_CORS_ORIGINS"].split(",") if o.strip()]
    if env.get("AGENTFN_TOOLS"):
        agents: list[dict[str, Any]] = data.setdefault("agents", [{}])
        agents[0]["tools"] = [t.strip() for t in env["AGENTFN_TOOLS"].split(",") if t.strip()]
    if env.get("AGENTFN_API_KEYS"):
        keys: list[dict[str, Any]] = data.setdefault("keys", [])
        for item in env["AGENTFN_API_KEYS"].split(","):
            name, sep, digest = item.strip().partition(":")
            if not sep:
                raise ConfigError("AGENTFN_API_KEYS must be comma-separated name:sha256 pairs")
            keys.append({"name": name, "sha256": digest})


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ServeConfig:
    """Read a config file (TOML, YAML or JSON by suffix), apply ``AGENTFN_*`` env vars, then ``overrides``.

    Raises:
        ConfigError: unreadable file, unknown keys, invalid values or inconsistent settings
            (all field problems listed at once).
    """
    data: dict[str, Any] = _read_file(Path(path)) if path is not None else {}
    _apply_env(data, os.environ if env is None else env)
    for key, value in (overrides or {}).items():
        if value is not None:
            data[key] = value
    try:
        config = ServeConfig.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(
            f"  - {'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        where = f" in {path}" if path is not None else ""
        raise ConfigError(f"invalid server configuration{where}:\n{problems}") from None
    return config.check()
