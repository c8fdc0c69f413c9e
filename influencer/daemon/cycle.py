"""One pass of the daemon, in pieces the scheduler calls when they are due.

- ``maintain``: leases that ended become unconfirmed (then looked up), slots missed beyond their
  grace are skipped with the reason, unapproved drafts at their slot are held, and people are
  alerted (held, failed, unconfirmed, approval needed within the lead time, rights expiring).
- ``draft_due``: slots within their lead time that have no draft yet are drafted.
- ``publish_due``: due posts are claimed, as many as there are free publishers, and sent on a
  thread pool; each outcome is committed as soon as it is known.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlmodel import col, select

from influencer.config.settings import DaemonSettings
from influencer.daemon.alerts import Alert, Alerter, post_alert
from influencer.daemon.claims import accounts_due, claim, expired_leases
from influencer.daemon.logs import log, step
from influencer.daemon.metrics import Metrics
from influencer.daemon.sending import send_claimed, settle
from influencer.drafting import draft_posts
from influencer.errors import IllegalTransition, InfluencerError
from influencer.pipeline import Context, Window, materialise, settle_unapproved
from influencer.publishing import publish_dry
from influencer.store import Post, PostStatus, Publication, transition
from influencer.store.models import PublishRetry

S = PostStatus
ALERTED = (S.held, S.failed, S.unconfirmed)
LOOKBACK = timedelta(days=1)  # missed slots this far back are recorded as skipped
REDRAFT = timedelta(minutes=5)  # a slot whose drafting failed is tried again after this


class Daemon:
    def __init__(self, ctx: Context, dry_run: bool = False, metrics: Metrics | None = None) -> None:
        self.ctx, self.dry_run, self.metrics = ctx, dry_run, metrics
        self.alerts = Alerter(ctx)
        self.stopping = threading.Event()
        self.capacity = ctx.ws.settings.concurrency.publishers
        self._pool = ThreadPoolExecutor(self.capacity, thread_name_prefix="publish")
        self._done = threading.Condition()
        self._in_flight = 0
        self._claiming = threading.Lock()
        self._drafting = threading.Lock()
        self._again = False

    @property
    def limits(self) -> DaemonSettings:
        return self.ctx.ws.settings.daemon

    def run_once(self) -> None:
        """``run --once``: everything due now, then return when every outcome is recorded."""
        self.maintain()
        self.draft_due()
        self.publish_due()
        self.drain(None)

    def maintain(self) -> None:
        if self.dry_run:  # a rehearsal changes no live status
            return
        for post in expired_leases(self.ctx):
            step(post, "unconfirmed", post.reason or "", logging.WARNING)
            if settle(self.ctx, post) is None:
                self.alerts.notify(post_alert("unconfirmed", post))
        self._skip_missed()
        for post in settle_unapproved(self.ctx):
            step(post, str(post.status), post.reason or "", logging.WARNING)
            if post.status == S.held:
                self.alerts.notify(post_alert("held", post))
        self._approval_alerts()
        self._rights_alerts()

    def _skip_missed(self) -> None:
        """Never-tried posts whose slot and grace are past: skipped, never sent in a burst."""
        now = self.ctx.now()
        tried = select(PublishRetry.post_id)
        with self.ctx.session() as session:
            overdue = session.exec(select(Post).where(
                col(Post.mode) == "live", col(Post.status).in_([S.planned, S.approved]),
                col(Post.publish_at) <= now, col(Post.attempts) == 0,
                col(Post.id).not_in(tried))).all()
            for post in overdue:
                schedule = self.ctx.ws.schedules.get(post.schedule)
                grace = schedule.grace if schedule else 0
                if now <= post.publish_at + timedelta(seconds=grace):
                    continue
                reason = (f"missed: its time {post.publish_at:%Y-%m-%d %H:%M:%S} UTC and the "
                          f"schedule's grace of {grace} s passed while no daemon was publishing")
                try:
                    moved = transition(session, post.id, S.skipped, actor=self.ctx.actor, now=now,
                                       reason=reason)
                except IllegalTransition:
                    continue  # another daemon claimed or skipped it meanwhile
                step(moved, "skipped", reason, logging.WARNING)

    def _approval_alerts(self) -> None:
        now = self.ctx.now()
        with self.ctx.session() as session:
            waiting = session.exec(select(Post).where(col(Post.mode) == "live",
                                                      col(Post.status) == S.drafted,
                                                      col(Post.publish_at) > now)).all()
        for post in waiting:
            schedule = self.ctx.ws.schedules.get(post.schedule)
            if schedule and schedule.approval == "required" and (
                    post.slot_at - timedelta(seconds=schedule.lead_time) <= now):
                alert = post_alert("needs-approval", post)
                self.alerts.notify(Alert(alert.kind, alert.key, f"{post.persona}/{post.platform} post "
                                         f"{post.id} at {post.publish_at:%Y-%m-%d %H:%M} UTC needs "
                                         "approval (influencer approve)", alert.detail))

    def _rights_alerts(self) -> None:
        today = self.ctx.now().date()
        warning = self.ctx.ws.settings.alerts.rights_warning_days
        for persona in self.ctx.ws.personas.values():
            left = (persona.rights.expires - today).days
            if 0 <= left <= warning and not persona.rights.revoked:
                self.alerts.notify(Alert(
                    "rights-expiring", f"rights:{persona.id}:{persona.rights.expires}",
                    f"rights for {persona.id} expire on {persona.rights.expires} ({left} days)",
                    {"persona": persona.id, "expires": persona.rights.expires.isoformat()}))

    def draft_due(self) -> None:
        """Draft every slot that is within its lead time and has no draft yet."""
        if not self._drafting.acquire(blocking=False):
            return
        try:
            due = self._undrafted()
            if not due:
                return
            started = time.perf_counter()
            failures = draft_posts(self.ctx, due)
            if self.metrics:
                for _ in due:
                    self.metrics.writer.observe((time.perf_counter() - started) / len(due))
            log.info("drafted %d posts, %d could not be drafted", len(due) - failures, failures)
        finally:
            self._drafting.release()

    def _undrafted(self) -> list[Post]:
        schedules = self.ctx.ws.schedules.values()
        if not schedules:
            return []
        now = self.ctx.now()
        lead = max(s.lead_time for s in schedules)
        planned = materialise(self.ctx, Window(now - LOOKBACK, now + timedelta(seconds=lead + 60))).posts
        self._skip_missed()  # slots of the look-back that are past their grace, with the reason
        due = []
        for post in planned:
            schedule = self.ctx.ws.schedules[post.schedule]
            if (post.status == S.planned and (not post.last_error or post.updated_at < now - REDRAFT)
                    and post.slot_at - timedelta(seconds=schedule.lead_time) <= now
                    and now <= post.publish_at + timedelta(seconds=schedule.grace)):
                due.append(post)
        return due

    def publish_due(self) -> None:
        """Claim and send due posts until none is left that this daemon may start."""
        if self.dry_run:
            self._publish_dry_due()
            return
        while not self.stopping.is_set():
            if not self._claiming.acquire(blocking=False):
                self._again = True  # the running loop looks again before it stops
                return
            try:
                self._claim_until_idle()
            finally:
                self._claiming.release()
            if not self._again:  # set between the loop's last look and the release: look again
                return

    def _claim_until_idle(self) -> None:
        while not self.stopping.is_set():
            self._again = False
            if self._claim_round():
                continue
            with self._done:
                if self._in_flight == 0 and not self._again:
                    return
                if not self._again:
                    self._done.wait(timeout=self.limits.poll)

    def _claim_round(self) -> bool:
        free = self.capacity - self._in_flight
        if free <= 0:
            return False
        accounts = accounts_due(self.ctx)
        random.shuffle(accounts)  # daemons start on different accounts
        started = 0
        for persona, platform in accounts:
            if self.stopping.is_set() or started >= free:
                break
            for post in claim(self.ctx, persona, platform, free - started, self.limits).posts:
                step(post, "claimed", f"lease until {post.lease_until:%H:%M:%S}")
                with self._done:
                    self._in_flight += 1
                self._pool.submit(self._send, post)
                started += 1
        return started > 0

    def _send(self, post: Post) -> None:
        try:
            if self.metrics:
                late = (self.ctx.now() - post.publish_at).total_seconds()
                self.metrics.lateness.labels(post.platform).observe(max(0.0, late))
            sent = send_claimed(self.ctx, post, self.limits)
            if self.metrics and sent.seconds:
                self.metrics.publish.labels(post.platform, str(sent.post.status)).observe(sent.seconds)
            if sent.post.status in ALERTED:
                self.alerts.notify(post_alert(str(sent.post.status), sent.post))
        except Exception:  # the post stays publishing; its lease ends and it becomes unconfirmed
            log.exception("recording the outcome of post %s failed", post.id)
        finally:
            with self._done:
                self._in_flight -= 1
                self._done.notify_all()

    def _publish_dry_due(self) -> None:
        now = self.ctx.now()
        grace = max((s.grace for s in self.ctx.ws.schedules.values()), default=0)
        done = select(Publication.post_id).where(col(Publication.mode) == "dry")
        with self.ctx.session() as session:
            due = session.exec(select(Post).where(
                col(Post.mode) == "live", col(Post.status) == S.approved, col(Post.publish_at) <= now,
                col(Post.publish_at) >= now - timedelta(seconds=grace),
                col(Post.id).not_in(done))).all()
        for post in due:
            try:
                published = publish_dry(self.ctx, post)
            except InfluencerError as exc:
                step(post, "dry-run-failed", str(exc), logging.WARNING)
                continue
            step(post, "dry-run", f"outbox {published.detail.get('folder')}")

    def drain(self, timeout: float | None) -> bool:
        """Wait for publishes in flight; True when none is left."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._done:
            while self._in_flight:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._done.wait(timeout=left)
        self._pool.shutdown(wait=False)
        return True
