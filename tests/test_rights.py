"""The one rule of consent (``influencer/rights.py``) across its inputs, and where the flow
applies it: at planning (slots excluded with the reason), at drafting, at publishing (a post
drafted before the grant narrowed is stopped), and in ``check`` (at the file and line)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from influencer.config import load_workspace
from influencer.config.persona import Account, Rights
from influencer.config.schedule import Campaign
from influencer.config.territories import EEA, EU, countries, expand
from influencer.flow.check import problems
from influencer.rights import refusal, state
from influencer.store import Post, open_store
from tests.helpers import run_cli as run

GRANT = Rights(holder="Ava Nordström", granted=date(2026, 9, 1), expires=date(2031, 8, 31),
               platforms=["x", "mastodon"], territories=["EU", "US"], exclude_categories=["Alcohol"])
DAY = date(2026, 12, 1)


def account(*territories: str) -> Account:
    return Account(handle="@ava", credentials="env:AVA_X", territories=list(territories))


def reason(grant: Rights = GRANT, platform: str = "x", when: date = DAY, categories: tuple[str, ...] = (),
           territories: tuple[str, ...] = ("SE", "US")) -> str | None:
    found = refusal(grant, platform, when, Campaign(categories=list(categories)),
                    account(*territories), twin="ava")
    return None if found is None else f"{found.kind}: {found}"


def test_a_grant_in_force_allows_its_platforms_categories_and_territories() -> None:
    assert reason() is None
    assert reason(categories=("fashion", "knitwear"), territories=("EU",)) is None


@pytest.mark.parametrize(("change", "expected"), [
    ({"grant": GRANT.model_copy(update={"revoked": True})}, "revoked: rights revoked for ava"),
    ({"when": date(2026, 8, 31)}, "not-yet: rights for ava start on 2026-09-01"),
    ({"when": date(2031, 9, 1)}, "expired: rights for ava expired on 2031-08-31"),
    ({"platform": "instagram"}, "platform: rights for ava do not cover instagram"),
    ({"categories": ("fashion", "alcohol")},
     "category: rights for ava exclude the campaign category 'alcohol'"),
    ({"territories": ("SE", "JP")},
     "territory: the x account of ava reaches JP, outside the rights' territories (EU, US)"),
    ({"territories": ()},
     "territory: the x account of ava declares no territories; the rights cover only EU, US"),
])
def test_each_way_a_grant_refuses(change: dict[str, object], expected: str) -> None:
    assert reason(**change) == expected  # type: ignore[arg-type]


def test_the_last_and_first_days_are_inside_the_grant() -> None:
    assert reason(when=GRANT.granted) is None and reason(when=GRANT.expires) is None


def test_regions_expand_and_a_grant_without_territories_applies_everywhere() -> None:
    assert len(EU) == 27 and {"IS", "LI", "NO"} == EEA - EU
    assert expand(["WORLD"]) == countries() and len(countries()) == 249
    assert reason(territories=("EEA",)) == (
        "territory: the x account of ava reaches IS, LI, NO, outside the rights' territories (EU, US)")
    world = reason(territories=("WORLD",))
    assert world is not None and world.endswith("and 213 more, outside the rights' territories (EU, US)")
    anywhere = GRANT.model_copy(update={"territories": []})
    assert reason(anywhere, territories=("WORLD",)) is None and reason(anywhere, territories=()) is None


def test_state_names_where_a_grant_stands() -> None:
    def name(grant: Rights = GRANT, today: date = DAY, warn: int = 14) -> str:
        return str(state(grant, today, warn))

    assert name() == "valid"
    assert name(today=date(2031, 8, 17)) == "expires in 14 days"
    assert name(today=date(2031, 8, 16)) == "valid"
    assert name(today=date(2031, 8, 31), warn=0) == "expires in 0 days"
    assert name(today=date(2031, 9, 1)) == "expired"
    assert name(today=date(2026, 8, 1)) == "not yet granted"
    assert name(GRANT.model_copy(update={"revoked": True})) == "revoked"


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_check_reports_an_account_without_territories_and_an_excluded_category(workspace: Path) -> None:
    replace(workspace / "personas" / "ava.yaml", ", territories: [EU, US]}\n  instagram", "}\n  instagram")
    replace(workspace / "schedules" / "ava-autumn.yaml", "categories: [fashion, knitwear]",
            "categories: [fashion, Alcohol]")
    assert [str(issue) for issue in problems(load_workspace(workspace))] == [
        "personas/ava.yaml:31: accounts.x: the x account of ava declares no territories; the rights "
        "cover only EU, US (give accounts.x.territories within the grant's (EU, US))",
        "schedules/ava-autumn.yaml:11: campaign.categories[1]: rights for ava exclude the campaign "
        "category 'Alcohol' (the model refuses this category: choose another campaign)",
    ]
    result = run("check", cwd=workspace)
    assert result.returncode == 1 and "✗ 2 problem(s) in 2 file(s)" in result.stderr


def test_a_territory_that_is_not_one_is_a_located_config_error(workspace: Path) -> None:
    replace(workspace / "personas" / "noor.yaml", "territories: [FR]}", "territories: [fr, XX]}")
    [issue] = load_workspace(workspace).issues
    assert str(issue) == ("personas/noor.yaml:31: accounts.mastodon.territories[1]: 'XX' is not a "
                          "territory (use an ISO 3166-1 alpha-2 country code such as SE or US, or one "
                          "of EU, EEA, WORLD)")


MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
NOW = {"INFLUENCER_NOW": MONDAY.isoformat()}


def test_an_excluded_category_excludes_the_slots_and_stops_drafted_posts(workspace: Path) -> None:
    assert run("preview", "--days", "2", "--json", cwd=workspace, env=NOW).returncode == 0
    replace(workspace / "schedules" / "city-evenings.yaml", "categories: [fashion]",
            "categories: [fashion, alcohol]")
    replace(workspace / "personas" / "mei.yaml", "exclude_categories: [", "exclude_categories: [alcohol, ")
    # planning: no new slot of the schedule
    later = run("preview", "--from", (MONDAY + timedelta(days=3)).isoformat(), "--days", "2", "--json",
                cwd=workspace, env=NOW)
    assert later.returncode == 0, later.stderr
    assert [p for p in json.loads(later.stdout)["posts"] if p["persona"] == "mei"] == []
    # publishing: the posts approved before the change are refused when they come due
    due = {"INFLUENCER_NOW": (MONDAY + timedelta(hours=4, minutes=4, seconds=40)).isoformat()}  # both due
    daemon = run("run", "--once", cwd=workspace, env=due)
    assert daemon.returncode == 0, daemon.stderr
    refused = [line for line in daemon.stderr.splitlines()
               if ": skipped — rights for mei exclude the campaign category 'alcohol'" in line]
    assert {line.split(", post ")[0].split(" INFO ")[-1].split(" WARNING ")[-1]
            for line in refused} == {"mei on x", "mei on bluesky"}
    engine = open_store(load_workspace(workspace).database_url())
    with Session(engine) as session:
        statuses = {str(p.status) for p in session.exec(select(Post).where(col(Post.persona) == "mei"))}
    engine.dispose()
    assert "published" not in statuses and "skipped" in statuses
    assert not list((workspace / "outbox").glob("mei/**/post.json"))


def test_narrowing_a_grant_takes_effect_without_blocking_the_workspace(workspace: Path) -> None:
    """The model's agent removes a platform: the files still load (a daemon reloads them rather
    than keep the wider grant), check says what now conflicts, and planning refuses it."""
    from influencer.flow.context import Context, Window
    from influencer.flow.plan import plan_window

    replace(workspace / "personas" / "mei.yaml", "platforms: [x, instagram, bluesky]", "platforms: [bluesky]")
    ws = load_workspace(workspace)
    assert ws.issues == []
    assert [i.message for i in problems(ws)] == [
        "rights for mei do not cover x (rights.platforms: bluesky)"]
    ctx = Context(ws, open_store(f"sqlite:///{workspace / 'db.sqlite'}"), lambda: MONDAY, "test")
    slots, excluded = plan_window(ctx, Window(MONDAY, MONDAY + timedelta(days=1), "mei"))
    ctx.engine.dispose()
    assert {s.platform for s in slots} == {"bluesky"}
    assert {(e.platform, e.reason) for e in excluded} == {("x", "rights for mei do not cover x")}
