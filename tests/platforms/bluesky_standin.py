"""A small PDS speaking XRPC on 127.0.0.1, without an AppView.

Serves the ``com.atproto.server`` session calls and ``com.atproto.repo`` blob and record calls;
answers every ``app.bsky.*`` call with 502, as a PDS whose AppView is unreachable does, so a test
passes only if logging in and posting never need the AppView.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.platforms.standin import Handler, PlatformStandIn, Recorded, Reply

X = "/xrpc"
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
HANDLE = "ava.bsky.social"
PASSWORD = "abcd-efgh-ijkl-mnop"


def xrpc_error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"error": error, "message": message}, headers or {})


def jwt(kind: str, seconds: float) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    now = int(time.time())
    payload = {"scope": kind, "sub": DID, "iat": now, "exp": now + int(seconds), "jti": uuid.uuid4().hex}
    return f"{part({'alg': 'HS256', 'typ': 'at+jwt'})}.{part(payload)}.c2lnbmF0dXJl"


def cid(data: bytes, codec: int = 0x55) -> str:
    raw = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


@dataclass
class PdsStandIn(PlatformStandIn):
    access_lifetime: float = 7200.0  # seconds; negative hands out already expired access tokens
    blobs: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    lose_create_answer: bool = False  # store the record, then drop the connection
    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)

    def routes(self) -> list[tuple[str, str, Handler]]:
        # observed on @atproto/pds 0.5.35 without an AppView (tests/platforms/test_bluesky_real_pds.py)
        no_app_view: Handler = lambda rec, m: xrpc_error(  # noqa: E731
            400, "InvalidRequest", f"No service configured for {rec.path.rsplit('/', 1)[-1]}")
        return [
            ("POST", rf"{X}/com\.atproto\.server\.createSession", self._create_session),
            ("POST", rf"{X}/com\.atproto\.server\.refreshSession", self._refresh_session),
            ("GET", rf"{X}/com\.atproto\.server\.getSession", self._authed(self._get_session)),
            ("POST", rf"{X}/com\.atproto\.repo\.uploadBlob", self._authed(self._upload)),
            ("POST", rf"{X}/com\.atproto\.repo\.createRecord", self._authed(self._create)),
            ("GET", rf"{X}/com\.atproto\.repo\.getRecord", self._get_record),
            ("POST", rf"{X}/com\.atproto\.repo\.deleteRecord", self._authed(self._delete)),
            ("GET", rf"{X}/app\.bsky\..*", no_app_view),
            ("POST", rf"{X}/app\.bsky\..*", no_app_view),
        ]

    def calls(self, nsid: str) -> list[Recorded]:
        return [r for r in self.server.requests if r.path == f"{X}/{nsid}"]

    def _tokens(self) -> dict[str, Any]:
        access, refresh = jwt("com.atproto.appPass", self.access_lifetime), jwt("com.atproto.refresh", 86400)
        self.access.add(access)
        self.refresh.add(refresh)
        return {"accessJwt": access, "refreshJwt": refresh, "handle": HANDLE, "did": DID, "active": True}

    def _bearer(self, rec: Recorded) -> str:
        return rec.headers.get("authorization", "").removeprefix("Bearer ")

    def _authed(self, handler: Any) -> Any:
        def checked(rec: Recorded, match: re.Match[str]) -> Reply:
            if self._bearer(rec) not in self.access:
                return xrpc_error(400, "ExpiredToken", "Token has expired")
            return handler(rec, match)  # type: ignore[no-any-return]
        return checked

    def _create_session(self, rec: Recorded, match: re.Match[str]) -> Reply:
        body = rec.json or {}
        if body.get("identifier") not in (HANDLE, DID) or body.get("password") != PASSWORD:
            return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        return Reply(200, self._tokens())

    def _refresh_session(self, rec: Recorded, match: re.Match[str]) -> Reply:
        if self._bearer(rec) not in self.refresh:
            return xrpc_error(400, "ExpiredToken", "Token has been revoked")
        self.refresh.discard(self._bearer(rec))
        return Reply(200, self._tokens())

    def _get_session(self, rec: Recorded, match: re.Match[str]) -> Reply:
        return Reply(200, {"handle": HANDLE, "did": DID, "active": True})

    def _upload(self, rec: Recorded, match: re.Match[str]) -> Reply:
        ref = cid(rec.body)
        kind = rec.headers.get("content-type", "")
        self.blobs[ref] = (kind, rec.body)
        return Reply(200, {"blob": {"$type": "blob", "ref": {"$link": ref}, "mimeType": kind,
                                    "size": len(rec.body)}})

    def uri(self, collection: str, rkey: str) -> str:
        return f"at://{DID}/{collection}/{rkey}"

    def _create(self, rec: Recorded, match: re.Match[str]) -> Reply:
        body = rec.json or {}
        if body.get("repo") != DID:
            return xrpc_error(400, "InvalidRequest", "Input/repo must be the session's DID")
        uri = self.uri(body["collection"], body["rkey"])
        if uri in self.records:
            # The reference PDS (@atproto/pds, observed against a real one; see
            # tests/platforms/test_bluesky_real_pds.py) answers a record key that exists with
            # HTTP 500 InternalServerError, not a 4xx.
            return xrpc_error(500, "InternalServerError", "Internal Server Error")
        for image in body["record"].get("embed", {}).get("images", []):
            if image["image"]["ref"]["$link"] not in self.blobs:
                return xrpc_error(400, "InvalidRequest", "Could not find blob")
        self.records[uri] = body["record"]
        if self.lose_create_answer:
            return Reply(drop=True)
        return Reply(200, {"uri": uri, "cid": cid(json.dumps(body["record"]).encode(), 0x71),
                           "validationStatus": "valid"})

    def _get_record(self, rec: Recorded, match: re.Match[str]) -> Reply:
        query = {k: v[0] for k, v in rec.query.items()}
        uri = self.uri(query.get("collection", ""), query.get("rkey", ""))
        if query.get("repo") != DID or uri not in self.records:
            return xrpc_error(400, "RecordNotFound", f"Could not locate record: {uri}")
        return Reply(200, {"uri": uri, "cid": cid(json.dumps(self.records[uri]).encode(), 0x71),
                           "value": self.records[uri]})

    def _delete(self, rec: Recorded, match: re.Match[str]) -> Reply:
        body = rec.json or {}
        self.records.pop(self.uri(body.get("collection", ""), body.get("rkey", "")), None)
        return Reply(200, {})
