"""One transaction and the repositories that work in it.

A use case receives a `UnitOfWork` (or something that opens one: `Database.unit_of_work()`), reads and
writes through its repositories, and the transaction commits when the `with` block ends normally and
rolls back on any error. Tests of use cases that only need storage give them an in-memory fake with the
same repositories (tests/fakes.py) and need no database.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from miglia.store.repositories.accounts import UserRepository, UserSessionRepository
from miglia.store.repositories.alerts import AlertRepository
from miglia.store.repositories.applications import ApplicationRepository
from miglia.store.repositories.awards import AwardRepository
from miglia.store.repositories.devices import (
    AssignmentRepository,
    DeviceRepository,
    TrackingSettingsRepository,
)
from miglia.store.repositories.events import EntryRepository, EventRepository
from miglia.store.repositories.hospitality import HospitalityRepository
from miglia.store.repositories.items import ItemRepository
from miglia.store.repositories.photos import PhotoRepository
from miglia.store.repositories.positions import PositionRepository
from miglia.store.repositories.protests import ProtestRepository
from miglia.store.repositories.raw import RawInputRepository
from miglia.store.repositories.roadbook import RoadbookEditRepository, StreetMapRepository
from miglia.store.repositories.timing import CorrectionRepository, PassageRepository
from miglia.store.repositories.votes import VoteRepository


class UnitOfWork:
    def __init__(self, session: Session) -> None:
        self.session = session
        """For the store layer's own helpers only; use cases go through the repositories."""
        self.events = EventRepository(session)
        self.entries = EntryRepository(session)
        self.raw = RawInputRepository(session)
        self.passages = PassageRepository(session)
        self.corrections = CorrectionRepository(session)
        self.users = UserRepository(session)
        self.user_sessions = UserSessionRepository(session)
        self.devices = DeviceRepository(session)
        self.assignments = AssignmentRepository(session)
        self.tracking = TrackingSettingsRepository(session)
        self.positions = PositionRepository(session)
        self.alerts = AlertRepository(session)
        self.protests = ProtestRepository(session)
        self.roadbook_edits = RoadbookEditRepository(session)
        self.street_maps = StreetMapRepository(session)
        self.photos = PhotoRepository(session)
        self.votes = VoteRepository(session)
        self.awards = AwardRepository(session)
        self.items = ItemRepository(session)
        self.hospitality = HospitalityRepository(session)
        self.applications = ApplicationRepository(session)
