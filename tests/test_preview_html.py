"""The HTML preview in headless Chromium: self-contained, one card per post, every label shown."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from PIL import Image

from influencer.preview.html import render_html
from influencer.preview.model import PreviewItem
from tests.browser import load_page


def item(tmp_path: Path, n: int, platform: str, persona: str, day: str) -> PreviewItem:
    path = tmp_path / f"img{n % 3}.jpg"
    if not path.exists():
        Image.new("RGB", (400, 500), (40 * n % 255, 120, 90)).save(path, "JPEG")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    text = f"AI-generated\n\nPost number {n} <b>not bold</b> #knitwear"
    post = {"post_id": f"{n}f3c9e1a2b4d5c6e7", "mode": "live", "persona": persona, "schedule": "s",
            "platform": platform, "slot_at": f"{day}T08:00:00Z", "publish_at": f"{day}T08:01:00Z",
            "text": text, "alt_texts": [f"AI-generated: image {n}"],
            "flags": {"made_with_ai": True} if platform == "x" else {},
            "images": [{"file": path.name, "sha256": sha}], "writer": "offline", "request": {}}
    return PreviewItem(post=post, status="drafted", warnings=["writer is offline"],
                       local_time="Tue 09:01 CET", local_day=day, persona_name=persona.title(),
                       handle=f"@{persona}", length=len(text), limit=280, image_paths=[path])


def test_page_in_chromium(tmp_path: Path) -> None:
    items = [item(tmp_path, n, platform, persona, day)
             for n, (platform, persona, day) in enumerate([
                 ("x", "ava", "2026-12-01"), ("instagram", "ava", "2026-12-01"),
                 ("bluesky", "mei", "2026-12-02"), ("mastodon", "noor", "2026-12-03")])]
    page = tmp_path / "preview.html"
    page.write_text(render_html(items, "Preview", tmp_path / "thumbs"), encoding="utf-8")
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=\"https?:", html)  # nothing to fetch
    assert "<b>not bold</b>" not in html  # captions are escaped
    dom, requests = load_page(page, tmp_path / "preview.png")
    assert requests == []
    cards = re.findall(r"<article class=\"card (\w+)\".*?</article>", dom, re.S)
    assert cards == ["x", "instagram", "bluesky", "mastodon"]
    bodies = re.findall(r"<article.*?</article>", dom, re.S)
    assert all('<div class="caption">AI-generated' in body for body in bodies)
    assert [re.search(r'<span class="id" title="(\w+)">(\w+)</span>', b).groups()  # type: ignore[union-attr]
            for b in bodies] == [(f"{n}f3c9e1a2b4d5c6e7", f"{n}f3c9e1a") for n in range(4)]
    assert len(re.findall(r'<img class="photo" data-sha="\w+" alt="[^"]*" src="data:image/jpeg', dom)) == 4
    assert list(re.findall(r"<h2>([\d-]+)</h2>", dom)) == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert (tmp_path / "preview.png").stat().st_size > 10_000
