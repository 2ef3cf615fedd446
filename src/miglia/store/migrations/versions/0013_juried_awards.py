"""juried awards: the awards, their rounds, the jurors' ballots (one current per juror and round) and the
organiser's casting choices

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _award_id() -> sa.Column[int]:
    return sa.Column("award_id", sa.Integer(), sa.ForeignKey("awards.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "awards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("winners", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("tie_rule", sa.String(length=10), nullable=False),
        sa.Column("show_names", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("revealed_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("revealed_us", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("event_id", "name", name="uq_awards_event_name"),
    )
    op.create_index("ix_awards_event_id", "awards", ["event_id"])
    op.create_table(
        "award_rounds",
        sa.Column("id", sa.Integer(), primary_key=True),
        _award_id(),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=True),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("opened_us", sa.BigInteger(), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("closed_us", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("award_id", "number", name="uq_award_rounds_award_number"),
    )
    op.create_index("ix_award_rounds_award_id", "award_rounds", ["award_id"])
    op.create_table(
        "award_ballots",
        sa.Column("id", sa.Integer(), primary_key=True),
        _award_id(),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("juror", sa.String(length=100), nullable=False),
        sa.Column("cast_us", sa.BigInteger(), nullable=False),
        sa.Column("withdrawn_us", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_award_ballots_award_id", "award_ballots", ["award_id"])
    op.create_index(
        "ux_award_ballots_current",
        "award_ballots",
        ["award_id", "round", "juror"],
        unique=True,
        sqlite_where=sa.text("withdrawn_us IS NULL"),
        postgresql_where=sa.text("withdrawn_us IS NULL"),
    )
    op.create_table(
        "award_choices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ballot_id", sa.Integer(), sa.ForeignKey("award_ballots.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("start_no", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_award_choices_ballot_id", "award_choices", ["ballot_id"])
    op.create_table(
        "award_castings",
        sa.Column("id", sa.Integer(), primary_key=True),
        _award_id(),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("chosen", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_us", sa.BigInteger(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.UniqueConstraint("award_id", "round", name="uq_award_castings_award_round"),
    )
    op.create_index("ix_award_castings_award_id", "award_castings", ["award_id"])


def downgrade() -> None:
    op.drop_table("award_castings")
    op.drop_table("award_choices")
    op.drop_table("award_ballots")
    op.drop_table("award_rounds")
    op.drop_table("awards")
