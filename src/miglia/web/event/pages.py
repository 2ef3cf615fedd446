"""Server-rendered public pages: the event, its entries, a car, the live map and the live results.

Pages work without JavaScript; with it, HTMX swaps the entry list as the visitor types and filters,
the map follows the cars over /live/stream, and the results reload their tables when a `results`
event arrives. A request carrying `HX-Request` (or `?partial=1`) gets only the swapped fragment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from miglia.domain.entries import Entry
from miglia.domain.event import Event
from miglia.domain.rules import Era
from miglia.rules import load_rules
from miglia.service.event import events, schedule
from miglia.service.event.events import NotFound
from miglia.service.photos import gallery
from miglia.service.timing import results
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.deps import unit_of_work
from miglia.web.security.roles import results_visible
from miglia.web.templating import templates

router = APIRouter()


def page(request: Request, name: str, nav: str, uow: UnitOfWork, **context: Any) -> HTMLResponse:
    row = events.event_row(uow)
    event = context.pop("event", None) or events.load(uow, row.slug)
    return templates.TemplateResponse(
        request,
        name,
        {"event": event, "event_row": row, "nav": nav, "tile_url": _tiles(request, event), **context},
    )


def _tiles(request: Request, event: Any) -> str:
    return str(request.app.state.tile_url or event.tile_url or "")


def fragment(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" or request.query_params.get("partial") == "1"


# ---------------------------------------------------------------------------------------------- home


@router.get("/", response_class=HTMLResponse)
def home(request: Request, uow: UnitOfWork = Depends(unit_of_work)) -> HTMLResponse:
    row = events.event_row(uow)
    event = events.load(uow, row.slug)
    lengths = {n: r.length_m / 1000 for n, r in events.routes(uow, row.id).items()}
    entries = events.entries(uow, row.id)
    accepted = sum(1 for e in entries if e.accepted)
    due = schedule.first_car_due(event, entries)
    return page(
        request,
        "event/home.html",
        "home",
        uow,
        event=event,
        day_km=lengths,
        total_km=sum(lengths.values()),
        accepted=accepted,
        days={
            day.number: schedule.day_summary(day, lengths.get(day.number, 0.0), accepted)
            for day in event.days
        },
        schedule={day.number: schedule.day_items(event, day, due) for day in event.days},
    )


# ---------------------------------------------------------------------------------------------- entries


@dataclass(frozen=True)
class EntryFilter:
    q: str = ""
    class_name: str = ""
    era: str = ""
    ladies: bool = False

    @property
    def active(self) -> bool:
        return bool(self.q.strip() or self.class_name or self.era or self.ladies)


def _eras(event: Event) -> tuple[Era, ...]:
    return load_rules(event.rules).classification.eras


def era_of(event: Event, year: int) -> str:
    return next((e.name for e in _eras(event) if e.includes(year)), "")


def matches(entry: Entry, f: EntryFilter, eras: tuple[Era, ...]) -> bool:
    """Every word of the search is in the car or crew (a number: the start number or the year)."""
    if f.class_name and entry.class_name != f.class_name:
        return False
    if f.era and not any(e.name == f.era and e.includes(entry.car.year) for e in eras):
        return False
    if f.ladies and not entry.crew.ladies:
        return False
    text = " ".join(
        [entry.car.make, entry.car.model, entry.crew.driver, entry.crew.co_driver, entry.team]
    ).casefold()
    for word in f.q.casefold().split():
        number = word.lstrip("#")
        if number.isdigit():
            if int(number) not in (entry.start_no, entry.car.year):
                return False
        elif word not in text:
            return False
    return True


@router.get("/entries", response_class=HTMLResponse)
def entry_list(
    request: Request,
    q: str = "",
    class_name: str = "",
    era: str = "",
    ladies: str = "",
    uow: UnitOfWork = Depends(unit_of_work),
) -> HTMLResponse:
    event, context = entry_choice(uow, q, class_name, era, ladies, "/entries")
    if fragment(request):
        return templates.TemplateResponse(request, "event/_car_list.html", {"event": event, **context})
    return page(request, "event/entries.html", "entries", uow, event=event, **context)


def entry_choice(
    uow: UnitOfWork, q: str, class_name: str, era: str, ladies: str, here: str
) -> tuple[Event, dict[str, Any]]:
    """The event and what a list of its cars shows: those the search and filters keep (the entry list,
    the car show), each with its first public photo when it has one."""
    row = events.event_row(uow)
    event = events.load(uow, row.slug)
    entries = events.entries(uow, row.id)
    f = EntryFilter(q.strip()[:100], class_name, era, ladies in ("1", "on", "true", "yes"))
    eras = _eras(event)
    shown = [e for e in entries if matches(e, f, eras)]
    return event, {
        "filter": f,
        "here": here,
        "accepted": [e for e in shown if e.accepted],
        "refused": [e for e in shown if not e.accepted],
        "total": sum(1 for e in entries if e.accepted),
        "classes": sorted({e.class_name for e in entries if e.accepted and e.class_name}),
        "eras": [e.name for e in eras],
        "has_ladies": any(e.crew.ladies for e in entries if e.accepted),
        "era_of": {e.start_no: era_of(event, e.car.year) for e in entries},
        "photo_of": gallery.first_photo_of_each_car(uow),
    }


# ---------------------------------------------------------------------------------------------- a car


@router.get("/cars/{start_no}", response_class=HTMLResponse)
def car_page(
    request: Request,
    start_no: int,
    compare: int | None = Query(None, alias="with", description="Another car's start number, side by side."),
    uow: UnitOfWork = Depends(unit_of_work),
) -> HTMLResponse:
    visible = results_visible(request)
    scored = results.score(uow)
    entry = scored.entries.get(start_no)
    if entry is None:
        raise NotFound(f"no car with start number {start_no} in the entry list")
    event = scored.event
    context: dict[str, Any] = {
        "entry": entry,
        "era": era_of(event, entry.car.year),
        "visible": visible,
        "ranked": scored.rules.ranked,
        "rows": [],
        "by_day": [],
        "result": None,
        "position": None,
        "schedule": [],
        "others": [],
        "compared": None,
        "side_by_side": [],
        "photos": gallery.car_photos(uow, start_no),
    }
    if entry.accepted:
        if visible:
            context.update(_comparison(scored, start_no, compare))
            context["rows"] = results.card_rows(scored, start_no)
            context["by_day"] = results.positions_by_day(scored, start_no)
            context["result"] = scored.board.result(start_no)
            if scored.rules.ranked:
                context["position"] = scored.board.overall().position_of(start_no)
        else:
            context["schedule"] = _due_times(scored, start_no)
    return page(request, "event/car.html", "entries", uow, event=event, **context)


def _comparison(scored: results.Scored, start_no: int, compare: int | None) -> dict[str, Any]:
    """The other cars to compare with (the leader first), and the chosen one's card beside this one."""
    standings = scored.board.overall().standings if scored.rules.ranked else ()
    order = [s.start_no for s in standings] or sorted(scored.board.entries)
    others = [(n, scored.entries[n].car.title) for n in order if n != start_no]
    if compare is None or compare == start_no or compare not in scored.board.entries:
        return {"others": others}
    return {
        "others": others,
        "compared": scored.entries[compare],
        "side_by_side": results.side_by_side(scored, start_no, compare),
    }


def _due_times(scored: results.Scored, start_no: int) -> list[dict[str, Any]]:
    """The car's due times at its timed controls: public (the schedule and its start number fix them)."""
    card = scored.board.time_card(start_no)
    plans = scored.board.plan.by_name
    return [
        {
            "day": scored.event.days[plans[line.control].day].number,
            "control": line.control,
            "kind": line.kind.label,
            "css": line.kind.value,
            "due": line.due_us,
        }
        for line in card.lines
        if line.due_us is not None and line.kind.is_timed
    ]


# ---------------------------------------------------------------------------------------------- map


@router.get("/map", response_class=HTMLResponse)
def route_map(request: Request, uow: UnitOfWork = Depends(unit_of_work)) -> HTMLResponse:
    return page(request, "event/map.html", "map", uow)
