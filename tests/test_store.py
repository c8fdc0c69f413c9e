"""The database on SQLite and PostgreSQL: schema, migrations, status machine, audit log."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, SQLModel, select

from influencer.errors import IllegalTransition, StoreError
from influencer.store import (
    HEAD_REVISION,
    AuditEvent,
    Move,
    Post,
    PostStatus,
    apply_moves,
    audit,
    history,
    open_store,
    transition,
)
from influencer.store.engine import MIGRATIONS, current_revision, make_engine, upgrade
from influencer.store.status import TRANSITIONS

SLOT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def bare_engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database: nothing migrated yet."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def make_post(session: Session, **fields: object) -> Post:
    values: dict[str, object] = {"persona": "ava", "schedule": "ava-autumn", "platform": "x",
                                 "slot_at": SLOT, "publish_at": SLOT + timedelta(seconds=42)}
    values.update(fields)
    post = Post.model_validate(values)
    session.add(post)
    session.commit()
    session.refresh(post)
    return post


def test_head_revision_is_the_newest_migration_file() -> None:
    files = sorted(p.name for p in (MIGRATIONS / "versions").glob("[0-9]*.py"))
    assert files[-1].startswith(HEAD_REVISION + "_")


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    assert current_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'state' / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_times_come_back_aware_utc(engine: Engine) -> None:
    with Session(engine) as session:
        post_id = make_post(session).id
    with Session(engine) as session:
        post = session.get(Post, post_id)
        assert post is not None
        assert post.slot_at == SLOT and post.slot_at.tzinfo is not None
        with pytest.raises(Exception, match="naive datetime"):
            make_post(session, slot_at=datetime(2026, 12, 2, 9, 0), schedule="naive")


def test_one_post_per_slot_and_mode(engine: Engine) -> None:
    with Session(engine) as session:
        make_post(session)
        make_post(session, mode="dry")  # a dry run has a row of its own
        make_post(session, platform="instagram")
        with pytest.raises(IntegrityError):
            make_post(session)


def test_every_illegal_transition_raises_and_legal_ones_are_audited(engine: Engine) -> None:
    with Session(engine) as session:
        for index, (current, target) in enumerate(itertools.product(PostStatus, PostStatus)):
            post = make_post(session, status=current, schedule=f"s{index}")
            if target in TRANSITIONS[current]:
                moved = transition(session, post.id, target, actor="tester", reason="because")
                assert moved.status == target
                [event] = history(session, post.id)
                assert (event.actor, event.from_status, event.to_status) == ("tester", current, target)
                assert event.detail == {"reason": "because"}
            else:
                with pytest.raises(IllegalTransition, match=f"cannot go from {current} to {target}"):
                    transition(session, post.id, target, actor="tester")
                assert session.get(Post, post.id).status == current  # type: ignore[union-attr]
                assert history(session, post.id) == []


def test_a_stale_view_loses_the_race(engine: Engine) -> None:
    with Session(engine) as first, Session(engine) as second:
        post = make_post(first, status=PostStatus.approved)
        seen_by_second = second.get(Post, post.id)
        assert seen_by_second is not None and seen_by_second.status == PostStatus.approved
        transition(first, post.id, PostStatus.publishing, actor="daemon-a")
        # second still holds the approved row in its identity map: the conditional update fails
        with pytest.raises(IllegalTransition):
            transition(second, post.id, PostStatus.publishing, actor="daemon-b")
    with Session(engine) as session:
        assert [e.actor for e in history(session, post.id)] == ["daemon-a"]


def test_unknown_post(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(StoreError, match="no post nope"):
        transition(session, "nope", PostStatus.drafted, actor="x")


def test_audit_log_is_append_only(engine: Engine) -> None:
    with Session(engine) as session:
        audit.append(session, [audit.event(twin=None, at=SLOT, actor="me", action="note")])
        session.commit()
    for statement in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"):
        with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(statement))
    with Session(engine) as session:
        assert [e.actor for e in session.exec(select(AuditEvent))] == ["me"]


ROWS_AT_0001 = {
    "image_asset": """INSERT INTO image_asset (persona, path, sha256, size, mtime_ns, width,
        height, format, phash, tags, alt_text, focal_x, focal_y, do_not_use, missing,
        first_seen, last_seen) VALUES ('ava', 'personas/ava/images/a.jpg', :sha, 1234,
        1700000000000000000, 1080, 1350, 'JPEG', 'ffee', '["autumn"]', 'a coat', 0.5, 0.3,
        false, false, :at, :at)""",
    "post": """INSERT INTO post (id, persona, schedule, platform, slot_at, publish_at, mode,
        status, text, alt_texts, hashtags, flags, images, attempts, created_at, updated_at)
        VALUES ('p1', 'ava', 'ava-autumn', 'x', :at, :at, 'live', 'published', 'AI-generated · hi',
        '["AI-generated: a coat"]', '["#knitwear"]', '{"made_with_ai": true}', '[]', 1, :at, :at)""",
    "publication": """INSERT INTO publication (post_id, mode, platform, platform_id, url,
        published_at, detail) VALUES ('p1', 'live', 'x', '1850', 'https://x.com/i/1850', :at, '{}')""",
    "audit_event": """INSERT INTO audit_event (at, post_id, actor, action, from_status, to_status,
        detail) VALUES (:at, 'p1', 'daemon', 'transition', 'publishing', 'published', '{}')""",
}


def test_upgrade_from_the_first_migration_keeps_every_row(bare_engine: Engine) -> None:
    engine = bare_engine
    upgrade(engine, "0001")
    tables_at_0001 = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables_at_0001 == set(ROWS_AT_0001)
    with engine.begin() as conn:
        for statement in ROWS_AT_0001.values():
            conn.execute(text(statement), {"sha": "a" * 64, "at": SLOT.replace(tzinfo=None)})
    upgrade(engine, "head")
    assert current_revision(engine) == HEAD_REVISION
    with Session(engine) as session:
        post = session.get(Post, "p1")
        assert post is not None
        assert (post.text, post.flags, post.slot_at, post.approved_by, post.kind) == (
            "AI-generated · hi", {"made_with_ai": True}, SLOT, None, "slot")
    with engine.connect() as conn:
        for table in ROWS_AT_0001:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1, table
        row = conn.execute(text("SELECT url, detail FROM publication")).one()
        assert row[0] == "https://x.com/i/1850"
    with Session(engine) as session:  # 0009 chained the event written before it, to its twin
        assert audit.verify(session) == (1, [])
        [event] = session.exec(select(AuditEvent)).all()
        assert (event.twin, event.seq, event.prev_hash) == ("ava", 1, audit.GENESIS)
    with engine.begin() as conn, pytest.raises(IntegrityError):  # the constraint 0002 added
        conn.execute(text("INSERT INTO publication (post_id, mode, platform, published_at, detail)"
                          " VALUES ('p1', 'live', 'x', :at, '{}')"), {"at": SLOT})
    copy = ("INSERT INTO post (id, persona, schedule, platform, slot_at, publish_at, mode, kind, status,"
            " alt_texts, hashtags, flags, images, attempts, created_at, updated_at) VALUES (:id,"
            " 'ava', 'ava-autumn', 'x', :at, :at, 'live', :kind, 'planned', '[]', '[]', '{}', '[]', 0,"
            " :at, :at)")
    with engine.begin() as conn:  # 0006: a manual post may share a planned slot's time…
        conn.execute(text(copy), {"id": "p2", "at": SLOT.replace(tzinfo=None), "kind": "manual"})
    with engine.begin() as conn, pytest.raises(IntegrityError):  # …but not another slot's identity
        conn.execute(text(copy), {"id": "p3", "at": SLOT.replace(tzinfo=None), "kind": "slot"})


CONCURRENT_OPEN = """
import sys
from influencer.store import open_store
from influencer.store.engine import current_revision
print(current_revision(open_store(sys.argv[1])))
"""


def test_concurrent_first_use_both_succeed(db_url: str) -> None:
    processes = [subprocess.Popen([sys.executable, "-c", CONCURRENT_OPEN, db_url],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
    results = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], [err for _, err in results]
    assert [out.strip() for out, _ in results] == [HEAD_REVISION] * 4
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def test_unreachable_database_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the database"):
        open_store("postgresql://nobody:secret-pw@127.0.0.1:1/none")
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://nobody:secret-pw@127.0.0.1:1/none")
    assert "secret-pw" not in str(caught.value)


def test_moves_in_bulk_leave_the_trail_one_transition_each_would(engine: Engine) -> None:
    """``apply_moves``: every move that still holds is made, with its own fields and one audit
    event naming its from, to and reason; a post another process moved meanwhile is left alone
    (fields untouched, no event); nothing is visible to others before the caller commits."""
    with Session(engine, expire_on_commit=False) as session:
        posts = [make_post(session, schedule=f"s{n}") for n in range(5)]
    raced = posts[4].id
    with Session(engine) as other:
        transition(other, raced, PostStatus.skipped, actor="daemon")
    moves = [Move(p.id, PostStatus.planned, PostStatus.drafted, None, {"body": f"caption {n}"})
             for n, p in enumerate(posts[:2])]
    moves += [Move(posts[2].id, PostStatus.planned, PostStatus.held, "held: rule", {"body": "h"}),
              Move(posts[3].id, PostStatus.planned, PostStatus.skipped, "no image"),
              Move(raced, PostStatus.planned, PostStatus.drafted, None, {"body": "lost"})]
    with Session(engine) as session:
        moved = apply_moves(session, moves, actor="tester", now=SLOT)
        with Session(engine) as onlooker:  # not committed yet: others still see the old rows
            assert onlooker.get(Post, posts[0].id).status == PostStatus.planned  # type: ignore[union-attr]
        session.commit()
    assert moved == [p.id for p in posts[:4]]
    with Session(engine) as session:
        rows = {p.id: session.get(Post, p.id) for p in posts}
        assert [(r.status, r.body, r.reason) for r in rows.values() if r] == [
            (PostStatus.drafted, "caption 0", None), (PostStatus.drafted, "caption 1", None),
            (PostStatus.held, "h", "held: rule"), (PostStatus.skipped, None, "no image"),
            (PostStatus.skipped, None, None)]
        for move in moves[:4]:
            [event] = history(session, move.post_id)
            assert (event.actor, event.from_status, event.to_status, event.detail) == (
                "tester", "planned", move.target, {"reason": move.reason} if move.reason else {})
        assert [e.actor for e in history(session, raced)] == ["daemon"]


def test_a_move_the_status_machine_forbids_moves_nothing(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        ok = make_post(session).id
        bad = make_post(session, schedule="s2", status=PostStatus.failed).id
        with pytest.raises(IllegalTransition):
            apply_moves(session, [Move(ok, PostStatus.planned, PostStatus.drafted),
                                  Move(bad, PostStatus.failed, PostStatus.skipped)],
                        actor="tester", now=SLOT)
        session.rollback()
    with Session(engine) as session:
        assert session.get(Post, ok).status == PostStatus.planned  # type: ignore[union-attr]
        assert history(session, ok) == []
