"""Connective phrases for the offline writer, per language.

The persona's own examples carry the voice; these only join them to what is in the picture and
the campaign. Placeholders: ``{tag}``, ``{theme}``, ``{product}``, ``{tone}``. A language not
listed gets the neutral frames, which use no words at all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phrases:
    tag: tuple[str, ...]
    theme: tuple[str, ...]
    product: tuple[str, ...]
    tone: tuple[str, ...]  # only where tone words are in the same language (English)
    closer: tuple[str, ...]
    photo_of: str  # alt text: "{name}" and "{tags}"
    photo: str  # alt text without tags
    joiner: str = " "  # between sentences
    end: str = "."  # added to a sentence that lacks closing punctuation


PHRASES: dict[str, Phrases] = {
    "en": Phrases(
        tag=("All about {tag} today.", "Today's mood: {tag}.", "A little {tag} for the feed.",
             "Thinking in {tag}.", "Some days are made for {tag}.", "{tag}, always."),
        theme=("{theme} is here.", "A first look at {theme}.", "From {theme}.",
               "More from {theme} soon."),
        product=("Wearing {product}.", "Styled with {product}.", "{product}, on repeat."),
        tone=("Feeling {tone}.", "Keeping it {tone}.", "Something {tone} for your day."),
        closer=("Which look is yours?", "Save this one for later.", "Have a lovely day.",
                "More soon.", "Tell me what you think.", "Details matter."),
        photo_of="Photo of {name}: {tags}.", photo="Photo of {name}.",
    ),
    "fr": Phrases(
        tag=("Aujourd'hui, tout est {tag}.", "L'humeur du jour : {tag}.",
             "Un peu de {tag} pour commencer.", "Toujours {tag}.", "Une envie de {tag}."),
        theme=("{theme}, c'est maintenant.", "Un premier regard sur {theme}.",
               "Extrait de {theme}.", "Bientôt plus de {theme}."),
        product=("Je porte {product}.", "Avec {product}.", "{product}, encore et toujours."),
        tone=(),
        closer=("Bonne journée.", "Vous aimez ?", "À bientôt.", "Les détails comptent.",
                "Dites-moi tout.", "On en parle ?"),
        photo_of="Photo de {name} : {tags}.", photo="Photo de {name}.",
    ),
    "ja": Phrases(
        tag=("今日は{tag}な気分", "{tag}がテーマの一日", "いつでも{tag}", "今日のキーワードは{tag}",
             "{tag}をひとさじ"),
        theme=("{theme}、はじまり", "{theme}から", "{theme}をちょっとだけ", "もうすぐ{theme}"),
        product=("{product}を合わせて", "今日は{product}で", "{product}がお気に入り"),
        tone=(),
        closer=("どう思う？", "またね", "お気に入りはどれ？", "いい一日を", "保存してね", "また明日"),
        photo_of="{name}の写真：{tags}", photo="{name}の写真", end="",
    ),
    "sv": Phrases(
        tag=("Idag handlar allt om {tag}.", "Dagens känsla: {tag}.", "Lite {tag} till flödet.",
             "Alltid {tag}."),
        theme=("{theme} är här.", "En första titt på {theme}.", "Mer från {theme} snart."),
        product=("Jag bär {product}.", "Stylad med {product}."),
        tone=(),
        closer=("Vilken look är din?", "Ha en fin dag.", "Mer snart.", "Detaljerna gör det."),
        photo_of="Foto av {name}: {tags}.", photo="Foto av {name}.",
    ),
    "de": Phrases(
        tag=("Heute dreht sich alles um {tag}.", "Stimmung des Tages: {tag}.",
             "Ein bisschen {tag} für euch.", "Immer {tag}."),
        theme=("{theme} ist da.", "Ein erster Blick auf {theme}.", "Bald mehr von {theme}."),
        product=("Heute trage ich {product}.", "Kombiniert mit {product}."),
        tone=(),
        closer=("Welcher Look gefällt euch?", "Einen schönen Tag!", "Bald mehr.",
                "Auf die Details kommt es an."),
        photo_of="Foto von {name}: {tags}.", photo="Foto von {name}.",
    ),
    "es": Phrases(
        tag=("Hoy todo va de {tag}.", "El mood de hoy: {tag}.", "Un poco de {tag} para hoy.",
             "Siempre {tag}."),
        theme=("{theme} ya está aquí.", "Un primer vistazo a {theme}.", "Pronto más de {theme}."),
        product=("Llevo {product}.", "Con {product}."),
        tone=(),
        closer=("¿Cuál es tu look?", "Feliz día.", "Pronto más.", "Los detalles importan."),
        photo_of="Foto de {name}: {tags}.", photo="Foto de {name}.",
    ),
}

NEUTRAL = Phrases(
    tag=("{tag} ✦", "✦ {tag}"), theme=("{theme} ✦", "→ {theme}"), product=("{product} ✦",),
    tone=(), closer=(), photo_of="{name}: {tags}", photo="{name}", end="",
)

EMOJI = ("✨", "💫", "🌙", "💛", "🖤", "🤍", "🌿", "🌈", "⭐", "🫶", "🎀", "☁️")


def phrases_for(language: str) -> Phrases:
    return PHRASES.get(language.split("-")[0].lower(), NEUTRAL)
