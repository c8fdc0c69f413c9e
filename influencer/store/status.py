"""A post's statuses and the moves between them.

    planned ─▶ drafted ─▶ approved ─▶ publishing ─▶ published ─▶ deleted
                  │  ▲        │            ├──────▶ failed ──▶ approved (retry)
                  ▼  │        ▼            └──────▶ unconfirmed ─▶ published | approved
                 held ◀───────┘
    skipped and cancelled are reachable from every status before publishing; a claimed post
    (publishing) may still be held or skipped by the checks made just before it is sent.

Anything not listed in ``TRANSITIONS`` raises ``IllegalTransition``.
"""

from __future__ import annotations

from enum import StrEnum


class PostMode(StrEnum):
    """A post that really goes out (``live``: to its platform, or to the outbox while its account
    is not live, using the slot), or a rehearsal (``dry``: to the outbox; no slot is used)."""

    live = "live"
    dry = "dry"


class PostKind(StrEnum):
    """A planned ``slot`` of a schedule, or a ``manual`` post made by ``post --now``."""

    slot = "slot"
    manual = "manual"


class PostStatus(StrEnum):
    planned = "planned"
    drafted = "drafted"
    approved = "approved"
    publishing = "publishing"
    published = "published"
    failed = "failed"
    skipped = "skipped"
    held = "held"
    cancelled = "cancelled"
    unconfirmed = "unconfirmed"
    deleted = "deleted"


S = PostStatus
_BEFORE_PUBLISHING = {S.skipped, S.cancelled}

TRANSITIONS: dict[PostStatus, frozenset[PostStatus]] = {
    S.planned: frozenset({S.drafted, S.held, *_BEFORE_PUBLISHING}),
    # drafted -> drafted is a redraft; approved -> drafted is an edit after approval
    S.drafted: frozenset({S.drafted, S.approved, S.held, *_BEFORE_PUBLISHING}),
    S.approved: frozenset({S.drafted, S.publishing, S.held, *_BEFORE_PUBLISHING}),
    # publishing -> approved: a retryable error before anything was sent;
    # publishing -> held | skipped: the checks made after a claim, before sending, refused it
    S.publishing: frozenset({S.published, S.failed, S.unconfirmed, S.approved, S.held, S.skipped}),
    S.held: frozenset({S.drafted, S.approved, *_BEFORE_PUBLISHING}),
    S.failed: frozenset({S.approved, S.drafted, S.cancelled}),
    S.unconfirmed: frozenset({S.published, S.approved, S.failed}),
    # a redraft of a skipped slot (its images may be back, its rights renewed)
    S.skipped: frozenset({S.drafted, S.held}),
    S.published: frozenset({S.deleted}),
    S.cancelled: frozenset(),
    S.deleted: frozenset(),
}


def allowed(current: PostStatus, target: PostStatus) -> bool:
    return target in TRANSITIONS[current]
