"""How long a caption is, in each platform's own unit.

- ``weighted`` (X): twitter-text v3. Text is NFC-normalised; each URL counts 23; each emoji
  (a whole sequence: ZWJ families, skin tones, flags, keycaps) counts 2; any other code point
  counts 1 inside the configured ranges and 2 outside them (so CJK counts 2).
- ``graphemes`` (Bluesky): user-perceived characters (Unicode extended grapheme clusters).
- ``chars`` (Instagram, Mastodon): code points, with a URL counted as at least 23, because
  Mastodon counts every link as 23 whatever its length; this over-counts a short link on
  Instagram, which is the safe direction.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import regex  # type: ignore[import-untyped, unused-ignore]

from influencer.config.platforms import Counting

# twitter-text config v3 (config/v3.json): weights are in hundredths.
SCALE = 100
DEFAULT_WEIGHT = 200
URL_LENGTH = 23
RANGES = ((0, 4351, 100), (8192, 8205, 100), (8208, 8223, 100), (8242, 8247, 100))

_TLDS = (
    "com|net|org|info|biz|io|co|app|dev|shop|store|online|site|xyz|me|tv|ly|gl|to|fashion|style|"
    "uk|de|fr|jp|se|no|dk|fi|nl|be|es|it|ch|at|pl|pt|eu|us|ca|au|nz|cn|kr|tw|hk|sg|in|br|mx"
)
_HOST = r"(?:[\p{L}\p{N}_](?:[\p{L}\p{N}_-]{0,61}[\p{L}\p{N}_])?\.)+[\p{L}\p{N}-]{2,63}"
_TAIL = r"(?::\d{1,5})?(?:/[^\s\u2066-\u2069\u202a-\u202e]*)?"
# A URL never ends in punctuation that usually closes the sentence around it.
_END = r"(?<![.,:;!?'\")\]])"
URL_PATTERN = regex.compile(
    rf"(?i)https?://{_HOST}{_TAIL}{_END}"
    rf"|(?<![\p{{L}}\p{{N}}@._/-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})"
    rf"(?![\p{{L}}\p{{N}}_-])(?:/[^\s]*{_END})?"
)
_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")


def find_urls(text: str) -> list[tuple[int, int]]:
    """Start and end of every link a platform would recognise in ``text``."""
    return [(m.start(), m.end()) for m in URL_PATTERN.finditer(text)]


def graphemes(text: str) -> list[str]:
    found: list[str] = _GRAPHEME.findall(text)
    return found


def is_emoji(cluster: str) -> bool:
    return bool(_EMOJI.search(cluster))


@lru_cache(maxsize=4096)
def _code_point_weight(code: int) -> int:
    for start, end, weight in RANGES:
        if start <= code <= end:
            return weight
    return DEFAULT_WEIGHT


def _pieces(text: str) -> Iterator[tuple[str, bool]]:
    """The text split into links (True) and the stretches between them (False)."""
    position = 0
    for start, end in find_urls(text):
        if start > position:
            yield text[position:start], False
        yield text[start:end], True
        position = end
    if position < len(text):
        yield text[position:], False


def weighted_length(text: str, *, emoji_parsing: bool = True) -> int:
    """twitter-text ``weightedLength`` (v3 config; ``emoji_parsing=False`` gives v2)."""
    total = 0
    for piece, is_url in _pieces(unicodedata.normalize("NFC", text)):
        if is_url:
            total += URL_LENGTH * SCALE
            continue
        for cluster in graphemes(piece):
            if emoji_parsing and is_emoji(cluster):
                total += DEFAULT_WEIGHT
            else:
                total += sum(_code_point_weight(ord(ch)) for ch in cluster)
    return total // SCALE


def char_length(text: str) -> int:
    return sum(max(len(piece), URL_LENGTH) if is_url else len(piece)
               for piece, is_url in _pieces(text))


def measure(text: str, counting: Counting) -> int:
    """``text``'s length in the unit a platform counts its caption limit in."""
    if counting == "weighted":
        return weighted_length(text)
    if counting == "graphemes":
        return len(graphemes(text))
    return char_length(text)


UNIT_NAMES: dict[str, str] = {
    "weighted": "weighted characters (CJK and emoji count 2, links 23)",
    "graphemes": "characters",
    "chars": "characters",
}
