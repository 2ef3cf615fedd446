"""entries: the parts of a 1000 Miglia coefficient (displacement_cc, category, mm_history)

Entries stored before this migration get none of them (NULL, "" and ""): not known, as in an entries
file without these columns; importing the entries file again fills them in.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("displacement_cc", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("category", sa.String(length=20), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("mm_history", sa.String(length=20), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_column("mm_history")
        batch_op.drop_column("category")
        batch_op.drop_column("displacement_cc")
