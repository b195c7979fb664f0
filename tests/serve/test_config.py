"""Server configuration: files, environment, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentfn.exceptions import ConfigError
from agentfn.serve import hash_key, load_config
from agentfn.serve.security import KeyRing, RateLimiter

DIGEST = hash_key("sk-1")


def test_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "agentfn.toml"
    path.write_text(f"""
model = "test"
host = "127.0.0.1"
port = 9000
trace_store = "sqlite:///{tmp_path}/t.db"

[limits]
max_messages = 7

[[agents]]
name = "a"
tools = ["builtin"]
max_steps = 3

[[keys]]
name = "alice"
sha256 = "{DIGEST}"
tools = ["get_weather"]
""")
    config = load_config(path, env={})
    assert config.port == 9000 and config.limits.max_messages == 7 and config.limits.max_body_bytes == 1_048_576
    assert config.agents[0].max_steps == 3
    assert config.keys[0].tools == ["get_weather"]


def test_yaml_file_and_env_override(tmp_path: Path) -> None:
    path = tmp_path / "agentfn.yaml"
    path.write_text(f"model: test\nkeys:\n  - name: alice\n    sha256: {DIGEST}\nlimits:\n  burst: 3\n")
    env = {"AGENTFN_PORT": "8123", "AGENTFN_BURST": "9", "AGENTFN_TOOLS": "builtin, mypkg.tools",
           "AGENTFN_API_KEYS": f"bob:{hash_key('sk-2')}", "AGENTFN_MODEL": "openai:x"}
    config = load_config(path, env=env)
    assert config.port == 8123 and config.limits.burst == 9 and config.model == "openai:x"
    assert config.agents[0].tools == ["builtin", "mypkg.tools"]
    assert [k.name for k in config.keys] == ["alice", "bob"]


def test_errors_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.toml", env={})
    bad = tmp_path / "bad.toml"
    bad.write_text("port = [")
    with pytest.raises(ConfigError, match="not valid toml"):
        load_config(bad, env={})
    bad.write_text('port = "x"\nunknown = 1\n[[keys]]\nname = "a"\nsha256 = "abc"\n')
    with pytest.raises(ConfigError) as info:
        load_config(bad, env={})
    text = str(info.value)
    assert "port" in text and "unknown" in text and "keys.0.sha256" in text  # every problem at once
    with pytest.raises(ConfigError, match="no \\[\\[keys\\]\\]"):
        load_config(None, env={})
    with pytest.raises(ConfigError, match="loopback"):
        load_config(None, env={"AGENTFN_AUTH": "none", "AGENTFN_HOST": "0.0.0.0"})
    assert load_config(None, env={"AGENTFN_AUTH": "none"}).auth == "none"


def test_keys_are_checked_by_hash() -> None:
    config = load_config(None, env={"AGENTFN_API_KEYS": f"alice:{DIGEST}"})
    ring = KeyRing(config)
    assert ring.authenticate("Bearer sk-1", "1.2.3.4") is not None
    assert ring.authenticate("Bearer sk-2", "1.2.3.4") is None
    assert ring.authenticate("Basic sk-1", "1.2.3.4") is None
    assert ring.authenticate(None, "1.2.3.4") is None
    assert "sk-1" not in config.model_dump_json()


def test_token_bucket() -> None:
    config = load_config(None, env={"AGENTFN_AUTH": "none", "AGENTFN_BURST": "2", "AGENTFN_RATE_PER_MINUTE": "6"})
    who = KeyRing(config).authenticate(None, "10.0.0.1")
    assert who is not None
    limiter = RateLimiter()
    assert [limiter.check(who) for _ in range(2)] == [0, 0]
    wait = limiter.check(who)
    assert 1 <= wait <= 10  # 6 a minute: one token every 10 s
