"""hospitality: hotels and their rooms, meal venues, the crews' allocations and the reports sent

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

LIVE = "ended_us IS NULL"


def _event_id() -> sa.Column[int]:
    return sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False)


def _venue_id() -> sa.Column[int]:
    return sa.Column(
        "venue_id", sa.Integer(), sa.ForeignKey("hospitality_venues.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "hospitality_venues",
        sa.Column("id", sa.Integer(), primary_key=True),
        _event_id(),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("opens", sa.String(length=5), nullable=False, server_default=""),
        sa.Column("closes", sa.String(length=5), nullable=False, server_default=""),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("menu", sa.JSON(), nullable=False),
        sa.Column("from_stop", sa.Boolean(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("event_id", "day", "kind", "name", name="uq_hospitality_venues_name"),
    )
    op.create_table(
        "hospitality_rooms",
        sa.Column("id", sa.Integer(), primary_key=True),
        _venue_id(),
        sa.Column("room_type", sa.String(length=12), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_us", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("venue_id", "room_type", name="uq_hospitality_rooms_type"),
    )
    op.create_table(
        "hospitality_needs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _event_id(),
        sa.Column("start_no", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(length=12), nullable=False, server_default=""),
        sa.Column("driver_diet", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("driver_allergies", sa.Text(), nullable=False, server_default=""),
        sa.Column("co_driver_diet", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("co_driver_allergies", sa.Text(), nullable=False, server_default=""),
        sa.Column("menu", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_us", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_hospitality_needs_start_no", "hospitality_needs", ["start_no"])
    op.create_table(
        "hospitality_allocations",
        sa.Column("id", sa.Integer(), primary_key=True),
        _event_id(),
        sa.Column("night", sa.Integer(), nullable=False),
        sa.Column("start_no", sa.Integer(), nullable=False),
        _venue_id(),
        sa.Column("room_type", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("how", sa.String(length=8), nullable=False),
        sa.Column("allocated_by", sa.String(length=100), nullable=False),
        sa.Column("allocated_us", sa.BigInteger(), nullable=False),
        sa.Column("ended_us", sa.BigInteger(), nullable=True),
        sa.Column("ended_by", sa.String(length=100), nullable=False, server_default=""),
    )
    op.create_index(
        "ux_hospitality_allocations_live",
        "hospitality_allocations",
        ["event_id", "night", "start_no"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_table(
        "hospitality_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        _event_id(),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("sent_by", sa.String(length=100), nullable=False),
        sa.Column("sent_us", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "hospitality_feeds",
        sa.Column("id", sa.Integer(), primary_key=True),
        _event_id(),
        sa.Column("start_no", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("event_id", "start_no", name="uq_hospitality_feeds_car"),
    )


def downgrade() -> None:
    op.drop_table("hospitality_feeds")
    op.drop_table("hospitality_reports")
    op.drop_table("hospitality_allocations")
    op.drop_table("hospitality_needs")
    op.drop_table("hospitality_rooms")
    op.drop_table("hospitality_venues")
