"""Spotting a caption that claims the twin is a real human, or denies being AI.

A twin may say "real leather" or "AI-generated twin of Ava"; it may never say "I'm a real girl",
"no AI, just me" or "100% human". Matching runs over normalised text (case folded, accents and
fancy apostrophes flattened, "a.i." read as "ai", look-alike digits in words read as letters), so
spelling tricks do not slip through. Patterns are grouped by what they claim, not by the phrases
seen so far, and cover the languages the example personas write in.
"""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s"})

_I_AM = r"(?:i\s*'?\s*a?m|i\s+am|im)"
_BE = r"(?:is|it\s*'?\s*s|its|this\s+is|that\s*'?\s*s|thats|i\s*'?\s*m|im|i\s+am|am|was|are)"
_NOT = r"(?:not|no|never|zero|0\s*%|without|free\s+of)"
# Words for "made by a machine". Deliberately narrow: "no digital receipt", "not virtual
# try-on" and "machine wash" must pass.
_MACHINE = r"(?:an?\s+)?(?:ai|bots?|robots?|android|cyborg|cgi|deepfake|avatar|" \
           r"(?:ai|computer)\s*-?\s*generated|generated)"

PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    # "I'm a real girl", "I am an actual person", "I'm human", "I'm not fake"
    rf"\b{_I_AM}\s+(?:a\s+|an\s+)?(?:real|actual|genuine)\b",
    rf"\b{_I_AM}\s+(?:a\s+|an\s+)?(?:human|person|human\s+being)\b",
    rf"\b{_I_AM}\s+(?:not|n't)\s+(?:fake|{_MACHINE})\b",
    # "real girl", "real human", "actual person", "the real me" ("real leather" passes)
    r"\b(?:real|actual|genuine)\s+(?:humans?|persons?|people|girl|woman|man|guy|lady|me)\b",
    # "not AI", "no AI", "not a bot", "never a robot", "zero AI", "this isn't AI"
    rf"\b{_NOT}\s+{_MACHINE}\b",
    rf"\b{_BE}\s*n\s*'?\s*t\s+{_MACHINE}\b",
    r"\b(?:ai|bot|robot|filter)\s*-?\s*free\b",
    # "100% human", "0% robot" (via _NOT), "fully human", "totally real me"
    r"\b\d{2,3}\s*%\s*(?:human|real|me|natural|person)\b",
    r"\b(?:fully|totally|completely|entirely|purely|truly|100\s+percent)\s+human\b",
    # "this is really me", "it's actually me", "in the flesh"
    rf"\b{_BE}\s+(?:really|actually|truly|genuinely|literally|100\s*%)\s+me\b",
    r"\breally\s+me\b",
    r"\bin\s+the\s+flesh\b|\bflesh\s+and\s+blood\b",
    # "no filter … just me": nothing was made, it is simply the person
    r"\bno\s+(?:filters?|edits?|editing|photoshop|tricks)\b.{0,40}\bjust\s+(?:me|us)\b",
    r"\bjust\s+(?:me|the\s+real\s+me)\s*,?\s*no\s+(?:filters?|ai|edits?)\b",
    # French: "je suis une vraie", "pas une IA", "pas un robot", "vraie personne"
    r"\bje\s+suis\s+(?:une?\s+)?(?:vraie?|reelle?|humaine?)\b",
    r"\b(?:pas|jamais|sans)\s+(?:une?\s+|de\s+l'|d'|l')?(?:ia|ai|robot|bot)\b",
    r"\bvraie?\s+(?:fille|femme|personne|humaine?)\b|\b100\s*%\s*humaine?\b",
    # Swedish and German: "inte AI", "ingen AI", "keine KI", "echter Mensch"
    r"\b(?:inte|ingen|inget|keine?|nicht)\s+(?:en\s+|ein\s+)?(?:ai|ki|robot|bot)\b",
    r"\b(?:riktig|akta|echte[rs]?)\s+(?:manniska|person|tjej|mensch|frau|madchen)\b",
    # Spanish: "no soy IA", "persona real"
    r"\bno\s+soy\s+(?:una?\s+)?(?:ia|ai|robot|bot)\b|\b(?:persona|chica|mujer)\s+real\b",
    # Japanese and Chinese: "AIじゃない", "AIではない", "本物の人間", "不是AI"
    r"(?:ai|ロボット|ボット)\s*(?:じゃない|じゃありません|ではない|ではありません)",
    r"(?:本物|ほんもの|リアル)の(?:人間|私|わたし)|生身の|加工なし.{0,10}(?:私|わたし)だけ",
    r"(?:不是|并非|絕不是|绝不是)\s*(?:ai|机器人|機器人)|真人|真实的我",
))


def strip_accents(text: str) -> str:
    """"régime" → "regime"; only Latin-style diacritics go, so Japanese kana keep their marks."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(
        ch for ch in decomposed if not "\u0300" <= ch <= "\u036f"))


def normalise(text: str) -> str:
    """Lower-case, accent-free, plain-apostrophe text with "a.i." read as "ai"."""
    text = strip_accents(text.translate(_APOSTROPHES)).casefold()
    text = re.sub(r"\ba\s*\.\s*i\b\.?", "ai", text)
    return re.sub(r"\s+", " ", text)


def _deleet(text: str) -> str:
    """Digits and symbols inside words read as the letters they imitate ("n0t a b0t")."""
    return re.sub(r"\b\w*[a-z]\w*\b", lambda m: m.group(0).translate(_LEET), text)


def human_claim(text: str) -> str | None:
    """The phrase in ``text`` that claims the twin is human or denies it is AI, if any."""
    plain = normalise(text)
    for candidate in (plain, _deleet(plain)):
        for pattern in PATTERNS:
            found = pattern.search(candidate)
            if found:
                return found.group(0).strip()
    return None
