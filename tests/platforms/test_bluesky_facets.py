"""Our facet detection (``platforms/bluesky_facets.py``) gives exactly the record JSON the
atproto SDK's own ``detect_facets`` gives: for a corpus of the cases its detection handles, and
for texts made at random from the characters those cases turn on."""

from __future__ import annotations

from typing import Any

import pytest
from atproto_client.models.utils import get_model_as_dict
from atproto_client.utils.facet_detection import detect_facets
from hypothesis import given, settings
from hypothesis import strategies as st

from influencer.platforms.bluesky_facets import facets


def sdk(text: str) -> list[dict[str, Any]]:
    return [dict(get_model_as_dict(facet)) for facet in detect_facets(text)]


CORPUS = [
    "", "no facets at all", "#tag", "a #tag, and #another!", "#123 is no tag but #a1 is",
    "＃全角 and #日本語のタグ", "AI生成 ⏎ 今日のネオン #MeiTwin #ootd", "#️⃣ emoji keycap",
    "https://example.com/path?q=1.", "see example.org, or (example.com) or foo.notatld",
    "http://x.test/a_(b)", "$AAPL and $toolongticker and ($TSLA)", "#" + "x" * 70,
    "#" + "👍🏽" * 40, "mid\u200bword #zero\u200bwidth", "émoji 🇸🇪🇯🇵 #flags🇸🇪",
    "tab\t#tab\nnewline #nl\u3000#ideographic", "@mention.bsky.social is not linked",
]


@pytest.mark.parametrize("text", CORPUS)
def test_the_corpus_gives_the_sdk_s_facets(text: str) -> None:
    assert facets(text) == sdk(text)


PIECES = st.sampled_from([
    "#", "＃", "$", " ", "\n", "\u3000", "\u200b", "\u200d", "\ufe0f", ".", ",", "!", "?", "(",
    ")", "'", "http://", "https://", "example", ".com", ".org", ".zz", "/", "a", "Z", "7",
    "日本", "é", "👍", "🏽", "🇸", "🇪", "_", "-", "AAPL"])


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_random_texts_give_the_sdk_s_facets(text: str) -> None:
    assert facets(text) == sdk(text)
