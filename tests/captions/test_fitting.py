"""Fitting captions to each platform: label counted and never cut, hashtags go before words."""

from __future__ import annotations

import pytest

from influencer.captions.counting import measure
from influencer.captions.fitting import (
    compose,
    cut_to_fit,
    fits,
    published_text,
    tidy_hashtags,
)
from influencer.captions.model import Caption, CaptionRequest
from influencer.config import BUILTIN_SPECS
from influencer.config.persona import Persona
from influencer.config.schedule import Campaign
from influencer.errors import CaptionDoesNotFit

SENTENCE = "Wool that outlives the winter is the only kind worth buying. "


def caption(text: str, hashtags: tuple[str, ...] = ()) -> Caption:
    return Caption(text=text, hashtags=hashtags, alt_text="A coat.", writer="test",
                   model="test", prompt_sha256="0" * 64)


def request(persona: Persona, platform: str, **kw: object) -> CaptionRequest:
    return CaptionRequest(persona=persona, platform=BUILTIN_SPECS[platform], slot_key="s", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("platform", ["x", "instagram", "bluesky", "mastodon"])
@pytest.mark.parametrize("paid", [False, True])
def test_every_platform_fits_and_keeps_the_label_whole(
        personas: dict[str, Persona], platform: str, paid: bool) -> None:
    req = request(personas["ava"], platform, campaign=Campaign(paid=paid))
    long = caption(SENTENCE * 60, ("#NorthlightTwin", "#knitwear", "#slowfashion"))
    fitted = cut_to_fit(long, req)
    text = published_text(fitted, req)
    assert measure(text, req.platform.caption_counting) <= req.platform.caption_limit
    head = "AI-generated #ad\n\n" if paid else "AI-generated\n\n"
    assert text.startswith(head)
    assert fitted.text.endswith(".")  # cut at a sentence boundary, not mid-word


def test_label_at_the_end_is_counted_and_kept(personas: dict[str, Persona]) -> None:
    req = request(personas["noor"], "mastodon")
    fitted = cut_to_fit(caption("Le lin se froisse, et c'est tout son charme. " * 30), req)
    text = published_text(fitted, req)
    assert text.endswith("\n\nGénéré par IA")
    assert len(text) <= 500


def test_hashtags_are_dropped_before_any_word(personas: dict[str, Persona]) -> None:
    req = request(personas["ava"], "bluesky")
    tags = ("#NorthlightTwin", "#knitwear", "#slowfashion")
    room = 300 - len("AI-generated\n\n") - len(" ".join(tags)) - 1
    body = "x" * room + " end."  # five too many with every hashtag; fits without one
    over = caption(body, tags)
    assert not fits(over, req)
    fitted = cut_to_fit(over, req)
    assert fitted.text == body  # every word kept
    assert "#NorthlightTwin" in fitted.hashtags  # the persona's "always" tag outlives pool tags
    assert len(fitted.hashtags) < len(tags)


def test_words_are_cut_at_a_word_boundary_with_an_ellipsis(personas: dict[str, Persona]) -> None:
    req = request(personas["ava"], "x")
    fitted = cut_to_fit(caption("word " * 100), req)
    assert fitted.text.endswith("word…")
    assert measure(published_text(fitted, req), "weighted") <= 280


def test_cjk_and_emoji_persona_fits_x_by_weighted_length(personas: dict[str, Persona]) -> None:
    req = request(personas["mei"], "x")
    body = "今日のネオンは私の色 🌈✨春のレイヤード、軽やかに" * 12  # no spaces or full stops
    fitted = cut_to_fit(caption(body, ("#MeiTwin", "#東京ファッション")), req)
    text = published_text(fitted, req)
    assert measure(text, "weighted") <= 280
    assert len(text) < 200  # code points would have let far more through
    assert text.startswith("AI生成\n\n") and fitted.text.endswith("…")


def test_mastodon_takes_the_instance_limit(personas: dict[str, Persona]) -> None:
    req = request(personas["ava"], "mastodon", caption_limit=120)
    fitted = cut_to_fit(caption(SENTENCE * 10), req)
    assert len(published_text(fitted, req)) <= 120


def test_instagram_hashtag_limit_counts_ad_and_body_tags(personas: dict[str, Persona]) -> None:
    ava = personas["ava"]
    generous = ava.model_copy(update={"voice": ava.voice.model_copy(update={
        "hashtags": ava.voice.hashtags.model_copy(update={"max": 30})})})
    req = request(generous, "instagram", campaign=Campaign(paid=True))
    many = caption("Two in the text #one #two", tuple(f"#tag{i}x" for i in range(40)))
    tidy = tidy_hashtags(many, req)
    assert len(tidy.hashtags) == 30 - 2 - 1  # two in the body, and #ad
    assert tidy.hashtags[0] == "#NorthlightTwin"


def test_label_longer_than_the_limit_is_an_error_not_a_cut(personas: dict[str, Persona]) -> None:
    req = request(personas["ava"], "mastodon", caption_limit=5)
    with pytest.raises(CaptionDoesNotFit, match="label"):
        cut_to_fit(caption("Hi."), req)


def test_compose_layout() -> None:
    assert compose("Body", ["#a"], "AI-generated", "start", False) == "AI-generated\n\nBody #a"
    assert compose("Body", [], "AI", "end", True) == "Body\n\nAI #ad"
