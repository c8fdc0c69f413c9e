"""A post's kind: a planned ``slot`` of a schedule, or a ``manual`` post made by ``post --now``.

Revision ID: 0006
Revises: 0005

The slot key becomes (schedule, platform, slot_at, mode, kind), so a post made now never takes
the identity of a planned slot at the same time (nor fails on it). Existing rows are slots.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default="slot"))
        batch.drop_constraint("uq_post_slot", type_="unique")
        batch.create_unique_constraint("uq_post_slot", ["schedule", "platform", "slot_at", "mode", "kind"])


def downgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.drop_constraint("uq_post_slot", type_="unique")
        batch.create_unique_constraint("uq_post_slot", ["schedule", "platform", "slot_at", "mode"])
        batch.drop_column("kind")
