"""The embedded default writer: no network, no key, the same caption for the same slot.

It composes from the persona's own material: one of its example captions (the voice), a
sentence about what the picture's sidecar tags say or what the campaign is about, now and then
a closing line or a tone word, emoji as the persona's ``emoji`` setting allows, and hashtags
from its pool. Every choice is drawn from a hash of the slot key, so a slot always gets the
same caption, and the twin's recent captions are skipped so a week does not repeat itself.
Material that touches an ``avoid`` term or reads as a human claim is never used.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from influencer.captions.claims import human_claim
from influencer.captions.model import Caption, CaptionRequest
from influencer.captions.phrases import EMOJI, Phrases, phrases_for
from influencer.captions.safety import avoided_terms, fold

MODEL = "offline-v1"
CANDIDATES = 24  # variants tried before accepting a repeat of a recent caption
_CLOSING = re.compile(r"[.!?。！？…)\]」』]$")


@dataclass(frozen=True)
class Draw:
    """Deterministic choices seeded by a string: the same seed, the same sequence."""

    seed: str

    def number(self, *salt: object) -> int:
        digest = hashlib.sha256("\x1f".join([self.seed, *map(str, salt)]).encode()).digest()
        return int.from_bytes(digest[:8], "big")

    def pick(self, options: Sequence[str], *salt: object) -> str:
        return options[self.number(*salt) % len(options)]

    def chance(self, numerator: int, denominator: int, *salt: object) -> bool:
        return self.number(*salt) % denominator < numerator


class OfflineWriter:
    name = "offline"

    async def write(self, request: CaptionRequest) -> Caption:
        return compose_caption(request)


def compose_caption(request: CaptionRequest) -> Caption:
    recent = {fold(text) for text in request.recent}
    revision = request.revision
    salt = f"{revision.kind}:{revision.previous}" if revision else ""
    body = ""
    for attempt in range(CANDIDATES):
        draw = Draw(f"{request.persona.id}\x1f{request.slot_key}\x1f{salt}\x1f{attempt}")
        body = _body(request, draw)
        if fold(body) not in recent and (revision is None or body != revision.previous):
            break
    draw = Draw(f"{request.persona.id}\x1f{request.slot_key}")
    return Caption(
        text=body, hashtags=_hashtags(request, draw), alt_text=_alt_text(request),
        writer="offline", model=MODEL, prompt_sha256=_inputs_hash(request, salt),
    )


def _usable(request: CaptionRequest, texts: Sequence[str]) -> list[str]:
    avoid = request.persona.voice.avoid
    return [t.strip() for t in texts
            if t.strip() and not avoided_terms(t, avoid) and not human_claim(t)]


def _body(request: CaptionRequest, draw: Draw) -> str:
    voice, phrases = request.persona.voice, phrases_for(request.lang)
    examples = _usable(request, voice.examples) or _usable(request, [voice.description])
    parts = [draw.pick(examples, "example")] if examples else []
    short = request.revision is not None and request.revision.kind == "shorten"
    if not short:
        detail = _detail(request, phrases, draw)
        if detail:
            parts.insert(0 if draw.chance(1, 3, "order") else len(parts), detail)
        extra = _extra(request, phrases, draw)
        if extra and draw.chance(1, 2, "extra"):
            parts.append(extra)
    sentences = [_with_end(p, phrases) for p in parts]
    sentences = _add_emoji(sentences, voice.emoji, draw)
    return re.sub(r"\s{2,}", " ", phrases.joiner.join(sentences)).strip()


def _detail(request: CaptionRequest, phrases: Phrases, draw: Draw) -> str:
    """One sentence about the picture or the campaign."""
    tags = _usable(request, [t.replace("-", " ").replace("_", " ")
                             for image in request.images for t in image.tags])
    theme = _usable(request, [request.campaign.theme or ""])
    products = _usable(request, list(request.campaign.products))
    options: list[tuple[tuple[str, ...], str, str]] = []
    options += [(phrases.tag, "tag", t) for t in tags]
    options += [(phrases.theme, "theme", t) for t in theme]
    options += [(phrases.product, "product", p) for p in products]
    options = [o for o in options if o[0]]
    if not options:
        return ""
    frames, slot, value = options[draw.number("detail") % len(options)]
    return _sentence_case(draw.pick(frames, "frame", slot).format(**{slot: value}))


def _extra(request: CaptionRequest, phrases: Phrases, draw: Draw) -> str:
    tones = _usable(request, list(request.persona.voice.tone)) if phrases.tone else []
    choices = [f.format(tone=t) for f in phrases.tone for t in tones] + list(phrases.closer)
    return draw.pick(choices, "extra") if choices else ""


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _with_end(sentence: str, phrases: Phrases) -> str:
    sentence = sentence.strip()
    if not phrases.end or _CLOSING.search(sentence) or _ends_in_emoji(sentence):
        return sentence
    return sentence + phrases.end


def _ends_in_emoji(text: str) -> bool:
    return bool(text) and (ord(text[-1]) >= 0x2190 and not text[-1].isalnum())


def _add_emoji(sentences: list[str], policy: str, draw: Draw) -> list[str]:
    if policy == "none" or not sentences:
        return sentences
    if policy == "sparing":
        if draw.chance(1, 2, "emoji") and not _ends_in_emoji(sentences[-1]):
            sentences[-1] += " " + draw.pick(EMOJI, "emoji", "last")
        return sentences
    decorated = [s if _ends_in_emoji(s) else f"{s} {draw.pick(EMOJI, 'emoji', i)}"
                 for i, s in enumerate(sentences)]
    decorated[-1] += " " + draw.pick(EMOJI, "emoji", "finale")
    return decorated


def _hashtags(request: CaptionRequest, draw: Draw) -> tuple[str, ...]:
    tags = request.persona.voice.hashtags
    pool = [t for t in _usable(request, tags.pool) if t not in tags.always]
    room = max(0, tags.max - len(tags.always))
    start = draw.number("hashtags") % len(pool) if pool else 0
    chosen = [pool[(start + i) % len(pool)] for i in range(min(room, len(pool)))]
    return (*tags.always, *chosen)


def _alt_text(request: CaptionRequest) -> str:
    phrases, name = phrases_for(request.lang), request.persona.name
    described = [i.alt_text.strip() for i in request.images if i.alt_text and i.alt_text.strip()]
    if described:
        text = " ".join(described)
    else:
        tags = list(dict.fromkeys(t for i in request.images for t in i.tags))
        text = (phrases.photo_of.format(name=name, tags=", ".join(tags)) if tags
                else phrases.photo.format(name=name))
    limit = request.platform.alt_text_limit
    if limit:
        # the disclosure step puts the label and a separator in front of it
        room = max(0, limit - len(request.label_text) - 2)
        text = text if len(text) <= room else text[: max(0, room - 1)].rstrip() + "…"
    return text


def _inputs_hash(request: CaptionRequest, salt: str) -> str:
    inputs = {
        "writer": MODEL, "slot": request.slot_key, "language": request.lang, "salt": salt,
        "voice": request.persona.voice.model_dump(mode="json"),
        "tags": [list(i.tags) for i in request.images],
        "campaign": request.campaign.model_dump(mode="json"), "recent": list(request.recent),
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
