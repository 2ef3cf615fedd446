"""photos: the photographers' upload sessions, their photos, the cars in them and the organiser's hidings

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _event_id() -> sa.Column[int]:
    return sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False)


def _photo_id() -> sa.Column[int]:
    return sa.Column("photo_id", sa.Integer(), sa.ForeignKey("photos.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "photo_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _event_id(),
        sa.Column("photographer", sa.String(length=100), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("offset_s", sa.Float(), nullable=False, server_default="0"),
        sa.Column("offset_how", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("offset_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("offset_us", sa.BigInteger(), nullable=True),
        sa.Column("spot_day", sa.Integer(), nullable=True),
        sa.Column("spot_km", sa.Float(), nullable=True),
        sa.Column("spot_lat", sa.Float(), nullable=True),
        sa.Column("spot_lon", sa.Float(), nullable=True),
    )
    op.create_index("ix_photo_sessions_event_id", "photo_sessions", ["event_id"])
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), primary_key=True),
        _event_id(),
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("photo_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("photographer", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=10), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("camera", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("exif_time", sa.String(length=40), nullable=False),
        sa.Column("camera_us", sa.BigInteger(), nullable=False),
        sa.Column("exif_lat", sa.Float(), nullable=True),
        sa.Column("exif_lon", sa.Float(), nullable=True),
        sa.Column("uploaded_us", sa.BigInteger(), nullable=False),
        sa.Column("time_us", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("spot", sa.String(length=10), nullable=False),
        sa.Column("stop", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("reviewed_us", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("event_id", "sha256", name="uq_photos_event_sha256"),
    )
    op.create_index("ix_photos_event_id", "photos", ["event_id"])
    op.create_index("ix_photos_session_id", "photos", ["session_id"])
    op.create_index("ix_photos_status", "photos", ["status"])
    op.create_table(
        "photo_cars",
        sa.Column("id", sa.Integer(), primary_key=True),
        _photo_id(),
        sa.Column("start_no", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("delta_s", sa.Float(), nullable=True),
        sa.Column("made_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("made_us", sa.BigInteger(), nullable=True),
        sa.Column("withdrawn_us", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_photo_cars_photo_id", "photo_cars", ["photo_id"])
    op.create_table(
        "photo_hidings",
        sa.Column("id", sa.Integer(), primary_key=True),
        _photo_id(),
        sa.Column("hidden_by", sa.String(length=100), nullable=False),
        sa.Column("hidden_us", sa.BigInteger(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("shown_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("shown_us", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_photo_hidings_photo_id", "photo_hidings", ["photo_id"])


def downgrade() -> None:
    op.drop_table("photo_hidings")
    op.drop_table("photo_cars")
    op.drop_table("photos")
    op.drop_table("photo_sessions")
