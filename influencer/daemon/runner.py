"""The daemon's life cycle: APScheduler wiring, signals, reloading, stopping.

The planner is the one source of slot times: each slot in the next ``[daemon] horizon`` seconds
becomes two APScheduler **date** jobs, ``draft:<slot>`` at the slot minus its lead time and
``publish:<slot>`` at its jittered time. APScheduler never parses a crontab here and never draws
jitter. Besides the slot jobs, three interval jobs: ``tick`` (every ``poll`` seconds: leases,
missed slots, retries and posts approved late), ``plan`` (the slot jobs re-synced and overdue
drafts made) and ``heartbeat``.

Time: ``INFLUENCER_NOW`` sets where the daemon's clock starts; from there it runs at the real
pace, and jobs fire at the real moment that corresponds to their slot. So a rehearsal (or a
test) can start a daemon "just before Monday 09:00".

Signals: SIGHUP re-reads the workspace, as does any change to a file under ``personas/`` or
``schedules/`` or to ``influencer.toml`` (mtimes are polled; nothing to install). A broken file
keeps the previous configuration, and each problem is logged with its file and line. SIGTERM
and SIGINT stop new claims; publishes in flight get ``[daemon] shutdown_timeout`` seconds to
finish, and any still unfinished is marked unconfirmed; the exit code is 0.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from influencer.clock import Clock, parse_now
from influencer.daemon.cycle import Daemon
from influencer.flow import Window
from influencer.flow.context import database_unavailable
from influencer.flow.plan import plan_window
from influencer.flow.settle import abandon_claims
from influencer.flow.status import beat

log = logging.getLogger("influencer.daemon")
RELOAD_WITHIN = 30.0  # seconds a reload may read files; the main thread stays with the signals
PLAN_EVERY = 300  # seconds between re-syncs of the slot jobs (and after every reload)
SLOT_JOBS = ("publish:", "draft:")


def daemon_id() -> str:
    """Who a daemon acts as in the audit log: ``daemon@host:pid``, with a random suffix (pids are
    reused after restarts); no person may take a name starting with ``daemon@``."""
    return f"daemon@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def running_clock() -> Clock:
    """The daemon's clock: real time, or starting at ``INFLUENCER_NOW`` and running on."""
    frozen = os.environ.get("INFLUENCER_NOW")
    if not frozen:
        return lambda: datetime.now(UTC)
    start, origin = parse_now(frozen), time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def watched_files(root: Path) -> dict[Path, tuple[int, int]]:
    found = [root / "influencer.toml"]
    for folder in ("personas", "schedules"):
        if (root / folder).is_dir():
            found += sorted((root / folder).glob("*.y*ml"))
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in found if p.is_file()}


class DaemonRunner:
    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self.ctx = daemon.ctx
        self.wake = threading.Event()
        self.stop_requested = False
        self.reload_requested = False
        self.config_errors: list[str] = []
        self.scheduler: Any = None
        self.outage = Outage(cap=daemon.limits.outage_backoff_cap)
        # what to subtract from a slot's time to get the wall-clock moment its job fires
        self.offset = self.ctx.now() - datetime.now(UTC)

    @property
    def mode(self) -> str:
        return "dry" if self.daemon.dry_run else "live"

    def run_once(self) -> int:
        self._signals()  # SIGTERM: no new claims; what is in flight is still recorded
        self._beat()
        code = self.daemon.run_once()
        self._beat(stopped=True)
        return code

    def run(self) -> int:
        from apscheduler.schedulers.background import BackgroundScheduler

        self._signals()
        limits = self.daemon.limits
        self.scheduler = BackgroundScheduler(timezone=UTC, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        soon = datetime.now(UTC)
        self.scheduler.add_job(self._guarded(self._tick), "interval", seconds=limits.poll, id="tick",
                               next_run_time=soon)
        self.scheduler.add_job(self._guarded(self._plan), "interval", seconds=PLAN_EVERY, id="plan",
                               next_run_time=soon)
        self.scheduler.add_job(self._guarded(self._beat), "interval", seconds=limits.heartbeat,
                               id="heartbeat", next_run_time=soon)
        self.scheduler.start()
        log.info("daemon %s started (%s mode, clock %s)", self.ctx.actor, self.mode,
                 self.ctx.now().isoformat(timespec="seconds"))
        self._watch(min(limits.poll, 3.0))
        return self._stop()

    def _watch(self, every: float) -> None:
        snapshot = watched_files(self.ctx.ws.root)
        while not self.stop_requested:
            self.wake.wait(timeout=every)
            self.wake.clear()
            if self.stop_requested:
                break
            current = watched_files(self.ctx.ws.root)
            if self.reload_requested or current != snapshot:
                self.reload_requested, snapshot = False, current
                self._guarded(self.reload)()

    def _signals(self) -> None:
        def stop(signum: int, frame: FrameType | None) -> None:
            self.stop_requested = True
            self.daemon.stopping.set()
            self.wake.set()

        def hup(signum: int, frame: FrameType | None) -> None:
            self.reload_requested = True
            self.wake.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, hup)

    def _stop(self) -> int:
        log.info("stopping: no new claims; waiting for publishes in flight")
        self.daemon.stopping.set()
        self.scheduler.shutdown(wait=False)
        if not self.daemon.drain(self.daemon.limits.shutdown_timeout):
            abandon_claims(self.ctx)  # still sending at the deadline: unconfirmed now
        self._beat(stopped=True)
        log.info("daemon %s stopped", self.ctx.actor)
        return 0

    def reload(self) -> None:
        problems = self.ctx.reread(within=RELOAD_WITHIN)
        if problems:
            self.config_errors = problems
            for problem in problems:
                log.error("configuration not reloaded: %s", problem)
            log.error("keeping the previous configuration (%d problems)", len(problems))
            self._beat()
            return
        self.config_errors = []
        added, changed, removed = self.sync_jobs()
        log.info("configuration reloaded: %d jobs added, %d changed, %d removed", added, changed, removed)
        self._beat()

    def wanted_jobs(self) -> dict[str, datetime]:
        """Slot jobs for the horizon, by id, at their slot times (the daemon's clock)."""
        now = self.ctx.now()
        slots, _ = plan_window(self.ctx, Window(now, now + timedelta(seconds=self.daemon.limits.horizon)))
        wanted: dict[str, datetime] = {}
        for slot in slots:
            wanted[f"publish:{slot.key}"] = slot.publish_at
            drafting = slot.slot_at - timedelta(seconds=self.ctx.ws.schedules[slot.schedule].lead_time)
            if drafting > now:
                wanted[f"draft:{slot.key}"] = drafting
        return wanted

    def sync_jobs(self) -> tuple[int, int, int]:
        """Add, move and remove slot jobs to match the planner; return how many of each."""
        wanted = self.wanted_jobs()
        current = {job.id: job for job in self.scheduler.get_jobs() if job.id.startswith(SLOT_JOBS)}
        for job_id in current.keys() - wanted.keys():
            self.scheduler.remove_job(job_id)
        added = changed = 0
        for job_id, moment in wanted.items():
            run_date = moment - self.offset
            job = current.get(job_id)
            if job is None:
                action = self.daemon.publish_due if job_id.startswith("publish:") else self.daemon.draft_due
                self.scheduler.add_job(self._guarded(action), "date", run_date=run_date, id=job_id)
                added += 1
            elif job.next_run_time != run_date:
                job.reschedule("date", run_date=run_date)
                changed += 1
        return added, changed, len(current.keys() - wanted.keys())

    def _tick(self) -> None:
        self.daemon.maintain()
        self.daemon.publish_due()

    def _plan(self) -> None:
        self.sync_jobs()
        self.daemon.draft_due()

    def _beat(self, stopped: bool = False) -> None:
        if self.daemon.dry_run:  # a rehearsal is not a daemon that publishes: status never counts it
            return
        jobs = self.scheduler.get_jobs() if self.scheduler and not stopped else []
        upcoming = sorted(j.next_run_time for j in jobs if j.id.startswith("publish:") and j.next_run_time)
        detail = {"slot_jobs": sum(j.id.startswith(SLOT_JOBS) for j in jobs),
                  "next_publish": (upcoming[0] + self.offset).isoformat() if upcoming else None,
                  "schedules": sorted(self.ctx.ws.schedules), "config_errors": self.config_errors}
        beat(self.ctx, self.mode, self.scheduler is None, detail, stopped)

    def _guarded(self, action: Callable[[], None]) -> Callable[[], None]:
        """A job that logs its failure and lets the daemon go on (a database blip, a bad file).
        While the database is unreachable, jobs wait for the outage's next retry time."""
        def run() -> None:
            if not self.outage.ready():
                return
            try:
                action()
            except Exception as exc:
                if database_unavailable(exc):
                    self.outage.failed(exc)
                    return
                log.exception("%s failed; the daemon goes on", getattr(action, "__name__", "job"))
            else:
                self.outage.succeeded()
        run.__name__ = getattr(action, "__name__", "job")
        return run


class Outage:
    """The database as the daemon's jobs find it. One log line when it goes away and one when it
    is back; meanwhile jobs wait, with exponential backoff (``base`` doubling up to ``cap``
    seconds), instead of failing with a traceback at every poll."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, base: float = 1.0,
                 cap: float = 60.0) -> None:
        self.clock, self.base, self.cap = clock, base, cap
        self.since: float | None = None  # when it went away
        self.wait = 0.0
        self.retry_at = 0.0
        self._lock = threading.Lock()

    def ready(self) -> bool:
        return self.since is None or self.clock() >= self.retry_at

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            now = self.clock()
            if self.since is None:
                self.since, self.wait = now, self.base
                log.error("database unreachable (%s); jobs wait and retry, backing off up to %.0f s",
                          " ".join(str(exc).split())[:300], self.cap)
            else:
                self.wait = min(self.cap, self.wait * 2)
            self.retry_at = now + self.wait

    def succeeded(self) -> None:
        with self._lock:
            if self.since is not None:
                log.warning("database reachable again after %.0f s", self.clock() - self.since)
                self.since, self.wait, self.retry_at = None, 0.0, 0.0
