"""The migrations, on SQLite and on PostgreSQL: a database made by an older Miglia, with data in it,
upgrades to the latest schema and keeps its data; the latest schema is what the models say."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, MetaData, insert

from miglia.domain.entries import Car, CarCategory, Crew, Entry, EntryStatus, RaceHistory
from miglia.store.db import Database, alembic_config, database_url, make_engine
from miglia.store.models import Base


def _migrate(engine: Engine, revision: str, down: bool = False) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _entry_at_0006(engine: Engine) -> int:
    """An event with one entry, written as Miglia wrote them before migration 0007; the event's id."""
    tables = MetaData()
    tables.reflect(engine)
    assert "displacement_cc" not in tables.tables["entries"].c
    with engine.begin() as conn:
        event_id = conn.execute(
            insert(tables.tables["events"])
            .values(
                slug="mille-2025",
                name="California Mille 2025",
                timezone="America/Los_Angeles",
                rules="mille-miglia",
                source_name="event.toml",
                source_text="",
                definition={},
                imported_us=1,
                results_published=False,
            )
            .returning(tables.tables["events"].c.id)
        ).scalar_one()
        conn.execute(
            insert(tables.tables["entries"]).values(
                event_id=event_id,
                start_no=7,
                driver="Ada Lovelace",
                co_driver="",
                ladies=False,
                make="MG",
                model="TC",
                year=1949,
                chassis="TC/7301",
                class_name="1946-1953",
                device_id="mille-007",
                team="",
                status="accepted",
                refusal_reason="",
            )
        )
    return int(event_id)


def test_entries_stored_before_0007_upgrade_with_their_coefficient_parts_unknown(db_url: str) -> None:
    engine = make_engine(database_url(db_url))
    try:
        _migrate(engine, "0006")
        event_id = _entry_at_0006(engine)
    finally:
        engine.dispose()
    db = Database(db_url)  # upgrades to the latest migration
    try:
        with db.unit_of_work() as uow:
            [entry] = uow.entries.all(event_id)
            assert entry == Entry(
                start_no=7,
                car=Car(make="MG", model="TC", year=1949, chassis="TC/7301"),
                crew=Crew(driver="Ada Lovelace"),
                class_name="1946-1953",
                device_id="mille-007",
                status=EntryStatus.ACCEPTED,
            )
            assert (entry.car.displacement_cc, entry.car.category, entry.car.history) == (
                None,
                None,
                RaceHistory.NONE,
            )
            known = Car(
                make="MG",
                model="TC",
                year=1949,
                chassis="TC/7301",
                displacement_cc=1250,
                category=CarCategory.SPORT,
                history=RaceHistory.ENTERED,
            )
            uow.entries.replace(event_id, [Entry(start_no=7, car=known, crew=entry.crew)])
        with db.unit_of_work() as uow:
            assert uow.entries.all(event_id)[0].car == known
        # And back: the downgrade drops the three columns and keeps the entry.
        _migrate(db.engine, "0006", down=True)
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT start_no, make, model FROM entries").all()
        assert [tuple(r) for r in rows] == [(7, "MG", "TC")]
    finally:
        db.dispose()


def test_the_latest_migration_makes_the_schema_the_models_describe(db_url: str) -> None:
    db = Database(db_url)
    try:
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        db.dispose()
