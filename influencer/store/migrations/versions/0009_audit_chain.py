"""Hash-chained audit events: each twin's events carry their place in its chain and the hash
of the one before; ``audit_chain`` holds each chain's head (the lock appends take).

Revision ID: 0009
Revises: 0008

Events written before are chained here, in the order they were written (by id): an event's
twin is its post's persona, else the persona or scope its detail names, else ``*``. The
append-only triggers are lifted for that, and put back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from influencer.store.audit import GENESIS, WORKSPACE, event_hash
from influencer.store.models import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

EVENTS = sa.table("audit_event", sa.column("id", sa.Integer), sa.column("at", UTCDateTime()),
                  sa.column("post_id", sa.String), sa.column("actor", sa.String),
                  sa.column("action", sa.String), sa.column("from_status", sa.String),
                  sa.column("to_status", sa.String), sa.column("detail", sa.JSON),
                  sa.column("twin", sa.String), sa.column("seq", sa.Integer),
                  sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
POSTS = sa.table("post", sa.column("id", sa.String), sa.column("persona", sa.String))
CHAINS = sa.table("audit_chain", sa.column("twin", sa.String), sa.column("seq", sa.Integer),
                  sa.column("hash", sa.String))


def upgrade() -> None:
    from influencer.store.migrations import append_only

    op.create_table("audit_chain", sa.Column("twin", sa.String(64), primary_key=True),
                    sa.Column("seq", sa.Integer(), nullable=False),
                    sa.Column("hash", sa.String(64), nullable=False))
    append_only.lift()
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("twin", sa.String(64), nullable=False, server_default=WORKSPACE))
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=False, server_default=""))
    _chain_what_was_written()
    with op.batch_alter_table("audit_event") as batch:
        batch.create_unique_constraint("uq_audit_event_chain", ["twin", "seq"])
    append_only.restore()


def _chain_what_was_written() -> None:
    bind = op.get_bind()
    owners = dict(bind.execute(sa.select(POSTS.c.id, POSTS.c.persona)).all())
    heads: dict[str, tuple[int, str]] = {}
    for row in bind.execute(sa.select(EVENTS).order_by(EVENTS.c.id)).mappings().all():
        detail = row["detail"] or {}
        twin = str(owners.get(row["post_id"]) or detail.get("persona") or detail.get("scope")
                   or WORKSPACE)
        seq, prev = heads.get(twin, (0, GENESIS))
        fields = {**row, "twin": twin, "seq": seq + 1, "prev_hash": prev}
        digest = event_hash(fields)
        bind.execute(EVENTS.update().where(EVENTS.c.id == row["id"]).values(
            twin=twin, seq=seq + 1, prev_hash=prev, hash=digest))
        heads[twin] = (seq + 1, digest)
    if heads:
        bind.execute(CHAINS.insert(), [{"twin": t, "seq": s, "hash": h} for t, (s, h) in heads.items()])


def downgrade() -> None:
    from influencer.store.migrations import append_only

    append_only.lift()
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_constraint("uq_audit_event_chain", type_="unique")
        for column in ("hash", "prev_hash", "seq", "twin"):
            batch.drop_column(column)
    append_only.restore()
    op.drop_table("audit_chain")
