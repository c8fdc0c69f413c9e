"""Bluesky against the real reference PDS (``@atproto/pds`` 0.5.35, no AppView) on 127.0.0.1.

The stand-in in test_bluesky.py says what the adapter sends; these say that a real PDS takes it
and stores exactly that: the labelled text, facets at the right UTF-8 byte offsets, alt texts,
aspect ratios, and the image bytes with their XMP. Needs ``scripts/pds/install`` (skipped
without it, failed under CI); see tests/pds.py.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from influencer.config import BUILTIN_SPECS, load_workspace
from influencer.disclosure import Draft, LabeledImage, LabeledPost, label
from influencer.errors import UnknownOutcome
from influencer.platforms.base import AccountContext
from influencer.platforms.bluesky import BlueskyPlatform
from tests.helpers import SOURCE, XMP
from tests.pds import PdsAccount, pds_fixture, pds_server_fixture  # noqa: F401  (the pds fixtures)

CLAIMED = datetime(2026, 12, 1, 7, 59, 20, tzinfo=UTC)  # first claimed: the record key's time
SENT = datetime(2026, 12, 1, 8, 0, 2, 345000, tzinfo=UTC)  # the adapter's clock when it sends
BODY = "秋のニット、できました 🧶🍂 Layering season is here."
HASHTAGS = ["#秋コーデ", "#knitwear"]
SIZES = ((800, 1000), (1200, 628))
POST = "app.bsky.feed.post"


def labelled_post(workspace: Path, post_id: str = "p1") -> LabeledPost:
    """Ava's post with two real JPEGs carrying XMP, labelled for Bluesky as the flow does."""
    images = []
    for n, size in enumerate(SIZES, 1):
        path = workspace / "rendered" / f"{post_id}-{n}.jpg"
        path.parent.mkdir(exist_ok=True)
        Image.new("RGB", size, (30 * n, 90, 40)).save(path, "JPEG", xmp=XMP.encode())
        images.append(LabeledImage(path, hashlib.sha256(path.read_bytes()).hexdigest(),
                                   f"A rust knit sweater, look {n}.", SOURCE))
    draft = Draft(post_id=post_id, persona="ava", schedule="ava-autumn", platform="bluesky",
                  slot_at=SENT, publish_at=SENT, body=BODY, hashtags=HASHTAGS, images=images,
                  writer="offline", platform_key=BlueskyPlatform.claim_key(post_id, CLAIMED))
    return label(draft, load_workspace(workspace).personas["ava"], BUILTIN_SPECS["bluesky"])


def adapter(pds: PdsAccount, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> BlueskyPlatform:
    monkeypatch.setenv("AVA_BSKY_REAL_PDS", pds.password)
    return BlueskyPlatform(AccountContext(
        persona="ava", platform="bluesky", handle=f"@{pds.handle}", credentials="env:AVA_BSKY_REAL_PDS",
        root=workspace, state_dir=workspace / ".influencer", base_url=pds.url, timeout=10.0),
        clock=lambda: SENT)


def get_record(pds: PdsAccount, rkey: str) -> dict[str, Any]:
    reply = httpx.get(f"{pds.url}/xrpc/com.atproto.repo.getRecord",
                      params={"repo": pds.did, "collection": POST, "rkey": rkey}, timeout=10)
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


def get_blob(pds: PdsAccount, cid: str) -> httpx.Response:
    return httpx.get(f"{pds.url}/xrpc/com.atproto.sync.getBlob", params={"did": pds.did, "cid": cid},
                     timeout=10)


def access_token(pds: PdsAccount) -> str:
    reply = httpx.post(f"{pds.url}/xrpc/com.atproto.server.createSession",
                       json={"identifier": pds.handle, "password": pds.password}, timeout=10)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["accessJwt"])


def test_the_adapter_publishes_the_labelled_post_and_the_pds_keeps_it_exactly(
        pds: PdsAccount, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    post = labelled_post(workspace)
    rkey = post.platform_key
    assert rkey is not None

    published = adapter(pds, workspace, monkeypatch).publish(post)

    uri = f"at://{pds.did}/{POST}/{rkey}"
    assert published.platform_id == uri
    stored = get_record(pds, rkey)
    assert stored["uri"] == uri and stored["cid"] == published.detail["cid"]
    record = stored["value"]
    assert record["$type"] == POST
    assert record["text"] == post.text
    assert post.text.startswith("AI-generated\n\n") and BODY in post.text  # the label, then the body
    assert record["createdAt"] == "2026-12-01T08:00:02.345Z" and record["langs"] == ["en"]

    # hashtag facets: UTF-8 byte ranges (the Japanese and the emoji before them are 3 and 4 bytes
    # a character), found here without the SDK's facet detection
    encoded = post.text.encode()
    expected = []
    for tag in HASHTAGS:
        start = encoded.index(tag.encode())
        expected.append(((start, start + len(tag.encode())), [("app.bsky.richtext.facet#tag", tag[1:])]))
    assert expected[0][0][0] != post.text.index(HASHTAGS[0])  # bytes, not characters
    got = [((f["index"]["byteStart"], f["index"]["byteEnd"]),
            [(feature["$type"], feature.get("tag")) for feature in f["features"]])
           for f in record["facets"]]
    assert got == expected
    assert [encoded[a:b].decode() for (a, b), _ in got] == HASHTAGS

    embed = record["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [i["alt"] for i in embed["images"]] == post.alt_texts == [
        "AI-generated: A rust knit sweater, look 1.", "AI-generated: A rust knit sweater, look 2."]
    assert [i["aspectRatio"] for i in embed["images"]] == [{"width": w, "height": h} for w, h in SIZES]

    # the blobs are the files, byte for byte: the XMP DigitalSourceType went up with them
    for image, sent in zip(post.images, embed["images"], strict=True):
        data = image.path.read_bytes()
        blob = sent["image"]
        assert blob["$type"] == "blob" and blob["mimeType"] == "image/jpeg" and blob["size"] == len(data)
        reply = get_blob(pds, blob["ref"]["$link"])
        assert reply.status_code == 200, reply.text
        assert reply.content == data and SOURCE.encode() in reply.content


def test_a_second_create_under_the_same_rkey_answers_500(
        pds: PdsAccount, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    post = labelled_post(workspace)
    rkey = post.platform_key
    assert rkey is not None
    adapter(pds, workspace, monkeypatch).publish(post)
    first = get_record(pds, rkey)
    token = access_token(pds)

    def create(key: str) -> httpx.Response:
        return httpx.post(f"{pds.url}/xrpc/com.atproto.repo.createRecord",
                          headers={"Authorization": f"Bearer {token}"}, timeout=10,
                          json={"repo": pds.did, "collection": POST, "rkey": key, "record": first["value"]})

    again = create(rkey)
    # Observed with @atproto/pds 0.5.35: HTTP 500, not a 400 InvalidRequest (its log says
    # "There is already a value at key: app.bsky.feed.post/<rkey>"). A client cannot tell it from
    # any other server error, so the adapter treats it as an unknown outcome and settles by rkey.
    assert again.status_code == 500
    assert again.json() == {"error": "InternalServerError", "message": "Internal Server Error"}
    assert get_record(pds, rkey)["cid"] == first["cid"]  # the first record stands, unchanged
    other = BlueskyPlatform.claim_key("p2", CLAIMED)
    assert other is not None and create(other).status_code == 200  # the same body under a new key is fine


def test_sending_again_is_an_unknown_outcome_settled_by_the_rkey_and_delete_removes_it(
        pds: PdsAccount, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    platform, post = adapter(pds, workspace, monkeypatch), labelled_post(workspace)
    published = platform.publish(post)
    with pytest.raises(UnknownOutcome, match=r"create the post record: .*500"):
        platform.publish(post)
    found = platform.find_published(post, CLAIMED - timedelta(seconds=1))
    assert [m.platform_id for m in found.matches] == [published.platform_id]
    platform.delete(published)
    gone = platform.find_published(post, CLAIMED)
    assert gone.matches == [] and gone.proven_absent
