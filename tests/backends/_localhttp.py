"""A real HTTP server on 127.0.0.1 for backend tests (stdlib ``http.server``), answered by a function.

``answer(method, path, body)`` returns ``(status, reply)``: a reply that is ``bytes`` is sent as a
server-sent event stream, anything else as JSON. POST bodies are recorded in ``requests``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[str, str, "dict[str, Any] | None"], "tuple[int, Any]"]


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Answer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = answer
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def _reply(self, body: dict[str, Any] | None) -> None:
        status, reply = self.server.answer(self.command, self.path, body)
        stream = isinstance(reply, bytes)
        data = reply if stream else json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("content-type", "text/event-stream" if stream else "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._reply(None)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.server.requests.append(body)
        self._reply(body)


@contextmanager
def serving(answer: Answer) -> Iterator[LocalServer]:
    """A :class:`LocalServer` running in a thread for the ``with`` block."""
    httpd = LocalServer(answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
