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

from influencer.daemon.metrics import Metrics
from influencer.flow import Context, Limits, Post, PostStatus
from influencer.flow.alerts import Alerter, approval_alerts, post_alert, rights_alerts
from influencer.flow.approve import settle_unapproved
from influencer.flow.claim import accounts_due, claim, expired_leases, release
from influencer.flow.consent import record_file_grants
from influencer.flow.context import log, short_id, step
from influencer.flow.draft import draft_posts
from influencer.flow.due import drafts_due, rehearse_due
from influencer.flow.outcome import retrying
from influencer.flow.publish import send_claimed
from influencer.flow.settle import settle, settle_unconfirmed, skip_missed
from influencer.flow.takedown import work_takedowns

S = PostStatus
ALERTED = (S.held, S.failed)  # unconfirmed: alerted once lookups have not settled it in time


TROUBLE_WORDS = {"failed": "failed", "held": "is held", "unconfirmed": "may or may not be live"}


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
        self.troubles: list[Post] = []  # posts that did not go out as planned (``run --once`` exit 1)
        self._revoked: dict[str, bool] = {}  # each twin's consent as last seen (said when it ends)

    @property
    def limits(self) -> Limits:
        return self.ctx.limits

    def run_once(self) -> int:
        """``run --once``: everything due now, then return when every outcome is recorded.
        Returns 1 when a post did not go out as planned (failed, held, unconfirmed, or waiting
        to be sent again after an error), each then named in the log; else 0."""
        self.maintain()
        self.draft_due()
        self.publish_due()
        self.drain(None)
        for post in self.troubles:
            log.error("needs attention: %s on %s, post %s %s: %s", post.persona,
                      post.platform, short_id(post.id),
                      "is retrying" if retrying(post) else TROUBLE_WORDS.get(str(post.status),
                                                                              f"is {post.status}"),
                      post.last_error or post.reason or "no reason recorded")
        return 1 if self.troubles else 0

    def maintain(self) -> None:
        self.consent()
        if self.dry_run:  # a rehearsal changes no live status
            return
        for post in expired_leases(self.ctx):
            step(post, "unconfirmed", post.reason or "", logging.WARNING)
            settled = settle(self.ctx, post) or post
            if settled.status != S.published:
                self.troubles.append(settled)
        for post in settle_unconfirmed(self.ctx):  # still unknown after settle_within: a person
            self.alerts.notify(post_alert("unconfirmed", post))
        skip_missed(self.ctx)
        for post in settle_unapproved(self.ctx):
            step(post, str(post.status), post.reason or "", logging.WARNING)
            if post.status == S.held:
                self.troubles.append(post)
                self.alerts.notify(post_alert("held", post))
        for alert in approval_alerts(self.ctx) + rights_alerts(self.ctx):
            self.alerts.notify(alert)
        work_takedowns(self.ctx)  # within each account's delete budget; resumes where it was

    def consent(self) -> None:
        """The grants in force, read again at every pass (the persona files' changes recorded
        first, when live): a twin whose consent was revoked — here or by another process — is
        said once, and from then nothing of it is drafted or claimed."""
        if self.dry_run:
            self.ctx.forget_grants()
        else:
            for made in record_file_grants(self.ctx):
                log.info("%s: grant version %d recorded (%s)", made.grant.persona,
                         made.grant.version, made.grant.reason)
        for persona, rights in self.ctx.grants().items():
            if rights.revoked and self._revoked.get(persona) is False:
                log.warning("%s: consent revoked — nothing of %s is drafted or sent from now on",
                            persona, persona)
            self._revoked[persona] = rights.revoked

    def draft_due(self) -> None:
        """Draft every slot that is within its lead time and has no draft yet."""
        if not self._drafting.acquire(blocking=False):
            return
        try:
            due = drafts_due(self.ctx)
            if not self.dry_run:  # slots of the look-back past their grace: skipped, with why
                skip_missed(self.ctx)
            if not due:
                return
            started = time.perf_counter()
            failures = draft_posts(self.ctx, [p.id for p in due])
            if self.metrics:
                for _ in due:
                    self.metrics.writer.observe((time.perf_counter() - started) / len(due))
            log.info("drafted %d posts, %d could not be drafted", len(due) - failures, failures)
        finally:
            self._drafting.release()

    def publish_due(self) -> None:
        """Claim and send due posts until none is left that this daemon may start."""
        if self.dry_run:
            self._rehearse_due()
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
            claimed = claim(self.ctx, persona, platform, free - started, self.limits,
                            stopping=self.stopping.is_set).posts
            for post in claimed:
                step(post, "claimed", f"lease until {post.lease_until:%H:%M:%S}")
                if self._hand_over(post):
                    started += 1
        return started > 0

    def _hand_over(self, post: Post) -> bool:
        """Give a claimed post to a sender thread; a pool already shut down (the daemon is
        stopping) gets it released, never left claimed until its lease ends."""
        with self._done:
            self._in_flight += 1
        try:
            self._pool.submit(self._send, post)
        except RuntimeError:  # "cannot schedule new futures after shutdown"
            with self._done:
                self._in_flight -= 1
                self._done.notify_all()
            release(self.ctx, post, "released: the daemon stopped before sending it")
            step(post, "released", "the daemon stopped before sending it", logging.WARNING)
            return False
        return True

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
            if sent.post.status in (*ALERTED, S.unconfirmed) or retrying(sent.post):
                self.troubles.append(sent.post)
        except Exception:  # the post stays publishing; its lease ends and it becomes unconfirmed
            log.exception("recording the outcome of post %s failed", post.id)
        finally:
            with self._done:
                self._in_flight -= 1
                self._done.notify_all()

    def _rehearse_due(self) -> None:
        for done in rehearse_due(self.ctx):
            if done.published is None:
                step(done.post, "dry-run-failed", done.error or "", logging.WARNING)
                self.troubles.append(done.post.model_copy(update={"last_error": done.error}))
            else:
                step(done.post, "dry-run", f"outbox {done.published.detail.get('folder')}")

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
