"""The preview as one self-contained HTML page: a card per post, looking like its platform.

Images are embedded once each as small data URIs (thumbnails of the rendered, cropped files),
so the page works from disk with no server and no network.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections import OrderedDict
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from PIL import Image

from influencer.preview.model import PreviewItem

THUMB_WIDTH = 480
PLATFORM_TITLES = {"x": "X", "instagram": "Instagram", "bluesky": "Bluesky", "mastodon": "Mastodon"}


def thumbnail_uri(path: Path, cache: Path) -> str:
    """A JPEG data URI of ``path`` at most THUMB_WIDTH wide, cached by content hash."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    cached = cache / f"{digest}-{THUMB_WIDTH}.jpg"
    if not cached.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with Image.open(path) as image:
            image.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 3))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=80)
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(cached)
    return "data:image/jpeg;base64," + base64.b64encode(cached.read_bytes()).decode("ascii")


def render_html(items: list[PreviewItem], title: str, thumbs: Path) -> str:
    env = Environment(loader=PackageLoader("influencer.preview", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    images: dict[str, str] = {}
    days: OrderedDict[str, list[PreviewItem]] = OrderedDict()
    for item in sorted(items, key=lambda i: (i.local_day, str(i.post.get("publish_at")))):
        days.setdefault(item.local_day, []).append(item)
        for entry, path in zip(item.post.get("images") or [], item.image_paths, strict=False):
            if entry["sha256"] not in images and path.exists():
                images[entry["sha256"]] = thumbnail_uri(path, thumbs)
    return env.get_template("preview.html.j2").render(
        title=title, days=days, images=images, titles=PLATFORM_TITLES,
        personas=sorted({i.post["persona"] for i in items}),
        platforms=sorted({i.post["platform"] for i in items}))
