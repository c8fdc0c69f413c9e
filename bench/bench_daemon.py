"""Benchmark: the daemon idle, on time, and shared by two processes.

    .venv/bin/python bench/bench_daemon.py [--quick] [--part all|idle|lateness|throughput]

1. Idle: one ``influencer run`` on a workspace of 30 personas and 60 schedules with X,
   Instagram, Bluesky and Mastodon accounts, nothing due: RSS and CPU over 60 s (15 s quick).
   Targets: RSS under 200 MB, CPU under 1 %.
2. Lateness: personas whose Mastodon slots fall in the next minutes of real time (jitter 20 s),
   published to a stand-in instance: from each post's publish_at to its status request reaching
   the stand-in. Target: p99 under 1 s (jitter is already in publish_at).
3. Throughput: 480 due posts (80 quick) over 16 accounts, a stand-in taking 200 ms per status,
   one daemon and then two on one PostgreSQL database. Reported both from the moment the posts
   fell due to the last one published, and as the steady rate from the first status request to
   the last (which the target uses). Target: two at least 1.8 x one.

Not a test: it prints figures and whether the targets are met. PostgreSQL is reached as the
tests reach it (INFLUENCER_TEST_PG_URL, or the CI role on 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from influencer.config import load_workspace  # noqa: E402
from influencer.flow.context import Context  # noqa: E402
from influencer.flow.draft import draft_posts  # noqa: E402
from influencer.store import Post, PostStatus, Publication, open_store  # noqa: E402
from influencer.store.models import new_post_id  # noqa: E402
from tests.platforms.mastodon_standin import TOKEN, MastodonStandIn  # noqa: E402
from tests.platforms.standin import Recorded, Reply, StandIn  # noqa: E402

PG_URL = os.environ.get("INFLUENCER_TEST_PG_URL",
                        "postgresql+psycopg://influencer:influencer@127.0.0.1:5432/influencer_test")
ADMIN_URL = make_url(PG_URL).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
STATUSES = "/api/v1/statuses"


class TimedInstance(StandIn):
    """Records when each status request arrived; answers statuses after ``latency`` seconds."""

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__()
        self.latency = latency
        self.arrived: dict[str, float] = {}  # idempotency key (post id) -> time.time()

    def _answer(self, rec: Recorded) -> Reply:
        if rec.method == "POST" and rec.path == STATUSES:
            self.arrived.setdefault(rec.headers.get("idempotency-key", ""), time.time())
            if self.latency:
                time.sleep(self.latency)  # the platform's latency
        return super()._answer(rec)


def persona_yaml(ident: str, instance_url: str) -> str:
    text = (REPO / "personas" / "ava.yaml").read_text(encoding="utf-8")
    text = text.replace("id: ava\n", f"id: {ident}\n", 1).replace(
        "folder: personas/ava/images", f"folder: personas/{ident}/images")
    head = text[:text.index("accounts:")]
    return head + (
        "accounts:\n"
        f"  x:         {{handle: \"@{ident}\", credentials: env:TWIN_X, live: false}}\n"
        f"  instagram: {{handle: {ident}.twin, credentials: env:TWIN_IG, live: false}}\n"
        f"  bluesky:   {{handle: {ident}.bsky.social, credentials: env:TWIN_BSKY, live: false}}\n"
        f"  mastodon:  {{handle: \"@{ident}@127.0.0.1\", credentials: env:AVA_MASTODON, live: true, "
        f"base_url: \"{instance_url}\", territories: [EU]}}\n")  # within Ava's EU, US


def schedule_yaml(ident: str, persona: str, platforms: str, when: str, jitter: int) -> str:
    return (f"id: {ident}\npersona: {persona}\nplatforms: [{platforms}]\n{when}\ntimezone: UTC\n"
            f"jitter: {jitter}\nlead_time: 7200\ngrace: 900\napproval: auto\n"
            "campaign: {theme: Bench, paid: false}\nimages: {tags: [], reuse_after_days: 0, per_post: 1}\n")


def imagery(folder: Path, seed: int) -> None:
    """Two images of noise per twin: no two twins share a (near-)identical image, which the
    image selection would rightly refuse on the same day."""
    folder.mkdir(parents=True)
    for k in range(2):
        random.seed(seed * 10 + k)
        bands = [Image.effect_noise((540, 675), 60 + random.random() * 40) for _ in range(3)]
        Image.merge("RGB", bands).save(folder / f"look-{k}.jpg", quality=85)


def workspace(root: Path, personas: int, instance_url: str, schedules: list[tuple[str, str, str, int]],
              settings: str = "") -> Path:
    """``schedules``: (suffix, platforms, when, jitter) given to every persona."""
    (root / "personas").mkdir(parents=True)
    (root / "schedules").mkdir()
    for n in range(1, personas + 1):
        ident = f"twin{n:02d}"
        (root / "personas" / f"{ident}.yaml").write_text(persona_yaml(ident, instance_url), encoding="utf-8")
        imagery(root / "personas" / ident / "images", n)
        for suffix, platforms, when, jitter in schedules:
            (root / "schedules" / f"{ident}-{suffix}.yaml").write_text(
                schedule_yaml(f"{ident}-{suffix}", ident, platforms, when, jitter), encoding="utf-8")
    (root / "influencer.toml").write_text(settings, encoding="utf-8")
    return root


def start(root: Path, db_url: str, now: str | None = None,
          log: Path | None = None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUENCER_")}
    env |= {"INFLUENCER_DATABASE_URL": db_url, "AVA_MASTODON": TOKEN, "PYTHONPATH": str(REPO)}
    if now:
        env["INFLUENCER_NOW"] = now
    out = (log or root.parent / "daemon.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "influencer", "-w", str(root), "run"],
                            stdout=out, stderr=subprocess.STDOUT, env=env)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def idle(tmp: Path, seconds: float) -> bool:
    with StandIn() as server:
        root = workspace(tmp / "idle" / "ws", 30, server.url, [
            ("weekdays", "instagram, x", 'cron: "0 9 * * 1-5"', 600),
            ("evenings", "bluesky, mastodon", 'times: ["12:30", "19:00"]', 300)])
        db = f"sqlite:///{root / '.influencer' / 'influencer.db'}"
        process = start(root, db, now="2026-12-01T05:00:00Z")
        try:
            time.sleep(8)  # start-up: migrations, yesterday's slots recorded as skipped, jobs made
            if process.poll() is not None:
                raise SystemExit((root.parent / "daemon.log").read_text())
            before = cpu_seconds(process.pid)
            time.sleep(seconds)  # the measurement window: the daemon idles on its own
            cpu = (cpu_seconds(process.pid) - before) / seconds * 100
            rss, peak = rss_mb(process.pid)
        finally:
            stop(process)
    ok = rss < 200 and cpu < 1
    print(f"idle, 30 personas / 60 schedules / 4 platforms, {seconds:.0f} s: RSS {rss:.0f} MB "
          f"(peak {peak:.0f} MB), CPU {cpu:.2f} %  [targets RSS < 200 MB, CPU < 1 %: "
          f"{'met' if ok else 'NOT met'}]")
    return ok


def lateness(tmp: Path, personas: int) -> bool:
    with TimedInstance() as server:
        MastodonStandIn(server)
        first = (datetime.now(UTC) + timedelta(seconds=95)).replace(second=0, microsecond=0)
        first += timedelta(minutes=1) if first < datetime.now(UTC) + timedelta(seconds=40) else timedelta()
        times = [f'"{first:%H:%M}"', f'"{first + timedelta(minutes=1):%H:%M}"']
        root = workspace(tmp / "late" / "ws", personas, server.url,
                         [("soon", "mastodon", f"times: [{', '.join(times)}]", 20)],
                         "[daemon]\naccount_concurrency = 2\n")
        db = f"sqlite:///{root / '.influencer' / 'influencer.db'}"
        process = start(root, db)
        try:
            deadline = first + timedelta(minutes=1, seconds=45)
            while datetime.now(UTC) < deadline and len(server.arrived) < 2 * personas:
                time.sleep(0.5)  # real slots in real time: the daemon's own clock is the subject
        finally:
            stop(process)
        engine = open_store(db)
        with Session(engine) as session:
            due = {p.id: p.publish_at for p in session.exec(select(Post).where(col(Post.mode) == "live",
                                                                                 col(Post.slot_at) >= first))}
        engine.dispose()
    late = sorted(server.arrived[i] - due[i].timestamp() for i in due if i in server.arrived)
    if not late:
        print("lateness: no post arrived")
        return False
    p50, p99 = statistics.median(late), late[min(len(late) - 1, int(len(late) * 0.99))]
    ok = p99 < 1 and len(late) == len(due)
    print(f"lateness, {len(late)}/{len(due)} slots of {personas} accounts: p50 {p50 * 1000:.0f} ms, "
          f"p99 {p99 * 1000:.0f} ms, min {late[0] * 1000:.0f} ms  [target p99 < 1 s: "
          f"{'met' if ok else 'NOT met'}]")
    return ok


def pg_database() -> tuple[str, str]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=name)
    return name, url.render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(root: Path, db_url: str, accounts: int, per_account: int, now: datetime) -> list[str]:
    """One real draft per account, copied into ``per_account`` due posts each."""
    ws = load_workspace(root).raise_for_issues()
    ctx = Context(ws, open_store(db_url), lambda: now, "bench")
    later = now + timedelta(days=1)  # the drafted originals are not due; only their copies are
    firsts = [Post(persona=f"twin{n:02d}", schedule=f"twin{n:02d}-never", platform="mastodon",
                   slot_at=later, publish_at=later, status=PostStatus.planned)
              for n in range(1, accounts + 1)]
    with ctx.session() as session:
        session.add_all(firsts)
        session.commit()
    draft_posts(ctx, [p.id for p in firsts])
    with ctx.session() as session:
        drafts = session.exec(select(Post).where(col(Post.id).in_([p.id for p in firsts]))).all()
        assert all(d.status == PostStatus.approved for d in drafts), [d.reason for d in drafts]
        ids = []
        for draft in drafts:
            fields = draft.model_dump(exclude={"id", "slot_at", "publish_at", "status"})
            for i in range(per_account):
                moment = now - timedelta(seconds=i + 1)
                post = Post(**fields | {"id": new_post_id(), "slot_at": moment, "publish_at": moment,
                                        "status": PostStatus.approved})
                session.add(post)
                ids.append(post.id)
        session.commit()
    ctx.engine.dispose()
    return ids


def published(db_url: str, ids: list[str]) -> int:
    engine = open_store(db_url)
    with Session(engine) as session:
        query = select(Publication.post_id).where(col(Publication.post_id).in_(ids))
        count = len(session.exec(query).all())
    engine.dispose()
    return count


def throughput_run(tmp: Path, daemons: int, accounts: int, per_account: int) -> float:
    now = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    name, db = pg_database()
    try:
        with TimedInstance(latency=0.2) as server:
            MastodonStandIn(server)
            root = workspace(tmp / f"tp{daemons}" / "ws", accounts, server.url,
                             [("never", "mastodon", 'times: ["03:00"]', 0)], "[daemon]\npoll = 0.5\n")
            processes = [start(root, db, now="2026-12-01T05:00:00Z") for _ in range(daemons)]
            try:
                time.sleep(6)  # every daemon up and idle before the posts appear
                ids = seed(root, db, accounts, per_account, now)
                began = time.monotonic()
                while published(db, ids) < len(ids):
                    if time.monotonic() - began > 300:
                        raise SystemExit(f"throughput: not all published in 300 s; see {root.parent}")
                    time.sleep(0.2)
                elapsed = time.monotonic() - began
            finally:
                for process in processes:
                    stop(process)
    finally:
        drop_database(name)
    rate = len(ids) / elapsed
    arrivals = sorted(server.arrived[i] for i in ids if i in server.arrived)
    steady = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    print(f"throughput, {daemons} daemon(s), {len(ids)} posts over {accounts} accounts, 200 ms per "
          f"status: all published {elapsed:.1f} s after they fell due ({rate:.1f} posts/s); "
          f"first to last request {steady:.1f} posts/s")
    return steady


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter windows, fewer posts")
    parser.add_argument("--part", choices=["all", "idle", "lateness", "throughput"], default="all")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # figures as they come
    tmp = Path(tempfile.mkdtemp(prefix="bench-daemon-"))
    try:
        results = []
        if args.part in ("all", "idle"):
            results.append(idle(tmp, 15 if args.quick else 60))
        if args.part in ("all", "lateness"):
            results.append(lateness(tmp, 10 if args.quick else 30))
        if args.part in ("all", "throughput"):
            one = throughput_run(tmp, 1, 16, 5 if args.quick else 30)
            two = throughput_run(tmp, 2, 16, 5 if args.quick else 30)
            ok = two >= 1.8 * one
            print(f"throughput ratio (steady rate), 2 daemons / 1: {two / one:.2f}x  "
                  f"[target >= 1.8x: {'met' if ok else 'NOT met'}]")
            results.append(ok)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
