"""Redaction of secrets (and optionally e-mail addresses) before traces are stored.

A redactor is any ``Callable[[str], str]``. The recorder applies it to every
text it stores that came from the conversation or from tools: raw and
validated arguments (as JSON text), results, errors, messages and the final
output. :func:`redact_secrets` is the built-in default; it keeps JSON valid
(replacements never contain quotes or backslashes) so redacted arguments still
parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["Redactor", "make_redactor", "redact_secrets"]

Redactor = Callable[[str], str]

_SECRET_NAMES = (
    r"password|passwd|pwd|passphrase|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?key"
    r"|secret[_-]?key|private[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|token"
    r"|aws_secret_access_key|authorization"
)

# (pattern, replacement). Order matters: specific token shapes first, generic key=value last.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
        "[REDACTED:private_key]",
    ),
    (re.compile(r"\bsk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_\-]{16,}"), "[REDACTED:api_key]"),
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"), "[REDACTED:aws_key]"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{30,}"), "[REDACTED:github_token]"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}"), "[REDACTED:slack_token]"),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"), "[REDACTED:google_key]"),
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"), "[REDACTED:hf_token]"),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"), "[REDACTED:jwt]"),
    (re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9\-._~+/]{8,}=*"), r"\1\2[REDACTED]"),
    # Basic credentials are base64: demand a digit or +/= so prose ("Basic authentication") survives.
    (re.compile(r"\b(Basic)(\s+)(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}=*"), r"\1\2[REDACTED]"),
    # scheme://user:password@host -> keep user and host
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@\"']+:)([^\s@/\"']+)(@)"), r"\1[REDACTED]\3"),
    # "password": "value" in JSON (the value may hold escaped quotes)
    (
        re.compile(r'(?i)("[A-Za-z0-9_\-]*(?:' + _SECRET_NAMES + r')"\s*:\s*")((?:[^"\\]|\\.)*)(")'),
        r"\1[REDACTED]\3",
    ),
    # "password": 1234 (a number) becomes a string so the JSON stays valid
    (
        re.compile(r'(?i)("[A-Za-z0-9_\-]*(?:' + _SECRET_NAMES + r')"\s*:\s*)(-?\d[\d.eE+\-]*)'),
        r'\1"[REDACTED]"',
    ),
    # password=value, api_key: value (query strings, env files, logs)
    (
        re.compile(r"(?i)(\b[A-Za-z0-9_\-]*(?:" + _SECRET_NAMES + r")\s*[=:]\s*)(?![\s\"\[{])(?!(?:Bearer|Basic)\s)([^\s&,;\"'}\]]+)"),
        r"\1[REDACTED]",
    ),
]

# Every pattern above needs one of these substrings; text without any (almost all of it) is
# returned after one scan instead of fourteen.
_TRIGGER = re.compile(
    r"sk-|AKIA|ASIA|AGPA|AIDA|AROA|gh[pousr]_|github_pat_|xox[abprs]-|AIza|hf_|eyJ|bearer|basic|://"
    r"|key|pass|pwd|secret|token|authorization",
    re.IGNORECASE,
)
# The same test for ASCII text, on its lower-case copy: a case-sensitive scan is ~5x faster than
# the case-insensitive one, and this check runs on every text a recorder stores.
_TRIGGER_LOWER = re.compile(_TRIGGER.pattern.lower())

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")


def redact_secrets(text: str) -> str:
    """Mask common secret shapes: API keys (``sk-...``, AWS, GitHub, Slack, Google, Hugging Face),
    JWTs, bearer/basic tokens, passwords in URLs and ``password=``/``"api_key": "..."`` pairs.

    Example:
        >>> redact_secrets('{"url": "postgres://bob:hunter2@db/x", "api_key": "abc123"}')
        '{"url": "postgres://bob:[REDACTED]@db/x", "api_key": "[REDACTED]"}'
    """
    if not text:
        return text
    if (_TRIGGER_LOWER.search(text.lower()) if text.isascii() else _TRIGGER.search(text)) is None:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def make_redactor(*, secrets: bool = True, emails: bool = False, extra: Redactor | None = None) -> Redactor:
    """Build a redactor: the built-in secret masking, e-mail masking, and your own function after them."""

    def redact(text: str) -> str:
        if secrets:
            text = redact_secrets(text)
        if emails:
            text = _EMAIL.sub("[REDACTED:email]", text)
        if extra is not None:
            text = extra(text)
        return text

    return redact
