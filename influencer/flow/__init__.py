"""The life of a post, one module a step. Every command, the daemon and the preview go through
these functions; nothing here imports a presentation (``preview/``, ``web/``, ``cli/``).

    context.py    Context (workspace, database, clock, actor), Window, shared queries, step log
    plan.py       slots from schedules (pure), and the window's planned post rows
    draft.py      images chosen and rendered, captions written, stored; labelled again on use
    approve.py    a person approves, rejects, edits; unapproved drafts held, then skipped
    review.py     a window drafted and returned for review, with each post's document
    claim.py      approved → publishing, with a lease, within the account's budget and pauses
    limits.py     per-account budgets and retry waits, shared through the database
    publish.py    the one publish path: send a claimed post, record its outcome, look it up;
                  post --now; dry runs into the outbox
    settle.py     unknown outcomes, retries, a person's resolution, missed slots
    takedown.py   a published post removed through its adapter
    due.py        what a daemon's pass finds due: drafts to make, rehearsals to run
    accounts.py   the adapter a post goes through; accounts verify
    control.py    pause and resume
    check.py      influencer check: the files' problems and what the consent in force refuses
    alerts.py     who is told what, once
    status.py     influencer status, heartbeats, post counts
    listings.py   rows for the personas and schedules listings
"""

from influencer.flow.context import Context, Limits, Window
from influencer.store import Post, PostStatus

__all__ = ["Context", "Limits", "Post", "PostStatus", "Window"]
