"""Image uses: which image went into which post, on which platform and day.

Revision ID: 0003
Revises: 0002

Selection reads this table to space out reuse of an image on one platform and to keep two
twins from showing the same or a near-identical image on the same day.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from influencer.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "image_use",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("post_id", sa.String(32), nullable=False),
        sa.Column("persona", sa.String(64), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("phash", sa.String(32), nullable=True),
        sa.Column("used_on", sa.Date(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("post_id", "position", name="uq_image_use_post_position"),
    )
    op.create_index("ix_image_use_post_id", "image_use", ["post_id"])
    op.create_index("ix_image_use_used_on", "image_use", ["used_on"])
    op.create_index("ix_image_use_persona_platform_used_on", "image_use",
                    ["persona", "platform", "used_on"])
    op.create_index("ix_image_use_persona_sha256", "image_use", ["persona", "sha256"])


def downgrade() -> None:
    op.drop_table("image_use")
