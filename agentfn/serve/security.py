"""API keys (checked by hash) and per-key token-bucket rate limits.

Keys are never stored: the config holds their sha256 digests and an incoming
bearer token is hashed and looked up, so a leaked config does not leak keys.
Buckets live in the process (servers are stateless): behind a load balancer
with N processes a key's effective rate is up to N times its configured rate.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from agentfn.serve.config import KeyConfig, LimitsConfig, ServeConfig, hash_key

__all__ = ["KeyRing", "Principal", "RateLimiter", "TokenBucket"]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a configured key, or an anonymous local client (``auth = "none"``)."""

    name: str
    rate_per_minute: float
    burst: int
    tools: frozenset[str] | None = None
    agents: frozenset[str] | None = None

    def may_use_agent(self, agent: str) -> bool:
        return self.agents is None or agent in self.agents


class KeyRing:
    """Resolves ``Authorization: Bearer KEY`` headers to principals."""

    def __init__(self, config: ServeConfig) -> None:
        self.required = config.auth == "keys"
        self._limits: LimitsConfig = config.limits
        self._by_digest: dict[str, Principal] = {k.sha256: self._principal(k) for k in config.keys}

    def _principal(self, key: KeyConfig) -> Principal:
        return Principal(
            name=key.name,
            rate_per_minute=key.rate_per_minute or self._limits.rate_per_minute,
            burst=key.burst or self._limits.burst,
            tools=frozenset(key.tools) if key.tools is not None else None,
            agents=frozenset(key.agents) if key.agents is not None else None,
        )

    def authenticate(self, authorization: str | None, client: str) -> Principal | None:
        """The caller, or None when a key is required and missing or unknown."""
        token = _bearer(authorization)
        if token is not None:
            found = self._by_digest.get(hash_key(token))
            if found is not None:
                return found
            if self.required:
                return None
        if self.required:
            return None
        # No auth: each client address gets the default limits.
        return Principal(name=f"anonymous@{client}", rate_per_minute=self._limits.rate_per_minute, burst=self._limits.burst)


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class TokenBucket:
    """``burst`` tokens, refilled at ``rate_per_minute / 60`` per second; one token per request."""

    def __init__(self, rate_per_minute: float, burst: int) -> None:
        self.rate = rate_per_minute / 60.0
        self.capacity = float(burst)
        self.tokens = float(burst)
        self._clock = time.monotonic
        self.updated = self._clock()

    def take(self) -> float:
        """Take a token: 0.0 when allowed, else seconds until one is available."""
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    """One bucket per principal name; thread-safe (the server may run sync handlers in threads)."""

    def __init__(self, max_buckets: int = 100_000) -> None:
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()
        self._max = max_buckets

    def check(self, principal: Principal) -> int:
        """0 when the request may proceed, else the ``Retry-After`` seconds (at least 1)."""
        with self._lock:
            bucket = self._buckets.get(principal.name)
            if bucket is None:
                if len(self._buckets) >= self._max:
                    # Anonymous addresses could grow this without bound; full buckets are safe to forget.
                    self._buckets = {k: b for k, b in self._buckets.items() if b.tokens < b.capacity}
                bucket = self._buckets[principal.name] = TokenBucket(principal.rate_per_minute, principal.burst)
            wait = bucket.take()
        return 0 if wait <= 0 else max(1, math.ceil(wait))
