"""The twins' accounts: the context an adapter posts with, the adapter a post goes through
(the platform, or the outbox for dry runs and accounts not yet live), and ``accounts verify``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from influencer.clock import Clock
from influencer.config import Workspace
from influencer.errors import InfluencerError
from influencer.flow.context import Context
from influencer.platforms import platform_class
from influencer.platforms.base import AccountContext, Platform
from influencer.platforms.outbox import outbox_for
from influencer.store import Post, PostMode


def account_context(ws: Workspace, persona: str, platform: str,
                    clock: Clock | None = None) -> AccountContext:
    account = ws.personas[persona].accounts[platform]
    return AccountContext(
        persona=persona, platform=platform, handle=account.handle,
        credentials=account.credentials, root=ws.root, state_dir=ws.state_dir,
        base_url=str(account.base_url).rstrip("/") if account.base_url else None,
        user_id=account.user_id, clock=clock or (lambda: datetime.now(UTC)))


def adapter_for(ctx: Context, post: Post, dry_run: bool) -> Platform:
    target = platform_class(post.platform)
    account = ctx.ws.personas[post.persona].accounts[post.platform]
    if dry_run:
        return outbox_for(target, ctx.ws.outbox_dir, PostMode.dry)
    if not account.live:
        return outbox_for(target, ctx.ws.outbox_dir, PostMode.live)
    return target(account_context(ctx.ws, post.persona, post.platform, ctx.clock))


def adapter_where_published(ctx: Context, post: Post, folder: str | None) -> Platform:
    """The adapter for where a published post went — the outbox when its publication names a
    folder, else its platform — whatever the account's ``live`` says today (a post sent live
    is deleted on the platform even after the account went back to the outbox)."""
    target = platform_class(post.platform)
    if folder:
        return outbox_for(target, ctx.ws.outbox_dir, PostMode.live)
    return target(account_context(ctx.ws, post.persona, post.platform, ctx.clock))


@dataclass(frozen=True)
class AccountCheck:
    persona: str
    platform: str
    handle: str
    live: bool
    ok: bool
    detail: str  # the account the platform says it is, or why it failed


def verify_accounts(ws: Workspace, persona: str | None = None) -> list[AccountCheck]:
    """Resolve each account's credentials and ask its platform who they belong to."""
    if persona is not None and persona not in ws.personas:
        raise InfluencerError(f"no persona {persona!r}")
    checks = []
    for pid, item in sorted(ws.personas.items()):
        if persona is not None and pid != persona:
            continue
        for platform, account in sorted(item.accounts.items()):
            try:
                who = platform_class(platform)(account_context(ws, pid, platform)).verify()
                checks.append(AccountCheck(pid, platform, account.handle, account.live, True, who))
            except InfluencerError as exc:
                checks.append(AccountCheck(pid, platform, account.handle, account.live, False,
                                           str(exc)))
    return checks
