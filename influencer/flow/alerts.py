"""Alerts to people: a webhook (one JSON POST) and/or an e-mail, per ``[alerts]``; and which
posts and grants need one (held, failed, unconfirmed, approval due, rights expiring).

Each alert has a key; the first daemon to record the key in ``alert_sent`` sends it, so several
daemons, or one restarted, do not repeat it. Delivery failures are logged, never raised: an
unreachable webhook must not stop publishing.
"""

from __future__ import annotations

import json
import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from influencer.config.credentials import resolve
from influencer.config.settings import AlertSettings
from influencer.errors import InfluencerError
from influencer.flow.context import Context, grant_for, grant_state
from influencer.store import Post, PostMode, PostStatus
from influencer.store.models import AlertSent

log = logging.getLogger("influencer.alerts")


@dataclass(frozen=True)
class Alert:
    kind: str  # held | failed | unconfirmed | needs-approval | rights-expiring
    key: str  # sent once per key
    summary: str
    detail: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "summary": self.summary, **self.detail}


def post_alert(kind: str, post: Post) -> Alert:
    """An alert about a post's status; a later change of the same post alerts again. An
    unconfirmed post's alert carries what the lookups found, for the person who decides."""
    summary = f"{post.persona}/{post.platform} post {post.id} is {kind}: {post.reason or ''}".rstrip(": ")
    detail: dict[str, Any] = {
        "post_id": post.id, "persona": post.persona, "platform": post.platform,
        "status": str(post.status), "publish_at": post.publish_at.isoformat(), "reason": post.reason}
    if post.status == PostStatus.unconfirmed:
        detail |= {"last_lookup": post.last_error, "candidates": post.progress.get("candidates", []),
                   "resolve": f"influencer resolve {post.id} --published URL | --not-published"}
    return Alert(kind, f"{kind}:{post.id}:{post.updated_at.isoformat()}", summary, detail)


def approval_alerts(ctx: Context) -> list[Alert]:
    """Drafts of ``approval: required`` schedules that are within their lead time, unapproved."""
    now = ctx.now()
    with ctx.session() as session:
        waiting = session.exec(select(Post).where(col(Post.mode) == PostMode.live,
                                                  col(Post.status) == PostStatus.drafted,
                                                  col(Post.publish_at) > now)).all()
    alerts = []
    for post in waiting:
        schedule = ctx.ws.schedules.get(post.schedule)
        if schedule and schedule.approval == "required" and (
                post.slot_at - timedelta(seconds=schedule.lead_time) <= now):
            alert = post_alert("needs-approval", post)
            alerts.append(Alert(alert.kind, alert.key, f"{post.persona}/{post.platform} post "
                                f"{post.id} at {post.publish_at:%Y-%m-%d %H:%M} UTC needs "
                                "approval (influencer approve)", alert.detail))
    return alerts


def rights_alerts(ctx: Context) -> list[Alert]:
    """Grants that end within ``[alerts] rights_warning_days``."""
    alerts = []
    for persona in ctx.ws.personas.values():
        grant = grant_state(ctx, persona.id)
        expires = grant_for(ctx, persona.id).expires
        if grant.name == "expiring":
            alerts.append(Alert(
                "rights-expiring", f"rights:{persona.id}:{expires}",
                f"rights for {persona.id} expire on {expires} ({grant.days_left} days)",
                {"persona": persona.id, "expires": expires.isoformat()}))
    return alerts


class Alerter:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def settings(self) -> AlertSettings:
        return self.ctx.ws.settings.alerts

    @property
    def configured(self) -> bool:
        return bool(self.settings.webhook_url or (self.settings.smtp_host and self.settings.smtp_to))

    def notify(self, alert: Alert) -> None:
        if not self.configured or not self._first(alert.key):
            return
        log.warning("alert %s: %s", alert.kind, alert.summary)
        if self.settings.webhook_url:
            self._deliver("webhook", lambda: self._webhook(alert))
        if self.settings.smtp_host and self.settings.smtp_to:
            self._deliver("e-mail", lambda: self._mail(alert))

    def _first(self, key: str) -> bool:
        with self.ctx.session() as session:
            session.add(AlertSent(key=key[:200], sent_at=self.ctx.now()))
            try:
                session.commit()
            except IntegrityError:
                return False
        return True

    def _deliver(self, how: str, send: Any) -> None:
        try:
            send()
        except (OSError, InfluencerError, smtplib.SMTPException) as exc:
            log.error("alert by %s not delivered: %s", how, exc)
        except Exception as exc:  # httpx errors and anything else: logged, never fatal
            log.error("alert by %s not delivered: %s: %s", how, type(exc).__name__, exc)

    def _webhook(self, alert: Alert) -> None:
        import httpx

        body = json.dumps(alert.as_json(), default=str)
        reply = httpx.post(str(self.settings.webhook_url), content=body, timeout=self.settings.timeout,
                           headers={"content-type": "application/json"})
        if reply.status_code >= 300:
            raise InfluencerError(f"the webhook answered HTTP {reply.status_code}")

    def _mail(self, alert: Alert) -> None:
        settings = self.settings
        message = EmailMessage()
        message["Subject"] = f"influencer: {alert.summary}"[:200]
        message["From"] = settings.smtp_from or "influencer@localhost"
        message["To"] = ", ".join(settings.smtp_to)
        message.set_content(json.dumps(alert.as_json(), indent=2, default=str))
        with smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=settings.timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_credentials:
                secret = resolve(settings.smtp_credentials, self.ctx.ws.root).reveal()
                user, _, password = secret.partition(":")
                smtp.login(user, password)
            smtp.send_message(message)
