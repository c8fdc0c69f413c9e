"""The outbox: where dry runs, and accounts not yet live, publish.

    outbox/<persona>/<platform>/<slot UTC %Y%m%dT%H%M%SZ>-<post id>/post.json + the image files

``post.json`` holds exactly what the real adapter would send (``request``) beside the post's
fields. A post's folder name is fixed by its slot and id, and is replaced atomically, so
repeating a dry run never duplicates a post in the outbox.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from influencer.disclosure import LabeledPost
from influencer.platforms.base import Platform, Published


def post_folder(outbox: Path, post: LabeledPost) -> Path:
    slot = post.slot_at.strftime("%Y%m%dT%H%M%SZ")
    return outbox / post.persona / post.platform / f"{slot}-{post.post_id}"


def post_json(post: LabeledPost, mode: str, request: dict[str, Any]) -> dict[str, Any]:
    return {
        "post_id": post.post_id, "mode": mode, "persona": post.persona, "schedule": post.schedule,
        "platform": post.platform, "slot_at": _iso(post.slot_at), "publish_at": _iso(post.publish_at),
        "text": post.text, "alt_texts": post.alt_texts, "flags": post.flag_map,
        "images": [{"file": image.path.name, "sha256": image.sha256} for image in post.images],
        "writer": post.writer, "request": request,
    }


def _iso(moment: Any) -> str:
    return str(moment.isoformat()).replace("+00:00", "Z")


class OutboxPlatform(Platform):
    """Publishes a target platform's posts into a folder instead; see ``outbox_for``."""

    target: ClassVar[type[Platform]]

    def __init__(self, folder: Path, mode: str) -> None:
        self.folder = folder
        self.mode = mode

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        return cls.target.build_request(post)

    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        final = post_folder(self.folder, post)
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=final.parent))
        for image in post.images:
            shutil.copyfile(image.path, staging / image.path.name)
        document = post_json(post, self.mode, request)
        (staging / "post.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        staging.replace(final)
        return Published(platform=post.platform, post_id=post.post_id, platform_id=final.name,
                         url=final.as_uri(), mode=self.mode, detail={"folder": str(final)})

    def delete(self, published: Published) -> None:
        folder = Path(published.detail.get("folder", ""))
        if folder.is_dir():
            shutil.rmtree(folder)

    def verify(self) -> str:
        return f"outbox {self.folder}"


def outbox_for(target: type[Platform], folder: Path, mode: str) -> OutboxPlatform:
    """An outbox adapter standing in for ``target``: same spec, same request, written to disk."""
    cls: type[OutboxPlatform] = type(f"Outbox{target.__name__}", (OutboxPlatform,),
                                     {"name": target.name, "spec": target.spec, "target": target})
    return cls(folder, mode)
