"""The consent ledger (issue 14): grants as versions in the database, the rule of which one is in
force, a revocation that only a new grant undoes, and the check a claim makes under the twin's
lock — an expiry in the middle of a schedule, an excluded category, a territory outside the
grant — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from influencer.config.persona import Rights
from influencer.flow.approve import approve
from influencer.flow.claim import claim
from influencer.flow.consent import Recorded, grant, record_file_grants, revoke
from influencer.flow.context import Context, Window, posts_for
from influencer.flow.grants import FILE, REVOKE, Grant, decide, digest, lock_head
from influencer.flow.limits import account_key, ensure_account, lock_account
from influencer.flow.review import preview_window
from influencer.store import Post, PostStatus
from tests.helpers import FixedClock, flow_context, run_cli

MONDAY = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
TERMS = {"holder": "Ava", "contract": "C-1", "granted": "2026-01-01", "expires": "2030-12-31",
         "platforms": ["x", "instagram"]}


def rights(**changes: object) -> Rights:
    return Rights.model_validate({**TERMS, **changes})


def recorded(source: str, written: Rights, file: Rights | None = None) -> Grant:
    return Grant("ava", 2, written, source, "why", digest(file or written), "ines", MONDAY)


def test_the_rule_of_which_grant_is_in_force() -> None:
    file = rights()
    assert decide(None, file) == "first recorded from the persona file"
    assert decide(recorded(FILE, file), file) is None  # nothing changed
    assert decide(recorded(FILE, file), rights(expires="2031-06-30")) == \
        "the persona file's rights changed"
    assert decide(recorded(FILE, file), rights(revoked=True)) == "revoked in the persona file"
    revoked = recorded(REVOKE, rights(revoked=True), file)
    assert decide(revoked, file) is None  # the file was not touched: the revocation stands
    assert decide(revoked, rights(expires="2031-06-30")) is None  # edited, same contract: stands
    assert decide(revoked, rights(contract="C-2")) == "the persona file's rights changed"
    granted = recorded("grant", rights(expires="2032-01-01"), file)
    assert decide(granted, file) is None  # the file is older than the grant recorded after it
    assert decide(granted, rights(platforms=["x"])) == "the persona file's rights changed"


@pytest.fixture
def ctx(workspace: Path, db_url: str) -> Iterator[Context]:
    context = flow_context(workspace, FixedClock(MONDAY), db_url, actor="Ines Berg")
    yield context
    context.engine.dispose()


def ava_file(ctx: Context) -> Path:
    return ctx.ws.root / "personas" / "ava.yaml"


def edit(ctx: Context, old: str, new: str) -> None:
    path = ava_file(ctx)
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert ctx.reread() == []


def test_consent_comes_back_only_with_a_new_grant(ctx: Context) -> None:
    [first, *_] = record_file_grants(ctx)
    assert (first.grant.version, first.grant.source) == (1, FILE)
    preview_window(ctx, Window(MONDAY, MONDAY + timedelta(days=2)))
    pending = posts_for(ctx, "ava", None, [PostStatus.drafted])
    assert len(pending) == 4

    done = revoke(ctx, "ava", "Ava withdrew consent")
    assert (done.grant.version, len(done.cancelled), done.in_flight) == (2, 4, [])
    assert posts_for(ctx, "ava", None, [PostStatus.drafted]) == []
    edit(ctx, "expires: 2031-08-31", "expires: 2031-09-30")  # the file edited, same contract
    assert record_file_grants(ctx) == [] and ctx.grants()["ava"].revoked
    after = preview_window(ctx, Window(MONDAY, MONDAY + timedelta(days=4), "ava"))
    assert {e.reason for e in after.excluded} == {"rights revoked for ava"}
    checked = run_cli("check", cwd=ctx.ws.root, env={"INFLUENCER_DATABASE_URL": str(
        ctx.engine.url.render_as_string(hide_password=False))})
    assert checked.returncode == 0
    assert re.search(r"personas/ava.yaml:\d+: rights: consent was revoked \(version 2, by Ines "
                     r"Berg on 2026-11-30: Ava withdrew consent\)", checked.stderr), checked.stderr

    again = grant(ctx, "ava", {"contract": "NL-2026-099"}, "a new contract signed")
    assert (again.grant.version, again.grant.rights.revoked) == (3, False)
    assert again.grant.rights.expires == date(2031, 8, 31)  # the terms in force, not the file's
    later = preview_window(ctx, Window(MONDAY + timedelta(days=2), MONDAY + timedelta(days=4),
                                       "ava"))
    assert later.excluded == [] and len(later.post_ids) == 4  # new slots plan and draft again
    with pytest.raises(Exception, match="not valid: expires"):
        grant(ctx, "ava", {"expires": "2020-01-01"}, "backwards")


def test_a_revocation_in_the_file_cancels_like_one_on_the_command_line(ctx: Context) -> None:
    record_file_grants(ctx)
    preview_window(ctx, Window(MONDAY, MONDAY + timedelta(days=2)))
    edit(ctx, "revoked: false", "revoked: true")
    [made] = record_file_grants(ctx)
    assert made.grant.reason == "revoked in the persona file" and len(made.cancelled) == 4
    with ctx.session() as session:
        reasons = set(session.exec(select(Post.reason).where(col(Post.persona) == "ava")))
    assert reasons == {"rights revoked in personas/ava.yaml"}
    edit(ctx, "revoked: true", "revoked: false")  # and back: still revoked, same contract
    assert record_file_grants(ctx) == [] and ctx.grants()["ava"].revoked


def approved_ava(ctx: Context, days: int = 3) -> list[Post]:
    preview_window(ctx, Window(MONDAY, MONDAY + timedelta(days=days), "ava"))
    return approve(ctx, posts_for(ctx, "ava", None, [PostStatus.drafted]))


def claim_at(ctx: Context, moment: datetime, platform: str = "x") -> list[Post]:
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.now = moment
    claimed = claim(ctx, "ava", platform, 10, ctx.limits)
    return claimed.posts


@pytest.mark.parametrize(("changes", "why"), [
    ({"expires": "2026-11-30"}, "rights for ava expired on 2026-11-30"),
    ({"exclude_categories": ["alcohol", "fashion"]}, "exclude the campaign category 'fashion'"),
    ({"territories": ["SE"]}, "outside the rights' territories (SE)"),
])
def test_a_claim_checks_the_grant_in_force_under_the_lock(ctx: Context, changes: dict[str, object],
                                                          why: str) -> None:
    """Approved under the old terms, due after the new ones: the claim refuses them (skipped,
    with the reason), even when the caller's own view of the grants is stale."""
    record_file_grants(ctx)
    posts = approved_ava(ctx)
    tuesday = [p for p in posts if p.platform == "x" and p.slot_at.date() == date(2026, 12, 1)]
    assert tuesday
    stale = ctx.grants()  # what this process read before the new grant
    grant(ctx, "ava", changes, "narrowed")
    ctx._grants = stale
    claimed = claim_at(ctx, tuesday[0].publish_at + timedelta(seconds=1))
    assert tuesday[0].id not in {p.id for p in claimed}
    with ctx.session() as session:
        refused = session.get(Post, tuesday[0].id)
    assert refused is not None and refused.status == PostStatus.skipped
    assert refused.reason is not None and why in refused.reason, refused.reason


def test_a_revocation_waits_for_a_claim_in_flight_and_reports_it(ctx: Context) -> None:
    """A claim holds the twin's lock from its check to its commit: a revocation made meanwhile
    waits, then finds the claimed post being sent (in flight) and cancels the rest."""
    record_file_grants(ctx)
    posts = [p for p in approved_ava(ctx) if p.platform == "x"]
    key = account_key("ava", "x")
    ensure_account(ctx.engine, key)
    result: list[Recorded] = []
    with ctx.session() as claiming:
        lock_account(claiming, key, MONDAY)
        assert lock_head(claiming, "ava", exclusive=False) == 1
        revoking = threading.Thread(target=lambda: result.append(revoke(ctx, "ava", "stop")))
        revoking.start()
        revoking.join(timeout=1.5)
        assert revoking.is_alive()  # waiting for the claim's lock
        claiming.execute(update(Post).where(col(Post.id) == posts[0].id)
                         .values(status=PostStatus.publishing))
        claiming.commit()
    revoking.join(timeout=30)
    [done] = result
    assert done.in_flight == [posts[0].id]
    assert len(done.cancelled) == 2 * len(posts) - 1  # x and instagram, but the one


def published_to_the_outbox(ctx: Context) -> list[Post]:
    """Ava's approved posts of two days, sent to the outbox (her accounts are not live)."""
    from influencer.flow.publish import publish_approved

    posts = approved_ava(ctx, days=2)
    for post in posts:
        assert isinstance(ctx.clock, FixedClock)
        ctx.clock.now = max(ctx.clock.now, post.publish_at + timedelta(seconds=1))
        assert publish_approved(ctx, post).published is not None
    return posts


def test_a_takedown_settles_what_is_in_flight_then_removes_each_post(ctx: Context) -> None:
    from influencer.flow.takedown import progress, work_takedowns

    record_file_grants(ctx)
    posts = published_to_the_outbox(ctx)
    folders = list(ctx.ws.outbox_dir.glob("ava/*/*"))
    assert len(folders) == len(posts) == 4
    with ctx.session() as session:  # one more, claimed and being sent as the model revokes
        session.execute(update(Post).where(col(Post.id) == posts[0].id)
                        .values(status=PostStatus.publishing))
        session.commit()
    done = revoke(ctx, "ava", "withdrawn", takedown=True)
    assert (done.takedown, done.in_flight) == (4, [posts[0].id])
    work_takedowns(ctx)
    shown = progress(ctx, "ava")
    assert shown is not None and shown.states == {"removed": 3, "waiting": 1}
    with ctx.session() as session:  # its outcome comes in: it was published after all
        session.execute(update(Post).where(col(Post.id) == posts[0].id)
                        .values(status=PostStatus.published))
        session.commit()
    work_takedowns(ctx)
    shown = progress(ctx, "ava")
    assert shown is not None and shown.states == {"removed": 4} and shown.remaining == 0
    assert list(ctx.ws.outbox_dir.glob("ava/*/*")) == []


def test_erasure_removes_the_likeness_and_keeps_only_hashes(ctx: Context) -> None:
    import hashlib

    from influencer.flow.erasure import erase
    from influencer.store import AuditEvent

    record_file_grants(ctx)
    posts = published_to_the_outbox(ctx)
    preview_window(ctx, Window(MONDAY, MONDAY + timedelta(days=2), "mei"))  # another twin's
    reference = ctx.ws.root / "personas" / "ava" / "reference" / "own.jpg"
    reference.parent.mkdir()
    reference.write_bytes(b"the model's own picture")
    profile = ctx.ws.state_dir / "voice" / "ava.json"
    profile.parent.mkdir()
    profile.write_text("{}", encoding="utf-8")
    renders = {ctx.ws.resolve(i.path) for p in posts for i in p.images}
    with ctx.session() as session:
        mei = {ctx.ws.resolve(i.path) for p in session.exec(select(Post).where(
            col(Post.persona) == "mei")) for i in p.images}
    library = sorted((ctx.ws.root / "personas" / "ava" / "images").iterdir())
    expected = {str(path.relative_to(ctx.ws.root)): hashlib.sha256(path.read_bytes()).hexdigest()
                for path in [*renders, reference, profile,
                             *(p for p in ctx.ws.outbox_dir.rglob("*") if p.is_file()
                               and "/ava/" in str(p))]}
    assert erase(ctx, "ava", dry_run=True).files and all(p.exists() for p in renders)

    erased = erase(ctx, "ava")
    assert dict(erased.files) == expected
    assert not any(p.exists() for p in renders) and not reference.exists() and not profile.exists()
    assert not (ctx.ws.outbox_dir / "ava").exists()
    assert all(p.exists() for p in mei) and sorted(library) == sorted(
        (ctx.ws.root / "personas" / "ava" / "images").iterdir())  # others and the library stay
    with ctx.session() as session:
        [event] = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "erase")).all()
    assert {f["path"]: f["sha256"] for f in event.detail["files"]} == expected


def known_history(ctx: Context) -> list[Post]:
    """Ava's four posts of Monday and Tuesday (November and December), approved by a person,
    sent, then consent revoked and every one taken down."""
    from influencer.flow.takedown import work_takedowns

    record_file_grants(ctx)
    posts = published_to_the_outbox(ctx)
    revoke(ctx, "ava", "withdrawn", takedown=True)
    work_takedowns(ctx)
    return posts


def test_the_audit_export_says_what_went_out_under_which_consent(ctx: Context) -> None:
    import csv
    import io

    from influencer.flow.export import audit_export
    from influencer.preview.audit_report import CSV_COLUMNS, write_csv

    posts = known_history(ctx)
    out = io.StringIO()
    write_csv(audit_export(ctx, "ava"), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == CSV_COLUMNS
    sent = [r for r in rows if r["kind"] == "post"]
    assert sorted(r["post_id"] for r in sent) == sorted(p.id for p in posts)
    by_id = {p.id: p for p in posts}
    for row in sent:
        post = by_id[row["post_id"]]
        assert row["status"] == "deleted" and row["url"].startswith("file://")
        assert row["label_in_caption"] == "True" and row["alt_texts_labelled"] == "True"
        assert row["image_sha256"] == " ".join(i.sha256 for i in post.images)
        assert row["xmp_source_type"] == ("http://cv.iptc.org/newscodes/digitalsourcetype/"
                                          "trainedAlgorithmicMedia")
        assert row["c2pa"] == "none" and row["grant_version"] == "1"
        assert row["approved_by"] == "Ines Berg"
        assert "drafted->approved by Ines Berg" in row["history"]
        assert "published->deleted by Ines Berg (taken down: consent revoked)" in row["history"]
        assert ("made_with_ai=True" in row["flags"]) == (row["platform"] == "x")
    rights = [(r["action"], r["grant_version"], r["reason"]) for r in rows if r["kind"] == "rights"]
    assert rights == [("rights-file", "1", "first recorded from the persona file"),
                      ("rights-revoke", "2", "withdrawn")]


def test_the_printable_report_has_a_page_per_month_in_chromium(ctx: Context,
                                                              tmp_path: Path) -> None:
    from influencer.flow.export import audit_export
    from influencer.preview.audit_report import render_html
    from tests.browser import print_pdf

    known_history(ctx)
    found = audit_export(ctx, "ava")
    assert found.totals() == {"2026-11": {"instagram": 1, "x": 1},
                              "2026-12": {"instagram": 1, "x": 1}}
    page = tmp_path / "report.html"
    page.write_text(render_html(found, "Use of ava's likeness"), encoding="utf-8")
    dom, pages = print_pdf(page, tmp_path / "report.pdf")
    assert re.findall(r'<section class="month" data-month="([\d-]+)">', dom) == ["2026-11", "2026-12"]
    assert pages >= 2  # each month begins a page


def test_the_personas_listing_shows_the_grant_in_force(ctx: Context) -> None:
    record_file_grants(ctx)
    revoke(ctx, "ava", "withdrawn")
    url = str(ctx.engine.url.render_as_string(hide_password=False))
    listed = run_cli("personas", "--json", cwd=ctx.ws.root, env={"INFLUENCER_DATABASE_URL": url})
    states = {row["id"]: row["rights"]["state"] for row in json.loads(listed.stdout)}
    assert states == {"ava": "revoked", "mei": "valid", "noor": "valid"}


def test_nothing_of_a_revoked_twin_goes_out_by_post_now(ctx: Context) -> None:
    """``post --now --approve`` is the one path a person drives by hand: after a revocation it
    drafts nothing and sends nothing, whichever account, and says why."""
    from influencer.flow.publish import post_now

    record_file_grants(ctx)
    revoke(ctx, "ava", "withdrawn")
    outcomes = post_now(ctx, "ava-autumn", dry_run=False, approve=True)
    assert {o.post.status for o in outcomes} == {PostStatus.skipped}
    assert all(o.published is None and o.post.reason == "rights revoked for ava"
               for o in outcomes)
    assert not list(ctx.ws.outbox_dir.glob("ava/**/post.json"))
