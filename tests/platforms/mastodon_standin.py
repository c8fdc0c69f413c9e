"""A Mastodon 4.x instance on 127.0.0.1: media, statuses, the account, the instance configuration.

Answers follow Mastodon's documented shapes (statuses come back with HTML ``content``, as
Mastodon renders them). Every request must carry the bearer token, and every body and query must
conform to the community ``mastodon-openapi.json`` after Mastodon.py's form data is turned into
the JSON shape the document describes (``media_ids[]`` → ``media_ids``, ``"0"``/``"1"`` →
booleans, files → their part names); anything else gets a 401 or a 422 with the problems, and is
recorded in ``rejected``. ``Idempotency-Key`` works as on a real instance: the same key answers
with the status it already made.

Behaviour of real instances reproduced here, and where it comes from (docs.joinmastodon.org):
- ``POST /api/v2/media`` answers 200 with a ``url`` when the file is processed at once, else
  **202 with ``url: null``** (always for video/GIF, on busy instances); ``GET /api/v1/media/:id``
  then answers **206** with ``url: null`` while processing and 200 when done (methods/media).
  A status with an attachment still processing is refused with 422 "Cannot attach files that
  have not finished processing. Try again in a moment!" (methods/statuses, observed).
- ``Idempotency-Key`` is kept for an hour (methods/statuses, "Idempotency-Key").
- Statuses take ``language`` (ISO 639-1) and show it back.
- ``GET /api/v1/accounts/:id/statuses``: newest first, ``limit`` (≤ 40) and ``max_id`` paging.
- A create may be made and then answered 5xx by a proxy (``answer_next_status_with``).
"""

from __future__ import annotations

import html
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.platforms.openapi import SPECS, Spec
from tests.platforms.standin import Handler, PlatformStandIn, Recorded, Reply

SPEC = Spec(SPECS / "mastodon.subset.json.gz", overlapping_one_of=True)
TOKEN = "mastodon-token-ava"
BOOLEANS = {"sensitive", "exclude_reblogs", "exclude_replies", "only_media", "pinned", "delete_media"}
CREATED_AT = "2026-12-01T09:00:03.000Z"


def as_json(form: dict[str, list[str]], files: dict[str, Any] | None = None) -> dict[str, Any]:
    """Form fields as the document's JSON shape: ``name[]`` lists, booleans, file parts."""
    shaped: dict[str, Any] = {}
    for name, values in form.items():
        if name.endswith("[]"):
            shaped[name[:-2]] = values
        elif name in BOOLEANS:
            shaped[name] = {"1": True, "true": True, "0": False, "false": False}.get(values[-1], values[-1])
        else:
            shaped[name] = values[-1]
    return shaped | dict.fromkeys(files or {}, "<binary>")


def error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message})


@dataclass
class MastodonStandIn(PlatformStandIn):
    max_characters: int = 500
    has_v2_instance: bool = True  # False: an instance older than 4.0
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → attachment + "bytes"
    keys: dict[str, str] = field(default_factory=dict)  # idempotency key → status id
    lose_answer_to_next_status: bool = False  # make the status, then drop the connection
    answer_next_status_with: Reply | None = None  # make the status, then answer this (a 5xx)
    processing_checks: int = 0  # how many looks at a new upload answer 206 before it is done
    # chaos: called for each upload ("media") and status create ("status"); answers None, or
    # "202" (an upload still processing), "503" (made, then answered 503), "drop" (made, then the
    # connection is dropped)
    faults: Callable[[str], str | None] | None = None
    _create_lock: threading.Lock = field(default_factory=threading.Lock)
    created: dict[str, str] = field(default_factory=dict)  # status id -> created_at
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(113_500_000_000_000_001))

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [(method, pattern, self._checked(handler)) for method, pattern, handler in [
            ("POST", r"/api/v2/media", self._media),
            ("GET", r"/api/v1/media/(?P<id>[^/]+)", self._media_status),
            ("POST", r"/api/v1/statuses", self._post),
            ("DELETE", r"/api/v1/statuses/(?P<id>[^/]+)", self._delete),
            ("GET", r"/api/v1/accounts/verify_credentials", self._me),
            ("GET", r"/api/v1/accounts/(?P<id>[^/]+)/statuses", self._timeline),
            ("GET", r"/api/v2/instance/?", self._instance_v2),
            ("GET", r"/api/v1/instance/?", self._instance_v1),
        ]]

    @property
    def account(self) -> dict[str, Any]:
        return {"id": "109000000000000042", "username": "ava", "acct": "ava", "display_name": "Ava North",
                "url": f"{self.url}/@ava", "locked": False, "bot": True,
                "created_at": "2026-09-01T00:00:00.000Z",
                "note": "", "avatar": "", "header": "", "followers_count": 0, "following_count": 0,
                "statuses_count": len(self.statuses), "emojis": [], "fields": []}

    def _checked(self, handler: Any) -> Any:
        def answer(rec: Recorded, match: re.Match[str]) -> Reply:
            if rec.headers.get("authorization") != f"Bearer {TOKEN}":
                self.rejected.append((rec, ["bearer token missing or wrong"]))
                return error(401, "The access token is invalid")
            kind = rec.headers.get("content-type", "").split(";")[0]
            if kind != "multipart/form-data":
                kind = "application/json"  # a urlencoded form is checked in its JSON shape
            body = rec.json if rec.form is None else as_json(rec.form, rec.files)
            problems = SPEC.problems(rec.method, rec.path, body=body, content_type=kind,
                                     query=rec.query)
            if problems:
                self.rejected.append((rec, problems))
                return error(422, "; ".join(problems))
            reply: Reply = handler(rec, match, body)
            return reply

        return answer

    def _media(self, rec: Recorded, match: re.Match[str], body: dict[str, Any]) -> Reply:
        pending = 1 if self.faults is not None and self.faults("media") == "202" else self.processing_checks
        media_id = str(next(self._ids))
        name, kind, data = rec.files["file"]
        attachment = {"id": media_id, "type": "image", "url": f"{self.url}/system/{media_id}/{name}",
                      "preview_url": f"{self.url}/system/{media_id}/small.jpg", "remote_url": None,
                      "meta": {"original": {"width": 64, "height": 80, "size": "64x80", "aspect": 0.8}},
                      "description": body.get("description"), "blurhash": "UKFY5N~q4nNG"}
        self.media[media_id] = attachment | {"bytes": data, "mime_type": kind, "pending": pending}
        if pending:
            return Reply(202, attachment | {"url": None})  # accepted, still processing
        return Reply(200, attachment)

    def _media_status(self, rec: Recorded, match: re.Match[str], body: Any) -> Reply:
        media = self.media.get(match["id"])
        if media is None:
            return error(404, "Record not found")
        shown = {k: v for k, v in media.items() if k not in ("bytes", "mime_type", "pending")}
        if media["pending"] > 0:
            media["pending"] -= 1
            return Reply(206, shown | {"url": None})
        return Reply(200, shown)

    def _post(self, rec: Recorded, match: re.Match[str], body: dict[str, Any]) -> Reply:
        with self._create_lock:  # Mastodon locks on the idempotency key while it makes the status
            return self._post_locked(rec, body)

    def _post_locked(self, rec: Recorded, body: dict[str, Any]) -> Reply:
        key = rec.headers.get("idempotency-key")
        if key in self.keys:
            return Reply(200, self._public(self.statuses[self.keys[key]]))
        text, media_ids = body.get("status", ""), body.get("media_ids", [])
        if len(text) > self.max_characters:
            return error(422, f"Validation failed: Text character limit of {self.max_characters} exceeded")
        if any(m not in self.media for m in media_ids):
            return error(422, "Validation failed: media not found")
        if any(self.media[m]["pending"] > 0 for m in media_ids):
            return error(422, "Cannot attach files that have not finished processing. Try again in a moment!")
        status_id = str(next(self._ids))
        self.statuses[status_id] = {"id": status_id, "text": text, "visibility": body.get("visibility"),
                                    "media_ids": media_ids, "idempotency_key": key,
                                    "language": body.get("language")}
        self.created[status_id] = self.clock().strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if key:
            self.keys[key] = status_id
        if self.lose_answer_to_next_status:
            self.lose_answer_to_next_status = False
            return Reply(drop=True)
        if self.answer_next_status_with is not None:
            reply, self.answer_next_status_with = self.answer_next_status_with, None
            return reply
        fault = self.faults("status") if self.faults is not None else None
        if fault == "drop":
            return Reply(drop=True)
        if fault == "503":
            return error(503, "Service Unavailable")
        return Reply(200, self._public(self.statuses[status_id]))

    def _delete(self, rec: Recorded, match: re.Match[str], body: Any) -> Reply:
        status = self.statuses.pop(match["id"], None)
        if status is None:
            return error(404, "Record not found")
        return Reply(200, self._public(status) | {"text": status["text"]})

    def _me(self, rec: Recorded, match: re.Match[str], body: Any) -> Reply:
        return Reply(200, self.account | {"source": {"privacy": "public", "sensitive": False, "note": ""}})

    def _timeline(self, rec: Recorded, match: re.Match[str], body: Any) -> Reply:
        limit = min(int(rec.query.get("limit", ["20"])[-1]), 40)
        max_id = rec.query.get("max_id", [None])[-1]
        mine = sorted(self.statuses, key=int, reverse=True) if match["id"] == self.account["id"] else []
        older = [i for i in mine if max_id is None or int(i) < int(max_id)]
        return Reply(200, [self._public(self.statuses[i]) for i in older[:limit]])

    def _instance_v2(self, rec: Recorded, match: re.Match[str], body: Any) -> Reply:
        if not self.has_v2_instance:
            return error(404, "Not Found")
        return Reply(200, {"domain": "127.0.0.1", "title": "Stand-in", "version": "4.3.0",
                           "api_versions": {"mastodon": 2}, "source_url": "https://github.com/mastodon/mastodon",
                           "description": "", "languages": ["en"],
                           "configuration": self._configuration()})

    def _instance_v1(self, rec: Recorded, match: re.Match[str], body: Any) -> Reply:
        return Reply(200, {"uri": "127.0.0.1", "title": "Stand-in", "version": "3.5.3", "description": "",
                           "email": "", "languages": ["en"], "configuration": self._configuration()})

    def _configuration(self) -> dict[str, Any]:
        return {"statuses": {"max_characters": self.max_characters, "max_media_attachments": 4,
                             "characters_reserved_per_url": 23},
                "media_attachments": {"image_size_limit": 16777216, "image_matrix_limit": 33177600}}

    def _public(self, status: dict[str, Any]) -> dict[str, Any]:
        status_id = status["id"]
        attachments = [{k: v for k, v in self.media[m].items() if k not in ("bytes", "mime_type")}
                       for m in status["media_ids"]]
        return {"id": status_id, "uri": f"{self.url}/users/ava/statuses/{status_id}",
                "url": f"{self.url}/@ava/{status_id}", "created_at": self.created.get(status_id, CREATED_AT),
                "content": rendered(status["text"], self.url), "visibility": status["visibility"],
                "sensitive": False, "spoiler_text": "", "language": status.get("language"),
                "account": self.account,
                "media_attachments": attachments, "mentions": [], "tags": [], "emojis": [],
                "reblogs_count": 0, "favourites_count": 0, "replies_count": 0, "reblog": None,
                "in_reply_to_id": None, "in_reply_to_account_id": None, "application": None}


def rendered(text: str, base: str) -> str:
    """How Mastodon renders a plain-text status: paragraphs, breaks, linked hashtags and URLs."""
    def linked(match: re.Match[str]) -> str:
        word = match[0]
        if word.startswith("#"):
            tag = word[1:]
            return (f'<a href="{base}/tags/{tag.lower()}" class="mention hashtag" rel="tag">'
                    f"#<span>{tag}</span></a>")
        scheme, rest = word.split("://", 1)
        return (f'<a href="{word}" target="_blank" rel="nofollow noopener" translate="no">'
                f'<span class="invisible">{scheme}://</span><span class="">{rest}</span>'
                f'<span class="invisible"></span></a>')

    paragraphs = [re.sub(r"#\w+|https?://[^\s<]+", linked, html.escape(part, quote=False))
                  for part in text.split("\n\n")]
    return "".join(f"<p>{p}</p>".replace("\n", "<br />") for p in paragraphs)
