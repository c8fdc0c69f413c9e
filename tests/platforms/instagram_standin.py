"""A stand-in for the Instagram Graph API (and a web server for the media host folder).

Like Instagram, it fetches each container's ``image_url`` when the container is created, so a
test sees the exact bytes the media host served. Containers go through ``statuses`` (one per
status check, the last one sticks); errors come in Graph's ``{"error": {...}}`` shape.

Behaviour of the real API reproduced here, and where it comes from (developers.facebook.com,
Instagram Platform, "Content Publishing" and the IG Container / IG User Media references):
- a container's ``status_code`` is IN_PROGRESS, FINISHED, PUBLISHED, ERROR or EXPIRED (a
  container not published within 24 h expires);
- ``media_publish`` is not idempotent, and a 5xx can come after the media was made
  (``answer_next_publish_with``), or the answer can be lost (``lose_publish_answer``);
- ``GET /{ig-user-id}/media`` lists media newest first with ``timestamp``
  (``2026-12-01T08:00:00+0000``), paged by ``limit`` and the ``paging.cursors.after`` cursor;
- ``content_publishing_limit`` answers ``quota_usage`` and ``config {quota_total, quota_duration}``.
"""

from __future__ import annotations

import re
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.platforms.standin import Handler, PlatformStandIn, Recorded, Reply

V = r"/v23\.0"
USER_ID = "17841400000000001"
USERNAME = "ava.twin"


def graph_error(status: int, message: str, code: int, subcode: int | None = None,
                kind: str = "OAuthException", **extra: Any) -> Reply:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf", **extra}
    if subcode is not None:
        error["error_subcode"] = subcode
    return Reply(status, {"error": error})


@dataclass
class Container:
    id: str
    form: dict[str, str]
    image: bytes | None
    statuses: list[str]
    published: bool = False


@dataclass
class GraphStandIn(PlatformStandIn):
    token: str = "IGQ-long-lived-1"
    refreshed_token: str = "IGQ-long-lived-2"
    quota_usage: int = 0
    statuses: list[str] = field(default_factory=lambda: ["IN_PROGRESS", "FINISHED"])
    error_status: str = "Error: the image could not be downloaded (2207003)"
    containers: dict[str, Container] = field(default_factory=dict)
    media: list[dict[str, str]] = field(default_factory=list)
    lose_publish_answer: bool = False  # publish, then drop the connection instead of answering
    answer_next_publish_with: Reply | None = None  # publish, then answer this (a 5xx)
    clock: Callable[[], datetime] = lambda: datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    _next: int = 1

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", rf"{V}/(\w+)/content_publishing_limit", self._guard(self._limit)),
            ("POST", rf"{V}/(\w+)/media", self._guard(self._create)),
            ("POST", rf"{V}/(\w+)/media_publish", self._guard(self._publish)),
            ("GET", rf"{V}/(\w+)/media", self._guard(self._recent)),
            ("GET", rf"{V}/me", self._guard(self._me)),
            ("GET", rf"{V}/(\d+)", self._guard(self._object)),
            ("GET", r"/refresh_access_token", self._guard(self._refresh)),
        ]

    def publish_requests(self) -> list[Recorded]:
        return self.server.matching("POST", rf"{V}/\w+/media_publish")

    def _guard(self, handler: Any) -> Any:
        def guarded(rec: Recorded, match: re.Match[str]) -> Reply:
            if rec.headers.get("authorization") not in (f"Bearer {self.token}",
                                                        f"Bearer {self.refreshed_token}"):
                return graph_error(400, "Error validating access token: Session has expired", 190, 463)
            return handler(rec, match)  # type: ignore[no-any-return]
        return guarded

    def _id(self) -> str:
        self._next += 1
        return str(17900000000000000 + self._next)

    def _limit(self, rec: Recorded, match: re.Match[str]) -> Reply:
        return Reply(200, {"data": [{"quota_usage": self.quota_usage,
                                     "config": {"quota_total": 50, "quota_duration": 86400}}]})

    def _create(self, rec: Recorded, match: re.Match[str]) -> Reply:
        form = {k: v[0] for k, v in (rec.form or {}).items()}
        image = None
        if "image_url" in form:
            with urllib.request.urlopen(form["image_url"], timeout=10) as answer:
                image = answer.read()
        if form.get("media_type") == "CAROUSEL":
            missing = [c for c in form.get("children", "").split(",") if c not in self.containers]
            if missing:
                return graph_error(400, f"Invalid parameter: children {missing}", 100, kind="OAuthException")
        container = Container(self._id(), form, image, list(self.statuses))
        self.containers[container.id] = container
        return Reply(200, {"id": container.id})

    def _object(self, rec: Recorded, match: re.Match[str]) -> Reply:
        found = self.containers.get(match[1])
        if found is not None:
            code = "PUBLISHED" if found.published else (
                found.statuses.pop(0) if len(found.statuses) > 1 else found.statuses[0])
            body: dict[str, Any] = {"id": found.id, "status_code": code}
            if code == "ERROR":
                body["status"] = self.error_status
            return Reply(200, body)
        for media in self.media:
            if media["id"] == match[1]:
                return Reply(200, {"id": media["id"], "permalink": media["permalink"]})
        return graph_error(400, f"Unsupported get request. Object with ID '{match[1]}' does not exist",
                           100, 33, kind="GraphMethodException")

    def published_now(self, creation_id: str) -> dict[str, str]:
        container = self.containers[creation_id]
        container.published = True
        media_id = str(18000000000000000 + len(self.media) + 1)
        media = {"id": media_id, "caption": container.form.get("caption", ""),
                 "permalink": f"https://www.instagram.com/p/C{media_id[-6:]}/",
                 "timestamp": self.clock().strftime("%Y-%m-%dT%H:%M:%S%z")}
        self.media.insert(0, media)
        return media

    def _publish(self, rec: Recorded, match: re.Match[str]) -> Reply:
        creation = (rec.form or {}).get("creation_id", [""])[0]
        if creation not in self.containers:
            return graph_error(400, "The media is not ready for publishing, please wait", 9007, 2207027)
        if self.containers[creation].published:
            return graph_error(400, "The media has already been published", 9, 2207008)
        media = self.published_now(creation)
        if self.answer_next_publish_with is not None:
            reply, self.answer_next_publish_with = self.answer_next_publish_with, None
            return reply
        return Reply(drop=True) if self.lose_publish_answer else Reply(200, {"id": media["id"]})

    def _recent(self, rec: Recorded, match: re.Match[str]) -> Reply:
        limit = int(rec.query.get("limit", ["25"])[-1])
        start = int(rec.query.get("after", ["0"])[-1])
        page = self.media[start:start + limit]
        paging = {"cursors": {"after": str(start + limit)}} if start + limit < len(self.media) else {}
        return Reply(200, {"data": page, "paging": paging})

    def _me(self, rec: Recorded, match: re.Match[str]) -> Reply:
        return Reply(200, {"user_id": USER_ID, "username": USERNAME, "id": "9876543210"})

    def _refresh(self, rec: Recorded, match: re.Match[str]) -> Reply:
        if rec.query.get("grant_type") != ["ig_refresh_token"]:
            return graph_error(400, "Invalid grant_type", 100)
        return Reply(200, {"access_token": self.refreshed_token, "token_type": "bearer",
                           "expires_in": 5184000})


class FolderServer:
    """Serves a folder over HTTP on 127.0.0.1, as the user's web server serves the media host."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        handler = partial(_QuietFiles, directory=str(folder))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/media"

    def __enter__(self) -> FolderServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


class _QuietFiles(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        return super().translate_path(path.removeprefix("/media"))

    def log_message(self, *args: object) -> None:
        pass
