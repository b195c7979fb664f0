"""http_get against a real http.server on 127.0.0.1: allow-list, redirects, size and time limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from agentfn import ToolRetry
from agentfn.library.config import configure
from agentfn.library.web import http_get, is_allowed


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        _Handler.hits.append(self.path)
        port = self.server.server_address[1]
        if self.path == "/hello":
            self._send(200, "héllo wörld".encode())
        elif self.path == "/json":
            self._send(200, b'{"ok": true}', "application/json")
        elif self.path == "/big":
            self._send(200, b"x" * 200_000)
        elif self.path == "/missing":
            self._send(404, b"not here")
        elif self.path == "/redirect":
            self._send(302, b"", Location="/hello")
        elif self.path == "/redirect-out":
            self._send(302, b"", Location="http://example.invalid/steal")
        elif self.path == "/loop":
            self._send(302, b"", Location=f"http://127.0.0.1:{port}/loop")
        elif self.path == "/slow":
            time.sleep(2)
            self._send(200, b"late")
        else:
            self._send(200, b"root")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that stop reading (size limit, timeout) break the pipe on purpose


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_off_unless_configured(server: str) -> None:
    with pytest.raises(PermissionError, match="disabled"):
        http_get(f"http://{server}/hello")


def test_fetches_allowed_urls(server: str) -> None:
    configure(http_allow=[server])
    page = http_get(f"http://{server}/hello")
    assert (page.status, page.text, page.truncated) == (200, "héllo wörld", False)
    assert page.content_type.startswith("text/plain")
    assert http_get(f"http://{server}/missing").status == 404
    assert http_get.call_sync({"url": f"http://{server}/json"}).text == '{"ok": true}'


def test_refuses_urls_off_the_list(server: str) -> None:
    configure(http_allow=["example.com"])
    _Handler.hits.clear()
    with pytest.raises(PermissionError, match="not on the HTTP allow-list"):
        http_get(f"http://{server}/hello")
    assert _Handler.hits == []  # refused before connecting


def test_redirects_are_rechecked(server: str) -> None:
    configure(http_allow=[server])
    page = http_get(f"http://{server}/redirect")
    assert page.text == "héllo wörld" and page.redirects == [f"http://{server}/redirect"]
    with pytest.raises(PermissionError, match=r"example\.invalid"):
        http_get(f"http://{server}/redirect-out")
    configure(http_allow=[server], http_max_redirects=3)
    with pytest.raises(ToolRetry, match="more than 3 redirects"):
        http_get(f"http://{server}/loop")


def test_size_and_time_limits(server: str) -> None:
    configure(http_allow=[server], http_max_bytes=1000, http_timeout=0.5)
    page = http_get(f"http://{server}/big")
    assert page.truncated and len(page.text) == 1000
    assert len(http_get(f"http://{server}/big", max_bytes=10).text) == 10
    assert len(http_get(f"http://{server}/big", max_bytes=10**9).text) == 1000  # capped by the configuration
    with pytest.raises(ToolRetry, match="did not answer"):
        http_get(f"http://{server}/slow")


def test_connection_failure_is_reported() -> None:
    configure(http_allow=["127.0.0.1:9"])
    with pytest.raises(ToolRetry, match="cannot fetch"):
        http_get("http://127.0.0.1:9/")


def test_environment_allow_list(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentfn.library.config import reset_config

    monkeypatch.setenv("AGENTFN_HTTP_ALLOW", f"example.com, http://{server}/hel")
    reset_config()
    assert http_get(f"http://{server}/hello").status == 200
    with pytest.raises(PermissionError):
        http_get(f"http://{server}/json")


@pytest.mark.parametrize(
    ("url", "allow", "expected"),
    [
        ("https://example.com/a", ["example.com"], True),
        ("http://EXAMPLE.com:8080/a", ["example.com"], True),
        ("https://api.example.com/", ["*.example.com"], True),
        ("https://example.com/", ["*.example.com"], False),
        ("https://evil-example.com/", ["*.example.com"], False),
        ("https://example.com.evil.net/", ["example.com"], False),
        ("http://127.0.0.1:8000/x", ["127.0.0.1:8000"], True),
        ("http://127.0.0.1:8001/x", ["127.0.0.1:8000"], False),
        ("https://api.example.com/v1/users", ["https://api.example.com/v1/"], True),
        ("https://api.example.com/v2/users", ["https://api.example.com/v1/"], False),
        ("http://api.example.com/v1/users", ["https://api.example.com/v1/"], False),
        ("https://api.example.com/v1/../admin", ["https://api.example.com/v1/"], False),
        ("file:///etc/passwd", ["example.com"], False),
        ("ftp://example.com/", ["example.com"], False),
        ("http://user@evil.com@example.com/", ["evil.com"], False),
        ("https://example.com/", [], False),
    ],
)
def test_allow_list_matching(url: str, allow: list[str], expected: bool) -> None:
    assert is_allowed(url, allow) is expected
