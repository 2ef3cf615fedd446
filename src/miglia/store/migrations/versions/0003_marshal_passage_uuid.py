"""marshal passages: the phone's client-generated UUID, unique, so a re-sent record is stored once

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_uuid", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint("uq_passages_client_uuid", ["client_uuid"])


def downgrade() -> None:
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_passages_client_uuid", type_="unique")
        batch_op.drop_column("client_uuid")
