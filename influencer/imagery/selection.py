"""Choosing a slot's images from a twin's library, and recording what was used.

The rules, applied in this order, each of which may empty the set (the reason then names
it, and no image is chosen: a post is never filled with a wrong one):

1. present images of the persona (not ``missing``; one per content hash);
2. tagged with every tag of the schedule;
3. not ``do_not_use``;
4. not used on the same platform within ``reuse_after_days`` of the slot's day, before or
   after (drafts are made ahead, so a later slot may already hold an image);
5. not the same as, nor a near-duplicate of, an image another twin uses that day.

What remains is ordered least recently used first (never used before all), ties broken by a
hash of the slot's identity and the image: the same slot always gets the same images, and
different slots spread over equally fresh ones. A carousel takes ``per_post`` images that are
not near-duplicates of each other.

Uses of dry-run posts (mode ``dry``: ``post --now --dry-run``) count only for other dry posts:
a rehearsal never changes which images live posts get.

A "day" is the slot's date in the schedule's time zone. Two images are near-duplicates when
their 64-bit perceptual hashes (DCT pHash) differ in at most ``NEAR_DUPLICATE_DISTANCE`` bits:
re-encodes, resizes, small crops and colour tweaks of one picture stay well under it, while
different pictures rarely come closer than about 20 bits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, func, true
from sqlmodel import Session, col, select

from influencer.store.models import ImageAsset, ImageUse, Post
from influencer.store.status import PostMode

if TYPE_CHECKING:
    from influencer.config import Persona, Schedule
    from influencer.config.schedule import TagMatch

NEAR_DUPLICATE_DISTANCE = 8
NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Selection:
    """The chosen images, or the reason none could be chosen."""

    images: tuple[ImageAsset, ...]
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def select_images(session: Session, persona: Persona, schedule: Schedule, platform: str,
                  slot_at: datetime, rehearsal: bool = False,
                  avoid: frozenset[str] = frozenset(),
                  library: Sequence[ImageAsset] | None = None) -> Selection:
    """Images for the slot (schedule, platform, nominal time ``slot_at``); ``rehearsal`` for
    a dry post, which also counts what other dry posts used; never an image in ``avoid``
    (source sha256: what a person rejected for this slot). ``library`` is the persona's
    ``library_of`` when the caller has read it already (a chunk of posts reads it once)."""
    counted = _counted(rehearsal)
    choice, day = schedule.images, local_day(slot_at, schedule.timezone)
    noun = _noun(choice.tags)
    assets = library_of(session, persona.id) if library is None else library
    if not assets:
        return Selection((), f"no images in the library of {persona.id} "
                             f"(run: influencer images scan {persona.id})")
    tagged = [a for a in assets if choice.tags.matches(a.tags)]
    if not tagged:
        return Selection((), f"no image tagged {choice.tags}")
    usable = [a for a in tagged if not a.do_not_use]
    if not usable:
        return Selection((), f"{_all(len(tagged), noun)} marked do_not_use")
    if avoid:
        kept = [a for a in usable if a.sha256 not in avoid]
        if not kept:
            return Selection((), f"{_all(len(usable), noun)} rejected for this slot by a person")
        usable = kept
    recent = _recent(session, persona.id, platform, day, choice.reuse_after_days, counted)
    fresh = [a for a in usable if a.sha256 not in recent]
    if not fresh:
        return Selection((), f"{_all(len(usable), noun)} used on {platform} within "
                             f"{choice.reuse_after_days} days of {day}")
    others = _other_twins(session, persona.id, day, counted)
    apart = [a for a in fresh if not _near_any(a, others)]
    if not apart:
        names = ", ".join(sorted(others.personas))
        return Selection((), f"{_all(len(fresh), noun)} same as or near-duplicate of an image "
                             f"another twin ({names}) uses on {day}")
    slot = f"{schedule.id}|{platform}|{slot_at.astimezone(UTC).isoformat()}"
    chosen = _distinct(_least_recent_first(session, persona.id, slot, apart, counted),
                       choice.per_post)
    if len(chosen) < choice.per_post:
        return Selection((), f"only {len(chosen)} distinct {noun[1]} qualify, "
                             f"{choice.per_post} needed per post")
    return Selection(tuple(chosen))


def _counted(rehearsal: bool) -> ColumnElement[bool]:
    """The uses a choice takes into account: a live post's, only those of live posts."""
    if rehearsal:
        return true()
    dry = select(Post.id).where(col(Post.mode) == PostMode.dry)
    return col(ImageUse.post_id).not_in(dry)


def _least_recent_first(session: Session, persona_id: str, slot: str, assets: list[ImageAsset],
                        counted: ColumnElement[bool]) -> list[ImageAsset]:
    """Never used first, then by last use; ties by a hash of the slot and the image."""
    last = _last_used(session, persona_id, counted)
    return sorted(assets, key=lambda a: (last.get(a.sha256, NEVER), _tie(slot, a.sha256)))


def _noun(tags: TagMatch) -> tuple[str, str]:
    """Singular and plural: "autumn image(s)", or "image(s) tagged autumn and city"."""
    words = [*tags.all, *tags.any]
    if len(words) == 1:
        return f"{words[0]} image", f"{words[0]} images"
    tagged = f" tagged {tags}" if words else ""
    return f"image{tagged}", f"images{tagged}"


def _all(count: int, noun: tuple[str, str]) -> str:
    return f"the only {noun[0]}" if count == 1 else f"all {count} {noun[1]}"


def library_of(session: Session, persona_id: str) -> list[ImageAsset]:
    """The persona's present images, one per content hash, by path."""
    query = (select(ImageAsset)
             .where(ImageAsset.persona == persona_id, col(ImageAsset.missing).is_(False))
             .order_by(col(ImageAsset.path)))
    unique: dict[str, ImageAsset] = {}
    for asset in session.exec(query):
        unique.setdefault(asset.sha256, asset)  # the same picture twice counts once
    return list(unique.values())


def _recent(session: Session, persona_id: str, platform: str, day: date, days: int,
            counted: ColumnElement[bool]) -> set[str]:
    if days <= 0:
        return set()
    window = timedelta(days=days - 1)
    query = select(ImageUse.sha256).where(
        counted, ImageUse.persona == persona_id, ImageUse.platform == platform,
        col(ImageUse.used_on) >= day - window, col(ImageUse.used_on) <= day + window)
    return set(session.exec(query))


@dataclass(frozen=True)
class _SeenImages:
    """The images other twins use on a day: who, their content hashes, their pHashes."""

    personas: frozenset[str]
    sha256s: frozenset[str]
    phashes: tuple[int, ...]


def _other_twins(session: Session, persona_id: str, day: date,
                 counted: ColumnElement[bool]) -> _SeenImages:
    query = select(ImageUse.persona, ImageUse.sha256, ImageUse.phash).where(
        counted, ImageUse.used_on == day, ImageUse.persona != persona_id).distinct()
    rows = list(session.exec(query))
    return _SeenImages(frozenset(p for p, _, _ in rows), frozenset(s for _, s, _ in rows),
                       tuple({_hash(h) for _, _, h in rows if h}))


def _last_used(session: Session, persona_id: str,
               counted: ColumnElement[bool]) -> dict[str, datetime]:
    query = (select(ImageUse.sha256, func.max(ImageUse.used_at))
             .where(counted, ImageUse.persona == persona_id).group_by(col(ImageUse.sha256)))
    return {sha: _aware(at) for sha, at in session.exec(query) if at is not None}


def _aware(moment: datetime) -> datetime:
    # func.max() bypasses the column type, so SQLite hands back a naive UTC time (or text).
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _tie(slot: str, sha256: str) -> str:
    return hashlib.sha256(f"{slot}|{sha256}".encode()).hexdigest()


@lru_cache(maxsize=4096)
def _hash(hex_phash: str) -> int:
    # imagehash writes a hash as the hex of its bits in order, so the Hamming distance of two
    # is the popcount of their XOR: no array per comparison (a 30-twin day compares thousands)
    return int(hex_phash, 16)


def _near_any(asset: ImageAsset, seen: _SeenImages) -> bool:
    """Whether ``asset`` is one of ``seen`` or a near-duplicate of one (``_alike``, unrolled:
    a 30-twin day compares each candidate with a few hundred images)."""
    if asset.sha256 in seen.sha256s:
        return True
    if not asset.phash:
        return False
    mine = _hash(asset.phash)
    return any((mine ^ other).bit_count() <= NEAR_DUPLICATE_DISTANCE for other in seen.phashes)


def _alike(sha_a: str, phash_a: str | None, sha_b: str, phash_b: str | None) -> bool:
    """The same picture, or a near-duplicate of it (see NEAR_DUPLICATE_DISTANCE)."""
    if sha_a == sha_b:
        return True
    if not phash_a or not phash_b:
        return False
    return (_hash(phash_a) ^ _hash(phash_b)).bit_count() <= NEAR_DUPLICATE_DISTANCE


def _distinct(ordered: Iterable[ImageAsset], wanted: int) -> list[ImageAsset]:
    chosen: list[ImageAsset] = []
    for asset in ordered:
        if len(chosen) == wanted:
            break
        if not any(_alike(asset.sha256, asset.phash, c.sha256, c.phash) for c in chosen):
            chosen.append(asset)
    return chosen


def record_uses(session: Session, post_id: str, persona_id: str, platform: str,
                images: Sequence[ImageAsset], slot_at: datetime,
                zone: str = "UTC", *, released: bool = False) -> list[ImageUse]:
    """Record that ``post_id`` uses ``images`` (replacing what it used before, unless the
    caller ``released`` them already).

    Runs in the caller's transaction, so a draft and its image uses commit together.
    """
    if not released:
        release_uses(session, post_id)
    uses = [ImageUse(post_id=post_id, persona=persona_id, platform=platform, position=index,
                     sha256=image.sha256, phash=image.phash, used_on=local_day(slot_at, zone),
                     used_at=slot_at.astimezone(UTC))
            for index, image in enumerate(images)]
    session.add_all(uses)
    session.flush()
    return uses


def release_uses(session: Session, post_id: str) -> int:
    """Forget the images ``post_id`` used (a redraft or cancel); how many were released."""
    result = session.exec(delete(ImageUse).where(col(ImageUse.post_id) == post_id))
    return int(result.rowcount or 0)
