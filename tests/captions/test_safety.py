"""Safety rules, tested on phrasings written apart from the implementation's own patterns."""

from __future__ import annotations

import pytest

from influencer.captions.claims import human_claim
from influencer.captions.model import Caption, CaptionRequest
from influencer.captions.safety import avoided_terms, foreign_domains, rule_violations
from influencer.config import BUILTIN_SPECS
from influencer.config.persona import Persona

# Written for this test from how people actually phrase it, not copied from claims.py.
MUST_BE_CAUGHT = [
    "I'm a real girl",
    "no filter, no AI, just me",
    "100% human, 0% robot",
    "this isn't AI, it's really me",
    "not a bot lol",
    "Honestly? I’m a REAL woman behind this account",
    "Definitely not A.I. — promise!",
    "nope, not an AI, never was",
    "I am human, believe it or not",
    "Zero AI in this pic.",
    "Fully human and proud",
    "It's actually me in the photo!",
    "100 % humaine, zéro robot",
    "Je suis une vraie personne",
    "Ce n'est pas une IA",
    "AIじゃないよ、本物の私",
    "n0t a b0t",
    "Real person here, not a robot.",
    "AI-free selfie",
]

MUST_PASS = [
    "real leather",
    "AI-generated twin of Ava",
    "I really love this coat",
    "realistic colours",
    "Real wool, real warmth, real slow fashion.",
    "Machine wash cold, dry flat.",
    "I'm living for these layers",
    "Not a fan of fast fashion.",
    "No digital receipts needed, just good tailoring.",
    "Golden hour is the only filter a good jacket needs.",
    "An AI twin, happily.",
    "Botanical prints are back.",
    "今日のネオンは私の色 🌈",
    "Le lin se froisse, et c'est tout son charme.",
]


@pytest.mark.parametrize("text", MUST_BE_CAUGHT)
def test_claims_of_being_human_are_caught(text: str) -> None:
    assert human_claim(text), text


@pytest.mark.parametrize("text", MUST_PASS)
def test_innocent_phrases_pass(text: str) -> None:
    assert human_claim(text) is None, text


def test_avoid_is_case_and_accent_insensitive() -> None:
    assert avoided_terms("Mon nouveau RÉGIME commence", ["regime"]) == ["regime"]
    assert avoided_terms("A new regime", ["régime"]) == ["régime"]


def test_avoid_matches_whole_words_and_phrases_and_hashtags() -> None:
    assert avoided_terms("An award for software", ["war"]) == []
    assert avoided_terms("No war here", ["war"]) == ["war"]
    assert avoided_terms("Some Diet  Talk today", ["diet talk"]) == ["diet talk"]
    assert avoided_terms("#DietTalk #politics", ["diet talk", "politics"]) == ["diet talk", "politics"]
    assert avoided_terms("政治の話", ["政治"]) == ["政治"]


def test_links_outside_allowed_domains_are_found() -> None:
    text = "Shop https://shop.example.com/coat and www.other.net, or evil.com/x."
    assert foreign_domains(text, ["example.com"]) == ["other.net", "evil.com"]
    assert foreign_domains("mail me: hello@example.org", []) == []


def _caption(text: str, hashtags: tuple[str, ...] = (), alt: str = "A coat.") -> Caption:
    return Caption(text, hashtags, alt, "test", "test", "0" * 64)


def test_rule_violations_name_each_problem(personas: dict[str, Persona]) -> None:
    ava = personas["ava"]
    voice = ava.voice.model_copy(update={"allow_mentions": ["@northlight"],
                                          "allow_domains": ["northlight.example"]})
    persona = ava.model_copy(update={"voice": voice})
    req = CaptionRequest(persona=persona, platform=BUILTIN_SPECS["x"], slot_key="s")
    clean = _caption("Thanks @Northlight! More at https://northlight.example/coats")
    assert rule_violations(clean, req) == []
    bad = _caption("Ask @stranger about POLITICS at https://elsewhere.example", ("#DietTalk",),
                   alt="Just me, no filter, no AI.")
    reasons = " | ".join(rule_violations(bad, req))
    for part in ("'politics'", "'diet talk'", "@stranger", "elsewhere.example", "alt text claims"):
        assert part in reasons
