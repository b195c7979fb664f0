from __future__ import annotations

import json

from agentfn.traces import TraceRecorder, TraceStore, make_redactor, redact_secrets
from agentfn.traces.testing import ScriptedCall, scripted_run_events

SECRETS = {
    "openai": "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789",
    "aws": "AKIAIOSFODNN7EXAMPLE",
    "github": "ghp_" + "a1B2c3D4e5" * 4,
    "slack": "xoxb-123456789012-abcdefghijkl",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "hf": "hf_" + "abcdEFGH" * 5,
}


def test_token_shapes_are_masked() -> None:
    for kind, secret in SECRETS.items():
        out = redact_secrets(f"use {secret} please")
        assert secret not in out, kind
        assert "REDACTED" in out and out.startswith("use ") and out.endswith(" please")


def test_bearer_url_password_and_key_value_pairs() -> None:
    assert redact_secrets("Authorization: Bearer abc.def-123_456") == "Authorization: Bearer [REDACTED]"
    assert redact_secrets("curl -H 'Authorization: Bearer abcdef123456'").count("abcdef123456") == 0
    assert redact_secrets("postgresql://bob:hunter2@db:5432/x") == "postgresql://bob:[REDACTED]@db:5432/x"
    assert redact_secrets("https://example.com/path?x=1") == "https://example.com/path?x=1"
    assert redact_secrets("login password=hunter2 now") == "login password=[REDACTED] now"
    assert redact_secrets("API_KEY: abc123") == "API_KEY: [REDACTED]"
    assert "s3cr3t" not in redact_secrets("-----BEGIN RSA PRIVATE KEY-----\ns3cr3t\n-----END RSA PRIVATE KEY-----")


def test_json_stays_valid_after_redaction() -> None:
    doc = {
        "password": 'hun"ter2',
        "api_key": "abc",
        "pin_token": 1234,
        "url": "redis://u:pw@h/0",
        "note": "key is sk-abcdefghijklmnopqrstuvwxyz",
        "max_tokens": 100,
        "city": "Paris",
    }
    out = json.loads(redact_secrets(json.dumps(doc)))
    assert out["password"] == out["api_key"] == out["pin_token"] == "[REDACTED]"
    assert out["url"] == "redis://u:[REDACTED]@h/0"
    assert "sk-" not in out["note"]
    assert out["max_tokens"] == 100 and out["city"] == "Paris"


def test_upper_case_and_non_ascii_text_are_scanned() -> None:
    # ASCII text is checked on a lower-case copy, other text with the case-insensitive pattern.
    assert "hunter2" not in redact_secrets("PASSWORD=hunter2")
    assert "abcdefgh12345" not in redact_secrets("Authorization: BEARER abcdefgh12345")
    assert "hunter2" not in redact_secrets("mot de passe (clé): password=hunter2 — déjà vu")
    assert "hunter2" not in redact_secrets("ПАРОЛЬ: PASSWORD=hunter2")
    assert redact_secrets("Grüße, keine Geheimnisse") == "Grüße, keine Geheimnisse"


def test_ordinary_text_is_left_alone() -> None:
    for text in [
        "Basic authentication is enabled",
        "The token count was 5; tokens: many",
        "Ask skeptics about sk-8",
        "Paris is 21C and sunny",
        '{"query": "weather", "limit": 10}',
    ]:
        assert redact_secrets(text) == text


def test_emails_optional_and_custom_hook() -> None:
    redact = make_redactor(emails=True, extra=lambda s: s.replace("ACME", "[ORG]"))
    assert redact("mail bob@example.com at ACME") == "mail [REDACTED:email] at [ORG]"
    assert redact_secrets("bob@example.com") == "bob@example.com"


def test_recorder_applies_redaction_to_arguments_results_and_messages(store: TraceStore) -> None:
    key = SECRETS["openai"]
    events = scripted_run_events(
        [[ScriptedCall("login", {"user": "bob", "password": "hunter2", "key": key}, result=f"token {key} issued")]],
        request=f"log in with {key}",
        run_id="sec",
    )
    rec = TraceRecorder(store)
    for e in events:
        rec.handle(e)
    rec.close()
    run = store.get_run("sec")
    assert run is not None
    dumped = run.model_dump_json()
    assert key not in dumped and "hunter2" not in dumped
    call = run.tool_calls[0]
    assert call.arguments == {"user": "bob", "password": "[REDACTED]", "key": "[REDACTED:api_key]"}
    assert json.loads(call.raw_arguments)["password"] == "[REDACTED]"
    assert "[REDACTED:api_key]" in (call.content or "")
    assert "[REDACTED:api_key]" in run.request


def test_redaction_off(store: TraceStore) -> None:
    events = scripted_run_events([[ScriptedCall("login", {"password": "hunter2"})]], run_id="plain")
    rec = TraceRecorder(store, redact=None)
    for e in events:
        rec.handle(e)
    rec.close()
    run = store.get_run("plain")
    assert run is not None and run.tool_calls[0].arguments == {"password": "hunter2"}
