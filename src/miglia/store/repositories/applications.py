"""Issue 12: the applications as stored (each version of the form, photos, decisions, notes, fees,
offers), the outbox of e-mails not sent yet, and the scrutineering checks and starts.

Nothing here is overwritten but an application's start number: every decision, fee status, offer answer
and check is a new row with who and when.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from miglia.domain.applications import (
    Answer,
    ApplicationPhoto,
    Decision,
    Fee,
    Message,
    Note,
    Offer,
    Settings,
    Status,
    StoredApplication,
    StoredOffer,
)
from miglia.domain.scrutineering import Check, Start
from miglia.store.models import (
    ApplicationDecisionRow,
    ApplicationFeeRow,
    ApplicationNoteRow,
    ApplicationOfferRow,
    ApplicationPhotoRow,
    ApplicationRow,
    ApplicationSettingsRow,
    ApplicationVersionRow,
    CarStartRow,
    OutboxRow,
    ScrutinyCheckRow,
)


class ApplicationRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    # -- settings ----------------------------------------------------------------------------------------

    def settings(self, event_id: int, lock: bool = False) -> Settings | None:
        """The event's settings; `lock` holds the row until the transaction ends (PostgreSQL: two
        withdrawals at once make their offers one after the other)."""
        query = select(ApplicationSettingsRow).where(ApplicationSettingsRow.event_id == event_id)
        row = self._s.scalar(query.with_for_update() if lock else query)
        if row is None:
            return None
        return Settings(row.deadline, row.places, row.offer_hours, row.set_by, row.set_us)

    def set_settings(self, event_id: int, settings: Settings) -> None:
        row = self._s.get(ApplicationSettingsRow, event_id)
        if row is None:
            row = ApplicationSettingsRow(event_id=event_id)
            self._s.add(row)
        row.deadline, row.places, row.offer_hours = settings.deadline, settings.places, settings.offer_hours
        row.set_by, row.set_us = settings.set_by, settings.set_us
        self._s.flush()

    # -- applications ------------------------------------------------------------------------------------

    def add(self, event_id: int, token_hash: str, at_us: int, form: dict[str, str]) -> int:
        row = ApplicationRow(event_id=event_id, token_hash=token_hash, created_us=at_us)
        self._s.add(row)
        self._s.flush()
        self.add_version(row.id, at_us, form)
        return row.id

    def add_version(self, application_id: int, at_us: int, form: dict[str, str]) -> None:
        self._s.add(ApplicationVersionRow(application_id=application_id, at_us=at_us, form=dict(form)))
        self._s.flush()

    def id_by_token(self, event_id: int, token_hash: str) -> int | None:
        return self._s.scalar(
            select(ApplicationRow.id).where(
                ApplicationRow.event_id == event_id, ApplicationRow.token_hash == token_hash
            )
        )

    def all(self, event_id: int) -> list[StoredApplication]:
        rows = list(
            self._s.scalars(
                select(ApplicationRow).where(ApplicationRow.event_id == event_id).order_by(ApplicationRow.id)
            )
        )
        versions: dict[int, list[ApplicationVersionRow]] = defaultdict(list)
        for v in self._s.scalars(
            select(ApplicationVersionRow)
            .join(ApplicationRow, ApplicationRow.id == ApplicationVersionRow.application_id)
            .where(ApplicationRow.event_id == event_id)
            .order_by(ApplicationVersionRow.id)
        ):
            versions[v.application_id].append(v)
        return [_application(r, versions[r.id]) for r in rows]

    def get(self, event_id: int, application_id: int) -> StoredApplication | None:
        row = self._s.get(ApplicationRow, application_id)
        if row is None or row.event_id != event_id:
            return None
        found = list(
            self._s.scalars(
                select(ApplicationVersionRow)
                .where(ApplicationVersionRow.application_id == application_id)
                .order_by(ApplicationVersionRow.id)
            )
        )
        return _application(row, found)

    def set_number(self, application_id: int, start_no: int | None, how: str) -> None:
        row = self._s.get_one(ApplicationRow, application_id)
        row.start_no, row.number_how = start_no, how
        self._s.flush()

    # -- photos ------------------------------------------------------------------------------------------

    def add_photo(self, application_id: int, sha256: str, file_name: str, at_us: int) -> int:
        row = ApplicationPhotoRow(
            application_id=application_id, sha256=sha256, file_name=file_name, added_us=at_us
        )
        self._s.add(row)
        self._s.flush()
        return row.id

    def remove_photo(self, photo_id: int, at_us: int) -> None:
        self._s.get_one(ApplicationPhotoRow, photo_id).removed_us = at_us

    def photos(self, event_id: int) -> dict[int, list[ApplicationPhoto]]:
        """Application id -> its photos (not removed), in the order added."""
        rows = self._s.scalars(
            select(ApplicationPhotoRow)
            .join(ApplicationRow, ApplicationRow.id == ApplicationPhotoRow.application_id)
            .where(ApplicationRow.event_id == event_id, ApplicationPhotoRow.removed_us.is_(None))
            .order_by(ApplicationPhotoRow.id)
        )
        out: dict[int, list[ApplicationPhoto]] = defaultdict(list)
        for r in rows:
            out[r.application_id].append(
                ApplicationPhoto(r.id, r.application_id, r.sha256, r.file_name, r.added_us)
            )
        return dict(out)

    # -- decisions, notes, fees, offers ------------------------------------------------------------------

    def decide(self, application_id: int, status: Status, reason: str, by: str, at_us: int) -> None:
        self._s.add(
            ApplicationDecisionRow(
                application_id=application_id, status=status.value, reason=reason, made_by=by, made_us=at_us
            )
        )
        self._s.flush()

    def decisions(self, event_id: int) -> list[Decision]:
        rows = self._s.scalars(
            select(ApplicationDecisionRow)
            .join(ApplicationRow, ApplicationRow.id == ApplicationDecisionRow.application_id)
            .where(ApplicationRow.event_id == event_id)
            .order_by(ApplicationDecisionRow.id)
        )
        return [
            Decision(r.application_id, Status(r.status), r.reason, r.made_by, r.made_us, r.id) for r in rows
        ]

    def add_note(self, application_id: int, text: str, by: str, at_us: int) -> None:
        self._s.add(ApplicationNoteRow(application_id=application_id, text=text, made_by=by, made_us=at_us))

    def notes(self, event_id: int) -> dict[int, list[Note]]:
        rows = self._s.scalars(
            select(ApplicationNoteRow)
            .join(ApplicationRow, ApplicationRow.id == ApplicationNoteRow.application_id)
            .where(ApplicationRow.event_id == event_id)
            .order_by(ApplicationNoteRow.id)
        )
        out: dict[int, list[Note]] = defaultdict(list)
        for r in rows:
            out[r.application_id].append(Note(r.text, r.made_by, r.made_us))
        return dict(out)

    def set_fee(self, application_id: int, status: str, note: str, by: str, at_us: int) -> None:
        self._s.add(
            ApplicationFeeRow(
                application_id=application_id, status=status, note=note, made_by=by, made_us=at_us
            )
        )

    def fees(self, event_id: int) -> dict[int, list[Fee]]:
        rows = self._s.scalars(
            select(ApplicationFeeRow)
            .join(ApplicationRow, ApplicationRow.id == ApplicationFeeRow.application_id)
            .where(ApplicationRow.event_id == event_id)
            .order_by(ApplicationFeeRow.id)
        )
        out: dict[int, list[Fee]] = defaultdict(list)
        for r in rows:
            out[r.application_id].append(Fee(r.status, r.note, r.made_by, r.made_us))
        return dict(out)

    def add_offer(self, application_id: int, made_us: int, deadline_us: int) -> int:
        row = ApplicationOfferRow(application_id=application_id, made_us=made_us, deadline_us=deadline_us)
        self._s.add(row)
        self._s.flush()
        return row.id

    def answer_offer(self, offer_id: int, answer: Answer, at_us: int) -> None:
        row = self._s.get_one(ApplicationOfferRow, offer_id)
        row.answer, row.answered_us = answer.value, at_us
        self._s.flush()

    def offers(self, event_id: int) -> list[StoredOffer]:
        rows = self._s.scalars(
            select(ApplicationOfferRow)
            .join(ApplicationRow, ApplicationRow.id == ApplicationOfferRow.application_id)
            .where(ApplicationRow.event_id == event_id)
            .order_by(ApplicationOfferRow.id)
        )
        return [
            StoredOffer(
                r.id, Offer(r.application_id, r.made_us, r.deadline_us, Answer(r.answer), r.answered_us)
            )
            for r in rows
        ]

    # -- the outbox --------------------------------------------------------------------------------------

    def send(self, event_id: int, to: str, subject: str, body: str, at_us: int) -> None:
        self._s.add(OutboxRow(event_id=event_id, to_addr=to, subject=subject, body=body, created_us=at_us))

    def outbox(self, event_id: int) -> list[Message]:
        rows = self._s.scalars(
            select(OutboxRow).where(OutboxRow.event_id == event_id).order_by(OutboxRow.id.desc())
        )
        return [Message(r.id, r.to_addr, r.subject, r.body, r.created_us) for r in rows]

    # -- scrutineering -----------------------------------------------------------------------------------

    def add_check(
        self, event_id: int, start_no: int, item: str, ok: bool, note: str, by: str, at: int
    ) -> None:
        self._s.add(
            ScrutinyCheckRow(
                event_id=event_id, start_no=start_no, item=item, ok=ok, note=note, made_by=by, made_us=at
            )
        )
        self._s.flush()

    def checks(self, event_id: int) -> list[Check]:
        rows = self._s.scalars(
            select(ScrutinyCheckRow)
            .where(ScrutinyCheckRow.event_id == event_id)
            .order_by(ScrutinyCheckRow.id)
        )
        return [Check(r.start_no, r.item, r.ok, r.note, r.made_by, r.made_us, r.id) for r in rows]

    def mark_started(self, event_id: int, start_no: int, by: str, at_us: int) -> None:
        self._s.add(CarStartRow(event_id=event_id, start_no=start_no, made_by=by, made_us=at_us))
        self._s.flush()

    def starts(self, event_id: int) -> dict[int, Start]:
        rows = self._s.scalars(select(CarStartRow).where(CarStartRow.event_id == event_id))
        return {r.start_no: Start(r.start_no, r.made_by, r.made_us) for r in rows}


def _application(row: ApplicationRow, versions: list[ApplicationVersionRow]) -> StoredApplication:
    last: dict[str, Any] = versions[-1].form if versions else {}
    return StoredApplication(
        id=row.id,
        created_us=row.created_us,
        updated_us=versions[-1].at_us if versions else row.created_us,
        versions=len(versions),
        form={str(k): str(v) for k, v in last.items()},
        start_no=row.start_no,
        number_how=row.number_how,
    )
