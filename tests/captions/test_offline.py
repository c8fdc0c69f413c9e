"""The offline writer: deterministic, in the persona's own words, varied over a week, fitting."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path

import pytest

from influencer.captions import CaptionDrafter, CaptionRequest, CaptionResult, ImageInput
from influencer.captions.counting import measure
from influencer.captions.fitting import published_text
from influencer.captions.offline import compose_caption
from influencer.config import BUILTIN_SPECS
from influencer.config.persona import Persona
from influencer.config.schedule import Campaign

from .conftest import png

TAGS = {"ava": ("wool coat", "autumn"), "mei": ("neon", "レイヤード"), "noor": ("linen", "veste")}
CAMPAIGN = Campaign(theme="Autumn knitwear drop", products=["SKU-1042"])


def week(persona: Persona, platforms: list[str], days: int = 7, per_day: int = 2) -> list[str]:
    """Slot keys of a 7-day schedule, twice a day, on each platform."""
    return [f"{persona.id}-autumn/{platform}/2026-11-{day:02d}T{hour:02d}:00Z"
            for day in range(2, 2 + days) for hour in (8, 17)[:per_day] for platform in platforms]


def draft_week(root: Path, persona: Persona, platforms: list[str]) -> list[CaptionResult]:
    """Drafts slot by slot, handing each the twin's recent captions, as the flow does."""
    image = ImageInput(png(), "image/png", tags=TAGS[persona.id])
    recent: list[str] = []
    results: list[CaptionResult] = []

    async def run() -> None:
        async with CaptionDrafter(root) as drafter:
            for key in week(persona, platforms):
                platform = key.split("/")[1]
                result = await drafter.draft(CaptionRequest(
                    persona=persona, platform=BUILTIN_SPECS[platform], slot_key=key,
                    images=(image,), campaign=CAMPAIGN, recent=tuple(recent[-20:])))
                results.append(result)
                if result.caption:
                    recent.append(result.caption.text)

    asyncio.run(run())
    return results


def persona_platforms(persona: Persona) -> list[str]:
    return list(persona.rights.platforms)


@pytest.mark.parametrize("pid", ["ava", "mei", "noor"])
def test_a_week_of_offline_captions(workspace: Path, personas: dict[str, Persona], pid: str) -> None:
    persona = personas[pid]
    platforms = persona_platforms(persona)
    results = draft_week(workspace, persona, platforms)
    assert len(results) == 14 * len(platforms)
    assert all(r.status == "drafted" for r in results), [r.reason for r in results]
    texts = [r.caption.text for r in results if r.caption]
    repeats = sum(n - 1 for n in Counter(texts).values())
    assert repeats <= 0.10 * len(texts), Counter(texts).most_common(3)
    for result, key in zip(results, week(persona, platforms), strict=True):
        assert result.caption is not None
        text = result.caption.text
        assert result.caption.writer == "offline"
        assert any(phrase in text for phrase in persona.voice.examples), text  # its own words
        for leftover in ("{{", "}}", "{", "}", "None", "[]", "  "):
            assert leftover not in text, (leftover, text)
        spec = BUILTIN_SPECS[key.split("/")[1]]
        req = CaptionRequest(persona=persona, platform=spec, slot_key=key, campaign=CAMPAIGN)
        assert measure(published_text(result.caption, req), spec.caption_counting) <= spec.caption_limit


def test_offline_writer_is_deterministic_per_slot(personas: dict[str, Persona]) -> None:
    def write(key: str) -> str:
        return compose_caption(CaptionRequest(persona=personas["mei"], platform=BUILTIN_SPECS["x"],
                                              slot_key=key, campaign=CAMPAIGN)).text

    assert write("mei/x/1") == write("mei/x/1")
    assert len({write(f"mei/x/{n}") for n in range(10)}) >= 8


def test_offline_writer_skips_material_the_persona_avoids(personas: dict[str, Persona]) -> None:
    ava = personas["ava"]
    voice = ava.voice.model_copy(update={"examples": ["Politics bore me.", "Texture first."],
                                          "avoid": ["politics"]})
    persona = ava.model_copy(update={"voice": voice})
    for n in range(10):
        caption = compose_caption(CaptionRequest(
            persona=persona, platform=BUILTIN_SPECS["x"], slot_key=f"k{n}",
            images=(ImageInput(b"", "image/png", tags=("politics", "wool")),)))
        assert "olitics" not in caption.text
        assert "Texture first." in caption.text


def test_emoji_policy_is_respected(personas: dict[str, Persona]) -> None:
    emoji = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
    for n in range(10):
        noor = compose_caption(CaptionRequest(persona=personas["noor"],
                                              platform=BUILTIN_SPECS["instagram"], slot_key=f"{n}"))
        assert not emoji.search(noor.text)
        mei = compose_caption(CaptionRequest(persona=personas["mei"],
                                             platform=BUILTIN_SPECS["instagram"], slot_key=f"{n}"))
        assert len(emoji.findall(mei.text)) >= 2
