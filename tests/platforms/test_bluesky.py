"""Bluesky through the atproto SDK against a PDS stand-in on 127.0.0.1 that has no AppView."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from atproto_client.models.string_formats import TID_RE
from PIL import Image

from influencer.config import BUILTIN_SPECS, load_workspace
from influencer.disclosure import Draft, LabeledImage, LabeledPost, label
from influencer.errors import PermanentError, RetryableError, UnknownOutcome
from influencer.platforms.base import AccountContext
from influencer.platforms.bluesky import BlueskyPlatform
from influencer.platforms.bluesky_record import facets, record_key
from tests.helpers import SOURCE, XMP, closed_port
from tests.platforms.bluesky_standin import DID, HANDLE, PASSWORD, PdsStandIn, X, xrpc_error
from tests.platforms.standin import Reply, StandIn

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CLAIMED = NOW - timedelta(seconds=40)  # first claimed (the record key's time)
SENT = NOW + timedelta(seconds=2, milliseconds=345)  # the moment the record is created


@dataclass
class Setup:
    pds: PdsStandIn
    workspace: Path

    def adapter(self, base_url: str | None = None) -> BlueskyPlatform:
        return BlueskyPlatform(AccountContext(
            persona="ava", platform="bluesky", handle=f"@{HANDLE}", credentials="env:AVA_BSKY",
            root=self.workspace, state_dir=self.workspace / ".influencer",
            base_url=base_url or self.pds.url, timeout=5.0), clock=lambda: SENT)

    def post(self, post_id: str = "p1", sizes: tuple[tuple[int, int], ...] = ((800, 1000),),
             body: str = "Layering season is my favourite season.", claimed: bool = True) -> LabeledPost:
        images = []
        for n, size in enumerate(sizes, 1):
            path = self.workspace / "rendered" / f"{post_id}-{n}.jpg"
            path.parent.mkdir(exist_ok=True)
            Image.new("RGB", size, (30 * n, 90, 40)).save(path, "JPEG", xmp=XMP.encode())
            images.append(LabeledImage(path, hashlib.sha256(path.read_bytes()).hexdigest(),
                                       f"A rust knit sweater, look {n}.", SOURCE))
        draft = Draft(post_id=post_id, persona="ava", schedule="ava-autumn", platform="bluesky",
                      slot_at=NOW, publish_at=NOW, body=body, hashtags=["#NorthlightTwin", "#knitwear"],
                      images=images, writer="offline",
                      platform_key=BlueskyPlatform.claim_key(post_id, CLAIMED) if claimed else None)
        return label(draft, load_workspace(self.workspace).personas["ava"], BUILTIN_SPECS["bluesky"])


@pytest.fixture
def bsky(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    monkeypatch.setenv("AVA_BSKY", PASSWORD)
    with StandIn() as server:
        yield Setup(PdsStandIn(server), workspace)


def test_publishes_the_labelled_post_with_its_images_and_never_asks_the_appview(bsky: Setup) -> None:
    post = bsky.post(sizes=((800, 1000), (1200, 628)))
    published = bsky.adapter().publish(post)

    uploads = bsky.pds.calls("com.atproto.repo.uploadBlob")
    assert [u.body for u in uploads] == [i.path.read_bytes() for i in post.images]
    assert all(SOURCE.encode() in u.body and u.headers["content-type"] == "image/jpeg" for u in uploads)
    (create,) = bsky.pds.calls("com.atproto.repo.createRecord")
    sent = create.json
    rkey = post.platform_key
    assert (sent["repo"], sent["collection"], sent["rkey"]) == (DID, "app.bsky.feed.post", rkey)
    record = sent["record"]
    assert record["text"] == post.text and record["text"].startswith("AI-generated\n\n")
    assert record["createdAt"] == "2026-12-01T08:00:02.345Z"  # the moment of sending
    assert record["langs"] == ["en"]
    images = record["embed"]["images"]
    assert [i["alt"] for i in images] == ["AI-generated: A rust knit sweater, look 1.",
                                         "AI-generated: A rust knit sweater, look 2."]
    assert [i["aspectRatio"] for i in images] == [{"width": 800, "height": 1000},
                                                  {"width": 1200, "height": 628}]
    assert [i["image"]["ref"]["$link"] for i in images] == list(bsky.pds.blobs)
    assert [f["features"][0]["tag"] for f in record["facets"]] == ["NorthlightTwin", "knitwear"]
    assert published.platform_id == f"at://{DID}/app.bsky.feed.post/{rkey}"
    assert published.url == f"https://bsky.app/profile/{HANDLE}/post/{rkey}"
    assert not [r for r in bsky.pds.server.requests if "/app.bsky." in r.path]
    assert len(bsky.pds.calls("com.atproto.server.createSession")) == 1


def test_the_saved_session_is_reused_and_kept_private(bsky: Setup) -> None:
    bsky.adapter().publish(bsky.post("p1"))
    bsky.adapter().publish(bsky.post("p2"))
    assert bsky.adapter().verify() == f"{HANDLE} ({DID})"
    assert len(bsky.pds.calls("com.atproto.server.createSession")) == 1
    saved = bsky.workspace / ".influencer" / "bluesky" / "ava.session"
    assert saved.stat().st_mode & 0o777 == 0o600 and PASSWORD not in saved.read_text()
    assert len(bsky.pds.records) == 2


def test_an_expiring_session_is_refreshed_and_a_revoked_one_replaced(bsky: Setup) -> None:
    bsky.pds.access_lifetime = -60  # every access token handed out is already expired
    saved = bsky.workspace / ".influencer" / "bluesky" / "ava.session"
    bsky.adapter().verify()  # logs in
    first = saved.read_text()
    bsky.adapter().verify()  # resumes: the SDK refreshes before calling getSession; saved again
    assert len(bsky.pds.calls("com.atproto.server.refreshSession")) == 1
    assert saved.read_text() != first
    assert len(bsky.pds.calls("com.atproto.server.createSession")) == 1
    bsky.pds.access_lifetime = 7200
    bsky.pds.refresh.clear()  # the PDS revoked every session
    assert bsky.adapter().verify() == f"{HANDLE} ({DID})"
    assert len(bsky.pds.calls("com.atproto.server.createSession")) == 2


@pytest.mark.parametrize("text", [
    "秋のニット 🧶🍂 #ニット と #knitwear: https://example.com/ä?x=1 !",
    "👩🏽‍🎨 Ready. #slowfashion\n\nhttps://northlight.example/looks/42",
])
def test_facets_are_utf8_byte_ranges(text: str) -> None:
    encoded = text.encode()
    found = facets(text)
    spans = [encoded[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode() for f in found]
    kinds = [f["features"][0] for f in found]
    words = [w.rstrip(":!") for w in text.split() if w.startswith(("#", "http"))]
    assert spans == words
    for span, kind in zip(spans, kinds, strict=True):
        assert kind.get("tag") == span[1:] or kind.get("uri") == span


def test_the_record_key_is_a_tid_of_the_first_claim_kept_for_every_attempt(bsky: Setup) -> None:
    key = BlueskyPlatform.claim_key("p1", CLAIMED)
    assert key is not None and TID_RE.match(key)
    assert BlueskyPlatform.claim_key("p1", CLAIMED) == key != BlueskyPlatform.claim_key("p2", CLAIMED)
    assert key[:7] == record_key("p2", CLAIMED)[:7]  # both sort at the time they were claimed
    later = record_key("p1", CLAIMED + timedelta(hours=1))
    assert later > key  # TIDs sort by time
    post = bsky.post("p1")
    assert post.platform_key == key
    assert BlueskyPlatform.build_request(post)["rkey"] == key
    unclaimed = bsky.post("p1", claimed=False)
    assert BlueskyPlatform.build_request(unclaimed)["rkey"] == "<rkey>"  # as the preview shows it
    with pytest.raises(PermanentError, match="has no record key"):
        bsky.adapter().publish(unclaimed)


def test_delete_removes_the_record(bsky: Setup) -> None:
    adapter = bsky.adapter()
    published = adapter.publish(bsky.post())
    adapter.delete(published)
    (call,) = bsky.pds.calls("com.atproto.repo.deleteRecord")
    assert call.json == {"repo": DID, "collection": "app.bsky.feed.post", "rkey": bsky.post().platform_key}
    assert bsky.pds.records == {}


def test_a_lost_answer_is_unknown_and_settled_by_the_record_key(bsky: Setup) -> None:
    adapter, post = bsky.adapter(), bsky.post()
    bsky.pds.server.script("POST", rf"{X}/com\.atproto\.repo\.createRecord", Reply(drop=True))
    with pytest.raises(UnknownOutcome, match="create the post record: sent, but no answer"):
        adapter.publish(post)
    absent = adapter.find_published(post, CLAIMED)  # dropped before it was stored
    assert absent.matches == [] and absent.proven_absent

    bsky.pds.lose_create_answer = True  # stored, then the answer is lost
    with pytest.raises(UnknownOutcome):
        adapter.publish(post)
    found = adapter.find_published(post, CLAIMED)
    assert [m.platform_id for m in found.matches] == [f"at://{DID}/app.bsky.feed.post/{post.platform_key}"]
    assert len(bsky.pds.records) == 1


def test_sending_a_record_again_is_refused_by_the_pds_and_is_an_unknown_outcome(bsky: Setup) -> None:
    adapter, post = bsky.adapter(), bsky.post()
    adapter.publish(post)
    with pytest.raises(UnknownOutcome, match=r"create the post record: .*500"):
        adapter.publish(post)  # the same record key: the PDS refuses a second record (HTTP 500)
    assert len(bsky.pds.records) == 1
    assert len(adapter.find_published(post, CLAIMED).matches) == 1


def test_a_lost_answer_to_an_upload_is_retryable(bsky: Setup) -> None:
    bsky.pds.server.script("POST", rf"{X}/com\.atproto\.repo\.uploadBlob", Reply(drop=True))
    with pytest.raises(RetryableError, match=r"upload p1-1\.jpg: sent, but no answer"):
        bsky.adapter().publish(bsky.post())
    assert bsky.pds.calls("com.atproto.repo.createRecord") == []


@pytest.mark.parametrize(("nsid", "reply", "error", "message"), [
    ("com.atproto.repo.createRecord",
     xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", {"retry-after": "30"}),
     RetryableError, "429 RateLimitExceeded: Rate Limit Exceeded"),
    ("com.atproto.repo.uploadBlob", xrpc_error(500, "InternalServerError", "Internal Server Error"),
     RetryableError, "500 InternalServerError"),
    ("com.atproto.repo.createRecord", xrpc_error(503, "NotEnoughResources", "try later"),
     UnknownOutcome, "503 NotEnoughResources"),  # a write answered 5xx may have been made
    ("com.atproto.repo.createRecord",
     xrpc_error(400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/text must not be "
                "longer than 300 graphemes"), PermanentError, "must not be longer than 300 graphemes"),
])
def test_failures_are_classified(bsky: Setup, nsid: str, reply: Reply, error: type[Exception],
                                 message: str) -> None:
    bsky.pds.server.script("POST", rf"{X}/{nsid.replace('.', chr(92) + '.')}", reply)
    with pytest.raises(error, match=message) as raised:
        bsky.adapter().publish(bsky.post())
    assert type(raised.value) is error and bsky.pds.records == {}
    if reply.status == 429:
        assert getattr(raised.value, "retry_after", None) == 30.0


def test_a_wrong_app_password_is_permanent_with_the_pds_message(bsky: Setup,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVA_BSKY", "wrong-password")
    with pytest.raises(PermanentError, match="log in: 401 AuthenticationRequired: Invalid identifier"):
        bsky.adapter().verify()
    assert "wrong-password" not in json.dumps([r.path for r in bsky.pds.server.requests])


def test_a_rate_limited_login_is_retryable(bsky: Setup) -> None:
    bsky.pds.server.script("POST", rf"{X}/com\.atproto\.server\.createSession",
                           xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded",
                                      {"ratelimit-reset": str(int(NOW.timestamp()) + 9_999_999_999)}))
    with pytest.raises(RetryableError, match="log in: 429"):
        bsky.adapter().verify()


def test_an_unreachable_pds_is_retryable(bsky: Setup) -> None:
    with pytest.raises(RetryableError, match="not sent"):
        bsky.adapter(base_url=f"http://127.0.0.1:{closed_port()}").publish(bsky.post())
