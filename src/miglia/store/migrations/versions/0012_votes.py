"""spectators' votes: the categories, the votes and the organiser's voids

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _category_id() -> sa.Column[int]:
    return sa.Column(
        "category_id", sa.Integer(), sa.ForeignKey("vote_categories.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "vote_keys",
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("made_us", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "vote_categories",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("event_id", "name", name="uq_vote_categories_event_name"),
    )
    op.create_index("ix_vote_categories_event_id", "vote_categories", ["event_id"])
    op.create_table(
        "vote_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        _category_id(),
        sa.Column("step", sa.String(length=10), nullable=False),
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.Column("made_us", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_vote_steps_category_id", "vote_steps", ["category_id"])
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _category_id(),
        sa.Column("start_no", sa.Integer(), nullable=False),
        sa.Column("cast_us", sa.BigInteger(), nullable=False),
        sa.Column("voter", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.UniqueConstraint("category_id", "voter", name="uq_votes_category_voter"),
        sa.UniqueConstraint("category_id", "device", name="uq_votes_category_device"),
    )
    op.create_index("ix_votes_category_id", "votes", ["category_id"])
    op.create_index("ix_votes_address", "votes", ["address"])
    op.create_table(
        "vote_voids",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vote_id", sa.Integer(), sa.ForeignKey("votes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("voided_by", sa.String(length=100), nullable=False),
        sa.Column("voided_us", sa.BigInteger(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("restored_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("restored_us", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_vote_voids_vote_id", "vote_voids", ["vote_id"])


def downgrade() -> None:
    op.drop_table("vote_voids")
    op.drop_table("votes")
    op.drop_table("vote_steps")
    op.drop_table("vote_categories")
    op.drop_table("vote_keys")
