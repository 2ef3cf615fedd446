"""positions.trusted: only positions sent with their device's proof move cars and make passages

Positions stored before this migration came in when every device was believed; they are marked trusted
so that an event under way keeps its history.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.add_column(sa.Column("trusted", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("positions") as batch:
        batch.alter_column("trusted", server_default=sa.false())


def downgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("trusted")
