"""An out-of-tree platform, as a third party would write it: one module, its own limits, its own
request shape with its own AI flag. ``tests/test_plugin_platform.py`` installs it onto a
subprocess's path with nothing but a ``*.dist-info/entry_points.txt`` beside it."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime
from typing import Any, ClassVar

from influencer.config.platforms import PlatformSpec
from influencer.disclosure import LabeledPost
from influencer.errors import PermanentError
from influencer.platforms.base import Platform, Published

SPEC = PlatformSpec(
    name="pigeon", title="Pigeon Post", caption_limit=240, caption_counting="chars",
    images_per_post=2, max_image_bytes=2_000_000, formats=("JPEG", "PNG"), aspect_min=None,
    aspect_max=None, max_width=1200, alt_text_limit=400, native_ai_flag="synthetic",
)


class PigeonPlatform(Platform):
    name: ClassVar[str] = "pigeon"
    spec: ClassVar[PlatformSpec] = SPEC

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        return {"message": post.text, "synthetic": True,
                "pictures": [{"file": i.path.name, "description": i.alt_text} for i in post.images]}

    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        body = json.dumps({**request, "key": post.post_id}).encode()
        call = urllib.request.Request(f"{self.account.base_url}/messages", data=body, method="POST",
                                      headers={"content-type": "application/json"})
        with urllib.request.urlopen(call, timeout=self.account.timeout) as answer:
            if answer.status != 201:
                raise PermanentError(f"pigeon: HTTP {answer.status}")
            message = json.loads(answer.read())
        return Published(self.name, post.post_id, str(message["id"]),
                         f"{self.account.base_url}/m/{message['id']}", "live", datetime.now(UTC))

    def verify(self) -> str:
        return f"{self.account.handle} on Pigeon Post"
