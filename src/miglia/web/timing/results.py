"""The public results page: the classifications, live while the event runs, once the timekeeper
publishes them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from miglia.service.event import events
from miglia.service.timing import official, results
from miglia.store.unit_of_work import UnitOfWork
from miglia.web.deps import unit_of_work
from miglia.web.event.pages import fragment, page
from miglia.web.security.roles import results_visible
from miglia.web.templating import templates

router = APIRouter()


@router.get("/results", response_class=HTMLResponse)
def results_page(request: Request, uow: UnitOfWork = Depends(unit_of_work)) -> HTMLResponse:
    tables = results.for_page(uow, show_unpublished=results_visible(request))
    if fragment(request):
        return templates.TemplateResponse(request, "timing/_results_tables.html", {"results": tables})
    return page(request, "timing/results.html", "results", uow, results=tables)


@router.get("/results/trials/{control}", response_class=HTMLResponse)
def trial_page(request: Request, control: str, uow: UnitOfWork = Depends(unit_of_work)) -> HTMLResponse:
    """Who was best at one timed trial or secret check (once the results are visible)."""
    scored = results.score(uow)
    visible = results_visible(request)
    table = results.trial_standings(scored, control) if visible else None
    return page(
        request,
        "timing/trial.html",
        "results",
        uow,
        event=scored.event,
        control=control,
        table=table,
        trials=results.trials(scored),
    )


@router.get("/results/official.pdf", response_class=Response)
def official_pdf(
    request: Request, day: int | None = None, uow: UnitOfWork = Depends(unit_of_work)
) -> Response:
    """The official classification (final, or after `day`) as the PDF the clerk posts; once published."""
    if not results_visible(request):
        raise events.NotFound("the results are not published yet")
    name = "classification-final.pdf" if day is None else f"classification-day-{day}.pdf"
    return Response(
        official.official_pdf(uow, day),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
