"""The persona's rules, checked on every caption before anything is stored.

Each check returns the reasons a caption breaks a rule, phrased so that they can be told to the
writer as-is ("rewrite: …") and shown to a person when the post is held.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import urlsplit

from influencer.captions.claims import human_claim, strip_accents
from influencer.captions.counting import URL_PATTERN
from influencer.captions.fitting import MENTION
from influencer.captions.model import Caption, CaptionRequest
from influencer.config.persona import Voice


def rule_violations(caption: Caption, request: CaptionRequest) -> list[str]:
    """Every rule the caption (body, hashtags and alt text) breaks; empty when it is clean."""
    voice = request.persona.voice
    published = " ".join([caption.text, *caption.hashtags])
    reasons = [f"touches {term!r}, which the persona avoids"
               for term in avoided_terms(f"{published} {caption.alt_text}", voice.avoid)]
    for where, text in (("caption", published), ("alt text", caption.alt_text)):
        claim = human_claim(text)
        if claim:
            reasons.append(f"the {where} claims the twin is human or denies it is AI "
                           f"({claim!r}); it is an AI-generated twin and must not say otherwise")
    reasons += _mention_problems(published, voice, request.platform.max_mentions)
    reasons += [f"links to {host}, which voice.allow_domains does not list"
                for host in foreign_domains(published, voice.allow_domains)]
    return reasons


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Régime" and "regime" fold alike."""
    return strip_accents(text).casefold()


@lru_cache(maxsize=512)
def _term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in fold(term).split()]
    body = r"[\s_-]*".join(words)
    # Word boundaries mean nothing in scripts written without spaces: match those anywhere.
    if all(ord(ch) < 0x2E80 for ch in term):
        return re.compile(rf"(?<![^\W_]){body}(?![^\W_])")
    return re.compile(body)


def avoided_terms(text: str, avoid: Sequence[str]) -> list[str]:
    """The persona's ``avoid`` terms that ``text`` contains (as words, not inside words)."""
    folded = fold(text)
    # "#diettalk" is the phrase "diet talk" too
    spaced = re.sub(r"#(\w+)", lambda m: " " + m.group(1) + " ", folded)
    return [term for term in avoid if term.strip() and (
        _term_pattern(term).search(folded) or _term_pattern(term).search(spaced)
        or _hashtag_form(term) in spaced.split())]


def _hashtag_form(term: str) -> str:
    return re.sub(r"[\s_-]+", "", fold(term))


def _mention_problems(text: str, voice: Voice, limit: int | None) -> list[str]:
    allowed = {m.lstrip("@").casefold() for m in voice.allow_mentions}
    found = [m.group(1) for m in MENTION.finditer(text)]
    reasons = [f"mentions @{handle}, which voice.allow_mentions does not list"
               for handle in dict.fromkeys(found) if handle.casefold() not in allowed]
    if limit is not None and len(found) > limit:
        reasons.append(f"has {len(found)} mentions; the platform allows {limit}")
    return reasons


def foreign_domains(text: str, allowed: Iterable[str]) -> list[str]:
    """Hosts of links in ``text`` that are neither an allowed domain nor inside one."""
    domains = [d.casefold().strip().lstrip(".").removeprefix("www.") for d in allowed]
    hosts: list[str] = []
    for match in URL_PATTERN.finditer(text):
        link = match.group(0)
        host = (urlsplit(link if "://" in link else f"//{link}").hostname or "").casefold()
        if host.startswith("www."):
            host = host[4:]
        if not any(host == d or host.endswith("." + d) for d in domains):
            hosts.append(host)
    return list(dict.fromkeys(hosts))
