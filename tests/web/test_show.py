"""The car show on the web: the show's cars searchable on a phone with their photos, each car's show page
(what its placard's QR code opens), the placards and the certificates for those who may print them."""

from __future__ import annotations

from miglia.store.db import Database
from tests.web.helpers import client_for, login


def test_the_show_lists_the_cars_and_searches_them(staff: Database) -> None:
    public = client_for(staff)
    page = public.get("/show")
    assert page.status_code == 200
    assert 'href="/show/cars/1"' in page.text and 'href="/show/cars/3"' in page.text
    assert 'href="/show/cars/4"' not in page.text  # refused: not at the show
    jaguar = public.get("/show", params={"q": "jaguar"}, headers={"HX-Request": "true"})
    assert 'href="/show/cars/2"' in jaguar.text and 'href="/show/cars/1"' not in jaguar.text
    assert "1 of 3 cars match" in jaguar.text
    pre_war = public.get("/show", params={"class_name": "Pre-war"})
    assert 'href="/show/cars/1"' in pre_war.text and 'href="/show/cars/2"' not in pre_war.text


def test_a_cars_show_page(staff: Database) -> None:
    public = client_for(staff)
    page = public.get("/show/cars/1")
    assert page.status_code == 200
    assert "1930 Alfa Romeo 6C 1750 Gran Sport" in page.text and "Anna Rossi and Bea Conti" in page.text
    assert public.get("/show/cars/4").status_code == 404
    assert public.get("/show/cars/99").status_code == 404


def test_placards_for_the_organiser_certificates_for_the_crew(staff: Database) -> None:
    public = client_for(staff)
    assert public.get("/show/placards.pdf", follow_redirects=False).status_code in (303, 307)
    organiser = client_for(staff)
    login(organiser, "olga")
    pdf = organiser.get("/show/placards.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert organiser.get("/show/cars/2/placard.pdf").status_code == 200
    assert organiser.get("/organiser/certificates.pdf").content.startswith(b"%PDF")
    assert organiser.get("/organiser/award-certificates.pdf").status_code == 404  # no award revealed
    crew = client_for(staff)
    login(crew, "crew1")
    assert crew.get("/cars/1/certificate.pdf").content.startswith(b"%PDF")
    assert crew.get("/cars/2/certificate.pdf").status_code == 403
    assert crew.get("/show/placards.pdf").status_code == 403
