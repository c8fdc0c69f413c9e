"""What settling an unknown outcome needs: when a post was first claimed, the key the platform
stores it under, what an adapter did on earlier attempts, when it was last looked up; and the
account each publication belongs to, so one platform id settles at most one post.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from influencer.store.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.add_column(sa.Column("first_claimed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("platform_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("progress", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("looked_up_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("publication") as batch:
        batch.add_column(sa.Column("account", sa.String(64), nullable=True))
    op.execute("UPDATE publication SET account = "
               "(SELECT persona FROM post WHERE post.id = publication.post_id)")
    with op.batch_alter_table("publication") as batch:
        batch.create_unique_constraint("uq_publication_platform_id",
                                       ["mode", "platform", "account", "platform_id"])


def downgrade() -> None:
    with op.batch_alter_table("publication") as batch:
        batch.drop_constraint("uq_publication_platform_id", type_="unique")
        batch.drop_column("account")
    with op.batch_alter_table("post") as batch:
        for column in ("looked_up_at", "progress", "platform_key", "first_claimed_at"):
            batch.drop_column(column)
