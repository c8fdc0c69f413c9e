"""A real HTTP server on 127.0.0.1 speaking the Chat Completions and Moderations APIs.

It records every request (path, headers, JSON body) and can be told, per endpoint, to answer a
scripted sequence: slowly, with 429 + Retry-After, with 500s, with malformed JSON, or with a
caption that breaks the rules. Otherwise it answers a valid caption. It counts requests in
flight, so tests can check concurrency limits. Used by the tests and by bench/bench_captions.py.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
    "illicit/violent", "self-harm", "self-harm/instructions", "self-harm/intent", "sexual",
    "sexual/minors", "violence", "violence/graphic",
)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able; bytes are sent as they are (for malformed answers)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: Any


def completion(content: str, model: str = "stand-in") -> dict[str, Any]:
    return {
        "id": "chatcmpl-standin", "object": "chat.completion", "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def caption_reply(caption: str, hashtags: list[str] | None = None,
                  alt_text: str = "A person in a knitted coat.") -> Reply:
    content = json.dumps({"caption": caption, "hashtags": hashtags or [], "alt_text": alt_text})
    return Reply(body=completion(content))


def moderation_result(text: list[str] | None = None, image: list[str] | None = None) -> dict[str, Any]:
    text, image = text or [], image or []
    return {
        "flagged": bool(text or image),
        "categories": {c: c in text or c in image for c in CATEGORIES},
        "category_scores": {c: 0.99 if c in text or c in image else 0.0 for c in CATEGORIES},
        "category_applied_input_types": {
            c: [kind for kind, hits in (("text", text), ("image", image)) if c in hits]
            for c in CATEGORIES},
    }


class ModelStandIn:
    """Start with ``start()``, stop with ``close()``; ``url`` is the SDK's ``base_url``."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay  # default answer delay, seconds
        self.requests: list[Recorded] = []
        self.scripts: dict[str, deque[Reply]] = {"chat": deque(), "moderation": deque()}
        self.caption: Callable[[dict[str, Any]], Reply] = lambda body: caption_reply(
            "Soft wool, slow mornings and a coat that knows November.", ["#knitwear"])
        self.flag_words: dict[str, str] = {}  # word in text -> moderation category
        self.flag_images = False
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> ModelStandIn:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()  # wakes any handler still waiting out a delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def script(self, endpoint: str, *replies: Reply) -> None:
        self.scripts[endpoint].extend(replies)

    def bodies(self, endpoint: str) -> list[Any]:
        suffix = "/chat/completions" if endpoint == "chat" else "/moderations"
        return [r.body for r in self.requests if r.path.endswith(suffix)]

    def answer(self, path: str, body: Any) -> Reply:
        endpoint = "chat" if path.endswith("/chat/completions") else "moderation"
        with self._lock:
            scripted = self.scripts[endpoint].popleft() if self.scripts[endpoint] else None
        if scripted is not None:
            return scripted
        if endpoint == "chat":
            reply = self.caption(body)
            reply.delay = reply.delay or self.delay
            return reply
        return Reply(body=self._moderate(body), delay=self.delay)

    def _moderate(self, body: dict[str, Any]) -> dict[str, Any]:
        parts = body["input"] if isinstance(body["input"], list) else [
            {"type": "text", "text": body["input"]}]
        text = " ".join(p.get("text", "") for p in parts if p.get("type") == "text").lower()
        has_image = any(p.get("type") == "image_url" for p in parts)
        hits = [cat for word, cat in self.flag_words.items() if word in text]
        image = ["violence"] if self.flag_images and has_image else []
        return {"id": "modr-standin", "model": body.get("model", ""),
                "results": [moderation_result(hits, image)]}

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def wait(self, seconds: float) -> None:
        self._stop.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256  # the default 5 drops connections under 20+ concurrent clients


def _handler(stand_in: ModelStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stall

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with stand_in._lock:
                stand_in.requests.append(Recorded(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            stand_in.enter()
            try:
                reply = stand_in.answer(self.path, body)
                if reply.delay:
                    stand_in.wait(reply.delay)
                self._send(reply)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer
            finally:
                stand_in.leave()

        def _send(self, reply: Reply) -> None:
            payload = reply.body if isinstance(reply.body, bytes) else json.dumps(
                reply.body if reply.body is not None else {"error": {"message": "scripted"}}
            ).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler
