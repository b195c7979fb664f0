"""HTTP GET restricted to an allow-list; off until the allow-list is configured.

Allow-list entries (``AGENTFN_HTTP_ALLOW``, comma-separated, or
``tools.config.configure(http_allow=[...])``):

- ``example.com``: that host, any port, http or https;
- ``*.example.com``: any sub-domain of example.com (not example.com itself);
- ``127.0.0.1:8000``: that host and port only;
- ``https://api.example.com/v1/``: URLs starting with this prefix (scheme, host, port and path).

Redirects are followed by hand, at most ``http_max_redirects``, and every
target is checked against the allow-list again. Bodies are cut after
``http_max_bytes`` (``truncated`` says so). Only http and https.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import httpx
from pydantic import BaseModel

from agentfn import ToolRetry, tool
from agentfn.library.config import get_config

__all__ = ["HttpResponse", "http_get", "is_allowed"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _normalise_path(path: str) -> str:
    return path or "/"


def is_allowed(url: str, allow: tuple[str, ...] | list[str]) -> bool:
    """Whether ``url`` matches an allow-list entry (see the module docstring)."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return False
    if ".." in parts.path.split("/"):
        return False  # a dot-segment could climb out of an allowed path prefix
    host = parts.hostname.lower()
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return False
    for entry in allow:
        entry = entry.strip()
        if not entry:
            continue
        if "://" in entry:
            e = urlsplit(entry)
            e_port = e.port or _DEFAULT_PORTS.get(e.scheme, 0)
            if (
                e.scheme == parts.scheme and (e.hostname or "").lower() == host and e_port == port
                and _normalise_path(parts.path).startswith(_normalise_path(e.path))
            ):
                return True
            continue
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        name = name.lower()
        if entry_port and (not entry_port.isdigit() or int(entry_port) != port):
            continue
        if name.startswith("*."):
            if host.endswith(name[1:]) and host != name[2:]:
                return True
        elif host == name:
            return True
    return False


class HttpResponse(BaseModel):
    """A fetched page."""

    url: str
    status: int
    content_type: str
    text: str
    truncated: bool
    redirects: list[str] = []


@tool(side_effects="external", idempotent=True)
def http_get(url: str, max_bytes: int | None = None) -> HttpResponse:
    """Fetch (download) a web page or API URL with HTTP GET and return the status and the body as text.

    Only URLs on the configured allow-list can be fetched.

    Args:
        url: an http:// or https:// URL.
        max_bytes: cut the body after this many bytes (at most the configured limit).
    """
    config = get_config()
    if not config.http_allow:
        raise PermissionError("http_get is disabled: configure an allow-list (AGENTFN_HTTP_ALLOW)")
    limit = min(max_bytes or config.http_max_bytes, config.http_max_bytes)
    redirects: list[str] = []
    current = url
    with httpx.Client(timeout=config.http_timeout, follow_redirects=False, trust_env=False) as client:
        for _ in range(config.http_max_redirects + 1):
            if not is_allowed(current, config.http_allow):
                raise PermissionError(f"{current!r} is not on the HTTP allow-list")
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect and "location" in response.headers:
                        redirects.append(current)
                        current = urljoin(current, response.headers["location"])
                        continue
                    body = bytearray()
                    truncated = False
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > limit:
                            truncated = True
                            del body[limit:]
                            break
                    encoding = response.encoding or "utf-8"
                    return HttpResponse(
                        url=current, status=response.status_code,
                        content_type=response.headers.get("content-type", ""),
                        text=bytes(body).decode(encoding, errors="replace"), truncated=truncated,
                        redirects=redirects,
                    )
            except httpx.TimeoutException:
                raise ToolRetry(f"{current} did not answer within {config.http_timeout} s") from None
            except httpx.HTTPError as exc:
                raise ToolRetry(f"cannot fetch {current}: {type(exc).__name__}: {exc}") from None
    raise ToolRetry(f"more than {config.http_max_redirects} redirects starting at {url}")
