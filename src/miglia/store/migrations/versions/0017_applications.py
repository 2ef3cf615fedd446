"""applications: the public application form, its photos, the selection and the waitlist, scrutineering

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_CHILDREN = (
    "application_versions",
    "application_photos",
    "application_decisions",
    "application_notes",
    "application_fees",
    "application_offers",
)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _event_id() -> sa.Column[int]:
    return sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False)


def _application_id() -> sa.Column[int]:
    return sa.Column(
        "application_id", sa.Integer(), sa.ForeignKey("applications.id", ondelete="CASCADE"), nullable=False
    )


def _made() -> list[sa.Column[object]]:
    return [
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.Column("made_us", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "application_settings",
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("deadline", sa.String(length=10), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("offer_hours", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_us", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "applications",
        _id(),
        _event_id(),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("start_no", sa.Integer(), nullable=True),
        sa.Column("number_how", sa.String(length=10), nullable=False, server_default=""),
    )
    op.create_index("ix_applications_event_id", "applications", ["event_id"])
    op.create_table(
        "application_versions",
        _id(),
        _application_id(),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
    )
    op.create_table(
        "application_photos",
        _id(),
        _application_id(),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("added_us", sa.BigInteger(), nullable=False),
        sa.Column("removed_us", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "application_decisions",
        _id(),
        _application_id(),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        *_made(),
    )
    op.create_table(
        "application_notes",
        _id(),
        _application_id(),
        sa.Column("text", sa.Text(), nullable=False),
        *_made(),
    )
    op.create_table(
        "application_fees",
        _id(),
        _application_id(),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        *_made(),
    )
    op.create_table(
        "application_offers",
        _id(),
        _application_id(),
        sa.Column("made_us", sa.BigInteger(), nullable=False),
        sa.Column("deadline_us", sa.BigInteger(), nullable=False),
        sa.Column("answer", sa.String(length=10), nullable=False, server_default=""),
        sa.Column("answered_us", sa.BigInteger(), nullable=True),
    )
    for table in _CHILDREN:
        op.create_index(f"ix_{table}_application_id", table, ["application_id"])
    op.create_table(
        "outbox",
        _id(),
        _event_id(),
        sa.Column("to_addr", sa.String(length=400), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_outbox_event_id", "outbox", ["event_id"])
    op.create_table(
        "scrutiny_checks",
        _id(),
        _event_id(),
        sa.Column("start_no", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=30), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        *_made(),
    )
    op.create_index("ix_scrutiny_checks_event_id", "scrutiny_checks", ["event_id"])
    op.create_table(
        "car_starts",
        _id(),
        _event_id(),
        sa.Column("start_no", sa.Integer(), nullable=False),
        *_made(),
        sa.UniqueConstraint("event_id", "start_no", name="uq_car_starts_event_car"),
    )
    op.create_index("ix_car_starts_event_id", "car_starts", ["event_id"])


def downgrade() -> None:
    for table in ("car_starts", "scrutiny_checks", "outbox", *reversed(_CHILDREN), "applications"):
        op.drop_table(table)
    op.drop_table("application_settings")
