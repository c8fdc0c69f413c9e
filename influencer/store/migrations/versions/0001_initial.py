"""Initial schema: image assets, posts, publications, the audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from influencer.store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "image_asset",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("persona", sa.String(64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("phash", sa.String(32), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("alt_text", sa.Text(), nullable=True),
        sa.Column("focal_x", sa.Float(), nullable=True),
        sa.Column("focal_y", sa.Float(), nullable=True),
        sa.Column("do_not_use", sa.Boolean(), nullable=False),
        sa.Column("missing", sa.Boolean(), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("persona", "path", name="uq_image_asset_persona_path"),
    )
    op.create_index("ix_image_asset_persona", "image_asset", ["persona"])
    op.create_index("ix_image_asset_phash", "image_asset", ["phash"])
    op.create_index("ix_image_asset_persona_sha256", "image_asset", ["persona", "sha256"])
    op.create_table(
        "post",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("persona", sa.String(64), nullable=False),
        sa.Column("schedule", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("slot_at", UTCDateTime(), nullable=False),
        sa.Column("publish_at", UTCDateTime(), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("alt_texts", sa.JSON(), nullable=False),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("writer", sa.String(32), nullable=True),
        sa.Column("model", sa.String(128), nullable=True),
        sa.Column("prompt_hash", sa.String(64), nullable=True),
        sa.Column("persona_hash", sa.String(64), nullable=True),
        sa.Column("schedule_hash", sa.String(64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("schedule", "platform", "slot_at", "mode", name="uq_post_slot"),
    )
    op.create_index("ix_post_status_publish_at", "post", ["status", "publish_at"])
    op.create_index("ix_post_persona_slot_at", "post", ["persona", "slot_at"])
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("post_id", sa.String(32), sa.ForeignKey("post.id"), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("platform_id", sa.String(256), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_publication_post_id", "publication", ["post_id"])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("post_id", sa.String(32), nullable=True),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_event_post_id", "audit_event", ["post_id"])


def downgrade() -> None:
    for table in ("audit_event", "publication", "post", "image_asset"):
        op.drop_table(table)
