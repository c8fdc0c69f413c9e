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
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from influencer.disclosure import LabeledPost
from influencer.errors import PermanentError
from influencer.platforms.base import Platform, Published


def post_folder(outbox: Path, post: LabeledPost) -> Path:
    slot = post.slot_at.strftime("%Y%m%dT%H%M%SZ")
    return outbox / post.persona / post.platform / f"{slot}-{post.post_id}"


def post_json(post: LabeledPost, mode: str, request: dict[str, Any] | None) -> dict[str, Any]:
    """The ``post.json`` document of a labelled post: the outbox writes it, and the preview
    shows it, so what was previewed is what goes out."""
    return post_document(
        post_id=post.post_id, mode=mode, persona=post.persona, schedule=post.schedule,
        platform=post.platform, slot_at=post.slot_at, publish_at=post.publish_at, text=post.text,
        alt_texts=post.alt_texts, flags=post.flag_map,
        images=[(image.path.name, image.sha256) for image in post.images], writer=post.writer,
        request=request)


def post_document(*, post_id: str, mode: str, persona: str, schedule: str, platform: str,
                  slot_at: datetime, publish_at: datetime, text: str | None, alt_texts: Sequence[str],
                  flags: Mapping[str, bool], images: Sequence[tuple[str, str]], writer: str | None,
                  request: dict[str, Any] | None) -> dict[str, Any]:
    """DESIGN.md's ``post.json`` keys, in their order. ``post_json`` fills it from a labelled
    post; a post that cannot be labelled (no draft yet, stale) is shown from its stored fields,
    without a request, since it cannot go out as it is."""
    return {
        "post_id": post_id, "mode": str(mode), "persona": persona, "schedule": schedule,
        "platform": platform, "slot_at": _iso(slot_at), "publish_at": _iso(publish_at),
        "text": text, "alt_texts": list(alt_texts), "flags": dict(flags),
        "images": [{"file": name, "sha256": sha256} for name, sha256 in images],
        "writer": writer, "request": request,
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class OutboxPlatform(Platform):
    """Publishes a target platform's posts into a folder instead; see ``outbox_for``."""

    target: ClassVar[type[Platform]]
    deletes: ClassVar[bool] = True  # removes the post's folder

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
        """Remove the post's folder — only ever a post folder inside this outbox: a publication
        that names none (it went to the platform itself, or its record lost the folder) is
        refused, never taken as the current folder."""
        named = published.detail.get("folder")
        if not named:
            raise PermanentError(f"outbox: post {published.post_id} has no outbox folder on "
                                 f"record (it was published at {published.url or 'its platform'})")
        folder = Path(str(named)).resolve()
        outbox = self.folder.resolve()
        if folder == outbox or not folder.is_relative_to(outbox) or \
                not folder.name.endswith(published.post_id):
            raise PermanentError(f"outbox: {folder} is not post {published.post_id}'s folder in "
                                 f"{outbox}; nothing was removed")
        if folder.is_dir():
            shutil.rmtree(folder)

    def verify(self) -> str:
        return f"outbox {self.folder}"


def outbox_for(target: type[Platform], folder: Path, mode: str) -> OutboxPlatform:
    """An outbox adapter standing in for ``target``: same spec, same request, written to disk."""
    cls: type[OutboxPlatform] = type(f"Outbox{target.__name__}", (OutboxPlatform,),
                                     {"name": target.name, "spec": target.spec, "target": target})
    return cls(folder, mode)
