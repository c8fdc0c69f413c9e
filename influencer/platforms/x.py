"""X: POST /2/tweets with made_with_ai, images via POST /2/media/upload (+ /2/media/metadata)."""

from __future__ import annotations

from typing import Any, ClassVar

from influencer.config.platforms import PlatformSpec, X
from influencer.disclosure import LabeledPost
from influencer.platforms.base import Platform, Published
from influencer.platforms.pending import not_yet_live


class XPlatform(Platform):
    name: ClassVar[str] = "x"
    spec: ClassVar[PlatformSpec] = X

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        ids = [f"<media:{n}>" for n in range(1, len(post.images) + 1)]
        media = [{"upload": {"file": image.path.name, "media_category": "tweet_image"},
                  "metadata": {"id": media_id, "alt_text": {"text": image.alt_text}}}
                 for media_id, image in zip(ids, post.images, strict=True)]
        flags = post.flag_map
        tweet = {"text": post.text, "media": {"media_ids": ids},
                 "made_with_ai": flags.get("made_with_ai", False),
                 "paid_partnership": flags.get("paid_partnership", False)}
        return {"media": media, "tweet": tweet}

    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        raise not_yet_live(self.spec)
