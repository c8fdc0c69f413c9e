"""Revoking consent while a daemon is publishing the twin's due posts, on SQLite and PostgreSQL:
the post being sent when the revocation commits may complete and is reported; nothing claimed
after it goes out; every other pending post is cancelled in the revocation's transaction; the
daemon says so at its next pass (the time from ``rights revoke`` returning to that line is
printed)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from influencer.store import AuditEvent, PostStatus, open_store
from tests.daemon.harness import Daemons, daemons, make_workspace, posts, seed, spread, wait_for
from tests.platforms.mastodon_standin import MastodonStandIn

REVOKED = "ava: consent revoked — nothing of ava is drafted or sent from now on"


@pytest.fixture
def ws(workspace: Path, instance: MastodonStandIn) -> Path:
    return make_workspace(workspace, instance.url, concurrency=1)  # one post in flight at most


@pytest.fixture
def group(ws: Path, db_url: str) -> Iterator[Daemons]:
    with daemons(ws, db_url) as started:
        yield started


def events(db_url: str) -> list[AuditEvent]:
    engine = open_store(db_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))
    finally:
        engine.dispose()


def test_a_revocation_stops_everything_claimed_after_it(ws: Path, db_url: str, group: Daemons,
                                                        instance: MastodonStandIn) -> None:
    ids = seed(ws, db_url, spread(8))
    sending = instance.server.hold("POST", r"/api/v1/statuses")
    daemon = group.start()
    assert sending.arrived.wait(timeout=60), daemon.output()  # one post is being sent now

    revoked = group.cli("rights", "revoke", "ava", "--reason", "Ava withdrew consent", "--as",
                        "Ines Berg")
    returned = time.monotonic()
    assert revoked.returncode == 0, revoked.stderr
    assert "7 pending post(s) cancelled" in revoked.stdout
    assert "1 post(s) were already being sent or have an unknown outcome" in revoked.stdout
    sending.release()  # the post claimed before the revocation committed completes
    wait_for(lambda: REVOKED in daemon.output(), what="the daemon to see the revocation")
    print(f"\nrights revoke returned → the daemon's first refusal: "
          f"{time.monotonic() - returned:.2f} s")
    wait_for(lambda: not any(p.status == PostStatus.publishing for p in posts(db_url, ids)),
             what="the post in flight to be settled")
    assert group.stop(daemon) == 0, daemon.output()

    final = {p.id: p for p in posts(db_url, ids)}
    published = [p for p in final.values() if p.status == PostStatus.published]
    assert len(published) == 1 and len(instance.statuses) == 1
    cancelled = [p for p in final.values() if p.status == PostStatus.cancelled]
    assert len(cancelled) == 7
    assert all(p.reason == "rights revoked by Ines Berg: Ava withdrew consent" for p in cancelled)
    trail = events(db_url)
    [revocation] = [e for e in trail if e.action == "rights-revoke"]
    assert revocation.actor == "Ines Berg" and revocation.detail["in_flight"] == 1
    claims = [e for e in trail if e.to_status == "publishing"]
    assert claims and all(e.id is not None and revocation.id is not None and e.id < revocation.id
                          for e in claims)  # nothing claimed after the revocation
    assert {e.post_id for e in claims} == {published[0].id}


def test_nothing_in_flight_is_reported_as_none(ws: Path, db_url: str, group: Daemons,
                                               instance: MastodonStandIn) -> None:
    seed(ws, db_url, spread(3))
    revoked = group.cli("rights", "revoke", "ava", "--reason", "contract ended", "--as", "ines")
    assert revoked.returncode == 0, revoked.stderr
    assert "3 pending post(s) cancelled" in revoked.stdout and "no post was being sent" in revoked.stdout
    daemon = group.once()
    assert instance.statuses == {} and "consent revoked" not in daemon.output()  # seen revoked
