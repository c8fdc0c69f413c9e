"""A database outage under a running daemon: it says so once, waits with backoff instead of
failing at every poll, says when the database is back, and goes on publishing."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from influencer.daemon.runner import Outage
from tests.daemon.harness import NOW, Daemons, posts, seed, wait_for
from tests.platforms.mastodon_standin import MastodonStandIn


def test_the_outage_logs_twice_and_backs_off(caplog: pytest.LogCaptureFixture) -> None:
    moments = [100.0]
    outage = Outage(clock=lambda: moments[0], base=1.0, cap=8.0)
    caplog.set_level(logging.INFO, logger="influencer.daemon")
    waits = []
    for _ in range(6):
        assert outage.ready()
        outage.failed(OperationalError("SELECT 1", {}, Exception("connection refused")))
        waits.append(outage.retry_at - moments[0])
        assert not outage.ready()
        moments[0] = outage.retry_at
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    outage.succeeded()
    outage.succeeded()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and lines[0].startswith("database unreachable (")
    assert lines[1] == "database reachable again after 31 s"


def _admin(db_url: str) -> tuple[str, str]:
    url = make_url(db_url)
    return url.set(database="postgres").render_as_string(hide_password=False), str(url.database)


def test_a_running_daemon_rides_out_a_database_outage(
        ws: Path, pg_url: str, run: Daemons, instance: MastodonStandIn) -> None:
    admin_url, name = _admin(pg_url)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    daemon = run.start(now=NOW - timedelta(minutes=30))
    wait_for(lambda: "started" in daemon.output(), 60, "the daemon to start")
    try:
        with admin.connect() as conn:  # the database goes away: new connections refused, old ones cut
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        wait_for(lambda: "database unreachable" in daemon.output(), 60, "the outage to be noticed")
        wait_for(lambda: daemon.output().count("database unreachable") == 1
                 and "backing off up to 2 s" in daemon.output(), 10, "one line")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    wait_for(lambda: "database reachable again" in daemon.output(), 120, "the database to be back")
    [post_id] = seed(ws, pg_url, [NOW - timedelta(minutes=30)])  # due already, on the daemon's clock
    wait_for(lambda: posts(pg_url, [post_id])[0].status == "published", 60, "publishing to go on")
    assert run.stop(daemon) == 0
    output = daemon.output()
    assert output.count("database unreachable") == 1 and output.count("reachable again") == 1
    assert "Traceback" not in output and "maximum number of running instances" not in output
