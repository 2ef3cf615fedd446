"""gps passages: one first crossing per car, control and line (a partial unique index on source 'gps')

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ux_passages_gps_first",
        "passages",
        ["event_id", "start_no", "control", "line"],
        unique=True,
        sqlite_where=sa.text("source = 'gps'"),
        postgresql_where=sa.text("source = 'gps'"),
    )


def downgrade() -> None:
    op.drop_index("ux_passages_gps_first", table_name="passages")
