"""Bluesky: an app.bsky.feed.post record with image blobs, keyed by the post id."""

from __future__ import annotations

from typing import Any, ClassVar

from influencer.config.platforms import BLUESKY, PlatformSpec
from influencer.disclosure import LabeledPost
from influencer.platforms.base import Platform, Published
from influencer.platforms.pending import not_yet_live


class BlueskyPlatform(Platform):
    name: ClassVar[str] = "bluesky"
    spec: ClassVar[PlatformSpec] = BLUESKY

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        images = [{"alt": image.alt_text, "image": f"<blob:{n}>"}
                  for n, image in enumerate(post.images, 1)]
        record = {"$type": "app.bsky.feed.post", "text": post.text,
                  "createdAt": post.publish_at.isoformat().replace("+00:00", "Z"),
                  "embed": {"$type": "app.bsky.embed.images", "images": images}}
        return {"collection": "app.bsky.feed.post", "rkey": post.post_id, "record": record}

    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        raise not_yet_live(self.spec)
