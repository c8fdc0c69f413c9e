"""Soak: exactly once under faults, longer than the suite's capped run.

    .venv/bin/python bench/bench_faults.py [--posts 120] [--kills 12] [--seed N] [--quick]

The same harness as ``tests/daemon/test_faults.py`` (tests/daemon/chaos.py): real daemon
processes publish to a Mastodon and an X stand-in that answer creates with 503 after making
them, drop connections after making them and make uploads wait (202), while daemons are killed
with SIGKILL at seeded random points and replaced; then everything is settled and counted from
the stand-ins' own records. Three daemons on PostgreSQL, then two on SQLite.

The baseline, in the same run, is the same posts with no fault and no kill: the soak reports
its wall time as a ratio of that. Targets: duplicates 0, lost 0, phantom publishes 0; left
unconfirmed is reported (each with what its lookups found).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.conftest import PG_URL  # noqa: E402
from tests.daemon.chaos import Figures, live_workspace, run_chaos  # noqa: E402
from tests.daemon.harness import daemons  # noqa: E402
from tests.platforms.mastodon_standin import MastodonStandIn  # noqa: E402
from tests.platforms.standin import StandIn  # noqa: E402
from tests.platforms.x_standin import XStandIn  # noqa: E402


def one_run(db_kind: str, count: int, kills: int, seed: int, workers: int, faulty: bool) -> Figures:
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        root = Path(tmp) / "ws"
        root.mkdir()
        for folder in ("personas", "schedules"):
            shutil.copytree(REPO / folder, root / folder)
        admin = make_url(PG_URL).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        name = f"bench_{uuid.uuid4().hex[:10]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        if db_kind == "postgresql":
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            db_url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        else:
            db_url = f"sqlite:///{Path(tmp) / 'state' / 'influencer.db'}"
        try:
            with StandIn() as m, StandIn() as x_server:
                mastodon, x = MastodonStandIn(m), XStandIn(x_server)
                live_workspace(root, mastodon, x)
                with daemons(root, db_url) as run:
                    figures = run_chaos(root, db_url, run, mastodon, x, seed=seed, daemons=workers,
                                        count=count, kills=kills, rate=0.25 if faulty else 0.0)
        finally:
            if db_kind == "postgresql":
                with engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--posts", type=int, default=120)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="40 posts, 5 kills")
    args = parser.parse_args()
    count, kills = (40, 5) if args.quick else (args.posts, args.kills)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    print(f"fault seed {seed} (replay with --seed {seed})")
    ok = True
    for db_kind, workers in (("postgresql", 3), ("sqlite", 2)):
        calm = one_run(db_kind, count, 0, seed, workers, faulty=False)
        soak = one_run(db_kind, count, kills, seed, workers, faulty=True)
        print(f"\n{db_kind}, {workers} daemons")
        print(f"  baseline (no faults, no kills): {calm.creates} creates of {calm.posts} posts in "
              f"{calm.seconds:.0f} s")
        for line in soak.lines():
            print(f"  {line}")
        print(f"  wall time {soak.seconds / calm.seconds:.2f} x the baseline")
        ok &= soak.duplicates == 0 and soak.lost == 0 and soak.phantoms == 0
    print("\ntargets (duplicates, lost, phantom publishes all 0):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
