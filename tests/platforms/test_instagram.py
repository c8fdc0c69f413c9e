"""Instagram against a Graph API stand-in on 127.0.0.1, images served by a real media host folder."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from influencer.config import BUILTIN_SPECS, load_workspace
from influencer.disclosure import Draft, LabeledImage, LabeledPost, label
from influencer.errors import HeldBack, PermanentError, RetryableError, UnknownOutcome
from influencer.platforms.base import AccountContext, Published
from influencer.platforms.instagram import InstagramPlatform, QuotaExhausted
from influencer.platforms.media_host import FolderHost
from tests.helpers import SOURCE, XMP, closed_port
from tests.platforms.instagram_standin import USER_ID, FolderServer, GraphStandIn, V, graph_error
from tests.platforms.standin import Reply, StandIn

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@dataclass
class Setup:
    graph: GraphStandIn
    host: FolderHost
    workspace: Path
    sleeps: list[float]
    clock: list[datetime]

    def adapter(self, base_url: str | None = None, user_id: str | None = USER_ID) -> InstagramPlatform:
        account = AccountContext(persona="ava", platform="instagram", handle="ava.twin",
                                 credentials="env:AVA_IG", root=self.workspace,
                                 state_dir=self.workspace / ".influencer",
                                 base_url=base_url or self.graph.url, user_id=user_id, timeout=5.0)
        return InstagramPlatform(account, self.host, clock=lambda: self.clock[0],
                                 sleep=self.sleeps.append)

    def post(self, count: int = 1) -> LabeledPost:
        images = []
        for n in range(count):
            path = self.workspace / "rendered" / f"look-{n + 1}.jpg"
            path.parent.mkdir(exist_ok=True)
            Image.new("RGB", (1080, 1350), (40 * n, 90, 40)).save(path, "JPEG", xmp=XMP.encode())
            images.append(LabeledImage(path, hashlib.sha256(path.read_bytes()).hexdigest(),
                                       f"A rust knit sweater, look {n + 1}.", SOURCE))
        draft = Draft(post_id="p1", persona="ava", schedule="ava-autumn", platform="instagram",
                      slot_at=NOW, publish_at=NOW, body="Layering season is my favourite season.",
                      hashtags=["#NorthlightTwin", "#knitwear"], images=images, writer="offline")
        persona = load_workspace(self.workspace).personas["ava"]
        return label(draft, persona, BUILTIN_SPECS["instagram"])

    def forms(self, pattern: str) -> list[dict[str, str]]:
        requests = self.graph.server.matching("POST", pattern)
        return [{k: v[0] for k, v in (r.form or {}).items()} for r in requests]


@pytest.fixture
def ig(workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    monkeypatch.setenv("AVA_IG", "IGQ-long-lived-1")
    with StandIn() as server, FolderServer(tmp_path / "served") as files:
        yield Setup(GraphStandIn(server), FolderHost(tmp_path / "served", files.url), workspace, [],
                    [NOW])


def test_publishes_one_image_labelled_with_the_native_flag(ig: Setup) -> None:
    post = ig.post()
    published = ig.adapter().publish(post)

    (form,) = ig.forms(rf"{V}/{USER_ID}/media")
    assert form["is_ai_generated"] == "true"
    assert form["caption"] == post.text and form["caption"].startswith("AI-generated\n\n")
    assert form["alt_text"] == "AI-generated: A rust knit sweater, look 1."
    container = ig.graph.containers[published.detail["containers"][0]]
    assert container.image == post.images[0].path.read_bytes()  # what Instagram fetched
    assert SOURCE.encode() in (container.image or b"")
    assert ig.forms(rf"{V}/{USER_ID}/media_publish") == [{"creation_id": container.id}]
    assert ig.sleeps == [InstagramPlatform.poll_interval]  # IN_PROGRESS once, then FINISHED
    assert published == Published("instagram", "p1", ig.graph.media[0]["id"],
                                  ig.graph.media[0]["permalink"], "live", NOW,
                                  {"containers": [container.id]})
    first = ig.graph.server.requests[0]
    assert (first.path, first.query) == ("/refresh_access_token", {"grant_type": ["ig_refresh_token"]})
    assert ig.graph.server.requests[1].path == f"/v23.0/{USER_ID}/content_publishing_limit"


def test_a_carousel_flags_the_carousel_container_and_alt_texts_each_child(ig: Setup) -> None:
    post = ig.post(3)
    published = ig.adapter().publish(post)

    *children, carousel = ig.forms(rf"{V}/{USER_ID}/media")
    assert [c["alt_text"] for c in children] == [f"AI-generated: A rust knit sweater, look {n}."
                                                 for n in (1, 2, 3)]
    assert all(c["is_carousel_item"] == "true" and "caption" not in c for c in children)
    ids = published.detail["containers"]
    assert carousel == {"media_type": "CAROUSEL", "caption": post.text, "is_ai_generated": "true",
                        "children": ",".join(ids[:3])}
    assert [ig.graph.containers[i].image for i in ids[:3]] == [i.path.read_bytes() for i in post.images]
    assert ig.forms(rf"{V}/{USER_ID}/media_publish") == [{"creation_id": ids[3]}]


def test_a_spent_quota_holds_the_post_before_anything_is_sent(ig: Setup) -> None:
    ig.graph.quota_usage = 50
    with pytest.raises(QuotaExhausted, match=r"publishing quota used \(50 of 50 posts in 24 h\)") as held:
        ig.adapter().publish(ig.post())
    assert ig.forms(rf"{V}/\w+/media") == []
    assert isinstance(held.value, HeldBack) and held.value.retry_after == 3600


@pytest.mark.parametrize(("state", "reason"), [
    ("ERROR", "could not be processed: Error: the image could not be downloaded"),
    ("EXPIRED", "expired before it was published: EXPIRED"),
])
def test_a_failed_container_is_permanent_and_never_published(ig: Setup, state: str, reason: str) -> None:
    ig.graph.statuses = ["IN_PROGRESS", state]
    with pytest.raises(PermanentError, match=reason):
        ig.adapter().publish(ig.post())
    assert ig.graph.publish_requests() == []


def test_polling_is_bounded_and_a_slow_container_is_retryable(ig: Setup) -> None:
    ig.graph.statuses = ["IN_PROGRESS"]
    with pytest.raises(RetryableError, match="still IN_PROGRESS after 20 checks"):
        ig.adapter().publish(ig.post())
    assert ig.sleeps == [3.0] * 19 and ig.graph.publish_requests() == []


@pytest.mark.parametrize(("reply", "error", "message"), [
    (Reply(429, {"error": {"message": "Too many calls", "code": 4}}, {"Retry-After": "120"}),
     RetryableError, r"Too many calls \(HTTP 429, code 4\)"),
    (graph_error(400, "Application request limit reached", 4), RetryableError, "request limit reached"),
    (graph_error(403, "User request limit reached", 17), RetryableError, "User request limit"),
    (graph_error(500, "An unexpected error has occurred", 2, is_transient=True), RetryableError,
     "unexpected error"),
    (Reply(502, b"Bad Gateway"), RetryableError, r"Bad Gateway \(HTTP 502\)"),
    (graph_error(400, "Error validating access token: Session has expired", 190, 463),
     PermanentError, "Session has expired"),
    (graph_error(400, "Application request limit reached", 9, 2207042), QuotaExhausted,
     "publishing quota used"),
    (graph_error(400, "The aspect ratio is not supported.", 36003, 2207009, kind="OAuthException"),
     PermanentError, r"aspect ratio is not supported. \(HTTP 400, code 36003, subcode 2207009\)"),
])
def test_failures_creating_a_container_are_classified(ig: Setup, reply: Reply, error: type[Exception],
                                                      message: str) -> None:
    ig.graph.server.script("POST", rf"{V}/\w+/media", reply)
    with pytest.raises(error, match=message) as raised:
        ig.adapter().publish(ig.post())
    assert type(raised.value) is error and ig.graph.publish_requests() == []
    if reply.status == 429:
        assert getattr(raised.value, "retry_after", None) == 120.0


def test_an_unreachable_api_is_retryable(ig: Setup) -> None:
    with pytest.raises(RetryableError, match="not sent"):
        ig.adapter(base_url=f"http://127.0.0.1:{closed_port()}").publish(ig.post())


def test_a_publish_never_received_is_proven_absent_later_and_sent_with_the_same_container(
        ig: Setup) -> None:
    adapter, post = ig.adapter(), ig.post()
    ig.graph.server.script("POST", rf"{V}/\w+/media_publish", Reply(drop=True))
    with pytest.raises(UnknownOutcome, match="status FINISHED; looked up before publishing again"):
        adapter.publish(post)
    assert ig.graph.media == [] and adapter.progress["creation_id"] in ig.graph.containers
    soon = adapter.find_published(post, NOW)
    assert soon.matches == [] and not soon.proven_absent  # FINISHED right after the call proves nothing
    ig.clock[0] = NOW + timedelta(minutes=3)
    assert adapter.find_published(post, NOW).proven_absent  # still FINISHED minutes later: not published
    made = len(ig.forms(rf"{V}/\w+/media"))
    published = adapter.publish(post)  # the same container, no new one
    assert len(ig.forms(rf"{V}/\w+/media")) == made and len(ig.graph.media) == 1
    assert published.platform_id == ig.graph.media[0]["id"]


def test_a_5xx_after_the_media_was_made_is_settled_by_the_container_not_sent_twice(ig: Setup) -> None:
    ig.graph.answer_next_publish_with = graph_error(500, "An unexpected error has occurred", 2,
                                                    is_transient=True)
    published = ig.adapter().publish(ig.post())
    assert published.platform_id == ig.graph.media[0]["id"] and len(ig.graph.media) == 1
    assert len(ig.graph.publish_requests()) == 1


def test_a_publish_that_went_out_before_the_answer_was_lost_is_found(ig: Setup) -> None:
    ig.graph.lose_publish_answer = True
    published = ig.adapter().publish(ig.post())
    assert published.platform_id == ig.graph.media[0]["id"] and len(ig.graph.media) == 1
    assert len(ig.graph.publish_requests()) == 1


def test_a_lost_answer_that_cannot_be_settled_is_an_unknown_outcome(ig: Setup) -> None:
    ig.graph.statuses = ["FINISHED"]
    ig.graph.server.script("POST", rf"{V}/\w+/media_publish", Reply(drop=True))
    ig.graph.server.script("GET", rf"{V}/\d+", Reply(200, {"status_code": "FINISHED"}), Reply(drop=True))
    with pytest.raises(UnknownOutcome, match="looked up before publishing again"):
        ig.adapter().publish(ig.post())
    assert len(ig.graph.publish_requests()) == 1


def test_find_published_matches_the_exact_caption_since_the_claim(ig: Setup) -> None:
    adapter, post = ig.adapter(), ig.post()
    assert adapter.find_published(post, NOW).matches == []
    published = adapter.publish(post)
    found = adapter.find_published(post, NOW).matches
    assert [f.platform_id for f in found] == [published.platform_id]
    assert adapter.find_published(post, NOW + timedelta(minutes=5)).matches == []  # made before


def test_delete_is_refused_because_the_graph_api_cannot(ig: Setup) -> None:
    published = Published("instagram", "p1", "1800", "https://www.instagram.com/p/C1/", "live")
    with pytest.raises(PermanentError, match=r"cannot delete .* https://www.instagram.com/p/C1/"):
        ig.adapter().delete(published)


def test_verify_names_the_account_and_checks_the_user_id(ig: Setup) -> None:
    assert ig.adapter().verify() == f"ava.twin (IG user {USER_ID})"
    with pytest.raises(PermanentError, match="not to the configured user id 42"):
        ig.adapter(user_id="42").verify()


def test_an_expired_token_fails_verify_with_the_platform_message(ig: Setup,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVA_IG", "IGQ-revoked")
    with pytest.raises(PermanentError, match=r"Session has expired \(HTTP 400, code 190, subcode 463\)"):
        ig.adapter().verify()
    assert "IGQ-revoked" not in json.dumps([r.path for r in ig.graph.server.requests])
    stored = json.loads((ig.workspace / ".influencer" / "instagram" / "ava.json").read_text())
    assert stored["access_token"] is None and "Session has expired" in stored["last_error"]


def test_the_token_is_refreshed_stored_used_and_warned_about(ig: Setup,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = ig.adapter()
    adapter.verify()
    stored = ig.workspace / ".influencer" / "instagram" / "ava.json"
    record = json.loads(stored.read_text())
    assert record["access_token"] == "IGQ-long-lived-2"
    assert record["expires_at"] == (NOW + timedelta(days=60)).isoformat()
    assert stored.stat().st_mode & 0o777 == 0o600
    assert ig.graph.server.requests[-1].headers["authorization"] == "Bearer IGQ-long-lived-2"

    ig.clock[0] = NOW + timedelta(days=10)  # not due: no second refresh
    adapter.verify()
    assert len(ig.graph.server.matching("GET", "/refresh_access_token")) == 1
    assert adapter.token_warning(NOW + timedelta(days=52, hours=23)) is None
    warning = adapter.token_warning(NOW + timedelta(days=53))
    assert warning == ("instagram token for ava expires in 7 days, on 2027-01-30 08:00 UTC: "
                       "paste a new long-lived token")
    assert "expired on" in (adapter.token_warning(NOW + timedelta(days=61)) or "")

    monkeypatch.setenv("AVA_IG", "IGQ-pasted-3")  # a person pasted a newer token: it wins
    ig.graph.token = "IGQ-pasted-3"
    ig.clock[0] = NOW + timedelta(days=11)
    ig.graph.server.script("GET", "/refresh_access_token",
                           graph_error(400, "Token must be at least 24 hours old to refresh", 100))
    adapter.verify()
    assert ig.graph.server.requests[-1].headers["authorization"] == "Bearer IGQ-pasted-3"
    assert adapter.token_warning() == ("instagram token for ava: expiry unknown, refreshing failed: "
                                       "instagram: refresh the access token: Token must be at least "
                                       "24 hours old to refresh (HTTP 400, code 100)")
