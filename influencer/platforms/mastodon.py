"""Mastodon: media with a description, then a status keyed by an idempotency key."""

from __future__ import annotations

from typing import Any, ClassVar

from influencer.config.platforms import MASTODON, PlatformSpec
from influencer.disclosure import LabeledPost
from influencer.platforms.base import Platform, Published
from influencer.platforms.pending import not_yet_live


class MastodonPlatform(Platform):
    name: ClassVar[str] = "mastodon"
    spec: ClassVar[PlatformSpec] = MASTODON

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        media = [{"file": image.path.name, "description": image.alt_text} for image in post.images]
        status = {"status": post.text, "visibility": "public",
                  "media_ids": [f"<media:{n}>" for n in range(1, len(media) + 1)]}
        return {"media": media, "status": status, "idempotency_key": post.post_id}

    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        raise not_yet_live(self.spec)
