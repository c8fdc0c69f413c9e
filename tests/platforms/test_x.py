"""The X adapter against a stand-in for X API v2 on 127.0.0.1 (tweepy and requests are real)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from influencer.disclosure import LabeledPost
from influencer.errors import PermanentError, RetryableError, UnknownOutcome
from influencer.platforms.base import AccountContext, Published
from influencer.platforms.x import XPlatform, same_text
from tests.helpers import SOURCE, closed_port, two_image_post
from tests.platforms.standin import Reply, StandIn
from tests.platforms.x_standin import CREDENTIALS, USER, XStandIn

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CLAIMED = NOW - timedelta(minutes=1)  # the post's first claim
POST_TWEET = ("POST", r"/2/tweets")


@pytest.fixture
def x() -> Iterator[XStandIn]:
    with StandIn() as server:
        yield XStandIn(server)


@pytest.fixture
def post(tmp_path: Path, workspace: Path) -> LabeledPost:
    return two_image_post(tmp_path, workspace, "x")


def adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_url: str, *,
            credentials: str = CREDENTIALS, timeout: float = 5.0) -> XPlatform:
    monkeypatch.setenv("AVA_X_TEST", credentials)
    account = AccountContext(persona="ava", platform="x", handle="@ava_twin", credentials="env:AVA_X_TEST",
                             root=tmp_path, state_dir=tmp_path / ".influencer", base_url=base_url,
                             timeout=timeout)
    return XPlatform(account, clock=lambda: NOW)


def test_publish_sends_the_labelled_post_its_images_and_the_ai_flag(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost) -> None:
    published = adapter(tmp_path, monkeypatch, x.url).publish(post)

    assert x.rejected == []  # every request was signed and conformed to the OpenAPI document
    assert [(r.method, r.path) for r in x.server.requests] == [
        ("POST", "/2/media/upload"), ("POST", "/2/media/metadata"),
        ("POST", "/2/media/upload"), ("POST", "/2/media/metadata"), ("POST", "/2/tweets")]
    assert all(r.headers["authorization"].startswith("OAuth ") for r in x.server.requests)
    (post_id, body), = x.posts.items()
    media_ids = body["media"]["media_ids"]
    assert body["text"] == post.text and post.text.startswith("AI-generated #ad")
    assert body["made_with_ai"] is True and body["paid_partnership"] is True
    assert [x.media[m] for m in media_ids] == [i.path.read_bytes() for i in post.images]
    assert all(SOURCE.encode() in x.media[m] for m in media_ids)  # the XMP went with the bytes
    assert [x.alt_texts[m] for m in media_ids] == post.alt_texts
    assert post.alt_texts[0].startswith("AI-generated: ")
    expected = XPlatform.build_request(post)["tweet"] | {"media": {"media_ids": media_ids}}
    assert {k: v for k, v in body.items() if k != "rendered"} == expected
    assert published == Published("x", post.post_id, post_id, f"https://x.com/ava_twin/status/{post_id}",
                                  "live", NOW, {"media_ids": media_ids})


def test_delete_and_verify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn,
                           post: LabeledPost) -> None:
    platform = adapter(tmp_path, monkeypatch, x.url)
    published = platform.publish(post)
    platform.delete(published)
    assert x.posts == {} and x.server.matching("DELETE", rf"/2/tweets/{published.platform_id}")
    assert platform.verify() == "@ava_twin"
    with pytest.raises(PermanentError, match="was not deleted"):
        platform.delete(published)


def test_a_rate_limit_is_retryable_after_the_reset_and_is_not_waited_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost) -> None:
    reset = int(NOW.timestamp()) + 120
    x.server.script(*POST_TWEET, Reply(429, {"title": "Too Many Requests", "detail": "Too Many Requests",
                                             "type": "about:blank", "status": 429},
                                       {"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"}))
    with pytest.raises(RetryableError, match="HTTP 429") as caught:
        adapter(tmp_path, monkeypatch, x.url).publish(post)
    assert caught.value.retry_after == 120
    assert len(x.server.matching(*POST_TWEET)) == 1 and x.posts == {}


@pytest.mark.parametrize(("reply", "kind", "message"), [
    (Reply(503, {"title": "Service Unavailable", "detail": "Service Unavailable", "type": "about:blank",
                 "status": 503}), UnknownOutcome, "HTTP 503: Service Unavailable; it may have been made"),
    (Reply(401, {"title": "Unauthorized", "detail": "Unauthorized", "type": "about:blank", "status": 401}),
     PermanentError, "HTTP 401: Unauthorized"),
    (Reply(403, {"title": "Forbidden", "type": "about:blank", "status": 403,
                 "detail": "You are not permitted to perform this action."}),
     PermanentError, "HTTP 403: You are not permitted to perform this action."),
    (Reply(400, {"errors": [{"message": "Your Tweet text is too long."}], "title": "Invalid Request",
                 "detail": "One or more parameters to your request was invalid.",
                 "type": "https://api.twitter.com/2/problems/invalid-request"}),
     PermanentError, "HTTP 400: Your Tweet text is too long."),
])
def test_answers_are_classified_with_x_s_own_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost,
        reply: Reply, kind: type[Exception], message: str) -> None:
    x.server.script(*POST_TWEET, reply)
    with pytest.raises(kind, match=message) as caught:
        adapter(tmp_path, monkeypatch, x.url).publish(post)
    assert type(caught.value) is kind
    assert len(x.server.matching(*POST_TWEET)) == 1


def test_a_failed_image_upload_stops_before_the_post(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost) -> None:
    x.server.script("POST", r"/2/media/upload", Reply(403, {"title": "Forbidden", "status": 403,
                                                             "type": "about:blank",
                                                             "detail": "media.write scope missing"}))
    with pytest.raises(PermanentError, match=r"X upload image: HTTP 403: media\.write scope missing"):
        adapter(tmp_path, monkeypatch, x.url).publish(post)
    assert [r.path for r in x.server.requests] == ["/2/media/upload"]


class SendsTheFlagAsText(XPlatform):
    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        request = super().build_request(post)
        request["tweet"]["made_with_ai"] = "true"  # passes the disclosure check, not X's schema
        return request


def test_a_body_that_breaks_the_openapi_document_is_refused_with_x_s_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost) -> None:
    monkeypatch.setenv("AVA_X_TEST", CREDENTIALS)
    platform = SendsTheFlagAsText(adapter(tmp_path, monkeypatch, x.url).account)
    refused = r"HTTP 400: body \.made_with_ai: 'true' is not of type 'boolean'"
    with pytest.raises(PermanentError, match=refused):
        platform.publish(post)
    assert x.posts == {} and len(x.rejected) == 1


def test_a_dropped_connection_after_sending_is_an_unknown_outcome_settled_by_lookup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost) -> None:
    platform = adapter(tmp_path, monkeypatch, x.url)
    x.lose_answer_to_next_post = True
    with pytest.raises(UnknownOutcome, match="X create post: sent, but no answer"):
        platform.publish(post)
    (post_id, _), = x.posts.items()
    found = platform.find_published(post, CLAIMED).matches
    assert [(f.platform_id, f.post_id) for f in found] == [(post_id, post.post_id)]
    assert len(x.server.matching(*POST_TWEET)) == 1  # settled by looking, not by sending again
    timeline = x.server.matching("GET", rf"/2/users/{USER['id']}/tweets")[0]
    assert timeline.query == {"max_results": ["100"], "exclude": ["replies,retweets"],
                              "start_time": ["2026-12-01T08:59:00Z"],
                              "post.fields": ["created_at,attachments"]}
    assert x.rejected == []


def test_a_5xx_after_the_post_was_made_is_unknown_and_never_sent_twice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost) -> None:
    platform = adapter(tmp_path, monkeypatch, x.url)
    x.answer_next_create_with = Reply(503, {"title": "Service Unavailable", "status": 503,
                                            "detail": "Service Unavailable", "type": "about:blank"})
    with pytest.raises(UnknownOutcome, match="HTTP 503"):
        platform.publish(post)
    assert len(platform.find_published(post, CLAIMED).matches) == 1
    with pytest.raises(UnknownOutcome, match="duplicate"):  # sent again anyway: X refuses it (403)
        platform.publish(post)
    assert len(x.posts) == 1


def test_a_lookup_ignores_older_posts_with_the_same_text_and_other_media_counts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost) -> None:
    platform = adapter(tmp_path, monkeypatch, x.url)
    x.clock = lambda: CLAIMED - timedelta(days=2)  # the same caption two days ago
    x.posts["1699"] = {"text": post.text, "rendered": post.text, "media": {"media_ids": ["m1", "m2"]}}
    x.created["1699"] = CLAIMED - timedelta(days=2)
    assert platform.find_published(post, CLAIMED).matches == []
    x.clock = lambda: CLAIMED + timedelta(seconds=5)
    x.posts["1700"] = {"text": post.text, "rendered": post.text, "media": {"media_ids": ["m3"]}}
    x.created["1700"] = CLAIMED + timedelta(seconds=5)  # since the claim, but one image, not two
    assert platform.find_published(post, CLAIMED).matches == []


def test_a_lookup_reads_every_page_back_to_the_claim(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost) -> None:
    platform = adapter(tmp_path, monkeypatch, x.url)
    x.clock = lambda: CLAIMED + timedelta(seconds=1)
    platform.publish(post)
    for n in range(250):  # then 250 other posts: the one we look for is on the third page
        x.posts[f"18{n:05d}"] = {"text": f"other {n}", "rendered": f"other {n}"}
        x.created[f"18{n:05d}"] = CLAIMED + timedelta(minutes=1)
    found = platform.find_published(post, CLAIMED).matches
    assert len(found) == 1
    pages = x.server.matching("GET", rf"/2/users/{USER['id']}/tweets")
    assert [p.query.get("pagination_token") for p in pages] == [None, ["100"], ["200"]]


def test_a_post_that_never_arrived_is_not_found(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost) -> None:
    platform = adapter(tmp_path, monkeypatch, x.url)
    x.server.script(*POST_TWEET, Reply(drop=True))
    with pytest.raises(UnknownOutcome):
        platform.publish(post)
    found = platform.find_published(post, CLAIMED)
    assert found.matches == [] and not found.proven_absent  # X cannot prove absence


def test_a_read_timeout_is_an_unknown_outcome(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost) -> None:
    held = x.server.hold(*POST_TWEET)
    with pytest.raises(UnknownOutcome, match="ReadTimeout"):
        adapter(tmp_path, monkeypatch, x.url, timeout=1.0).publish(post)
    assert held.arrived.is_set()


def test_a_refused_connection_is_retryable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            post: LabeledPost) -> None:
    with pytest.raises(RetryableError, match="nothing was sent") as caught:
        adapter(tmp_path, monkeypatch, f"http://127.0.0.1:{closed_port()}", timeout=1.0).publish(post)
    assert caught.value.retry_after is None


@pytest.mark.parametrize("credentials", ["not json", '{"consumer_key": "ck"}'])
def test_bad_credentials_are_permanent_and_never_shown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost,
        credentials: str) -> None:
    with pytest.raises(PermanentError, match="must be a JSON object") as caught:
        adapter(tmp_path, monkeypatch, x.url, credentials=credentials).verify()
    assert credentials not in str(caught.value) and x.server.requests == []


def test_a_wrong_signature_is_refused_by_the_stand_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn) -> None:
    wrong = json.dumps(json.loads(CREDENTIALS) | {"consumer_secret": "not-the-secret"})
    with pytest.raises(PermanentError, match="X verify account: HTTP 401: Unauthorized"):
        adapter(tmp_path, monkeypatch, x.url, credentials=wrong).verify()
    assert len(x.rejected) == 1


def test_same_text_allows_for_x_s_rendering() -> None:
    sent = "AI-generated\n\nKnits & <layers> at https://example.com/autumn?x=1 #knitwear"
    assert same_text(sent, "AI-generated\n\nKnits &amp; &lt;layers&gt; at https://t.co/Ab12 #knitwear")
    assert not same_text(sent, "AI-generated\n\nKnits &amp; &lt;layers&gt; #knitwear")


def test_no_credential_reaches_a_log_line_even_at_debug(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, x: XStandIn, post: LabeledPost,
        caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from tests.platforms.x_standin import KEYS

    with caplog.at_level(logging.DEBUG):
        logging.getLogger().setLevel(logging.DEBUG)
        adapter(tmp_path, monkeypatch, x.url).publish(post)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert all(value not in logged for value in KEYS.values())
