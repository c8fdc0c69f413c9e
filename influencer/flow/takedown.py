"""Taking posts down from their platforms: one post on request (``delete``), and every published
post of a twin whose consent was revoked (a takedown), worked through by the daemon.

A takedown is one ``takedown_item`` per post of the twin that went out, in the database, so it
resumes wherever it stopped. Each item is

    waiting      its outcome is unknown (being sent, unconfirmed): settled first, then taken down
    pending      to delete, not before ``not_before``
    removed      deleted by the platform's API
    gone         not on the platform any more (deleted already, by someone)
    failed       the platform refused, or kept failing: a person finishes it at ``url``
    unsupported  the platform's API cannot delete (Instagram): a person removes it at ``url``
    not sent     it never went out: nothing to take down

Deletes are paced per account within ``[takedown] budget`` (deletes per window; X about 50 per
15 minutes, Mastodon 30 per 30), and wait while the account's publishing is rate-limited: a
twin with hundreds of posts takes hours, and the report says how far it got.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from influencer.errors import AlreadyGone, InfluencerError, PermanentError, RetryableError
from influencer.flow.accounts import adapter_where_published
from influencer.flow.context import Context, log, posts_by_id, short_id
from influencer.platforms import Published
from influencer.store import Post, PostMode, PostStatus, Publication, transition
from influencer.store.models import AccountLimit, TakedownItem

S = PostStatus
WAITING, PENDING, REMOVED, GONE, FAILED, UNSUPPORTED, NOT_SENT = (
    "waiting", "pending", "removed", "gone", "failed", "unsupported", "not sent")
DONE = (REMOVED, GONE, FAILED, UNSUPPORTED, NOT_SENT)
DEFAULT_BUDGET = {"x": (50, 900.0), "mastodon": (30, 1800.0), "bluesky": (100, 300.0)}
RETRY_AFTER = timedelta(minutes=5)  # a delete that failed for now, when the platform says nothing


def delete(ctx: Context, post_id: str) -> Post:
    """Remove a published post from its platform (or the outbox) through its adapter."""
    [post] = posts_by_id(ctx, [post_id])
    if post.status != PostStatus.published:
        raise InfluencerError(f"post {post_id} is {post.status}; only published posts can be deleted")
    with ctx.session() as session:
        row = _publication(session, post.id)
        if row is None or row.platform_id is None:
            raise InfluencerError(f"post {post_id} has no record of where it was published")
        adapter = adapter_where_published(ctx, post, row.detail.get("folder"))
        if not adapter.deletes:
            raise InfluencerError(f"{post.platform}: its API cannot delete posts; delete "
                                  f"{row.url or row.platform_id} in its app")
        adapter.delete(_published(post, row))
        return _mark_deleted(ctx, session, post, row, f"deleted by {ctx.actor}")


def request_takedown(ctx: Context, session: Session, persona: str) -> int:
    """Add every post of ``persona`` that went out (or may have) to its takedown, in the
    caller's transaction; posts asked for already are not added twice. How many were added."""
    asked = set(session.exec(select(TakedownItem.post_id).where(
        col(TakedownItem.persona) == persona)))
    posts = session.exec(select(Post).where(
        col(Post.persona) == persona, col(Post.mode) == PostMode.live,
        col(Post.status).in_([S.published, S.publishing, S.unconfirmed]))).all()
    added = 0
    for post in posts:
        if post.id in asked:
            continue
        state = PENDING if post.status == S.published else WAITING
        session.add(TakedownItem(post_id=post.id, persona=persona, platform=post.platform,
                                 state=state, requested_by=ctx.actor, requested_at=ctx.now()))
        added += 1
    return added


@dataclass(frozen=True)
class Progress:
    """Where one twin's takedown stands: items by state, and those a person must finish."""

    persona: str
    states: dict[str, int]
    by_hand: list[TakedownItem]  # failed or unsupported, with their url and why

    @property
    def remaining(self) -> int:
        return sum(n for state, n in self.states.items() if state not in DONE)


def progress(ctx: Context, persona: str) -> Progress | None:
    """The twin's takedown, or None when none was asked for."""
    with ctx.session() as session:
        items = list(session.exec(select(TakedownItem).where(col(TakedownItem.persona) == persona)
                                  .order_by(col(TakedownItem.id))))
    if not items:
        return None
    states: dict[str, int] = defaultdict(int)
    for item in items:
        states[item.state] += 1
    return Progress(persona, dict(states), [i for i in items if i.state in (FAILED, UNSUPPORTED)])


def work_takedowns(ctx: Context) -> list[TakedownItem]:
    """One pass: settled posts move on from waiting; due deletes are made within each account's
    budget, each outcome committed on its own (a pass stopped anywhere resumes). Returns the
    items this pass finished."""
    now = ctx.now()
    _move_on_settled(ctx)
    finished = []
    for (persona, platform), items in _due_by_account(ctx, now).items():
        for item in items[:_allowance(ctx, persona, platform, now)]:
            done = _take_down(ctx, item)
            if done.state in DONE:
                finished.append(done)
    return finished


def _move_on_settled(ctx: Context) -> None:
    with ctx.session() as session:
        for item in session.exec(select(TakedownItem).where(col(TakedownItem.state) == WAITING)):
            post = session.get(Post, item.post_id)
            if post is None or post.status in (S.publishing, S.unconfirmed):
                continue  # still being settled
            if post.status == S.published:
                item.state = PENDING
            else:
                item.state, item.done_at = NOT_SENT, ctx.now()
                item.detail = f"it never went out ({post.status})"
            session.add(item)
        session.commit()


def _due_by_account(ctx: Context, now: datetime) -> dict[tuple[str, str], list[TakedownItem]]:
    with ctx.session() as session:
        due = session.exec(select(TakedownItem).where(
            col(TakedownItem.state) == PENDING,
            (col(TakedownItem.not_before).is_(None)) | (col(TakedownItem.not_before) <= now))
            .order_by(col(TakedownItem.id))).all()
    grouped: dict[tuple[str, str], list[TakedownItem]] = defaultdict(list)
    for item in due:
        grouped[(item.persona, item.platform)].append(item)
    return grouped


def _allowance(ctx: Context, persona: str, platform: str, now: datetime) -> int:
    """Deletes this account may still make now: its budget's window, less what it used, and
    none while the platform has it rate-limited."""
    count, seconds = (ctx.ws.settings.takedown.budget.get(platform)
                      or DEFAULT_BUDGET.get(platform) or (10_000, 1.0))
    with ctx.session() as session:
        limit = session.get(AccountLimit, f"{persona}/{platform}")
        if limit is not None and limit.blocked_until is not None and limit.blocked_until > now:
            return 0
        used = session.exec(select(func.count()).select_from(TakedownItem).where(
            col(TakedownItem.persona) == persona, col(TakedownItem.platform) == platform,
            col(TakedownItem.state).in_([REMOVED, GONE, FAILED]),
            col(TakedownItem.done_at) > now - timedelta(seconds=seconds))).one()
    return max(0, int(count) - int(used))


def _take_down(ctx: Context, item: TakedownItem) -> TakedownItem:
    with ctx.session() as session:
        item = session.merge(item)
        post = session.get(Post, item.post_id)
        row = _publication(session, item.post_id)
        assert post is not None
        item.url = row.url if row is not None else None
        if post.status == S.deleted:
            return _finish(ctx, session, item, GONE, "deleted already")
        if row is None or row.platform_id is None or post.status != S.published:
            return _finish(ctx, session, item, FAILED, "no record of where it was published")
        adapter = adapter_where_published(ctx, post, row.detail.get("folder"))
        if not adapter.deletes:
            return _finish(ctx, session, item, UNSUPPORTED,
                           f"{post.platform}: its API cannot delete posts; remove it in the app")
        item.attempts += 1
        try:
            adapter.delete(_published(post, row))
        except AlreadyGone as exc:
            _mark_deleted(ctx, session, post, row, "taken down: not on the platform any more")
            return _finish(ctx, session, item, GONE, str(exc))
        except RetryableError as exc:
            if item.attempts >= ctx.ws.settings.takedown.attempts:
                return _finish(ctx, session, item, FAILED, f"gave up after {item.attempts} "
                               f"attempts: {exc}")
            wait = timedelta(seconds=exc.retry_after) if exc.retry_after else RETRY_AFTER
            item.not_before, item.detail = ctx.now() + wait, str(exc)
            session.add(item)
            session.commit()
            return item
        except (PermanentError, InfluencerError) as exc:
            return _finish(ctx, session, item, FAILED, str(exc))
        _mark_deleted(ctx, session, post, row, "taken down: consent revoked")
        return _finish(ctx, session, item, REMOVED, None)


def _finish(ctx: Context, session: Session, item: TakedownItem, state: str,
            detail: str | None) -> TakedownItem:
    item.state, item.detail, item.done_at = state, detail, ctx.now()
    session.add(item)
    session.commit()
    level = 30 if state in (FAILED, UNSUPPORTED) else 20
    log.log(level, "%s on %s, post %s: takedown %s%s", item.persona, item.platform,
            short_id(item.post_id), state, f" — {detail}" if detail else "")
    return item


def _publication(session: Session, post_id: str) -> Publication | None:
    return session.exec(select(Publication).where(col(Publication.post_id) == post_id,
                                                  col(Publication.mode) == PostMode.live)).first()


def _published(post: Post, row: Publication) -> Published:
    return Published(post.platform, post.id, str(row.platform_id), row.url, PostMode.live,
                     row.published_at, row.detail)


def _mark_deleted(ctx: Context, session: Session, post: Post, row: Publication,
                  reason: str) -> Post:
    row.deleted_at = ctx.now()
    session.add(row)
    return transition(session, post.id, PostStatus.deleted, actor=ctx.actor, now=ctx.now(),
                      reason=reason)
