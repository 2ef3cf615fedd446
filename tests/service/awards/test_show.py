"""The car show's placards (one A5 page a car, its story and the address its QR code opens) and the
certificates of participation, read back with poppler."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from miglia.service.awards import juries, show
from miglia.service.event import events
from miglia.store.db import Database
from tests.conftest import need
from tests.roadbook.test_pdf import info, page_size_mm, page_words, saved
from tests.web.helpers import with_event


@pytest.fixture
def poppler() -> None:
    for tool in ("pdftotext", "pdfinfo"):
        need(shutil.which(tool) is not None, f"{tool} not found; install Debian's poppler-utils")


@pytest.mark.usefixtures("poppler")
def test_one_a5_placard_per_accepted_car_with_its_story_and_address(db: Database, tmp_path: Path) -> None:
    with_event(db)
    pdf = saved(tmp_path, show.placards_pdf(db, "https://mille.example.org/"))
    assert info(pdf)["Pages"].strip() == "3"  # the 1959 Corvette is refused: no placard
    assert page_size_mm(pdf) == (pytest.approx(148, abs=0.5), pytest.approx(210, abs=0.5))
    first = page_words(pdf, 1)
    assert "1930 Alfa Romeo 6C 1750 Gran Sport" in first
    assert "Anna Rossi and Bea Conti" in first
    assert "Class Pre-war · Chassis 8513021" in first
    assert "https://mille.example.org/show/cars/1" in first
    one = saved(tmp_path, show.placards_pdf(db, "http://x", [2]))
    assert info(one)["Pages"].strip() == "1" and "1951 Jaguar XK120" in page_words(one, 1)
    with pytest.raises(events.NotFound, match="car 4: no accepted car"):
        show.placards_pdf(db, "http://x", [4])


@pytest.mark.usefixtures("poppler")
def test_a_certificate_of_participation_per_crew(db: Database, tmp_path: Path) -> None:
    with_event(db)
    pdf = saved(tmp_path, show.participation_pdf(db))
    assert info(pdf)["Pages"].strip() == "3"
    words = page_words(pdf, 2)
    assert "Certificate of participation" in words and "Carl Meyer and Dora Meyer" in words
    assert "took part with car number 2 in Sonoma Test Run, 26 April 2026." in words
    assert "place" not in words.lower()  # the results are not published: no place given
    events.publish_results(db, True)
    one = saved(tmp_path, show.participation_pdf(db, 2))
    assert "Place (provisional results) overall:" in page_words(one, 1)


def test_the_show_is_the_last_car_show_stop() -> None:
    from miglia.service.event.events import check_event
    from tests.web.helpers import SMALL

    assert show.show_of(check_event(SMALL / "event.toml").event) is None
    assert show.car_url("https://a.org/", 7) == "https://a.org/show/cars/7"


def _small_with(tmp_path: Path, logo: bytes) -> Path:
    from tests.web.helpers import SMALL

    shutil.copy(SMALL / "day1.gpx", tmp_path / "day1.gpx")
    text = (SMALL / "event.toml").read_text().replace("[event]\n", '[event]\nlogo = "logo.png"\n', 1)
    (tmp_path / "event.toml").write_text(text)
    (tmp_path / "logo.png").write_bytes(logo)
    return tmp_path / "event.toml"


@pytest.mark.usefixtures("poppler")
def test_the_events_logo_is_checked_kept_and_printed_on_the_certificates(
    db: Database, tmp_path: Path
) -> None:
    import io
    import subprocess

    from PIL import Image

    from miglia.formats.event_file import EventFileError

    with pytest.raises(
        EventFileError, match=r"logo = 'logo.png': not a photo \(JPEG, HEIC or PNG expected\)"
    ):
        events.check_event(_small_with(tmp_path, b"not an image"))
    png = io.BytesIO()
    Image.new("RGBA", (400, 200), (164, 22, 26, 255)).save(png, "PNG")
    events.import_event(db, _small_with(tmp_path, png.getvalue()))
    events.import_entries(db, Path(__file__).resolve().parents[2] / "data" / "small" / "entries.csv")
    kept = db.media.logo("sonoma-test-run")
    assert kept is not None and Image.open(io.BytesIO(kept)).size == (400, 200)
    pdf = saved(tmp_path, show.participation_pdf(db, 1))
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    assert len(images.strip().splitlines()) == 3  # two header lines, then the logo


@pytest.mark.usefixtures("poppler")
def test_a_certificate_per_winner_once_the_award_is_revealed(db: Database, tmp_path: Path) -> None:
    from tests.service.awards.test_juries import jury_event, spirit, vote

    jury_event(db)
    award_id = spirit(db, winners=2)
    juries.open_vote(db, award_id, "olga")
    vote(db, award_id, "anna", 2, 3)
    vote(db, award_id, "ben", 2, 3)
    vote(db, award_id, "carla", 2)
    juries.close_vote(db, award_id, "olga")
    with pytest.raises(events.NotFound, match="certificates are made after the reveal"):
        show.award_pdf(db)  # sealed until the prize-giving
    juries.reveal(db, award_id, "olga")
    pdf = saved(tmp_path, show.award_pdf(db, award_id))
    assert info(pdf)["Pages"].strip() == "2"
    words = page_words(pdf, 1)
    assert "Spirit of the Mille Miglia" in words and "Chronographs for extraordinary entrants." in words
    assert "car number 2" in words
    assert "“zq-anna-2 reason”" in words and "“zq-carla-2 reason”" in words
