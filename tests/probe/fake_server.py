"""A real HTTP server on 127.0.0.1 that imitates an OpenAI-compatible server with known defects.

Each defect reproduces a failure users report from real deployments: a tool parser that does not
match the model (calls left in text), dropped parallel calls, calls swallowed by a reasoning
block, broken streamed arguments, structured output ignored, or a server that answers 500.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CITIES = ("Paris", "Tokyo", "Berlin", "Rome", "Oslo")


def _calls_for(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    text = " ".join(str(m.get("content", "")) for m in body["messages"])
    choice = body.get("tool_choice")
    named = choice["function"]["name"] if isinstance(choice, dict) else None
    cities = [c for c in CITIES if c in text]
    if named == "create_event" or "event" in text:
        return [("create_event", {"title": "Sync", "when": {"date": "2025-03-01", "time": "10:00"},
                                  "attendees": [{"name": "Ann"}, {"name": "Bob"}]})]
    if named == "get_time" or "time is it" in text:
        return [("get_time", {"timezone": f"Europe/{cities[0]}" if cities else "Asia/Tokyo"})]
    return [("get_weather", {"city": c}) for c in cities] or [("get_weather", {"city": "Paris"})]


class FakeOpenAI(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, defects: set[str]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.defects = defects
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: FakeOpenAI

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        defects = self.server.defects
        if "http_500" in defects:
            self._json(500, {"error": {"message": "internal error"}})
            return
        if "response_format" in body or "structured_outputs" in body:
            if "no_structured" in defects or ("only_vllm_structured" in defects and "structured_outputs" not in body):
                content = "Sure! Osaka is a lovely city in Japan."
            else:
                content = json.dumps({"city": "Osaka", "country": "Japan"})
            self._json(200, _completion({"role": "assistant", "content": content}))
            return
        calls = _calls_for(body)
        if "drops_parallel" in defects:
            calls = calls[:1]
        if body.get("stream"):
            self._stream(calls, defects)
            return
        message: dict[str, Any] = {"role": "assistant", "content": None}
        hermes = "\n".join(f'<tool_call>{{"name": "{n}", "arguments": {json.dumps(a)}}}</tool_call>' for n, a in calls)
        forced = body.get("tool_choice") not in (None, "auto")
        if "ignores_auto" in defects and not forced:
            message["content"] = "I would check a weather service for that."
        elif "calls_in_text" in defects:
            message["content"] = hermes
        elif "reasoning_swallows" in defects and any("think" in str(m.get("content")) for m in body["messages"]):
            message["reasoning_content"] = "The user wants weather. " + hermes
        else:
            message["tool_calls"] = [
                {"id": f"call_{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
                for i, (n, a) in enumerate(calls)
            ]
        self._json(200, _completion(message))

    def _stream(self, calls: list[tuple[str, dict[str, Any]]], defects: set[str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for i, (name, args) in enumerate(calls):
            text = json.dumps(args)
            if "broken_stream" in defects:
                text = re.sub(r'"\s*}$', "", text)  # the closing of the arguments never arrives
            pieces = [text[j : j + 5] for j in range(0, len(text), 5)]
            first = {"index": i, "id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": ""}}
            self._event({"tool_calls": [first]})
            for piece in pieces:
                self._event({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, delta: dict[str, Any]) -> None:
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "fake-model",
                 "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.flush()


def _completion(message: dict[str, Any]) -> dict[str, Any]:
    return {"id": "c", "object": "chat.completion", "created": 0, "model": "fake-model",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


@contextmanager
def fake_openai(*defects: str) -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(set(defects))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
