"""Tables. Instants are integer microseconds since the epoch, UTC (BigInteger), never floats.

Raw inputs are kept as received (`raw_inputs`) before anything is interpreted from them; passages,
positions and corrections point back to the raw record they came from. Corrections never overwrite.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    rules: Mapped[str] = mapped_column(String(80))
    source_name: Mapped[str] = mapped_column(String(500))
    source_text: Mapped[str] = mapped_column(Text)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    imported_us: Mapped[int] = mapped_column(BigInteger)
    results_published: Mapped[bool] = mapped_column(Boolean, default=False)
    results_published_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """When the (provisional) results were last published: the protest window runs from there."""
    results_final_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    results_final_by: Mapped[str] = mapped_column(String(100), default="", server_default="")


class RouteRow(Base):
    __tablename__ = "routes"
    __table_args__ = (UniqueConstraint("event_id", "day_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    day_number: Mapped[int] = mapped_column(Integer)
    source_name: Mapped[str] = mapped_column(String(500))
    length_m: Mapped[float] = mapped_column(Float)
    coordinates: Mapped[list[list[float]]] = mapped_column(JSON)
    """[[lat, lon], ...] along the route in driving order."""


class EntryRow(Base):
    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("event_id", "start_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    start_no: Mapped[int] = mapped_column(Integer)
    driver: Mapped[str] = mapped_column(String(200))
    co_driver: Mapped[str] = mapped_column(String(200), default="")
    ladies: Mapped[bool] = mapped_column(Boolean, default=False)
    make: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    chassis: Mapped[str] = mapped_column(String(100), default="")
    class_name: Mapped[str] = mapped_column(String(100), default="")
    device_id: Mapped[str] = mapped_column(String(100), default="")
    team: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20))
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    # The parts of a 1000 Miglia coefficient; NULL / "" when not known (migration 0007).
    displacement_cc: Mapped[int | None] = mapped_column(Integer, nullable=True)
    category: Mapped[str] = mapped_column(String(20), default="", server_default="")
    mm_history: Mapped[str] = mapped_column(String(20), default="", server_default="")
    story: Mapped[str] = mapped_column(Text, default="", server_default="")


class RawInputRow(Base):
    """Anything received from outside, exactly as received, before it is interpreted."""

    __tablename__ = "raw_inputs"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(200))
    received_us: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text)
    accepted: Mapped[bool] = mapped_column(Boolean, default=True)
    problem: Mapped[str] = mapped_column(Text, default="")


class PositionRow(Base):
    __tablename__ = "positions"
    __table_args__ = (
        UniqueConstraint("device_id", "instant_us"),
        Index("ix_positions_device_instant", "device_id", "instant_us"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    raw_id: Mapped[int] = mapped_column(ForeignKey("raw_inputs.id"))
    device_id: Mapped[str] = mapped_column(String(100))
    instant_us: Mapped[int] = mapped_column(BigInteger)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    speed_kmh: Mapped[float | None] = mapped_column(Float, nullable=True)
    course: Mapped[float | None] = mapped_column(Float, nullable=True)
    altitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    battery: Mapped[float | None] = mapped_column(Float, nullable=True)
    trusted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    """Sent with the proof of its device (its token, a trusted broker, staff's upload): only such positions
    move a car and make passages, unless the event accepts unregistered devices (a casual tour)."""


class DeviceRow(Base):
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(200), default="")
    label: Mapped[str] = mapped_column(String(200), default="")


class AssignmentRow(Base):
    """Which entry carries which tracker on which day; a new row per change, so history is kept."""

    __tablename__ = "device_assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    device_id: Mapped[str] = mapped_column(String(100))
    start_no: Mapped[int] = mapped_column(Integer)
    day_number: Mapped[int] = mapped_column(Integer)
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_us: Mapped[int] = mapped_column(BigInteger)


class PassageRow(Base):
    __tablename__ = "passages"
    __table_args__ = (
        Index("ix_passages_event_car", "event_id", "start_no"),
        UniqueConstraint("client_uuid", name="uq_passages_client_uuid"),
        # A car's first GPS crossing of a line is stored once (live timing, several workers).
        Index(
            "ux_passages_gps_first",
            "event_id",
            "start_no",
            "control",
            "line",
            unique=True,
            sqlite_where=text("source = 'gps'"),
            postgresql_where=text("source = 'gps'"),
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    raw_id: Mapped[int | None] = mapped_column(ForeignKey("raw_inputs.id"), nullable=True)
    start_no: Mapped[int] = mapped_column(Integer)
    control: Mapped[str] = mapped_column(String(40))
    line: Mapped[str] = mapped_column(String(20), default="")
    instant_us: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_us: Mapped[int] = mapped_column(BigInteger)
    client_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True, default=None)
    """The UUID a marshal's phone gave the record: a re-sent record is recognised and stored once."""


class CorrectionRow(Base):
    """A correction or official penalty: who, when, why; cancelled by a later row, never edited."""

    __tablename__ = "corrections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    raw_id: Mapped[int | None] = mapped_column(ForeignKey("raw_inputs.id"), nullable=True)
    start_no: Mapped[int] = mapped_column(Integer)
    control: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[str] = mapped_column(String(40))
    line: Mapped[str] = mapped_column(String(20), default="")
    instant_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    passage_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    points: Mapped[str | None] = mapped_column(String(40), nullable=True)
    """A Decimal as text, exact."""
    time_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(100))
    at_us: Mapped[int] = mapped_column(BigInteger)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("corrections.id"), nullable=True)


class AlertRow(Base):
    """Raised once: at most one open (unresolved) alert per car, kind and subject (a zone, a control)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("event_id", "start_no", "kind", "raised_us"),
        Index(
            "ux_alerts_open",
            "event_id",
            "start_no",
            "kind",
            "subject",
            unique=True,
            sqlite_where=text("resolved_us IS NULL"),
            postgresql_where=text("resolved_us IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    start_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(100), default="", server_default="")
    raised_us: Mapped[int] = mapped_column(BigInteger)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str] = mapped_column(Text)
    acknowledged_by: Mapped[str] = mapped_column(String(100), default="")
    acknowledged_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    resolved_by: Mapped[str] = mapped_column(String(100), default="")
    resolved_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class TrackingSettingsRow(Base):
    """How an event's live tracking behaves: who may send positions, alert thresholds, speed zones."""

    __tablename__ = "tracking_settings"
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    accept_unregistered: Mapped[bool] = mapped_column(Boolean, default=False)
    """A casual tour: positions of devices not registered with a token move cars and make passages too
    (otherwise they are kept, in quarantine, and change nothing)."""
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """{"thresholds": {...}, "zones": [{"name", "lat", "lon", "radius_m", "limit_kmh"}],
    "time_window": {"early_h", "late_min"}, "enrol_key": "<random, for the trackers' enrolment codes>"}"""


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    start_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """For a crew account: the car whose private data this user may see."""


class UserSessionRow(Base):
    """A signed-in browser. The cookie carries a random id; this table keeps only its SHA-256, so a copy of
    the table (a backup) opens no session. A session counts while `ended_us` is empty: logging out ends
    it, a new password ends every session of the user."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_us: Mapped[int] = mapped_column(BigInteger)
    last_seen_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """Refreshed at most every few minutes, not on every request (a write per page view would cost more
    than knowing the minute)."""
    ended_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ProtestRow(Base):
    """An inquiry or protest of a crew, and the clerk of the course's answer (who, when, why)."""

    __tablename__ = "protests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    start_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    control: Mapped[str] = mapped_column(String(40), default="")
    text: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_us: Mapped[int] = mapped_column(BigInteger)
    decision: Mapped[str] = mapped_column(String(20), default="", server_default="")
    answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    decided_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    decided_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("corrections.id"), nullable=True)


class RoadbookEditRow(Base):
    """An organiser's edit of a day's generated roadbook (who, when), anchored where it was made; withdrawn
    edits are kept (who, when), not deleted."""

    __tablename__ = "roadbook_edits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    day: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(10))
    anchor_m: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    words: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    icon: Mapped[str | None] = mapped_column(String(40), nullable=True)
    stubs: Mapped[str | None] = mapped_column(String(200), nullable=True)
    """Whole degrees separated by spaces; "" removes the stubs; NULL leaves them."""
    made_by: Mapped[str] = mapped_column(String(100))
    made_us: Mapped[int] = mapped_column(BigInteger)
    withdrawn_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    withdrawn_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class StreetMapRow(Base):
    """The roads near an event's routes from the OpenStreetMap extract the organiser gave, for the roadbook's
    side roads (one per event; a new extract replaces it)."""

    __tablename__ = "street_maps"
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    source_name: Mapped[str] = mapped_column(String(300))
    ways: Mapped[Any] = mapped_column(JSON)
    stored_by: Mapped[str] = mapped_column(String(100))
    stored_us: Mapped[int] = mapped_column(BigInteger)


class PhotoSessionRow(Base):
    """One photographer's upload session: the camera's clock offset (how it was found, who set it) and the
    spot, chosen on a day's route, of the photos that carry no position."""

    __tablename__ = "photo_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    photographer: Mapped[str] = mapped_column(String(100))
    created_us: Mapped[int] = mapped_column(BigInteger)
    offset_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    offset_how: Mapped[str] = mapped_column(String(20), default="", server_default="")
    offset_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    offset_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    spot_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    spot_km: Mapped[float | None] = mapped_column(Float, nullable=True)
    spot_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    spot_lon: Mapped[float | None] = mapped_column(Float, nullable=True)


class PhotoRow(Base):
    """A photo as uploaded: its file (by content hash, so the same file is stored once), what its EXIF said,
    and what matching made of it (the time corrected by the session's offset, the day, the spot, the stop,
    the status), which is derived again whenever the offset or the tracks change."""

    __tablename__ = "photos"
    __table_args__ = (UniqueConstraint("event_id", "sha256", name="uq_photos_event_sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("photo_sessions.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(300))
    photographer: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(10))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    camera: Mapped[str] = mapped_column(String(200), default="", server_default="")
    exif_time: Mapped[str] = mapped_column(String(40))
    """DateTimeOriginal as the camera wrote it (local, its zone when it gave one)."""
    camera_us: Mapped[int] = mapped_column(BigInteger)
    exif_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    exif_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    uploaded_us: Mapped[int] = mapped_column(BigInteger)
    time_us: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    spot: Mapped[str] = mapped_column(String(10))
    stop: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    reviewed_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    reviewed_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class PhotoCarRow(Base):
    """A car in a photo: a candidate the tracks found, a car tagged from them ("auto"), or a person's
    choice ("hand", who and when; replaced choices are kept, withdrawn)."""

    __tablename__ = "photo_cars"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), index=True)
    start_no: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(10))
    distance_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    delta_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    made_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    made_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    withdrawn_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class PhotoHidingRow(Base):
    """The organiser took a photo off the public pages (who, when, why); shown again is a second record."""

    __tablename__ = "photo_hidings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"), index=True)
    hidden_by: Mapped[str] = mapped_column(String(100))
    hidden_us: Mapped[int] = mapped_column(BigInteger)
    why: Mapped[str] = mapped_column(Text)
    shown_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    shown_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


# -- spectators' votes (issue 13; migration 0012) ---------------------------------------------------


class VoteKeyRow(Base):
    """The event's vote key: the salt of the address and device hashes and the key of the voter cookie
    (made with the first category; mixed with MIGLIA_SECRET when that is set)."""

    __tablename__ = "vote_keys"
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    made_us: Mapped[int] = mapped_column(BigInteger)


class VoteCategoryRow(Base):
    """A category of the spectators' vote (People's Choice, Best pre-war car...)."""

    __tablename__ = "vote_categories"
    __table_args__ = (UniqueConstraint("event_id", "name", name="uq_vote_categories_event_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_us: Mapped[int] = mapped_column(BigInteger)


class VoteStepRow(Base):
    """The organiser opened, closed or revealed a category (who, when); the state is the last step."""

    __tablename__ = "vote_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("vote_categories.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(10))
    made_by: Mapped[str] = mapped_column(String(100))
    made_us: Mapped[int] = mapped_column(BigInteger)


class VoteRow(Base):
    """One spectator's vote: when, for which car, the voter cookie's id, and the hashes of the device token
    and of the address (never the address). One per voter and one per device in a category."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("category_id", "voter", name="uq_votes_category_voter"),
        UniqueConstraint("category_id", "device", name="uq_votes_category_device"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("vote_categories.id", ondelete="CASCADE"), index=True)
    start_no: Mapped[int] = mapped_column(Integer)
    cast_us: Mapped[int] = mapped_column(BigInteger)
    voter: Mapped[str] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """NULL without a device token (JavaScript off): NULLs never clash in the unique constraint."""
    address: Mapped[str] = mapped_column(String(64), index=True)


class VoteVoidRow(Base):
    """The organiser voided a vote (who, when, why); putting it back adds who and when (restored_*)."""

    __tablename__ = "vote_voids"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    voided_by: Mapped[str] = mapped_column(String(100))
    voided_us: Mapped[int] = mapped_column(BigInteger)
    why: Mapped[str] = mapped_column(Text)
    restored_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    restored_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


# -- juried awards (issue 13; migration 0013) -------------------------------------------------------


class AwardRow(Base):
    """A juried award as the organiser defined it (domain/ballots.py), and its reveal (who, when)."""

    __tablename__ = "awards"
    __table_args__ = (UniqueConstraint("event_id", "name", name="uq_awards_event_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    winners: Mapped[int] = mapped_column(Integer)
    roles: Mapped[list[str]] = mapped_column(JSON)
    """The roles whose holders are jurors."""
    method: Mapped[str] = mapped_column(String(10))
    tie_rule: Mapped[str] = mapped_column(String(10))
    show_names: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(100))
    created_us: Mapped[int] = mapped_column(BigInteger)
    revealed_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    revealed_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AwardRoundRow(Base):
    """A round of an award's vote: the first among every entrant, a run-off among the tied (candidates);
    opened and closed with who and when."""

    __tablename__ = "award_rounds"
    __table_args__ = (UniqueConstraint("award_id", "number", name="uq_award_rounds_award_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    seats: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_us: Mapped[int] = mapped_column(BigInteger)
    closed_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    closed_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AwardBallotRow(Base):
    """A juror's secret ballot in one round; a changed ballot is a new row, the earlier one withdrawn (kept).
    One current ballot per juror and round (a partial unique index)."""

    __tablename__ = "award_ballots"
    __table_args__ = (
        Index(
            "ux_award_ballots_current",
            "award_id",
            "round",
            "juror",
            unique=True,
            sqlite_where=text("withdrawn_us IS NULL"),
            postgresql_where=text("withdrawn_us IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    juror: Mapped[str] = mapped_column(String(100))
    cast_us: Mapped[int] = mapped_column(BigInteger)
    withdrawn_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AwardChoiceRow(Base):
    """One entrant on a ballot, at its rank (1 = the juror's first), with the juror's reason."""

    __tablename__ = "award_choices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("award_ballots.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    start_no: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)


class AwardCastingRow(Base):
    """The organiser's casting choice settling the tie after a round (who, when, why)."""

    __tablename__ = "award_castings"
    __table_args__ = (UniqueConstraint("award_id", "round", name="uq_award_castings_award_round"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    chosen: Mapped[list[int]] = mapped_column(JSON)
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_us: Mapped[int] = mapped_column(BigInteger)
    why: Mapped[str] = mapped_column(Text)


# -- commemorative items (issue 13; migration 0014) -------------------------------------------------


class ItemSeriesRow(Base):
    """A numbered series of the sponsor's items (75 chronographs, serials 001-075)."""

    __tablename__ = "item_series"
    __table_args__ = (UniqueConstraint("event_id", "name", name="uq_item_series_event_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    pieces: Mapped[int] = mapped_column(Integer)
    first_serial: Mapped[int] = mapped_column(Integer)
    digits: Mapped[int] = mapped_column(Integer)
    sponsor: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_us: Mapped[int] = mapped_column(BigInteger)


class ItemAllocationRow(Base):
    """Who a serial is meant for (or held back, or out of circulation: lost, returned), by whom, when; ended
    (who, when, why) when it no longer holds, never deleted. One live allocation per serial, and an entry
    holds one live item of each of its kinds (car, driver, co-driver): unique indexes, so concurrent
    allocations cannot give one serial to two holders."""

    __tablename__ = "item_allocations"
    __table_args__ = (
        Index(
            "ux_item_allocations_live_serial",
            "series_id",
            "serial",
            unique=True,
            sqlite_where=text("ended_us IS NULL"),
            postgresql_where=text("ended_us IS NULL"),
        ),
        Index(
            "ux_item_allocations_live_entry",
            "series_id",
            "start_no",
            "kind",
            unique=True,
            sqlite_where=text("ended_us IS NULL AND kind IN ('car', 'driver', 'co_driver')"),
            postgresql_where=text("ended_us IS NULL AND kind IN ('car', 'driver', 'co_driver')"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("item_series.id", ondelete="CASCADE"))
    serial: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    start_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    holder: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    allocated_by: Mapped[str] = mapped_column(String(100))
    allocated_us: Mapped[int] = mapped_column(BigInteger)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("item_allocations.id"), nullable=True)
    ended_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ended_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    end_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class ItemHandoverRow(Base):
    """A serial handed over: who received it, who gave it, when, the signature drawn (a PNG data URL, at
    most 200 KB); annulled (who, when, why) if recorded by mistake. One live hand-over per serial: a unique
    index, so of two phones handing the same serial at once, one is refused."""

    __tablename__ = "item_handovers"
    __table_args__ = (
        Index(
            "ux_item_handovers_live_serial",
            "series_id",
            "serial",
            unique=True,
            sqlite_where=text("ended_us IS NULL"),
            postgresql_where=text("ended_us IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("item_series.id", ondelete="CASCADE"))
    serial: Mapped[int] = mapped_column(Integer)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("item_allocations.id"), index=True)
    received_by: Mapped[str] = mapped_column(String(200))
    given_by: Mapped[str] = mapped_column(String(100))
    given_us: Mapped[int] = mapped_column(BigInteger)
    recorded_us: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    ended_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ended_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    end_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


# -- hospitality (issue 12; migration 0016) ---------------------------------------------------------


class HospitalityVenueRow(Base):
    """A hotel on a night or a lunch or dinner on a day (domain/hospitality.py Venue); the event's hotel and
    lunch stops are copied here (from_stop) the first time hospitality is opened."""

    __tablename__ = "hospitality_venues"
    __table_args__ = (UniqueConstraint("event_id", "day", "kind", "name", name="uq_hospitality_venues_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    day: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="", server_default="")
    opens: Mapped[str] = mapped_column(String(5), default="", server_default="")
    closes: Mapped[str] = mapped_column(String(5), default="", server_default="")
    seats: Mapped[int | None] = mapped_column(Integer, nullable=True)
    menu: Mapped[list[str]] = mapped_column(JSON)
    from_stop: Mapped[bool] = mapped_column(Boolean, default=False)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_us: Mapped[int] = mapped_column(BigInteger)


class HospitalityRoomRow(Base):
    """`count` rooms of one type at one hotel venue (a night)."""

    __tablename__ = "hospitality_rooms"
    __table_args__ = (UniqueConstraint("venue_id", "room_type", name="uq_hospitality_rooms_type"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("hospitality_venues.id", ondelete="CASCADE"))
    room_type: Mapped[str] = mapped_column(String(12))
    count: Mapped[int] = mapped_column(Integer)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_us: Mapped[int] = mapped_column(BigInteger)


class HospitalityNeedsRow(Base):
    """A crew's needs as recorded (room type, diets, allergies, menu choices); never edited: the latest
    record of a car is its needs."""

    __tablename__ = "hospitality_needs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    start_no: Mapped[int] = mapped_column(Integer, index=True)
    room: Mapped[str] = mapped_column(String(12), default="", server_default="")
    driver_diet: Mapped[str] = mapped_column(String(20), default="", server_default="")
    driver_allergies: Mapped[str] = mapped_column(Text, default="", server_default="")
    co_driver_diet: Mapped[str] = mapped_column(String(20), default="", server_default="")
    co_driver_allergies: Mapped[str] = mapped_column(Text, default="", server_default="")
    menu: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_us: Mapped[int] = mapped_column(BigInteger)


class HospitalityAllocationRow(Base):
    """A crew's room on a night; a move ends it (who, when) and stores the new one. One live allocation per
    car and night (a unique index)."""

    __tablename__ = "hospitality_allocations"
    __table_args__ = (
        Index(
            "ux_hospitality_allocations_live",
            "event_id",
            "night",
            "start_no",
            unique=True,
            sqlite_where=text("ended_us IS NULL"),
            postgresql_where=text("ended_us IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    night: Mapped[int] = mapped_column(Integer)
    start_no: Mapped[int] = mapped_column(Integer)
    venue_id: Mapped[int] = mapped_column(ForeignKey("hospitality_venues.id", ondelete="CASCADE"))
    room_type: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    how: Mapped[str] = mapped_column(String(8))
    allocated_by: Mapped[str] = mapped_column(String(100))
    allocated_us: Mapped[int] = mapped_column(BigInteger)
    ended_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ended_by: Mapped[str] = mapped_column(String(100), default="", server_default="")


class HospitalityReportRow(Base):
    """A rooming or meal list marked sent to its venue (who, when), with its lines as they were."""

    __tablename__ = "hospitality_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    venue: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(12))
    lines: Mapped[list[list[str]]] = mapped_column(JSON)
    sent_by: Mapped[str] = mapped_column(String(100))
    sent_us: Mapped[int] = mapped_column(BigInteger)


class HospitalityFeedRow(Base):
    """The secret token of a crew's calendar feed (its .ics address)."""

    __tablename__ = "hospitality_feeds"
    __table_args__ = (UniqueConstraint("event_id", "start_no", name="uq_hospitality_feeds_car"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    start_no: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_us: Mapped[int] = mapped_column(BigInteger)


# -- applications and scrutineering (issue 12; migration 0017) --------------------------------------


class ApplicationSettingsRow(Base):
    """The organiser's settings of the applications: the deadline for changes, the places, the offers'
    hours to answer."""

    __tablename__ = "application_settings"
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    deadline: Mapped[str] = mapped_column(String(10))
    """ISO date: applications may be changed until the end of this day (event time)."""
    places: Mapped[int] = mapped_column(Integer)
    offer_hours: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(100))
    set_us: Mapped[int] = mapped_column(BigInteger)


class ApplicationRow(Base):
    """An application: the secret token's hash (the applicant's link), the start number once accepted and
    numbered. What was filled in is in its versions, never overwritten."""

    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_us: Mapped[int] = mapped_column(BigInteger)
    start_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    number_how: Mapped[str] = mapped_column(String(10), default="", server_default="")


class ApplicationVersionRow(Base):
    """One submission of the form (the first, or a change by the applicant): every field as sent."""

    __tablename__ = "application_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    at_us: Mapped[int] = mapped_column(BigInteger)
    form: Mapped[dict[str, Any]] = mapped_column(JSON)


class ApplicationPhotoRow(Base):
    """A photo of the applying car (its file by SHA-256 in the media store); removed ones are kept."""

    __tablename__ = "application_photos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(300))
    added_us: Mapped[int] = mapped_column(BigInteger)
    removed_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ApplicationDecisionRow(Base):
    """Accepted, waitlisted, declined or withdrawn: the reason, who and when; the latest one is in force."""

    __tablename__ = "application_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    made_by: Mapped[str] = mapped_column(String(100))
    made_us: Mapped[int] = mapped_column(BigInteger)


class ApplicationNoteRow(Base):
    __tablename__ = "application_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    made_by: Mapped[str] = mapped_column(String(100))
    made_us: Mapped[int] = mapped_column(BigInteger)


class ApplicationFeeRow(Base):
    """The entry fee's status (due, paid, refunded) as recorded by hand; the latest one is in force."""

    __tablename__ = "application_fees"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    made_by: Mapped[str] = mapped_column(String(100))
    made_us: Mapped[int] = mapped_column(BigInteger)


class ApplicationOfferRow(Base):
    """A freed place offered to a waiting car: its deadline and the answer (accepted, declined, expired)."""

    __tablename__ = "application_offers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    made_us: Mapped[int] = mapped_column(BigInteger)
    deadline_us: Mapped[int] = mapped_column(BigInteger)
    answer: Mapped[str] = mapped_column(String(10), default="", server_default="")
    answered_us: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class OutboxRow(Base):
    """An e-mail Miglia would send (SMTP delivery is still to come): kept for the organiser to read."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    to_addr: Mapped[str] = mapped_column(String(400))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_us: Mapped[int] = mapped_column(BigInteger)


class ScrutinyCheckRow(Base):
    """One item of a car's scrutineering checklist checked: ok or not, the note, who and when."""

    __tablename__ = "scrutiny_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    start_no: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(30))
    ok: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    made_by: Mapped[str] = mapped_column(String(100))
    made_us: Mapped[int] = mapped_column(BigInteger)


class CarStartRow(Base):
    """A car marked started at the start (only once it passed scrutineering)."""

    __tablename__ = "car_starts"
    __table_args__ = (UniqueConstraint("event_id", "start_no", name="uq_car_starts_event_car"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    start_no: Mapped[int] = mapped_column(Integer)
    made_by: Mapped[str] = mapped_column(String(100))
    made_us: Mapped[int] = mapped_column(BigInteger)
