"""Several daemon processes on one PostgreSQL database: every due post is published exactly
once, none is lost, and the work is shared."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from influencer.store import open_store
from influencer.store.models import DaemonBeat
from tests.daemon.harness import Daemons, posts, seed, spread, wait_for
from tests.platforms.mastodon_standin import MastodonStandIn

DUE = 500


def heartbeats(db_url: str) -> int:
    engine = open_store(db_url)
    try:
        with Session(engine) as session:
            return len(session.exec(select(DaemonBeat)).all())
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("count", [2, 4])
def test_500_due_posts_go_out_once_each_across_daemons(
        count: int, ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    started = [run.start() for _ in range(count)]
    wait_for(lambda: heartbeats(pg_url) == count, 60, "every daemon's first heartbeat")
    ids = seed(ws, pg_url, spread(DUE))

    def all_published() -> bool:
        return all(p.status == "published" for p in posts(pg_url, ids))

    wait_for(all_published, 120, "all posts published")
    assert [run.stop(d) for d in started] == [0] * count
    sent = instance.server.matching("POST", r"/api/v1/statuses")
    keys = Counter(r.headers.get("idempotency-key") for r in sent)
    assert len(sent) == DUE and set(keys) == set(ids) and max(keys.values()) == 1
    by_daemon = Counter(p.claimed_by for p in posts(pg_url, ids))
    assert len(by_daemon) == count, by_daemon  # every daemon published some
    verified = run.cli("audit", "verify")  # several daemons appended to one chain: never forked
    assert verified.returncode == 0 and "every chain is intact" in verified.stdout, verified.stdout
