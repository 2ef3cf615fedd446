"""roadbook_edits: the organiser's edits of the generated roadbooks, kept (who, when) and withdrawable

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roadbook_edits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("anchor_m", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("words", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("icon", sa.String(length=40), nullable=True),
        sa.Column("stubs", sa.String(length=200), nullable=True),
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.Column("made_us", sa.BigInteger(), nullable=False),
        sa.Column("withdrawn_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("withdrawn_us", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_roadbook_edits_event_id", "roadbook_edits", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_roadbook_edits_event_id", table_name="roadbook_edits")
    op.drop_table("roadbook_edits")
