"""The exactly-once promise under faults, with real processes: daemons killed with SIGKILL at
seeded random points while the platforms answer creates with 503 after making them, drop the
connection after making them, and make uploads wait. Counted from the stand-ins' own records.

The seed is printed (and taken from INFLUENCER_FAULT_SEED when set, to replay a run). The long
soak with more posts, kills and daemons is ``bench/bench_faults.py``.
"""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.chaos import Figures, live_workspace, run_chaos
from tests.daemon.harness import daemons
from tests.platforms.mastodon_standin import MastodonStandIn
from tests.platforms.standin import StandIn
from tests.platforms.x_standin import XStandIn

pytestmark = pytest.mark.slow


@pytest.fixture
def stand_ins() -> Iterator[tuple[MastodonStandIn, XStandIn]]:
    with StandIn() as m, StandIn() as x:
        yield MastodonStandIn(m), XStandIn(x)


def seed_for(name: str) -> int:
    chosen = int(os.environ.get("INFLUENCER_FAULT_SEED") or random.SystemRandom().randrange(10**6))
    print(f"\n{name}: fault seed {chosen} (replay with INFLUENCER_FAULT_SEED={chosen})")
    return chosen


def check(figures: Figures) -> None:
    print("\n".join(figures.lines()))
    assert figures.duplicates == 0, figures.lines()
    assert figures.lost == 0, figures.lines()
    assert figures.phantoms == 0, figures.lines()
    assert figures.kills >= 1 and sum(figures.faults.values()) >= 1, figures.lines()
    # what a person must settle says what the lookups found
    assert all(why for why in figures.unconfirmed.values()), figures.lines()


def intact(verified: subprocess.CompletedProcess[str]) -> None:
    """After kill -9 at random points, every twin's audit chain is whole: no half-written
    event, no fork between daemons."""
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "every chain is intact" in verified.stdout


@pytest.mark.postgres
def test_three_daemons_on_postgresql_killed_at_random_never_publish_twice(
        workspace: Path, pg_url: str, stand_ins: tuple[MastodonStandIn, XStandIn]) -> None:
    mastodon, x = stand_ins
    live_workspace(workspace, mastodon, x)
    with daemons(workspace, pg_url) as run:
        check(run_chaos(workspace, pg_url, run, mastodon, x, seed=seed_for("postgresql"),
                        daemons=3, count=20, kills=4))
        intact(run.cli("audit", "verify"))


def test_two_daemons_on_sqlite_killed_at_random_never_publish_twice(
        workspace: Path, tmp_path: Path, stand_ins: tuple[MastodonStandIn, XStandIn]) -> None:
    mastodon, x = stand_ins
    live_workspace(workspace, mastodon, x)
    db_url = f"sqlite:///{tmp_path / 'state' / 'influencer.db'}"
    with daemons(workspace, db_url) as run:
        check(run_chaos(workspace, db_url, run, mastodon, x, seed=seed_for("sqlite"),
                        daemons=2, count=16, kills=3))
        intact(run.cli("audit", "verify"))
