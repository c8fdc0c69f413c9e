"""Takedowns: each published post of a revoked twin to delete, and what came of it.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from influencer.store.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "takedown_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("post_id", sa.String(32), sa.ForeignKey("post.id"), nullable=False, unique=True),
        sa.Column("persona", sa.String(64), nullable=False, index=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", UTCDateTime(), nullable=True),
        sa.Column("requested_by", sa.String(128), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("takedown_item")
