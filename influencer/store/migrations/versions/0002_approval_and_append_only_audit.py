"""Approval columns on posts, one publication per post and mode, an append-only audit log.

Revision ID: 0002
Revises: 0001

On SQLite the publication table is rebuilt (batch mode) to add its unique constraint; rows are
copied across. Triggers make audit_event refuse UPDATE and DELETE on both backends.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from influencer.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$""",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
]


def upgrade() -> None:
    with op.batch_alter_table("post") as batch:
        batch.add_column(sa.Column("approved_by", sa.String(128), nullable=True))
        batch.add_column(sa.Column("approved_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("publication") as batch:
        batch.create_unique_constraint("uq_publication_post_mode", ["post_id", "mode"])
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_TRIGGERS if sqlite else POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("DROP TRIGGER audit_event_no_delete")
    else:
        op.execute("DROP TRIGGER audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    with op.batch_alter_table("publication") as batch:
        batch.drop_constraint("uq_publication_post_mode", type_="unique")
    with op.batch_alter_table("post") as batch:
        batch.drop_column("approved_at")
        batch.drop_column("approved_by")
