"""The one rule of consent. Pure: given the model's grant, may the twin post here, now, in this
campaign, to this account's audience? Planning, drafting and publishing all ask ``refusal``; the
listings, the preview and the alerts all read ``state``. Which grant applies (the persona file's
today, a recorded version tomorrow) is the flow's to decide, never this module's.

A grant refuses a post when it is revoked; before it starts or after it ends (local dates of the
slot); on a platform it does not name; for a campaign in a category it excludes; or for an account
whose territories (ISO 3166-1 alpha-2, EU, EEA, WORLD) reach beyond the grant's. A grant that
names no territories applies everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from influencer.config.persona import Account, Rights
from influencer.config.schedule import Campaign, Schedule
from influencer.config.territories import expand

Kind = Literal["revoked", "not-yet", "expired", "platform", "category", "territory"]
StateName = Literal["revoked", "not yet granted", "expired", "expiring", "valid"]


@dataclass(frozen=True)
class Refusal:
    kind: Kind
    reason: str  # said to people, recorded on the post

    def __str__(self) -> str:
        return self.reason


def refusal(grant: Rights, platform: str, when: date, campaign: Campaign | None,
            account: Account | None, *, twin: str) -> Refusal | None:
    """Why ``grant`` stops a post of ``twin`` on ``platform`` on the local day ``when``, or None."""
    if grant.revoked:
        return Refusal("revoked", f"rights revoked for {twin}")
    if when < grant.granted:
        return Refusal("not-yet", f"rights for {twin} start on {grant.granted}")
    if when > grant.expires:
        return Refusal("expired", f"rights for {twin} expired on {grant.expires}")
    for kind, reason in (("platform", _platform(grant, platform, twin)),
                         ("category", _categories(grant, campaign.categories if campaign else [], twin)),
                         ("territory", _territories(grant, platform, account, twin))):
        if reason:
            return Refusal(kind, reason)  # type: ignore[arg-type]  # the literals above are Kinds
    return None


@dataclass(frozen=True)
class Conflict:
    """Something in a file that the grant refuses on every day: ``influencer check`` reports it
    at the line of ``loc`` (a field path in the schedule or persona file)."""

    loc: tuple[str | int, ...]
    message: str
    hint: str


def schedule_conflicts(grant: Rights, schedule: Schedule, *, twin: str) -> list[Conflict]:
    found = []
    for index, platform in enumerate(schedule.platforms):
        reason = _platform(grant, platform, twin)
        if reason:
            found.append(Conflict(("platforms", index), f"{reason} (rights.platforms: "
                                  f"{', '.join(grant.platforms)})",
                                  "the model's agreement must cover a platform before it is used"))
    for index, category in enumerate(schedule.campaign.categories):
        reason = _categories(grant, [category], twin)
        if reason:
            found.append(Conflict(("campaign", "categories", index), reason,
                                  "the model refuses this category: choose another campaign"))
    return found


def account_conflicts(grant: Rights, accounts: Mapping[str, Account], *, twin: str) -> list[Conflict]:
    found = []
    for platform, account in accounts.items():
        reason = _territories(grant, platform, account, twin)
        if reason:
            found.append(Conflict(("accounts", platform), reason,
                                  f"give accounts.{platform}.territories within the grant's "
                                  f"({', '.join(grant.territories)})"))
    return found


def _platform(grant: Rights, platform: str, twin: str) -> str | None:
    if platform not in grant.platforms:
        return f"rights for {twin} do not cover {platform}"
    return None


def _categories(grant: Rights, categories: Sequence[str], twin: str) -> str | None:
    excluded = {c.casefold() for c in grant.exclude_categories}
    refused = [c for c in categories if c.casefold() in excluded]
    if refused:
        return f"rights for {twin} exclude the campaign category {', '.join(map(repr, refused))}"
    return None


def _territories(grant: Rights, platform: str, account: Account | None, twin: str) -> str | None:
    if not grant.territories:
        return None
    if account is None or not account.territories:
        return (f"the {platform} account of {twin} declares no territories; the rights cover only "
                f"{', '.join(grant.territories)}")
    outside = sorted(expand(account.territories) - expand(grant.territories))
    if not outside:
        return None
    shown = ", ".join(outside[:8]) + (f" and {len(outside) - 8} more" if len(outside) > 8 else "")
    return (f"the {platform} account of {twin} reaches {shown}, outside the rights' territories "
            f"({', '.join(grant.territories)})")


@dataclass(frozen=True)
class GrantState:
    name: StateName
    days_left: int  # until the last day of the grant (negative once it has ended)

    def __str__(self) -> str:
        return f"expires in {self.days_left} days" if self.name == "expiring" else self.name


def state(grant: Rights, today: date, warn_days: int) -> GrantState:
    """Where the grant stands on ``today``: expiring within ``warn_days`` is called out."""
    left = (grant.expires - today).days
    if grant.revoked:
        return GrantState("revoked", left)
    if today < grant.granted:
        return GrantState("not yet granted", left)
    if left < 0:
        return GrantState("expired", left)
    return GrantState("expiring" if left <= warn_days else "valid", left)
