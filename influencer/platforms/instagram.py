"""Instagram Graph API: media container(s) with is_ai_generated, then media_publish."""

from __future__ import annotations

from typing import Any, ClassVar

from influencer.config.platforms import INSTAGRAM, PlatformSpec
from influencer.disclosure import LabeledPost
from influencer.platforms.base import Platform, Published
from influencer.platforms.pending import not_yet_live


class InstagramPlatform(Platform):
    name: ClassVar[str] = "instagram"
    spec: ClassVar[PlatformSpec] = INSTAGRAM

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        flagged = post.flag_map.get("is_ai_generated", False)
        urls = [f"<public url of {image.path.name}>" for image in post.images]
        if len(post.images) == 1:
            container = {"image_url": urls[0], "caption": post.text,
                         "alt_text": post.images[0].alt_text, "is_ai_generated": flagged}
            return {"containers": [container], "publish": {"creation_id": "<container:1>"}}
        children = [{"image_url": url, "is_carousel_item": True, "alt_text": image.alt_text}
                    for url, image in zip(urls, post.images, strict=True)]
        carousel = {"media_type": "CAROUSEL", "caption": post.text, "is_ai_generated": flagged,
                    "children": [f"<container:{n}>" for n in range(1, len(children) + 1)]}
        return {"containers": [*children, carousel],
                "publish": {"creation_id": f"<container:{len(children) + 1}>"}}

    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        raise not_yet_live(self.spec)
