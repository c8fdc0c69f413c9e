"""What every step of a post's life needs: the workspace, the database, the clock, who acts;
the queries the steps share; and the one log line each publishing step writes."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from influencer import rights
from influencer.clock import Clock, system_clock
from influencer.config import Workspace, load_workspace, open_workspace
from influencer.config.people import who_acts
from influencer.config.persona import Rights
from influencer.config.settings import DaemonSettings
from influencer.errors import InfluencerError
from influencer.flow import grants
from influencer.rights import GrantState, Refusal
from influencer.store import Post, PostMode, PostStatus, open_store

Limits = DaemonSettings  # the publishing limits of ``[daemon]``, as the flow reads them
log = logging.getLogger("influencer.flow")


@dataclass
class Context:
    """What every step needs: the workspace, the database, the clock, who acts."""

    ws: Workspace
    engine: Engine
    clock: Clock
    actor: str
    _grants: dict[str, Rights] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def open(cls, workspace: str | None = None, actor: str | None = None,
             needed_for: str | None = None) -> Context:
        """The workspace's context, acting as ``actor`` (``--as``) or the default person; for
        ``needed_for`` (a decision about what goes out) a person must be named."""
        ws = open_workspace(workspace)
        who = who_acts(actor, ws.settings.audit.actor, needed_for)
        return cls(ws, open_store(ws.database_url()), system_clock(), who)

    def now(self) -> datetime:
        return self.clock()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @property
    def limits(self) -> Limits:
        return self.ws.settings.daemon

    def reread(self, within: float | None = None) -> list[str]:
        """Read the workspace's files again; on success use them, else keep the ones in use.
        Returns the problems found, each as ``file:line: field: message``. With ``within``,
        the files are read on a thread of their own and given that many seconds: the caller
        (the daemon's main thread, which answers signals) never waits longer."""
        if within is None:
            fresh = load_workspace(self.ws.root)
        else:
            done: list[Workspace] = []
            reader = threading.Thread(target=lambda: done.append(load_workspace(self.ws.root)),
                                      name="reload", daemon=True)
            reader.start()
            reader.join(within)
            if not done:
                return [f"{self.ws.root}: reading the workspace took more than {within:g} s"]
            fresh = done[0]
        if fresh.issues:
            return [str(issue) for issue in fresh.issues]
        self.ws = fresh
        self._grants = None
        return []

    def grants(self) -> dict[str, Rights]:
        """Each twin's grant in force (``flow/grants.py``), read once; ``forget_grants`` reads
        them again (the daemon does at every pass; a claim reads its twin's under its lock)."""
        if self._grants is None:
            with self.session() as session:
                self._grants = grants.in_force(self.ws.personas, grants.recorded(session))
        return self._grants

    def forget_grants(self) -> None:
        self._grants = None


@dataclass
class Window:
    start: datetime
    end: datetime
    persona: str | None = None
    platform: str | None = None


MIN_PREFIX = 4  # the shortest id prefix accepted
SHORT_ID = 8  # how much of an id the terminal shows; every command accepts it


def short_id(post_id: str) -> str:
    return post_id[:SHORT_ID]


def posts_by_id(ctx: Context, ids: Iterable[str]) -> list[Post]:
    """The posts with these ids, in order; each may be given whole or by a unique prefix (the
    short ids the terminal shows)."""
    wanted = [i.strip().lower() for i in ids]
    with ctx.session() as session:
        found = {p.id: p for p in session.exec(select(Post).where(col(Post.id).in_(wanted)))}
        for prefix in [i for i in wanted if i not in found]:
            if len(prefix) < MIN_PREFIX or not prefix.isalnum():
                continue
            matches = list(session.exec(select(Post).where(col(Post.id).startswith(prefix))
                                        .order_by(col(Post.id)).limit(4)))
            if len(matches) > 1:
                shown = ", ".join(m.id for m in matches[:3]) + (", …" if len(matches) > 3 else "")
                raise InfluencerError(f"post id {prefix!r} is ambiguous ({shown}): give more of it")
            if matches:
                found[prefix] = matches[0]
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InfluencerError(f"no post with id {', '.join(missing)}")
    return [found[i] for i in wanted]


def posts_for(ctx: Context, persona: str, day: date | None,
              statuses: Sequence[PostStatus]) -> list[Post]:
    """A persona's live posts in the given statuses, on one local day if ``day`` is given."""
    if persona not in ctx.ws.personas:
        raise InfluencerError(f"no persona {persona!r}")
    with ctx.session() as session:
        query = select(Post).where(col(Post.persona) == persona, col(Post.mode) == PostMode.live,
                                   col(Post.status).in_(statuses)).order_by(col(Post.publish_at))
        posts = list(session.exec(query))
    return [p for p in posts if day is None or local_day(ctx, p) == day]


def local_day(ctx: Context, post: Post) -> date:
    return day_in_schedule_zone(ctx, post.schedule, post.slot_at)


def day_in_schedule_zone(ctx: Context, schedule_id: str, moment: datetime) -> date:
    """The local date of ``moment`` in the schedule's zone (UTC for a schedule gone)."""
    schedule = ctx.ws.schedules.get(schedule_id)
    zone = ZoneInfo(schedule.timezone) if schedule else ZoneInfo("UTC")
    return moment.astimezone(zone).date()


# What a draft is made from: a change anywhere else (rights dates, accounts, credentials, the
# schedule's times or approval) cannot change a draft, so it does not make one stale.
PERSONA_DRAFTED_FROM: dict[str, Any] = {
    "name": True, "twin_of": True, "voice": True, "imagery": True, "disclosure": True,
    "writer": {"name", "model", "base_url", "temperature", "template"}}
SCHEDULE_DRAFTED_FROM: dict[str, Any] = {"campaign": True, "images": True}


def drafted_from(model: BaseModel, fields: dict[str, Any]) -> str:
    """The sha256 of the parts of a persona or schedule a draft is made from."""
    chosen = model.model_dump(mode="json", include=fields)
    return hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()


def draft_hashes(ctx: Context, persona: str, schedule: str) -> tuple[str, str]:
    return (drafted_from(ctx.ws.personas[persona], PERSONA_DRAFTED_FROM),
            drafted_from(ctx.ws.schedules[schedule], SCHEDULE_DRAFTED_FROM))


def is_stale(ctx: Context, post: Post) -> bool:
    """A draft whose voice, imagery, writer, disclosure, campaign or image choice changed since
    it was written. (Drafts stored by earlier versions hold the whole file's sha256: still accepted.)"""
    if post.persona_hash is None:
        return False
    persona = ctx.ws.personas.get(post.persona)
    schedule = ctx.ws.schedules.get(post.schedule)
    if persona is None or schedule is None:
        return True
    files = (ctx.ws.sources[f"persona:{post.persona}"].sha256,
             ctx.ws.sources[f"schedule:{post.schedule}"].sha256)
    stored = (post.persona_hash, post.schedule_hash)
    return stored != files and stored != draft_hashes(ctx, post.persona, post.schedule)


def grant_for(ctx: Context, persona: str) -> Rights:
    """The model's consent in force for ``persona``: the version the ledger holds."""
    return ctx.grants()[persona]


def rights_refusal(ctx: Context, post: Post, grant: Rights | None = None) -> Refusal | None:
    """Why the consent in force (``grant`` when the caller read it, as a claim does under the
    twin's lock) stops ``post`` on its slot's local day, or None."""
    persona = ctx.ws.personas[post.persona]
    schedule = ctx.ws.schedules.get(post.schedule)
    return rights.refusal(grant or grant_for(ctx, post.persona), post.platform, local_day(ctx, post),
                          schedule.campaign if schedule else None,
                          persona.accounts.get(post.platform), twin=persona.id)


def grant_state(ctx: Context, persona: str) -> GrantState:
    """Where ``persona``'s grant stands today, expiring within ``[alerts] rights_warning_days``."""
    return rights.state(grant_for(ctx, persona), ctx.now().date(),
                        ctx.ws.settings.alerts.rights_warning_days)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached (not a bug, not a rule refused)."""
    from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

    from influencer.errors import IllegalTransition, StoreError

    if isinstance(exc, IllegalTransition):
        return False
    return isinstance(exc, OperationalError | InterfaceError | DisconnectionError | StoreError)


STEP_FIELDS = ("persona", "platform", "post", "status", "daemon")


class Named(Protocol):
    """What names a post in a log line: a ``Post``, or a row with the same three fields."""

    @property
    def id(self) -> str: ...
    @property
    def persona(self) -> str: ...
    @property
    def platform(self) -> str: ...


def step(post: Named, status: str, detail: str = "", level: int = logging.INFO) -> None:
    """One publishing step of one post: a log line naming persona, platform, post and status
    (structured fields ``STEP_FIELDS`` for the JSON log format). Never a secret: messages come
    from our own errors."""
    fields = {"persona": post.persona, "platform": post.platform, "post": post.id, "status": status}
    said = STEP_WORDS.get(status, status)
    text = f"{post.persona} on {post.platform}, post {short_id(post.id)}: {said}" + (
        f" — {detail}" if detail else "")
    log.log(level, text, extra=fields)


# each step as a person says it; the JSON log keeps the status name
STEP_WORDS = {
    "claimed": "taken by this daemon to send",
    "sending": "sending",
    "published": "published",
    "retrying": "not sent; will try again",
    "held-back": "waiting (the account's limit)",
    "resending": "not found; sending again (the platform refuses a second copy)",
    "unconfirmed": "outcome unknown (it may be live); looking it up on the platform",
    "not-settled": "still not found on the platform",
    "released": "given back, not sent",
    "dry-run": "rehearsed",
    "dry-run-failed": "rehearsal failed",
    "failed": "failed",
    "held": "held",
    "skipped": "skipped",
}
