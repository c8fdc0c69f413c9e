"""The Mastodon adapter against a Mastodon 4.x stand-in on 127.0.0.1 (Mastodon.py is real)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from influencer.disclosure import LabeledPost
from influencer.errors import PermanentError, RetryableError, UnknownOutcome
from influencer.platforms.base import AccountContext, Published
from influencer.platforms.mastodon import MastodonPlatform
from influencer.platforms.mastodon_api import plain_text
from tests.helpers import SOURCE, FixedClock, closed_port, two_image_post
from tests.platforms.mastodon_standin import TOKEN, MastodonStandIn, as_json, rendered
from tests.platforms.standin import Reply, StandIn

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CLAIMED = NOW - timedelta(minutes=1)
POST_STATUS = ("POST", r"/api/v1/statuses")


@pytest.fixture
def instance() -> Iterator[MastodonStandIn]:
    with StandIn() as server:
        yield MastodonStandIn(server)


@pytest.fixture
def post(tmp_path: Path, workspace: Path) -> LabeledPost:
    return two_image_post(tmp_path, workspace, "mastodon")


def adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_url: str | None, *,
            timeout: float = 5.0, clock: FixedClock | None = None) -> MastodonPlatform:
    monkeypatch.setenv("AVA_MASTODON_TEST", TOKEN)
    account = AccountContext(persona="ava", platform="mastodon", handle="@ava@127.0.0.1",
                             credentials="env:AVA_MASTODON_TEST", root=tmp_path,
                             state_dir=tmp_path / ".influencer", base_url=base_url, timeout=timeout)
    return MastodonPlatform(account, clock=clock or FixedClock(NOW))


def test_publish_sends_each_image_with_its_alt_text_then_one_keyed_status(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
        post: LabeledPost) -> None:
    instance.clock = lambda: NOW + timedelta(seconds=3)
    published = adapter(tmp_path, monkeypatch, instance.url + "/").publish(post)

    assert instance.rejected == []  # bearer token on each, each conformed to the OpenAPI document
    assert [(r.method, r.path) for r in instance.server.requests] == [
        ("POST", "/api/v2/media"), ("POST", "/api/v2/media"), ("POST", "/api/v1/statuses")]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in instance.server.requests)
    sent = instance.server.matching(*POST_STATUS)[0]
    assert sent.headers["idempotency-key"] == post.post_id
    (status_id, status), = instance.statuses.items()
    assert status["text"] == post.text and post.text.startswith("AI-generated #ad")
    assert status["visibility"] == "public" and status["language"] == "en"
    uploaded = [instance.media[m] for m in status["media_ids"]]
    assert [m["bytes"] for m in uploaded] == [i.path.read_bytes() for i in post.images]
    assert all(SOURCE.encode() in m["bytes"] and m["mime_type"] == "image/jpeg" for m in uploaded)
    assert [m["description"] for m in uploaded] == post.alt_texts
    assert post.alt_texts[0].startswith("AI-generated: ")
    request = MastodonPlatform.build_request(post)
    assert as_json(sent.form or {}) == request["status"] | {"media_ids": status["media_ids"],
                                                            "sensitive": False}
    assert published == Published("mastodon", post.post_id, status_id, f"{instance.url}/@ava/{status_id}",
                                  "live", NOW + timedelta(seconds=3),
                                  {"media_ids": status["media_ids"]})


def test_an_upload_still_processing_is_waited_for_before_the_status(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
        post: LabeledPost) -> None:
    instance.processing_checks = 2  # 202 on upload, then 206, 206, 200
    sleeps: list[float] = []
    platform = adapter(tmp_path, monkeypatch, instance.url)
    platform._sleep = sleeps.append
    platform.publish(post)
    looks = instance.server.matching("GET", r"/api/v1/media/\d+")
    assert len(looks) == 6 and sleeps == [1.0] * 6  # three looks per image, a pause before each
    assert len(instance.statuses) == 1 and instance.rejected == []


def test_an_upload_that_never_finishes_stops_before_any_status(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
        post: LabeledPost) -> None:
    instance.processing_checks = 1000
    platform = adapter(tmp_path, monkeypatch, instance.url)
    platform._sleep = lambda seconds: None
    with pytest.raises(RetryableError, match="still processing after 30 checks; no status was created"):
        platform.publish(post)
    assert instance.server.matching(*POST_STATUS) == []


def test_delete_and_verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
                           post: LabeledPost) -> None:
    platform = adapter(tmp_path, monkeypatch, instance.url)
    published = platform.publish(post)
    platform.delete(published)
    assert instance.statuses == {}
    assert platform.verify() == f"@ava@{instance.url.removeprefix('http://')}"
    with pytest.raises(PermanentError, match="Mastodon delete status: HTTP 404: Record not found"):
        platform.delete(published)


def test_the_caption_limit_comes_from_the_instance_and_is_kept_a_day(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn) -> None:
    instance.max_characters = 1000
    clock = FixedClock(NOW)
    platform = adapter(tmp_path, monkeypatch, instance.url, clock=clock)
    assert platform.caption_limit() == 1000
    instance.max_characters = 5000
    clock.now += timedelta(hours=23)
    assert adapter(tmp_path, monkeypatch, instance.url, clock=clock).caption_limit() == 1000  # from the file
    host = instance.url.removeprefix("http://").replace(":", "_")
    cached = tmp_path / ".influencer" / "mastodon" / f"{host}.json"
    assert json.loads(cached.read_text())["max_characters"] == 1000
    clock.now += timedelta(hours=2)
    assert platform.caption_limit() == 5000
    assert [r.path for r in instance.server.requests] == ["/api/v2/instance/", "/api/v2/instance/"]


def test_an_instance_before_4_0_gives_its_limit_through_v1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn) -> None:
    instance.has_v2_instance, instance.max_characters = False, 3000
    assert adapter(tmp_path, monkeypatch, instance.url).caption_limit() == 3000
    assert [r.path for r in instance.server.requests] == ["/api/v2/instance/", "/api/v1/instance/"]


def test_a_rate_limit_is_retryable_after_the_reset_and_is_not_waited_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
        post: LabeledPost) -> None:
    reset = (NOW + timedelta(seconds=120)).isoformat().replace("+00:00", ".000Z")
    instance.server.script(*POST_STATUS, Reply(429, {"error": "Too many requests"},
                                               {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                                                "X-RateLimit-Reset": reset}))
    with pytest.raises(RetryableError, match="HTTP 429") as caught:
        adapter(tmp_path, monkeypatch, instance.url).publish(post)
    assert caught.value.retry_after == 120
    assert len(instance.server.matching(*POST_STATUS)) == 1 and instance.statuses == {}


@pytest.mark.parametrize(("reply", "kind", "message"), [
    (Reply(503, {"error": "Service Unavailable"}), UnknownOutcome, "HTTP 503: Service Unavailable"),
    (Reply(401, {"error": "The access token is invalid"}), PermanentError,
     "HTTP 401: The access token is invalid"),
    (Reply(403, {"error": "This action is not allowed"}), PermanentError,
     "HTTP 403: This action is not allowed"),
])
def test_answers_are_classified_with_the_instance_s_own_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn, post: LabeledPost,
        reply: Reply, kind: type[Exception], message: str) -> None:
    instance.server.script(*POST_STATUS, reply)
    with pytest.raises(kind, match=f"Mastodon post status: {re.escape(message)}") as caught:
        adapter(tmp_path, monkeypatch, instance.url).publish(post)
    assert type(caught.value) is kind
    assert len(instance.server.matching(*POST_STATUS)) == 1


def test_a_status_over_the_instance_limit_is_refused_for_good(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
        post: LabeledPost) -> None:
    instance.max_characters = 50
    with pytest.raises(PermanentError, match="HTTP 422: Validation failed: Text character limit of 50"):
        adapter(tmp_path, monkeypatch, instance.url).publish(post)


def test_a_dropped_answer_is_an_unknown_outcome_settled_by_lookup_and_never_doubled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
        post: LabeledPost) -> None:
    platform = adapter(tmp_path, monkeypatch, instance.url)
    instance.lose_answer_to_next_status = True
    with pytest.raises(UnknownOutcome, match="Mastodon post status: sent, but no answer"):
        platform.publish(post)
    (status_id, _), = instance.statuses.items()
    found = platform.find_published(post, CLAIMED).matches
    assert [(f.platform_id, f.post_id) for f in found] == [(status_id, post.post_id)]
    assert len(instance.server.matching(*POST_STATUS)) == 1  # settled by looking, not by sending
    assert platform.publish(post).platform_id == status_id  # and the key makes a resend harmless
    assert len(instance.statuses) == 1 and instance.rejected == []


def test_a_5xx_after_the_status_was_made_is_unknown_and_the_key_keeps_a_resend_harmless(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
        post: LabeledPost) -> None:
    platform = adapter(tmp_path, monkeypatch, instance.url)
    instance.answer_next_status_with = Reply(502, {"error": "Bad Gateway"})
    with pytest.raises(UnknownOutcome, match="HTTP 502"):
        platform.publish(post)
    assert platform.resend_safe_for == timedelta(minutes=55)
    assert platform.publish(post).platform_id == next(iter(instance.statuses))
    assert len(instance.statuses) == 1


def test_a_lookup_pages_back_to_the_claim_and_ignores_older_and_other_posts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
        post: LabeledPost) -> None:
    platform = adapter(tmp_path, monkeypatch, instance.url)
    instance.clock = lambda: CLAIMED - timedelta(days=1)
    platform.publish(post)  # yesterday's status with the same text: not this post
    instance.keys.clear()
    instance.clock = lambda: CLAIMED + timedelta(seconds=3)
    ours = platform.publish(post).platform_id
    for n in range(90):  # then 90 others: the match is on the third page
        other = str(200_000_000_000_000_000 + n)
        instance.statuses[other] = {"id": other, "text": f"other {n}", "visibility": "public",
                                    "media_ids": [], "idempotency_key": None, "language": "en"}
        instance.created[other] = "2026-12-01T09:00:30.000Z"
    found = platform.find_published(post, CLAIMED).matches
    assert [f.platform_id for f in found] == [ours]
    pages = instance.server.matching("GET", r"/api/v1/accounts/\d+/statuses")
    assert len(pages) == 3 and pages[1].query["max_id"] == [str(200_000_000_000_000_000 + 50)]


def test_a_status_that_never_arrived_is_not_found(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
        post: LabeledPost) -> None:
    platform = adapter(tmp_path, monkeypatch, instance.url)
    instance.server.script(*POST_STATUS, Reply(drop=True))
    with pytest.raises(UnknownOutcome):
        platform.publish(post)
    assert platform.find_published(post, CLAIMED).matches == []


def test_a_read_timeout_is_an_unknown_outcome(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
        post: LabeledPost) -> None:
    held = instance.server.hold(*POST_STATUS)
    with pytest.raises(UnknownOutcome, match=r"sent, but no answer .*Read timed out"):
        adapter(tmp_path, monkeypatch, instance.url, timeout=1.0).publish(post)
    assert held.arrived.is_set()


def test_a_refused_connection_is_retryable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            post: LabeledPost) -> None:
    port = closed_port()
    with pytest.raises(RetryableError, match="nothing was sent"):
        adapter(tmp_path, monkeypatch, f"http://127.0.0.1:{port}", timeout=1.0).publish(post)


def test_unreadable_rate_limit_headers_on_a_made_status_are_not_taken_for_nothing_happened(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance: MastodonStandIn,
        post: LabeledPost) -> None:
    instance.server.script(*POST_STATUS, Reply(200, {"id": "1"}, {"X-RateLimit-Reset": "soon"}))
    with pytest.raises(UnknownOutcome, match="HTTP 200, but its rate-limit headers could not be read"):
        adapter(tmp_path, monkeypatch, instance.url).publish(post)


def test_an_account_without_an_instance_address_is_refused_clearly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, post: LabeledPost) -> None:
    with pytest.raises(PermanentError, match="no base_url; set it to the instance's address"):
        adapter(tmp_path, monkeypatch, None).publish(post)


def test_the_stand_in_refuses_what_the_openapi_document_does_not_allow(instance: MastodonStandIn) -> None:
    answer = requests.post(f"{instance.url}/api/v1/statuses", timeout=5,
                           headers={"Authorization": f"Bearer {TOKEN}"},
                           data={"status": "hi", "visibility": "everyone", "media_ids[]": ["1"]})
    assert answer.status_code == 422 and "visibility" in answer.json()["error"]
    assert instance.statuses == {} and len(instance.rejected) == 1


def test_status_html_reads_back_as_the_text_that_was_posted() -> None:
    text = "AI-generated\n\nKnits & <layers>\nat https://example.com/a?b=1&c=2 #knitwear #NorthlightTwin"
    assert plain_text(rendered(text, "https://m.example")) == text
