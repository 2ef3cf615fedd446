"""events: when the results were published and declared final; protests: a crew's inquiries and protests

Results published before this migration count as provisional with no publication time: publishing them
again starts their protest window.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy of `events` (see downgrade).
    op.add_column("events", sa.Column("results_published_us", sa.BigInteger(), nullable=True))
    op.add_column("events", sa.Column("results_final_us", sa.BigInteger(), nullable=True))
    op.add_column(
        "events", sa.Column("results_final_by", sa.String(length=100), nullable=False, server_default="")
    )
    op.create_table(
        "protests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("start_no", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("control", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=100), nullable=False),
        sa.Column("filed_us", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("answer", sa.Text(), nullable=False, server_default=""),
        sa.Column("decided_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("decided_us", sa.BigInteger(), nullable=True),
        sa.Column("correction_id", sa.Integer(), sa.ForeignKey("corrections.id"), nullable=True),
    )
    op.create_index("ix_protests_event_id", "protests", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_protests_event_id", table_name="protests")
    op.drop_table("protests")
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch copy of `events` would, on SQLite with
    # foreign keys on, cascade-delete every row that refers to the event.
    for column in ("results_final_by", "results_final_us", "results_published_us"):
        op.execute(f"ALTER TABLE events DROP COLUMN {column}")
