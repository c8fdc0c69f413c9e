"""The disclosure contract: no adapter can publish a post lacking a layer that applies to it."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any, ClassVar

import pytest

from influencer.config import BUILTIN_SPECS, load_workspace
from influencer.config.persona import Persona
from influencer.disclosure import LabeledPost, label
from influencer.errors import DisclosureError
from influencer.platforms import Published, names, platform_class
from influencer.platforms.base import AccountContext
from influencer.platforms.outbox import outbox_for
from influencer.platforms.x import XPlatform
from tests.helpers import draft, rendered


@pytest.fixture
def ava(workspace: Path) -> Persona:
    return load_workspace(workspace).personas["ava"]


def test_every_registered_platform_is_covered() -> None:
    assert names() == ["bluesky", "instagram", "mastodon", "x"]


@pytest.mark.parametrize("platform", ["bluesky", "instagram", "mastodon", "x"])
def test_each_platform_gets_every_layer_that_applies(tmp_path: Path, ava: Persona, platform: str) -> None:
    adapter = platform_class(platform)
    post = label(draft(rendered(tmp_path), platform, paid=True), ava, adapter.spec)
    assert post.text.startswith("AI-generated #ad\n\nLayering season")
    assert post.text.endswith("#NorthlightTwin #knitwear")
    assert post.alt_texts == ["AI-generated: A rust knit sweater by birches."]
    flags = post.flag_map
    expected = {"x": {"made_with_ai": True, "paid_partnership": True},
                "instagram": {"is_ai_generated": True}}
    assert flags == expected.get(platform, {})
    request = adapter.build_request(post)
    sent = json.dumps(request, ensure_ascii=False)
    assert post.text in [*_strings(request)] and "AI-generated: A rust knit" in sent


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("platform", ["bluesky", "instagram", "mastodon", "x"])
def test_the_outbox_stands_in_for_every_platform(tmp_path: Path, ava: Persona, platform: str) -> None:
    target = platform_class(platform)
    post = label(draft(rendered(tmp_path), platform), ava, target.spec)
    published = outbox_for(target, tmp_path / "outbox", "dry").publish(post)
    folder = Path(published.detail["folder"])
    assert folder == tmp_path / "outbox" / "ava" / platform / "20261201T080000Z-p1"
    document = json.loads((folder / "post.json").read_text(encoding="utf-8"))
    assert sorted(document) == sorted(["post_id", "mode", "persona", "schedule", "platform", "slot_at",
                                       "publish_at", "text", "alt_texts", "flags", "images",
                                       "writer", "request"])
    assert document["text"] == post.text and document["request"] == target.build_request(post)
    assert (folder / "a.jpg").read_bytes() == post.images[0].path.read_bytes()
    # again: replaced, not duplicated
    outbox_for(target, tmp_path / "outbox", "dry").publish(post)
    assert len(list((tmp_path / "outbox" / "ava" / platform).iterdir())) == 1


ACCOUNT = AccountContext(persona="ava", platform="x", handle="@ava_twin", credentials="env:AVA_X",
                         root=Path("."), state_dir=Path(".influencer"))


class DropsTheLabel(XPlatform):
    sent: ClassVar[list[Any]] = []

    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        request = super().build_request(post)
        request["tweet"]["text"] = post.text.replace(post.label, "").lstrip()
        return request

    def send(self, post: LabeledPost, request: dict[str, Any]) -> Published:
        self.sent.append(request)
        return Published("x", post.post_id, "1", None, "live")


class DropsTheFlag(DropsTheLabel):
    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        request = XPlatform.build_request(post)
        del request["tweet"]["made_with_ai"]
        return request


class DropsTheAltText(DropsTheLabel):
    @classmethod
    def build_request(cls, post: LabeledPost) -> dict[str, Any]:
        request = XPlatform.build_request(post)
        request["media"][0]["metadata"]["alt_text"]["text"] = "a sweater"
        return request


@pytest.mark.parametrize(("adapter", "reason"), [
    (DropsTheLabel, "the labelled caption is not in the request"),
    (DropsTheFlag, "the request does not set made_with_ai"),
    (DropsTheAltText, "alt text 1 is not in the request"),
])
def test_a_broken_adapter_is_refused_before_sending(tmp_path: Path, ava: Persona,
                                                    adapter: type[DropsTheLabel], reason: str) -> None:
    post = label(draft(rendered(tmp_path)), ava, BUILTIN_SPECS["x"])
    with pytest.raises(DisclosureError, match=reason):
        adapter(ACCOUNT).publish(post)
    assert adapter.sent == []


def test_publish_accepts_only_a_labeled_post(tmp_path: Path) -> None:
    unlabeled = draft(rendered(tmp_path))
    with pytest.raises(DisclosureError, match="accepts only a LabeledPost, got Draft"):
        DropsTheLabel(ACCOUNT).publish(unlabeled)  # type: ignore[arg-type]


def test_copies_and_mutations_cannot_shed_a_layer(tmp_path: Path, ava: Persona) -> None:
    post = label(draft(rendered(tmp_path)), ava, BUILTIN_SPECS["x"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        post.text = "no label"  # type: ignore[misc]
    with pytest.raises(DisclosureError, match="does not start with 'AI-generated'"):
        dataclasses.replace(post, text="Layering season, unlabelled.")
    with pytest.raises(DisclosureError, match="not made by the disclosure step"):
        dataclasses.replace(post, text="AI-generated\n\nsomething never previewed")
    with pytest.raises(DisclosureError, match="native AI flag made_with_ai is not set"):
        dataclasses.replace(post, flags=(("made_with_ai", False),))
    with pytest.raises(AttributeError):
        post.model_copy(update={"text": "x"})  # type: ignore[attr-defined]
    assert copy.copy(post) == post and copy.deepcopy(post) == post  # an exact copy keeps its layers
    with pytest.raises(DisclosureError, match="not made by the disclosure step"):
        LabeledPost(**{f.name: getattr(post, f.name) for f in dataclasses.fields(post)
                       if f.name != "seal"}, seal="0" * 64)


def test_an_image_without_xmp_cannot_be_labelled(tmp_path: Path, ava: Persona) -> None:
    with pytest.raises(DisclosureError, match="no XMP DigitalSourceType"):
        label(draft(rendered(tmp_path, xmp=False)), ava, BUILTIN_SPECS["x"])


def test_an_image_changed_after_rendering_cannot_be_labelled(tmp_path: Path, ava: Persona) -> None:
    image = rendered(tmp_path)
    image.path.write_bytes(image.path.read_bytes() + b"\0")
    with pytest.raises(DisclosureError, match="file changed since it was rendered"):
        label(draft(image), ava, BUILTIN_SPECS["x"])


def test_label_at_the_end_and_in_the_post_language(tmp_path: Path, workspace: Path) -> None:
    noor = load_workspace(workspace).personas["noor"]
    base = draft(rendered(tmp_path), "instagram", paid=True)
    post = label(dataclasses.replace(base, persona="noor", language="fr"), noor, BUILTIN_SPECS["instagram"])
    assert post.text.startswith("Layering")
    assert post.text.endswith("#knitwear\n\nGénéré par IA #ad")
    assert post.alt_texts[0].startswith("Généré par IA: ")
