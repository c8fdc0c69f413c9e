"""Per-account limits live in the database, so two daemons together stay within them."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from tests.daemon.harness import NOW, daemons, make_workspace, posts, seed, spread, wait_for
from tests.platforms.mastodon_standin import MastodonStandIn
from tests.platforms.standin import Recorded, Reply, StandIn


class SlowInstance(StandIn):
    """Answers each request after ``latency`` seconds (a slow platform), counting how many
    requests it is answering at once."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency
        self.active = self.peak = 0
        self._count = threading.Lock()

    def _answer(self, rec: Recorded) -> Reply:
        with self._count:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(self.latency)  # the platform's own latency, not the test waiting
            return super()._answer(rec)
        finally:
            with self._count:
                self.active -= 1


def test_account_concurrency_is_shared_by_two_daemons(workspace: Path, pg_url: str) -> None:
    with SlowInstance(0.15) as server, daemons(workspace, pg_url) as run:
        instance = MastodonStandIn(server)
        make_workspace(workspace, instance.url, concurrency=1)
        ids = seed(workspace, pg_url, spread(6))
        first, second = run.start(), run.start()
        wait_for(lambda: all(p.status == "published" for p in posts(pg_url, ids)), 60, "publishing")
        assert run.stop(first) == 0 and run.stop(second) == 0
    assert len(server.matching("POST", r"/api/v1/statuses")) == 6
    assert server.peak == 1  # one post of the account at a time, across both daemons


def test_hourly_limit_is_shared_by_two_daemons(workspace: Path, pg_url: str) -> None:
    with StandIn() as server, daemons(workspace, pg_url) as run:
        instance = MastodonStandIn(server)
        make_workspace(workspace, instance.url, grace=7200, extra="account_per_hour = 3")
        ids = seed(workspace, pg_url, spread(6))
        together = [run.start("--once"), run.start("--once")]
        assert [d.process.wait(timeout=120) for d in together] == [0, 0]
        statuses = [str(p.status) for p in posts(pg_url, ids)]
        assert statuses.count("published") == 3 and statuses.count("approved") == 3
        run.once(now=NOW + timedelta(minutes=61))  # a new hour
        assert all(p.status == "published" for p in posts(pg_url, ids))
        assert len(server.matching("POST", r"/api/v1/statuses")) == 6
