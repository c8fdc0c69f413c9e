"""The outbox adapter's delete removes one post's folder in the outbox and nothing else: a
publication that names no folder, or a folder outside the outbox or of another post, is refused
(a publication without a folder was once taken as the current folder, and it was removed)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from influencer.errors import PermanentError
from influencer.platforms import Published
from influencer.platforms.mastodon import MastodonPlatform
from influencer.platforms.outbox import outbox_for
from tests.helpers import two_image_post

WHEN = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_delete_removes_the_post_s_folder_only(tmp_path: Path, workspace: Path) -> None:
    outbox = outbox_for(MastodonPlatform, tmp_path / "outbox", "live")
    post = two_image_post(tmp_path, workspace, "mastodon")
    published = outbox.publish(post)
    folder = Path(published.detail["folder"])
    beside = tmp_path / "outbox" / "keep.txt"
    beside.write_text("not a post", encoding="utf-8")
    outbox.delete(published)
    assert not folder.exists() and beside.exists()


@pytest.mark.parametrize("detail", [{}, {"folder": ""}, {"folder": "."}, {"folder": "/"},
                                    {"folder": "../elsewhere"}, {"folder": "SELF"}])
def test_a_folder_that_is_not_the_post_s_is_refused_and_nothing_is_removed(
        tmp_path: Path, detail: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "outbox"
    other = root / "mastodon" / "20261201T080000Z-someoneelse"
    other.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)  # where a folder of "" or "." would point
    if detail.get("folder") == "SELF":
        detail = {"folder": str(other)}  # inside the outbox, but another post's
    published = Published("mastodon", "p1", "113", "https://example.social/@ava/113", "live",
                          WHEN, detail)
    with pytest.raises(PermanentError, match="outbox"):
        outbox_for(MastodonPlatform, root, "live").delete(published)
    assert other.is_dir() and os.listdir(tmp_path) == ["outbox"]
