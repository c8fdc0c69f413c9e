"""Choosing a slot's images: tags, do_not_use, reuse window, other twins, LRU, determinism."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ImageEnhance
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from influencer.config import Schedule, Workspace
from influencer.imagery import NEAR_DUPLICATE_DISTANCE, record_uses, release_uses, select_images
from influencer.imagery.selection import _alike, _hash
from influencer.imagery.source import examine
from influencer.store.models import ImageAsset, ImageUse
from tests.imagery.imagery_helpers import photo, save

DAY = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm


def schedule(tags: list[str] | dict[str, list[str]] | None = None, reuse: int = 30, per_post: int = 1,
             persona: str = "ava") -> Schedule:
    return Schedule.model_validate({
        "id": f"{persona}-test", "persona": persona, "platforms": ["instagram", "x"],
        "cron": "0 9 * * *", "timezone": "Europe/Stockholm",
        "images": {"tags": ["autumn"] if tags is None else tags, "reuse_after_days": reuse,
                   "per_post": per_post}})


def add(engine: Engine, name: str, tags: tuple[str, ...] = ("autumn",), persona: str = "ava",
        phash: str | None = None, **fields: Any) -> ImageAsset:
    sha = hashlib.sha256(f"{persona}/{name}".encode()).hexdigest()
    asset = ImageAsset(persona=persona, path=f"personas/{persona}/images/{name}", sha256=sha,
                       size=1, mtime_ns=1, width=10, height=10, format="JPEG",
                       phash=phash or sha[:16], tags=list(tags), **fields)
    with Session(engine) as session:
        session.add(asset)
        session.commit()
        session.refresh(asset)
    return asset


def choose(engine: Engine, ws: Workspace, sched: Schedule, at: datetime = DAY,
           platform: str = "instagram") -> tuple[list[str], str | None]:
    with Session(engine) as session:
        result = select_images(session, ws.personas[sched.persona], sched, platform, at)
    return [Path(a.path).name for a in result.images], result.reason


def use(engine: Engine, post_id: str, asset: ImageAsset, at: datetime,
        platform: str = "instagram") -> None:
    with Session(engine) as session:
        record_uses(session, post_id, asset.persona, platform, [asset], at, "Europe/Stockholm")
        session.commit()


def test_tags_match_all_or_any_and_reasons_name_the_filter(ws: Workspace, engine: Engine) -> None:
    assert choose(engine, ws, schedule()) == (
        [], "no images in the library of ava (run: influencer images scan ava)")
    add(engine, "summer.jpg", ("summer",))
    assert choose(engine, ws, schedule()) == ([], "no image tagged autumn")
    assert choose(engine, ws, schedule({"all": ["autumn", "city"]})) == (
        [], "no image tagged autumn and city")
    assert choose(engine, ws, schedule(["autumn", "city"])) == (
        [], "no image tagged autumn or city")  # a plain list: any of them
    add(engine, "draft.jpg", ("autumn",), do_not_use=True)
    assert choose(engine, ws, schedule()) == ([], "the only autumn image marked do_not_use")
    add(engine, "draft2.jpg", ("autumn", "city"), do_not_use=True)
    assert choose(engine, ws, schedule()) == ([], "all 2 autumn images marked do_not_use")
    add(engine, "gone.jpg", ("autumn",), missing=True)
    assert choose(engine, ws, schedule())[1] == "all 2 autumn images marked do_not_use"
    add(engine, "street.jpg", ("autumn", "city"))
    assert choose(engine, ws, schedule({"all": ["city", "autumn"]})) == (["street.jpg"], None)
    assert choose(engine, ws, schedule(["summer", "winter"])) == (["summer.jpg"], None)
    assert choose(engine, ws, schedule([])) == (["street.jpg"], None)


def test_no_reuse_on_a_platform_within_the_window(ws: Workspace, engine: Engine) -> None:
    first, second = add(engine, "a.jpg"), add(engine, "b.jpg")
    use(engine, "p1", first, DAY)
    use(engine, "p2", second, DAY + timedelta(days=3))
    later = DAY + timedelta(days=10)
    assert choose(engine, ws, schedule(), later) == (
        [], "all 2 autumn images used on instagram within 30 days of 2026-12-11")
    assert choose(engine, ws, schedule(), later, "x")[1] is None  # another platform
    # drafts are made ahead: a use 27 days after the slot blocks it, one 30 days after not
    assert choose(engine, ws, schedule(), DAY - timedelta(days=27))[0] == ["b.jpg"]
    assert choose(engine, ws, schedule(), DAY + timedelta(days=30)) == (["a.jpg"], None)
    assert choose(engine, ws, schedule(reuse=0), later)[1] is None


def test_least_recently_used_first(ws: Workspace, engine: Engine) -> None:
    a, b, c = add(engine, "a.jpg"), add(engine, "b.jpg"), add(engine, "c.jpg")
    use(engine, "p1", b, DAY)
    use(engine, "p2", a, DAY + timedelta(days=1))
    assert choose(engine, ws, schedule(reuse=1), DAY + timedelta(days=5))[0] == ["c.jpg"]
    use(engine, "p3", c, DAY + timedelta(days=5))
    assert choose(engine, ws, schedule(reuse=1), DAY + timedelta(days=6))[0] == ["b.jpg"]
    assert choose(engine, ws, schedule(reuse=1, per_post=3), DAY + timedelta(days=6))[0] == [
        "b.jpg", "a.jpg", "c.jpg"]


def test_the_same_slot_always_gets_the_same_images(ws: Workspace, engine: Engine) -> None:
    for index in range(6):
        add(engine, f"{index}.jpg")
    picks = [choose(engine, ws, schedule(), DAY + timedelta(days=d))[0] for d in range(8)]
    assert picks == [choose(engine, ws, schedule(), DAY + timedelta(days=d))[0]
                     for d in range(8)]
    assert len({tuple(p) for p in picks}) > 1  # ties are broken per slot, not by name


def near_duplicates(tmp_path: Path) -> tuple[str, str, str]:
    """pHashes of a picture, of a slightly brightened re-encode of it, and of another."""
    original = save(photo(800, 600, seed=21), tmp_path / "o.jpg", quality=92)
    altered = ImageEnhance.Brightness(photo(800, 600, seed=21)).enhance(1.06)
    tweaked = save(altered.crop((8, 6, 800, 600)), tmp_path / "t.jpg", quality=70)
    other = save(photo(800, 600, seed=22), tmp_path / "x.jpg")
    return examine(original).phash, examine(tweaked).phash, examine(other).phash


def test_two_twins_never_show_near_duplicates_on_one_day(ws: Workspace, engine: Engine,
                                                         tmp_path: Path) -> None:
    original, tweaked, other = near_duplicates(tmp_path)
    mei_image = add(engine, "m.jpg", ("autumn",), "mei", phash=original)
    add(engine, "copy.jpg", ("autumn",), "ava", phash=tweaked)
    use(engine, "mei-post", mei_image, DAY + timedelta(hours=3), "x")
    assert choose(engine, ws, schedule()) == ([], (
        "the only autumn image same as or near-duplicate of an image another twin (mei) "
        "uses on 2026-12-01"))
    assert choose(engine, ws, schedule(), DAY + timedelta(days=1))[0] == ["copy.jpg"]
    add(engine, "own.jpg", ("autumn",), "ava", phash=other)
    assert choose(engine, ws, schedule())[0] == ["own.jpg"]


def test_carousel_takes_distinct_images_or_says_why_not(ws: Workspace, engine: Engine,
                                                        tmp_path: Path) -> None:
    original, tweaked, other = near_duplicates(tmp_path)
    add(engine, "a.jpg", phash=original)
    add(engine, "a-again.jpg", phash=tweaked)
    assert choose(engine, ws, schedule(per_post=2)) == (
        [], "only 1 distinct autumn images qualify, 2 needed per post")
    add(engine, "b.jpg", phash=other)
    chosen, reason = choose(engine, ws, schedule(per_post=2))
    assert reason is None and len(chosen) == 2 and "b.jpg" in chosen


def test_record_and_release_uses(ws: Workspace, engine: Engine) -> None:
    a, b = add(engine, "a.jpg"), add(engine, "b.jpg")
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # already 2 December in Stockholm
    with Session(engine) as session:
        uses = record_uses(session, "post-1", "ava", "instagram", [a, b], late,
                           "Europe/Stockholm")
        session.commit()
        assert [(u.position, u.used_on.isoformat()) for u in uses] == [
            (0, "2026-12-02"), (1, "2026-12-02")]
    assert choose(engine, ws, schedule(), late)[1] is not None
    with Session(engine) as session:
        assert release_uses(session, "post-1") == 2
        session.commit()
    with Session(engine) as session:
        assert session.exec(select(ImageUse)).all() == []
    assert choose(engine, ws, schedule(), late)[1] is None


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo"])
def test_used_on_is_the_schedule_day(ws: Workspace, engine: Engine, zone: str) -> None:
    asset = add(engine, "z.jpg")
    with Session(engine) as session:
        [row] = record_uses(session, "p", "ava", "x", [asset], DAY.replace(hour=20), zone)
        session.commit()
        assert row.used_on.isoformat() == ("2026-12-01" if zone == "UTC" else "2026-12-02")


def test_what_a_dry_run_used_never_changes_a_live_post_s_images(ws: Workspace,
                                                                 engine: Engine) -> None:
    """``post --now --dry-run`` records the images of its dry post; a live post chooses as if
    the rehearsal never happened, and a later rehearsal still spaces its own choices out."""
    from influencer.store import Post, PostMode

    assets = {"a.jpg": add(engine, "a.jpg"), "b.jpg": add(engine, "b.jpg")}
    live_choice, _ = choose(engine, ws, schedule())
    with Session(engine) as session:
        session.add(Post(id="dry1", persona="ava", schedule="ava-test", platform="instagram",
                         slot_at=DAY, publish_at=DAY, mode=PostMode.dry))
        session.commit()
    use(engine, "dry1", assets[live_choice[0]], DAY)
    assert choose(engine, ws, schedule()) == (live_choice, None)
    with Session(engine) as session:
        rehearsal = select_images(session, ws.personas["ava"], schedule(), "instagram", DAY,
                                  rehearsal=True)
    assert [Path(a.path).name for a in rehearsal.images] != live_choice


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1))
def test_the_near_duplicate_distance_is_imagehash_s_own(a: int, b: int) -> None:
    """Selection compares pHashes by the popcount of their XOR (no array per comparison): the
    distance imagehash itself gives, for the hex strings the library stores."""
    import imagehash

    left, right = f"{a:016x}", f"{b:016x}"
    theirs = imagehash.hex_to_hash(left) - imagehash.hex_to_hash(right)
    assert (_hash(left) ^ _hash(right)).bit_count() == theirs
    assert _alike("x", left, "y", right) == (theirs <= NEAR_DUPLICATE_DISTANCE)
