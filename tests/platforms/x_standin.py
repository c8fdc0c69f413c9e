"""X API v2 on 127.0.0.1: media upload and metadata, posts, the account and its timeline.

Answers follow X's documented shapes. Every request must carry a valid OAuth 1.0a signature
(checked with oauthlib over the URL the client signed, ``https://api.twitter.com/…``), and every
body and query must conform to the official ``x-api-v2-openapi.json``; anything else gets X's
401 or 400 with the problems, and is recorded in ``rejected``. Created posts keep X's rendering:
links become t.co links and ``&<>`` are escaped.

Behaviour of the real API reproduced here, and where it comes from:
- ``POST /2/tweets`` with the text of a post the account already has answers 403 Forbidden,
  detail "You are not allowed to create a Tweet with duplicate content." (observed; reported
  on the X developer forum, devcommunity.x.com, "duplicate content" 403 on POST /2/tweets).
- A create is not idempotent: a gateway may answer 5xx, or drop the connection, after the post
  was made (``answer_next_create_with``, ``lose_answer_to_next_post``).
- ``GET /2/users/:id/tweets``: newest first, ``start_time`` (ISO 8601, inclusive), ``max_results``
  (5–100), ``pagination_token`` / ``meta.next_token``, ``post.fields=created_at,attachments``
  adding ``created_at`` and ``attachments.media_keys`` (docs.x.com, "User Posts timeline").
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import unquote

from oauthlib.oauth1.rfc5849 import signature

from tests.platforms.openapi import SPECS, Spec
from tests.platforms.standin import Handler, PlatformStandIn, Recorded, Reply

SPEC = Spec(SPECS / "x-api-v2.subset.json.gz")
SIGNED_HOST = "https://api.twitter.com"
KEYS = {"consumer_key": "ck-ava", "consumer_secret": "cs-ava",
        "access_token": "at-ava", "access_token_secret": "ats-ava"}
CREDENTIALS = json.dumps(KEYS)
USER = {"id": "1849102933001", "name": "Ava North", "username": "ava_twin"}


def problem(status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None) -> Reply:
    body: dict[str, Any] = {"title": title, "detail": detail, "type": "about:blank", "status": status}
    if errors:
        body = {"errors": errors, "title": title, "detail": detail,
                "type": "https://api.twitter.com/2/problems/invalid-request"}
    return Reply(status, body)


@dataclass
class XStandIn(PlatformStandIn):
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → the body received
    media: dict[str, bytes] = field(default_factory=dict)
    alt_texts: dict[str, str] = field(default_factory=dict)
    lose_answer_to_next_post: bool = False  # create the post, then drop the connection
    answer_next_create_with: Reply | None = None  # create the post, then answer this (a 5xx)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # when a post is made
    # chaos: called for each post create; answers None, "503" (made, then 503) or "drop"
    faults: Callable[[], str | None] | None = None
    created: dict[str, datetime] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_700_000_000_000_000_001))

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [(method, pattern, self._checked(handler)) for method, pattern, handler in [
            ("POST", r"/2/media/upload", self._upload),
            ("POST", r"/2/media/metadata", self._describe),
            ("POST", r"/2/tweets", self._create),
            ("DELETE", r"/2/tweets/(?P<id>[^/]+)", self._delete),
            ("GET", r"/2/users/me", self._me),
            ("GET", r"/2/users/(?P<id>[^/]+)/tweets", self._timeline),
        ]]

    def _checked(self, handler: Any) -> Any:
        def answer(rec: Recorded, match: re.Match[str]) -> Reply:
            if not signed_correctly(rec):
                self.rejected.append((rec, ["OAuth 1.0a signature missing or wrong"]))
                return problem(401, "Unauthorized", "Unauthorized")
            body, kind = (rec.json, "application/json") if rec.files == {} else (
                {**{k: v[-1] for k, v in (rec.form or {}).items()}, **dict.fromkeys(rec.files, "<binary>")},
                "multipart/form-data")
            problems = SPEC.problems(rec.method, rec.path, body=body, query=rec.query, content_type=kind)
            if problems:
                self.rejected.append((rec, problems))
                return problem(400, "Invalid Request", "One or more parameters to your request was invalid.",
                               [{"message": p} for p in problems])
            reply: Reply = handler(rec, match)
            return reply

        return answer

    def _upload(self, rec: Recorded, match: re.Match[str]) -> Reply:
        media_id = str(next(self._ids))
        self.media[media_id] = rec.files["media"][2]
        return Reply(200, {"data": {"id": media_id, "media_key": f"3_{media_id}",
                                    "size": len(self.media[media_id]), "expires_after_secs": 86400,
                                    "image": {"image_type": rec.files["media"][1], "w": 64, "h": 80}}})

    def _describe(self, rec: Recorded, match: re.Match[str]) -> Reply:
        body: dict[str, Any] = rec.json or {}
        media_id = body["id"]
        if media_id not in self.media:
            return problem(400, "Invalid Request", "One or more parameters to your request was invalid.",
                           [{"message": f"media id {media_id} not found"}])
        self.alt_texts[media_id] = body["metadata"]["alt_text"]["text"]
        return Reply(200, {"data": {"id": media_id, "associated_metadata": body["metadata"]}})

    def _create(self, rec: Recorded, match: re.Match[str]) -> Reply:
        body: dict[str, Any] = rec.json or {}
        unknown = [m for m in body.get("media", {}).get("media_ids", []) if m not in self.media]
        if unknown:
            return problem(400, "Invalid Request", "One or more parameters to your request was invalid.",
                           [{"message": f"Your media IDs are invalid: {unknown}"}])
        if any(p["text"] == body.get("text") for p in self.posts.values()):
            return Reply(403, {"detail": "You are not allowed to create a Tweet with duplicate content.",
                               "type": "about:blank", "title": "Forbidden", "status": 403})
        post_id = str(next(self._ids))
        self.posts[post_id] = {**body, "rendered": rendered(body.get("text", ""))}
        self.created[post_id] = self.clock()
        if self.lose_answer_to_next_post:
            self.lose_answer_to_next_post = False
            return Reply(drop=True)
        if self.answer_next_create_with is not None:
            reply, self.answer_next_create_with = self.answer_next_create_with, None
            return reply
        fault = self.faults() if self.faults is not None else None
        if fault == "drop":
            return Reply(drop=True)
        if fault == "503":
            return Reply(503, {"title": "Service Unavailable", "detail": "Service Unavailable",
                               "type": "about:blank", "status": 503})
        return Reply(201, {"data": {"id": post_id, "text": self.posts[post_id]["rendered"],
                                    "edit_history_tweet_ids": [post_id]}})

    def _delete(self, rec: Recorded, match: re.Match[str]) -> Reply:
        deleted = self.posts.pop(match["id"], None) is not None
        return Reply(200, {"data": {"deleted": deleted}})

    def _me(self, rec: Recorded, match: re.Match[str]) -> Reply:
        return Reply(200, {"data": USER})

    def _timeline(self, rec: Recorded, match: re.Match[str]) -> Reply:
        query = {k: v[-1] for k, v in rec.query.items()}
        limit, offset = int(query.get("max_results", "10")), int(query.get("pagination_token", "0"))
        start = query.get("start_time")
        since = datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None
        mine = sorted(self.posts, reverse=True) if match["id"] == USER["id"] else []
        mine = [i for i in mine if since is None or self.created[i] >= since]
        page = mine[offset:offset + limit]
        fields = set(query.get("post.fields", "").split(","))  # "tweet.fields" before v2.16x
        data = [self._shown(i, fields) for i in page]
        meta: dict[str, Any] = {"result_count": len(data)}
        if data:
            meta |= {"newest_id": data[0]["id"], "oldest_id": data[-1]["id"]}
        if offset + limit < len(mine):
            meta["next_token"] = str(offset + limit)
        return Reply(200, {"data": data, "meta": meta} if data else {"meta": meta})

    def _shown(self, post_id: str, fields: set[str]) -> dict[str, Any]:
        shown: dict[str, Any] = {"id": post_id, "text": self.posts[post_id]["rendered"],
                                 "edit_history_tweet_ids": [post_id]}
        if "created_at" in fields:
            shown["created_at"] = self.created[post_id].strftime("%Y-%m-%dT%H:%M:%S.000Z")
        media = (self.posts[post_id].get("media") or {}).get("media_ids") or []
        if "attachments" in fields and media:
            shown["attachments"] = {"media_keys": [f"3_{m}" for m in media]}
        return shown


def rendered(text: str) -> str:
    """How X shows a post's text: t.co links, HTML-escaped &, < and >."""
    counter = itertools.count(1)
    shortened = re.sub(r"https?://\S+", lambda m: f"https://t.co/Ab{next(counter):08d}", text)
    return shortened.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def signed_correctly(rec: Recorded) -> bool:
    """Whether the OAuth 1.0a HMAC-SHA1 signature matches the stand-in's credentials."""
    header = rec.headers.get("authorization", "")
    if not header.startswith("OAuth "):
        return False
    fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
    if (fields.get("oauth_consumer_key"), fields.get("oauth_token")) != (KEYS["consumer_key"],
                                                                          KEYS["access_token"]):
        return False
    query = [(k, v) for k, values in rec.query.items() for v in values]
    form = [(k, v) for k, values in (rec.form or {}).items() for v in values] if not rec.files else []
    params = [(k, v) for k, v in ((k, unquote(v)) for k, v in fields.items()) if k != "oauth_signature"]
    pairs: Any = params + query + form  # oauthlib takes a list of pairs; its stubs say a dict
    base = signature.signature_base_string(
        cast(Any, rec.method), signature.base_string_uri(SIGNED_HOST + rec.path),
        signature.normalize_parameters(pairs))
    secrets = SimpleNamespace(client_secret=KEYS["consumer_secret"],
                              resource_owner_secret=KEYS["access_token_secret"])
    expected = signature.sign_hmac_sha1_with_client(base, secrets)
    return bool(unquote(fields.get("oauth_signature", "")) == expected)
