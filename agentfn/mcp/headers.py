"""Extra HTTP headers for MCP servers, scoped by URL: ``AGENTFN_MCP_HEADERS``.

For ``--tools mcp:URL`` (``agentfn run|chat|serve``) and ``Toolset.load("mcp:URL")``, where no
``headers=`` argument can be passed, the variable holds a JSON object from URL prefixes
to header objects::

    AGENTFN_MCP_HEADERS='{"https://mcp.example.com/": {"Authorization": "Bearer sk-..."}}'

A prefix matches a URL with the same scheme, host and port whose path starts with the
prefix's path; the longest match wins, so a token never reaches another server.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Mapping
from typing import Any, cast

from agentfn.exceptions import ConfigError

__all__ = ["HEADERS_ENV", "headers_for"]

HEADERS_ENV = "AGENTFN_MCP_HEADERS"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def headers_for(url: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The headers ``AGENTFN_MCP_HEADERS`` (or ``env``'s) gives a server URL; ``{}`` when none.

    Raises:
        ConfigError: the variable is not such an object.
    """
    raw = (os.environ if env is None else env).get(HEADERS_ENV, "").strip()
    if not raw or not url.startswith(("http://", "https://")):
        return {}
    example = '{"https://host/mcp": {"Authorization": "Bearer TOKEN"}}'
    try:
        data: Any = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"{HEADERS_ENV} is not JSON ({exc}); expected e.g. {example}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{HEADERS_ENV} must map URL prefixes to header objects, e.g. {example}")
    best: tuple[int, dict[str, str]] | None = None
    for prefix, headers in cast(dict[Any, Any], data).items():
        if not isinstance(prefix, str) or not prefix.startswith(("http://", "https://")) or not isinstance(headers, dict):
            raise ConfigError(f"{HEADERS_ENV}: {prefix!r} must be an http(s) URL prefix mapped to headers, e.g. {example}")
        pairs = cast(dict[Any, Any], headers)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in pairs.items()):
            raise ConfigError(f"{HEADERS_ENV}: the headers for {prefix!r} must be strings")
        if _url_under(url, prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), cast(dict[str, str], pairs))
    return dict(best[1]) if best else {}


def _url_under(url: str, prefix: str) -> bool:
    u, p = urllib.parse.urlsplit(url), urllib.parse.urlsplit(prefix)
    try:
        same_origin = (u.scheme, u.hostname, u.port or _DEFAULT_PORTS[u.scheme]) == (
            p.scheme, p.hostname, p.port or _DEFAULT_PORTS[p.scheme])
    except ValueError:  # a malformed port
        return False
    return same_origin and (u.path or "/").startswith(p.path or "/")
