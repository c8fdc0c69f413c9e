"""The daemon's shared state: per-account limits, retry waits, pauses, alerts sent, heartbeats.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from influencer.store.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_limit",
        sa.Column("account", sa.String(128), primary_key=True),
        sa.Column("window_start", UTCDateTime(), nullable=True),
        sa.Column("window_count", sa.Integer(), nullable=False),
        sa.Column("blocked_until", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "publish_retry",
        sa.Column("post_id", sa.String(32), primary_key=True),
        sa.Column("not_before", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
    )
    op.create_table(
        "pause",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("paused_by", sa.String(128), nullable=False),
        sa.Column("paused_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "alert_sent",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "daemon",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("once", sa.Boolean(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.Column("stopped_at", UTCDateTime(), nullable=True),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    for table in ("daemon", "alert_sent", "pause", "publish_retry", "account_limit"):
        op.drop_table(table)
