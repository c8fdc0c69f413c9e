"""A person's edit of a draft: its caption, its hashtags, its images.

What the person writes is what goes out: hashtags written at the end of the caption are the
post's hashtags, nothing is appended behind them, and a caption written without hashtags keeps
the ones it had. Every edit goes through the persona's rules, the platform's limits and the
disclosure step like a written draft: the label and the paid-partnership ``#ad`` are added back,
never removable, never doubled. A repeated hashtag is refused, not silently dropped, so the
person sees exactly what will be published. An approved post goes back to drafted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import regex  # type: ignore[import-untyped, unused-ignore]
from sqlmodel import Session, col, select

from influencer.captions import Caption, CaptionRequest
from influencer.captions.fitting import AD_TAG, HASHTAG, compose, fits, length_of
from influencer.captions.safety import rule_violations
from influencer.config import platform_spec
from influencer.errors import InfluencerError
from influencer.flow.context import Context, is_stale, short_id
from influencer.flow.draft import image_entry, label_again
from influencer.imagery import record_uses, render_post_images, scan_library
from influencer.store import Post, PostStatus, StoredImage, transition
from influencer.store.models import ImageAsset

EDITABLE = (PostStatus.drafted, PostStatus.approved, PostStatus.held)
_TRAILING_TAGS = regex.compile(r"(?:(?:^|\s+)#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)+\s*$")


@dataclass(frozen=True)
class Edit:
    """What a person changes; ``None`` keeps what the draft has."""

    caption: str | None = None  # the caption as it should read, without the label
    hashtags: Sequence[str] | None = None  # replaces the hashtags (may be empty)
    images: Sequence[str] = ()  # library files replacing the images, in order


def editable_text(post: Post) -> str:
    """The caption as a person edits it: the body and its hashtags, without the label."""
    return " ".join([(post.body or "").strip(), *post.hashtags]).strip()


def edit_post(ctx: Context, post: Post, change: Edit) -> Post:
    if post.status not in EDITABLE:
        raise InfluencerError(f"post {short_id(post.id)} is {post.status}; only drafted, approved "
                              "or held posts can be edited")
    if change.caption is None and change.hashtags is None and not change.images:
        raise InfluencerError("nothing to change: give --caption, --hashtags or --image")
    body, hashtags = post.body or "", list(post.hashtags)
    if change.caption is not None:
        body, written = split_caption(change.caption, _label(ctx, post))
        if written and change.hashtags is not None:
            raise InfluencerError("hashtags are given twice, at the end of --caption and in "
                                  "--hashtags: give them in one place")
        if written:
            hashtags = written
    if change.hashtags is not None:
        hashtags = [_well_formed(tag) for tag in change.hashtags]
    _check_hashtags(ctx, post, body, hashtags)
    images = _swap_images(ctx, post, change.images) if change.images else None
    changes = edited_fields(ctx, post, body, hashtags, images)
    what = [part for part, given in (("caption", change.caption is not None),
                                     ("hashtags", change.hashtags is not None),
                                     ("images", bool(change.images))) if given]
    note: dict[str, object] = {"old_text": post.text, "new_text": changes["text"]}
    if images is not None:
        note |= {"old_images": [i.source for i in post.images],
                 "new_images": [i.source for i in images]}
    with ctx.session() as session:
        if images is not None:
            assets = [_asset(session, post.persona, i.source or "") for i in images]
            schedule = ctx.ws.schedules[post.schedule]
            record_uses(session, post.id, post.persona, post.platform, assets, post.slot_at,
                        schedule.timezone)
            session.commit()
        return transition(session, post.id, PostStatus.drafted, actor=ctx.actor, now=ctx.now(),
                          reason=f"{' and '.join(what)} edited", changes=changes, note=note)


def split_caption(text: str, label: str) -> tuple[str, list[str]]:
    """The body and the hashtags written at its end; the label, if typed, is taken off (it is
    added back in its place)."""
    body = text.strip()
    for _ in range(2):
        body = body.removeprefix(label).strip().removesuffix(label).strip()
    tail = _TRAILING_TAGS.search(body)
    written: list[str] = []
    if tail:
        written = [str(t) for t in HASHTAG.findall(body[tail.start():])]
        body = body[:tail.start()].rstrip()
    if not body:
        raise InfluencerError("the new caption is empty")
    return body, written


def parse_hashtags(text: str) -> list[str]:
    """``--hashtags "#knitwear #layering"`` (or with commas, or without #); "" for none."""
    return [_well_formed(word) for word in regex.split(r"[\s,]+", text.strip()) if word]


def _well_formed(raw: str) -> str:
    word = raw.strip()
    tag = word if word.startswith("#") else f"#{word}"
    if not HASHTAG.fullmatch(tag):
        raise InfluencerError(f"{raw!r} is not a hashtag (letters, digits and _ after #, "
                              "at least one letter)")
    return tag


def _key(tag: str) -> str:
    return unicodedata.normalize("NFKC", tag).casefold()


def _check_hashtags(ctx: Context, post: Post, body: str, hashtags: list[str]) -> None:
    persona = ctx.ws.personas[post.persona]
    paid = ctx.ws.schedules[post.schedule].campaign.paid
    in_body = [str(t) for t in HASHTAG.findall(body)]
    seen: dict[str, str] = {}
    for tag in [*in_body, *hashtags]:
        if _key(tag) == AD_TAG and paid:
            raise InfluencerError(f"{tag} is added by the paid-partnership disclosure in its "
                                  "place; remove yours")
        if _key(tag) in seen:
            raise InfluencerError(f"{tag} appears twice (as {seen[_key(tag)]} and {tag}): "
                                  "write each hashtag once")
        seen[_key(tag)] = tag
    missing = [t for t in persona.voice.hashtags.always if _key(t) not in seen]
    if missing:
        raise InfluencerError(f"{post.persona} puts {', '.join(missing)} on every post "
                              "(voice.hashtags.always): keep it")
    allowed = persona.voice.hashtags.max
    if len(hashtags) > allowed:
        raise InfluencerError(f"{len(hashtags)} hashtags; {post.persona} allows {allowed} "
                              "(voice.hashtags.max)")
    platform_max = platform_spec(post.platform).max_hashtags
    total = len(in_body) + len(hashtags) + (1 if paid else 0)
    if platform_max is not None and total > platform_max:
        raise InfluencerError(f"{total} hashtags in all; {post.platform} allows {platform_max}")


def edited_fields(ctx: Context, post: Post, body: str, hashtags: list[str],
             images: list[StoredImage] | None) -> dict[str, object]:
    """The stored fields after the edit, through the rules, the limit and the disclosure step."""
    persona = ctx.ws.personas[post.persona]
    schedule = ctx.ws.schedules[post.schedule]
    request = CaptionRequest(persona=persona, platform=platform_spec(post.platform),
                             slot_key=post.id, campaign=schedule.campaign)
    kept = images if images is not None else list(post.images)
    caption = Caption(body, tuple(hashtags), kept[0].alt if kept else "", "person", ctx.actor, "")
    problems = rule_violations(caption, request)
    if problems:
        raise InfluencerError(f"post {short_id(post.id)}: the new caption breaks the persona's "
                              "rules: " + "; ".join(problems))
    if not fits(caption, request):
        raise InfluencerError(f"post {short_id(post.id)}: the new caption is "
                              f"{length_of(caption, request)} long with its label and hashtags; "
                              f"{post.platform} allows {request.limit}")
    trial = post.model_copy(update={"body": body, "hashtags": hashtags, "writer": "person",
                                    "images": kept})
    if is_stale(ctx, post):
        raise InfluencerError(f"post {short_id(post.id)} is stale: what it was drafted from "
                              f"changed; redraft it (influencer redraft {short_id(post.id)})")
    ready = label_again(ctx, trial)
    expected = compose(body, hashtags, _label(ctx, post), persona.disclosure.position,
                       schedule.campaign.paid)
    if ready.text != expected:  # the disclosure step composes as the fitting counted
        raise InfluencerError(f"post {short_id(post.id)}: the labelled caption is not what was "
                              "checked; nothing changed")
    changes: dict[str, object] = {"body": body, "hashtags": hashtags, "text": ready.text,
                                  "writer": "person", "model": ctx.actor,
                                  "alt_texts": ready.alt_texts, "flags": ready.flag_map}
    if images is not None:
        changes["images"] = images
    return changes


def _swap_images(ctx: Context, post: Post, files: Sequence[str]) -> list[StoredImage]:
    """The twin's library images named by ``files``, rendered for the platform (cropped, sized,
    provenance-labelled) like a drafted post's."""
    persona = ctx.ws.personas[post.persona]
    scan_library(ctx.ws, ctx.engine, persona.id, show_progress=False, now=ctx.now())
    with ctx.session() as session:
        library = list(session.exec(select(ImageAsset)
                                    .where(col(ImageAsset.persona) == persona.id)))
    assets = [_find(ctx, persona.id, persona.imagery.folder, library, name) for name in files]
    rendered = render_post_images(ctx.ws, persona, assets, platform_spec(post.platform))
    alt = post.images[0].alt if post.images else ""
    return [image_entry(r, a, alt) for r, a in zip(rendered, assets, strict=True)]


def _find(ctx: Context, persona: str, folder: str, library: list[ImageAsset],
          name: str) -> ImageAsset:
    wanted = Path(name)
    if wanted.is_absolute():
        try:
            wanted = wanted.resolve().relative_to(ctx.ws.root.resolve())
        except ValueError:
            wanted = Path(wanted.name)
    matches = [a for a in library if Path(a.path) == wanted
               or Path(a.path) == Path(folder) / wanted or Path(a.path).name == wanted.name]
    exact = [a for a in matches if Path(a.path) in (wanted, Path(folder) / wanted)]
    found = exact or matches
    if not found:
        names = ", ".join(sorted(Path(a.path).name for a in library)[:6])
        raise InfluencerError(f"{name} is not in {persona}'s image library ({folder}"
                              f"{': ' + names if names else ''}); a new file must be in that "
                              "folder (influencer images scan)")
    if len(found) > 1:
        raise InfluencerError(f"{name} names {len(found)} images in {persona}'s library: give its "
                              "path (" + ", ".join(a.path for a in found[:3]) + ")")
    if found[0].do_not_use:
        raise InfluencerError(f"{found[0].path} is marked do_not_use in its sidecar")
    return found[0]


def _asset(session: Session, persona: str, path: str) -> ImageAsset:
    asset = session.exec(select(ImageAsset).where(col(ImageAsset.persona) == persona,
                                                  col(ImageAsset.path) == path)).first()
    if asset is None:
        raise InfluencerError(f"{path} left {persona}'s image library during the edit; try again")
    return asset


def _label(ctx: Context, post: Post) -> str:
    persona = ctx.ws.personas[post.persona]
    return persona.disclosure.label_for(persona.voice.language)
