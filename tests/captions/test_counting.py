"""Caption length in each platform's unit, X's checked against twitter-text's conformance cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from influencer.captions.counting import char_length, measure, weighted_length

CASES = json.loads((Path(__file__).parent / "twitter_text_weighted.json").read_text("utf-8"))


def _cases(section: str) -> list[object]:
    return [pytest.param(c["text"], c["weightedLength"], id=c["description"][:60])
            for c in CASES[section]]


@pytest.mark.parametrize(("text", "expected"), _cases("WeightedTweetsWithDiscountedEmojiCounterTest")
                         + _cases("UnicodeDirectionalMarkerCounterTest"))
def test_weighted_length_v3_conformance(text: str, expected: int) -> None:
    assert weighted_length(text) == expected


@pytest.mark.parametrize(("text", "expected"), _cases("WeightedTweetsCounterTest"))
def test_weighted_length_v2_conformance_without_emoji_parsing(text: str, expected: int) -> None:
    assert weighted_length(text, emoji_parsing=False) == expected


def test_fixture_has_enough_conformance_cases() -> None:
    assert len(CASES["WeightedTweetsWithDiscountedEmojiCounterTest"]) >= 10


def test_bluesky_counts_graphemes() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"
    assert measure(family, "graphemes") == 1
    assert measure("e\u0301te\u0301", "graphemes") == 3  # é written decomposed is one character
    assert measure("今日のネオン🌈", "graphemes") == 7


def test_chars_count_code_points_and_a_link_as_at_least_23() -> None:
    assert char_length("hello") == 5
    assert char_length("see https://t.co/x") == 4 + 23  # Mastodon counts every link as 23
    long_link = "https://example.com/" + "a" * 40
    assert char_length(long_link) == len(long_link)  # never under-counted for Instagram
