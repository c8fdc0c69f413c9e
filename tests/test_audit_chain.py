"""The audit log's hash chains (issue 14), on SQLite and PostgreSQL: a chain catches an edited, a
deleted, a reordered event and a deleted last one, each named by ``audit verify``; appends from
several writers at once never fork a chain."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from influencer.store import AuditEvent, audit, open_store
from tests.helpers import run_cli

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def write(engine: Engine, twin: str, count: int, offset: int = 0) -> None:
    for n in range(count):
        with Session(engine) as session:
            audit.append(session, [audit.event(
                twin=twin, at=START + timedelta(seconds=offset + n), actor="daemon@test",
                action="transition", post_id=f"p{n}", from_status="approved",
                to_status="publishing", detail={"n": offset + n, "note": "ünïcode ⏎"})])
            session.commit()


def tamper(engine: Engine, statement: str) -> None:
    """What someone with the database's password could do: lift the append-only trigger, change
    a row, put the trigger back."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
        conn.execute(text(statement))
        if postgres:
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_change"))
        else:
            conn.execute(text("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                              "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"))
            conn.execute(text("CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                              "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"))


def breaks(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [str(b) for b in audit.verify(session)[1]]


def event_id(engine: Engine, twin: str, seq: int) -> int:
    with Session(engine) as session:
        found = session.exec(select(AuditEvent.id).where(col(AuditEvent.twin) == twin,
                                                        col(AuditEvent.seq) == seq)).one()
        assert found is not None
        return found


TAMPERING: dict[str, tuple[Callable[[int, int], str], str]] = {
    "edited": (lambda third, fourth: f"UPDATE audit_event SET actor = 'nobody' WHERE id = {third}",
               "(#3 of ava): its contents do not match its hash (edited)"),
    "deleted": (lambda third, fourth: f"DELETE FROM audit_event WHERE id = {third}",
                "#3 is missing (deleted?); the chain goes on at #4"),
    "reordered": (lambda third, fourth: "UPDATE audit_event SET seq = CASE id "
                  f"WHEN {third} THEN -1 WHEN {fourth} THEN 3 END WHERE id IN ({third}, {fourth}); "
                  f"UPDATE audit_event SET seq = 4 WHERE id = {third}",
                  "(#3 of ava): it does not follow the event before it"),
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_the_chain_catches_an_edited_a_deleted_and_a_reordered_event(engine: Engine,
                                                                     kind: str) -> None:
    write(engine, "ava", 6)
    write(engine, "mei", 3)
    assert breaks(engine) == []
    statement, said = TAMPERING[kind]
    third, fourth = event_id(engine, "ava", 3), event_id(engine, "ava", 4)
    for part in statement(third, fourth).split("; "):
        tamper(engine, part)
    [found] = breaks(engine)  # mei's chain is intact, ava's names its first broken event
    assert said in found, found


def test_deleting_the_last_event_is_seen_at_the_head(engine: Engine) -> None:
    write(engine, "ava", 4)
    tamper(engine, f"DELETE FROM audit_event WHERE id = {event_id(engine, 'ava', 4)}")
    assert breaks(engine) == ["#4 of ava: the chain ends at #3, but 4 were written (the last "
                              "deleted?)"]


def test_concurrent_writers_never_fork_a_chain(engine: Engine) -> None:
    """Four writers appending to the same twin at once: one chain, #1 to #200, intact."""
    writers = [threading.Thread(target=write, args=(engine, "ava", 50, 1000 * n)) for n in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    with Session(engine) as session:
        seqs = sorted(session.exec(select(AuditEvent.seq).where(col(AuditEvent.twin) == "ava")))
        assert seqs == list(range(1, 201))
        assert audit.verify(session) == (200, [])


def test_audit_verify_as_a_user_runs_it(workspace: Path) -> None:
    engine = open_store(f"sqlite:///{workspace / '.influencer' / 'influencer.db'}")
    write(engine, "ava", 3)
    good = run_cli("audit", "verify", cwd=workspace)
    assert (good.returncode, good.stdout) == (0, "3 events checked: every chain is intact\n")
    tamper(engine, f"UPDATE audit_event SET detail = '{{}}' WHERE id = {event_id(engine, 'ava', 2)}")
    engine.dispose()
    bad = run_cli("audit", "verify", cwd=workspace)
    assert bad.returncode == 1
    assert "broken: event" in bad.stderr and "(#2 of ava): its contents do not match" in bad.stderr
    assert bad.stdout == "2 events checked: 1 chain(s) broken\n"  # up to the break
