"""commemorative items: the series, the serials' holders and hand-overs

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

LIVE = "ended_us IS NULL"
LIVE_ENTRY = "ended_us IS NULL AND kind IN ('car', 'driver', 'co_driver')"


def _series_id() -> sa.Column[int]:
    return sa.Column(
        "series_id", sa.Integer(), sa.ForeignKey("item_series.id", ondelete="CASCADE"), nullable=False
    )


def _ended() -> list[sa.Column[object]]:
    return [
        sa.Column("ended_us", sa.BigInteger(), nullable=True),
        sa.Column("ended_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("end_reason", sa.Text(), nullable=False, server_default=""),
    ]


def upgrade() -> None:
    op.create_table(
        "item_series",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("pieces", sa.Integer(), nullable=False),
        sa.Column("first_serial", sa.Integer(), nullable=False),
        sa.Column("digits", sa.Integer(), nullable=False),
        sa.Column("sponsor", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("event_id", "name", name="uq_item_series_event_name"),
    )
    op.create_table(
        "item_allocations",
        sa.Column("id", sa.Integer(), primary_key=True),
        _series_id(),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("start_no", sa.Integer(), nullable=True),
        sa.Column("holder", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("allocated_by", sa.String(length=100), nullable=False),
        sa.Column("allocated_us", sa.BigInteger(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), sa.ForeignKey("item_allocations.id"), nullable=True),
        *_ended(),
    )
    op.create_index(
        "ux_item_allocations_live_serial",
        "item_allocations",
        ["series_id", "serial"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_index(
        "ux_item_allocations_live_entry",
        "item_allocations",
        ["series_id", "start_no", "kind"],
        unique=True,
        sqlite_where=sa.text(LIVE_ENTRY),
        postgresql_where=sa.text(LIVE_ENTRY),
    )
    op.create_table(
        "item_handovers",
        sa.Column("id", sa.Integer(), primary_key=True),
        _series_id(),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), sa.ForeignKey("item_allocations.id"), nullable=False),
        sa.Column("received_by", sa.String(length=200), nullable=False),
        sa.Column("given_by", sa.String(length=100), nullable=False),
        sa.Column("given_us", sa.BigInteger(), nullable=False),
        sa.Column("recorded_us", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=True),
        *_ended(),
    )
    op.create_index("ix_item_handovers_allocation_id", "item_handovers", ["allocation_id"])
    op.create_index(
        "ux_item_handovers_live_serial",
        "item_handovers",
        ["series_id", "serial"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )


def downgrade() -> None:
    op.drop_table("item_handovers")
    op.drop_table("item_allocations")
    op.drop_table("item_series")
