"""street_maps: the roads near an event's routes, from the organiser's OpenStreetMap extract

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "street_maps",
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("ways", sa.JSON(), nullable=False),
        sa.Column("stored_by", sa.String(length=100), nullable=False),
        sa.Column("stored_us", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("street_maps")
