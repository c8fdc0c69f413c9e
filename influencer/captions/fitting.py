"""Making a caption fit its platform, with the disclosure label counted and never cut.

The published text is laid out by ``compose`` (the disclosure step must use it too, so what was
measured is what goes out)::

    position start:  "{label}[ #ad]\\n\\n{body} {#tag …}"
    position end:    "{body} {#tag …}\\n\\n{label}[ #ad]"

Order of sacrifice when too long: hashtags beyond the count limits; then hashtags that are not
the persona's ``always`` ones, last first; then (after the writer had its one chance to shorten)
the remaining hashtags; then words, cut at a sentence boundary, else a word boundary, else a
grapheme boundary with an ellipsis. The label and ``#ad`` are never touched.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace

import regex  # type: ignore[import-untyped, unused-ignore]

from influencer.captions.counting import graphemes, measure
from influencer.captions.model import Caption, CaptionRequest
from influencer.errors import CaptionDoesNotFit

AD_TAG = "#ad"
SEPARATOR = "\n\n"
ELLIPSIS = "…"
HASHTAG = regex.compile(r"(?<![\p{L}\p{N}_&])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*")
MENTION = regex.compile(r"(?<![\p{L}\p{N}_@])@([A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")
_SENTENCE_END = regex.compile(r"(?<=[.!?。！？…])\s*")


def disclosure_block(label: str, paid: bool) -> str:
    return f"{label} {AD_TAG}" if paid else label


def compose(body: str, hashtags: Sequence[str], label: str, position: str, paid: bool) -> str:
    """The exact text that is published for a caption."""
    main = " ".join([body.strip(), *hashtags]).strip()
    block = disclosure_block(label, paid)
    return f"{block}{SEPARATOR}{main}" if position == "start" else f"{main}{SEPARATOR}{block}"


def published_text(caption: Caption, request: CaptionRequest) -> str:
    return compose(caption.text, caption.hashtags, request.label_text,
                   request.persona.disclosure.position, request.campaign.paid)


def length_of(caption: Caption, request: CaptionRequest) -> int:
    return measure(published_text(caption, request), request.platform.caption_counting)


def fits(caption: Caption, request: CaptionRequest) -> bool:
    return length_of(caption, request) <= request.limit


def body_budget(request: CaptionRequest, hashtags: Sequence[str] = ()) -> int:
    """What the body may use once the label (and ``hashtags``) are counted: told to writers."""
    empty = compose("", hashtags, request.label_text, request.persona.disclosure.position,
                    request.campaign.paid)
    # one more separator's worth: the space between body and hashtags, or the separator itself
    return request.limit - measure(empty, request.platform.caption_counting) - 1


def tidy_hashtags(caption: Caption, request: CaptionRequest) -> Caption:
    """Hashtags well-formed, without repeats, the persona's ``always`` ones first, and no more
    than the persona and the platform allow (``#ad`` and hashtags in the body count too)."""
    always = list(request.persona.voice.hashtags.always)
    seen: set[str] = set()
    tags: list[str] = []
    for raw in [*always, *caption.hashtags]:
        tag = _hashtag(raw)
        key = unicodedata.normalize("NFKC", tag).casefold()
        if tag and key not in seen and key != AD_TAG:
            seen.add(key)
            tags.append(tag)
    allowed = request.persona.voice.hashtags.max
    platform_max = request.platform.max_hashtags
    if platform_max is not None:
        in_body = len(HASHTAG.findall(caption.text)) + (1 if request.campaign.paid else 0)
        allowed = min(allowed, max(0, platform_max - in_body))
    kept = tuple(tags[:allowed])
    if kept == caption.hashtags:
        return caption
    return replace(caption, hashtags=kept)


def _hashtag(raw: str) -> str:
    word = regex.sub(r"[^\p{L}\p{N}_]", "", raw.strip())
    return f"#{word}" if word and regex.search(r"\p{L}", word) else ""


def drop_optional_hashtags(caption: Caption, request: CaptionRequest) -> Caption:
    """Drop the fewest non-``always`` hashtags (last first) that makes the caption fit."""
    always = {t.casefold() for t in request.persona.voice.hashtags.always}
    current = caption
    while not fits(current, request):
        optional = [i for i, t in enumerate(current.hashtags) if t.casefold() not in always]
        if not optional:
            break
        tags = list(current.hashtags)
        del tags[optional[-1]]
        current = replace(current, hashtags=tuple(tags))
    return _noted(caption, current, "optional hashtags dropped to fit")


def cut_to_fit(caption: Caption, request: CaptionRequest) -> Caption:
    """The last resort, deterministic: drop hashtags, then cut words, never the label."""
    if not fits(replace(caption, text="", hashtags=()), request):
        raise CaptionDoesNotFit(
            f"{request.where}: the disclosure label {request.label_text!r} alone is longer "
            f"than {request.platform.title}'s limit of {request.limit}")
    current = drop_optional_hashtags(caption, request)
    while not fits(current, request) and current.hashtags:
        current = replace(current, hashtags=current.hashtags[:-1])
    if not fits(current, request):
        body = cut_text(current.text, lambda text: fits(replace(current, text=text), request))
        current = replace(current, text=body)
    return _noted(caption, current, "cut to fit")


def cut_text(text: str, accepts: Callable[[str], bool]) -> str:
    """The longest prefix of ``text`` that ``accepts`` takes: whole sentences if any fit, else
    whole words with an ellipsis, else graphemes with an ellipsis (scripts without spaces)."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    kept = ""
    for sentence in sentences:
        candidate = f"{kept} {sentence}".strip()
        if not accepts(candidate):
            break
        kept = candidate
    if kept:
        return kept
    words = text.split()
    best = _longest(len(words), lambda n: _ellipsised(" ".join(words[:n])), accepts)
    if best:
        return best
    units = graphemes(text.strip())
    return _longest(len(units), lambda n: _ellipsised("".join(units[:n])), accepts)


def _ellipsised(text: str) -> str:
    stripped = text.rstrip(" ,;:.-–—、，")
    return f"{stripped}{ELLIPSIS}" if stripped else ""


def _longest(count: int, build: Callable[[int], str], accepts: Callable[[str], bool]) -> str:
    """Binary search for the largest n whose ``build(n)`` is accepted ("" when none is)."""
    low, high, best = 1, count, ""
    while low <= high:
        middle = (low + high) // 2
        candidate = build(middle)
        if candidate and accepts(candidate):
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def _noted(before: Caption, after: Caption, note: str) -> Caption:
    return after if after == before else replace(after, notes=(*after.notes, note))
