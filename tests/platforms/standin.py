"""A real HTTP server on 127.0.0.1 that stands in for a platform in tests.

It records every request (multipart and urlencoded bodies parsed), answers through routes, can
be scripted to answer the next matching requests with errors, to drop the connection after the
request arrived (an unknown outcome), or to hold a request open until the test releases it.

    with StandIn() as s:
        s.route("POST", r"/2/tweets", lambda rec, m: Reply(201, {"data": {"id": "1"}}))
        s.script("POST", r"/2/tweets", Reply(429, {...}, {"x-rate-limit-reset": "…"}))
        ... s.url ... s.requests ...
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (for timeouts)
    drop: bool = False  # close the connection without answering


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any = None  # the parsed JSON body, None when there was none
    form: dict[str, list[str]] | None = None
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)


@dataclass
class Hold:
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


Handler = Callable[[Recorded, "re.Match[str]"], Reply]


def parse_body(headers: dict[str, str], body: bytes) -> tuple[Any, dict[str, list[str]] | None,
                                                                dict[str, tuple[str, str, bytes]]]:
    kind = headers.get("content-type", "")
    if "application/json" in kind and body:
        try:
            return json.loads(body), None, {}
        except ValueError:
            return None, None, {}
    if "application/x-www-form-urlencoded" in kind:
        return None, parse_qs(body.decode(), keep_blank_values=True), {}
    if "multipart/form-data" in kind:
        return (None, *_multipart(kind, body))
    return None, None, {}


def _multipart(kind: str, body: bytes) -> tuple[dict[str, list[str]], dict[str, tuple[str, str, bytes]]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + kind.encode() + b"\r\n\r\n" + body)
    form: dict[str, list[str]] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition") or ""
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        payload = payload if isinstance(payload, bytes) else b""
        if filename is not None:
            files[str(name)] = (filename, part.get_content_type(), payload)
        else:
            form.setdefault(str(name), []).append(payload.decode("utf-8", "replace"))
    return form, files


class StandIn:
    """Start with ``with StandIn() as s``; stopped and closed on exit."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._scripts: list[tuple[str, re.Pattern[str], deque[Reply]]] = []
        self._holds: list[tuple[str, re.Pattern[str], Hold]] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method.upper(), re.compile(pattern), handler))

    def script(self, method: str, pattern: str, *replies: Reply) -> None:
        self._scripts.append((method.upper(), re.compile(pattern), deque(replies)))

    def hold(self, method: str, pattern: str) -> Hold:
        hold = Hold()
        self._holds.append((method.upper(), re.compile(pattern), hold))
        return hold

    def matching(self, method: str, pattern: str) -> list[Recorded]:
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method.upper() and regex.fullmatch(r.path)]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for _, _, hold in self._holds:
            hold.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _answer(self, rec: Recorded) -> Reply:
        with self._lock:
            self.requests.append(rec)
            for method, pattern, queue in self._scripts:
                if method == rec.method and pattern.fullmatch(rec.path) and queue:
                    return queue.popleft()
            holds = [h for m, p, h in self._holds if m == rec.method and p.fullmatch(rec.path)
                     and not h.arrived.is_set()]
        if holds:
            holds[0].arrived.set()
            holds[0].released.wait(timeout=60)
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(rec.path)
            if method == rec.method and match:
                return handler(rec, match)
        return Reply(404, {"error": f"no route for {rec.method} {rec.path}"})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                parts = urlsplit(self.path)
                parsed, form, files = parse_body(headers, body)
                rec = Recorded(self.command, parts.path, parse_qs(parts.query), headers, body,
                               parsed, form, files)
                reply = standin._answer(rec)
                if reply.delay:
                    time.sleep(reply.delay)  # a slow platform, for timeout tests
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                raw = reply.body if isinstance(reply.body, bytes) else (
                    b"" if reply.body is None else json.dumps(reply.body).encode())
                self.send_response(reply.status)
                if not isinstance(reply.body, bytes) and reply.body is not None:
                    self.send_header("Content-Type", "application/json")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, *args: object) -> None:
                pass

        return RequestHandler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a daemon killed mid-request) is what the chaos tests do on
        purpose: not worth a traceback on stderr."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class PlatformStandIn:
    """One platform served by a ``StandIn``: a subclass lists its routes (``routes``) and keeps
    what it received; requests its checks refused are kept in ``rejected`` with the reasons."""

    server: StandIn
    rejected: list[tuple[Recorded, list[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for method, pattern, handler in self.routes():
            self.server.route(method, pattern, handler)

    def routes(self) -> list[tuple[str, str, Handler]]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return self.server.url
