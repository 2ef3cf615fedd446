"""live tracking: per-event tracking settings; alerts get a subject and are open once

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_settings",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("accept_unregistered", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=100), nullable=False, server_default=""))
        batch_op.create_index(
            "ux_alerts_open",
            ["event_id", "start_no", "kind", "subject"],
            unique=True,
            sqlite_where=sa.text("resolved_us IS NULL"),
            postgresql_where=sa.text("resolved_us IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ux_alerts_open")
        batch_op.drop_column("subject")
    op.drop_table("tracking_settings")
