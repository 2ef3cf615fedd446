"""Juried awards on SQLite and PostgreSQL: the organiser defines an award and steps it through open, close
and reveal (who and when kept); jurors cast one ballot each and change it (the earlier kept, withdrawn);
a crew never votes for its own car; the count is sealed until the close and the winners and reasons
until the reveal; ties go to a run-off among the tied or the organiser's casting choice; the command's
lines; the demo's awards."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from miglia.domain.accounts import User
from miglia.domain.ballots import AwardState
from miglia.domain.errors import InvalidInput
from miglia.service import demo
from miglia.service.accounts import users
from miglia.service.awards import juries
from miglia.service.event import events
from miglia.store.db import Database
from tests.conftest import SMALL

CARS = [
    (1, "Anna Rossi", "Alfa Romeo", "6C 1750 Gran Sport", 1930),
    (2, "Carl Meyer", "Jaguar", "XK120", 1951),
    (3, "Ed Park", "Porsche", "356A Speedster", 1957),
    (4, "Ines Gallo", "Lancia", "Aurelia B20 GT", 1953),
    (5, "Jon Berg", "Bugatti", "Type 35B", 1927),
    (6, "Kay Ward", "Mercedes-Benz", "300 SL", 1955),
    (7, "Leo Ricci", "Fiat", '8V "Otto Vu"', 1953),
    (8, "Mia Stone", "Austin-Healey", "100M", 1956),
    (9, "Ned Fox", "Ferrari", "166 MM", 1949),
    (10, "Ola Lund", "Maserati", "A6GCS", 1954),
    (11, "Pia Sand", "MG", "TC", 1948),
    (12, "Quin Hale", "Cisitalia", "202 SC", 1948),
]
"""Twelve accepted cars (the small event's rule: built before 1958); car 7's model has quotes, for CSV."""

JURORS = {
    "anna": "mechanic",
    "ben": "mechanic",
    "carla": "marshal",
    "dario": "timekeeper",
    "elena": "crew",
}


def jury_event(db: Database, cars: int = 7) -> Database:
    """The small event with the first `cars` of CARS entered."""
    events.import_event(db, SMALL / "event.toml")
    lines = ["start_no,driver,co_driver,make,model,year,chassis,class,device_id,team,ladies"]
    for n, driver, make, model, year in CARS[:cars]:
        quoted = '"' + model.replace('"', '""') + '"'
        lines.append(f"{n},{driver},,{make},{quoted},{year},,,,,no")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "entries.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        events.import_entries(db, path)
    return db


def juror(name: str) -> User:
    start_no = 5 if name == "elena" else None  # elena crews car 5
    return User(id=0, username=name, role=JURORS.get(name, name), start_no=start_no)


def vote(db: Database, award_id: int, name: str, *cars: int) -> None:
    juries.cast_ballot(db, award_id, juror(name), [(n, f"zq-{name}-{n} reason") for n in cars])


def spirit(db: Database, **changes: object) -> int:
    """'Spirit of the Mille Miglia': 3 winners, approval, mechanics, staff and crews, run-off ties."""
    definition: dict[str, object] = {
        "name": "Spirit of the Mille Miglia",
        "description": "Chronographs for extraordinary entrants.",
        "winners": 3,
        "roles": ["mechanic", "marshal", "timekeeper", "crew"],
        "method": "approval",
        "tie_rule": "runoff",
    }
    return juries.define(db, "olga", **{**definition, **changes}).id  # type: ignore[arg-type]


@pytest.fixture
def jury(db: Database) -> Database:
    return jury_event(db)


def five_ballots_tied_at_third(db: Database, award_id: int) -> None:
    """5 jurors, 7 cars, 3 winners: car 1 four ballots, car 2 three, cars 3, 4 and 6 two each; ben
    first named 6, 7 and 4, then changed his ballot."""
    vote(db, award_id, "anna", 1, 2, 3)
    vote(db, award_id, "ben", 6, 7, 4)
    vote(db, award_id, "ben", 1, 2, 4)
    vote(db, award_id, "carla", 1, 3, 6)
    vote(db, award_id, "dario", 2, 4, 7)
    vote(db, award_id, "elena", 1, 6)


def test_an_award_goes_from_draft_to_revealed_with_a_run_off_and_every_step_kept(jury: Database) -> None:
    award_id = spirit(jury)
    with jury.unit_of_work() as uow:
        view = juries.organiser_view(uow, award_id)
    assert (view.award.state, view.ballots_cast, view.outcome) == (AwardState.DRAFT, 0, None)
    with pytest.raises(InvalidInput, match="the vote is not open"):
        vote(jury, award_id, "anna", 1)
    juries.open_vote(jury, award_id, "olga")
    five_ballots_tied_at_third(jury, award_id)
    with jury.unit_of_work() as uow:
        view = juries.organiser_view(uow, award_id)
        assert (view.award.state, view.ballots_cast, view.outcome) == (AwardState.OPEN, 5, None)  # sealed
        assert juries.public_awards(uow) == [(view.award, [])]
        mine = juries.juror_view(uow, award_id, juror("ben"))
        assert [c.start_no for c in mine.mine.choices] == [1, 2, 4] and mine.changes == 1  # type: ignore[union-attr]
        assert [b.withdrawn_us is not None for b in uow.awards.ballots(award_id, juror="ben")] == [
            True,
            False,
        ]
    with pytest.raises(InvalidInput, match="sealed until the vote closes"):
        juries.count_lines(jury, "Spirit of the Mille Miglia")
    with pytest.raises(InvalidInput, match="close the vote before the reveal"):
        juries.reveal(jury, award_id, "olga")
    juries.close_vote(jury, award_id, "olga")
    with pytest.raises(InvalidInput, match="the vote is not open"):
        vote(jury, award_id, "anna", 7)
    with jury.unit_of_work() as uow:
        view = juries.organiser_view(uow, award_id)
    assert view.outcome is not None and view.outcome.tie is not None
    assert (view.outcome.winners, view.outcome.tie.tied, view.outcome.tie.seats) == ((1, 2), (3, 4, 6), 1)
    assert juries.count_lines(jury, "spirit of the mille miglia") == [
        "1930 Alfa Romeo 6C 1750 Gran Sport,1,4",
        "1951 Jaguar XK120,2,3",
        "1957 Porsche 356A Speedster,3,2",
        "1953 Lancia Aurelia B20 GT,4,2",
        "1955 Mercedes-Benz 300 SL,6,2",
        '"1953 Fiat 8V ""Otto Vu""",7,1',
    ]
    with pytest.raises(InvalidInput, match="settle the tie at the cut-off place first"):
        juries.reveal(jury, award_id, "olga")
    with pytest.raises(InvalidInput, match="this tie goes to a run-off ballot"):
        juries.settle(jury, award_id, [3], "olga", "older")
    juries.open_runoff(jury, award_id, "olga")
    with jury.unit_of_work() as uow:
        runoff = juries.juror_view(uow, award_id, juror("anna"))
    assert runoff.round is not None and runoff.round.number == 2 and runoff.mine is None
    assert [e.start_no for e in runoff.candidates] == [3, 4, 6]
    with pytest.raises(InvalidInput, match="choice 1 entrant = 1: not among the tied of this run-off"):
        vote(jury, award_id, "anna", 1)
    with pytest.raises(InvalidInput, match="choices = 2: at most 1 on this ballot"):
        vote(jury, award_id, "anna", 3, 4)
    for name, car in [("anna", 3), ("ben", 4), ("carla", 3), ("dario", 6), ("elena", 3)]:
        vote(jury, award_id, name, car)
    juries.close_vote(jury, award_id, "olga")
    assert juries.count_lines(jury, "Spirit of the Mille Miglia")[2] == "1957 Porsche 356A Speedster,3,2"  # type: ignore[index]
    with jury.unit_of_work() as uow:
        assert juries.revealed_winners(uow) == []
    revealed = juries.reveal(jury, award_id, "olga")
    assert revealed.state is AwardState.REVEALED and revealed.revealed_by == "olga"
    assert [(r.number, r.opened_by, r.closed_by) for r in revealed.rounds] == [
        (1, "olga", "olga"),
        (2, "olga", "olga"),
    ]
    assert all(r.opened_us <= (r.closed_us or 0) <= (revealed.revealed_us or 0) for r in revealed.rounds)
    with jury.unit_of_work() as uow:
        winners = juries.revealed_winners(uow)
    assert [(w.award_name, w.start_no, w.car) for w in winners] == [
        ("Spirit of the Mille Miglia", 1, "1930 Alfa Romeo 6C 1750 Gran Sport"),
        ("Spirit of the Mille Miglia", 2, "1951 Jaguar XK120"),
        ("Spirit of the Mille Miglia", 3, "1957 Porsche 356A Speedster"),
    ]
    assert winners[2].reasons == (
        "zq-anna-3 reason",
        "zq-carla-3 reason",
        "zq-elena-3 reason",
    )  # anna and carla named car 3 in both rounds in the same words: each juror's words once
    assert winners[0].jurors == ()  # the names are not shown unless the organiser ticks it
    assert "zq-ben-7 reason" not in {r for w in winners for r in w.reasons}  # withdrawn
    with pytest.raises(InvalidInput, match="revealed: the award is final"):
        juries.change(
            jury, award_id, name="x", winners=3, roles=["crew"], method="approval", tie_rule="runoff"
        )


def test_a_casting_choice_settles_a_tie_recorded_with_who_when_and_why(jury: Database) -> None:
    award_id = spirit(jury, tie_rule="casting", method="borda", show_names=True)
    juries.open_vote(jury, award_id, "olga")
    # Borda, 3 seats: anna 1 2 3, ben 1 2 4, carla 1 3 6, dario 2 4 7, elena 1 6
    # car 1: 3+3+3+3 = 12; car 2: 2+2+3 = 7; car 3: 1+2 = 3; car 4: 1+2 = 3; car 6: 1+2 = 3; car 7: 1
    five_ballots_tied_at_third(jury, award_id)
    juries.close_vote(jury, award_id, "olga")
    assert juries.count_lines(jury, "Spirit of the Mille Miglia") == [
        "1930 Alfa Romeo 6C 1750 Gran Sport,1,12",
        "1951 Jaguar XK120,2,7",
        "1957 Porsche 356A Speedster,3,3",
        "1953 Lancia Aurelia B20 GT,4,3",
        "1955 Mercedes-Benz 300 SL,6,3",
        '"1953 Fiat 8V ""Otto Vu""",7,1',
    ]
    with pytest.raises(InvalidInput, match="ties go to a casting choice"):
        juries.open_runoff(jury, award_id, "olga")
    cases = [
        ([7], "why", "chosen = 7: not among the tied"),
        ([3, 4], "why", "chosen = 2: pick 1 of the tied (3, 4, 6)"),
        ([6], " ", "why = ' ': say why"),
    ]
    for chosen, why, message in cases:
        with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
            juries.settle(jury, award_id, chosen, "olga", why)
    juries.settle(jury, award_id, [6], "olga", "  drove the whole route   with the roof down ")
    with jury.unit_of_work() as uow:
        view = juries.organiser_view(uow, award_id)
    (casting,) = view.award.castings
    assert (casting.round, casting.chosen, casting.by, casting.why) == (
        1,
        (6,),
        "olga",
        "drove the whole route with the roof down",
    )
    assert view.outcome is not None and view.outcome.winners == (1, 2, 6) and view.outcome.settled
    assert juries.count_lines(jury, "Spirit of the Mille Miglia")[2] == "1955 Mercedes-Benz 300 SL,6,3"  # type: ignore[index]
    with pytest.raises(InvalidInput, match="the count has no tie to settle"):
        juries.settle(jury, award_id, [3], "olga", "again")
    juries.reveal(jury, award_id, "olga")
    with jury.unit_of_work() as uow:
        winners = juries.revealed_winners(uow)
    assert [w.start_no for w in winners] == [1, 2, 6]
    assert winners[2].jurors == ("carla", "elena") and winners[2].reasons == (
        "zq-carla-6 reason",
        "zq-elena-6 reason",
    )


def test_jurors_are_the_holders_of_the_awards_roles_and_a_crew_never_votes_for_its_own_car(
    jury: Database,
) -> None:
    award_id = spirit(jury, roles=["mechanic", "crew"])
    juries.open_vote(jury, award_id, "olga")
    with pytest.raises(
        juries.NotAJuror, match="its jurors are mechanic / sweep, crew; you are signed in as marshal"
    ):
        vote(jury, award_id, "carla", 1)
    with pytest.raises(juries.NotAJuror):
        vote(jury, award_id, "olga", 1)  # the organiser too, unless the award names the role
    with pytest.raises(InvalidInput, match="choice 2 entrant = 5: a crew may not vote for its own car"):
        vote(jury, award_id, "elena", 1, 5)
    with pytest.raises(InvalidInput, match="choice 2 entrant = 1: already on this ballot"):
        vote(jury, award_id, "anna", 1, 1)
    with pytest.raises(InvalidInput, match="choice 1 entrant = 99: no accepted entry has this number"):
        vote(jury, award_id, "anna", 99)
    with pytest.raises(InvalidInput, match="choice 1 reason = '301 characters'"):
        juries.cast_ballot(jury, award_id, juror("anna"), [(1, "x" * 301)])
    with jury.unit_of_work() as uow:
        assert uow.awards.ballots(award_id) == []  # nothing stored by a refused ballot
        assert [v.award.id for v in juries.ballot_list(uow, juror("anna"))] == [award_id]
        assert juries.ballot_list(uow, juror("carla")) == []
        view = juries.juror_view(uow, award_id, juror("elena"))
    assert view.own_car == 5
    vote(jury, award_id, "elena", 1, 2)


def test_the_definition_is_checked_and_fixed_once_the_vote_opens(jury: Database) -> None:
    with pytest.raises(InvalidInput, match="award 'X': winners = 0: an award has 1 to 50 winners"):
        spirit(jury, name="X", winners=0)
    award_id = spirit(jury)
    with pytest.raises(InvalidInput, match="award: name = 'SPIRIT of the Mille Miglia': there is an award"):
        spirit(jury, name="SPIRIT of the Mille Miglia")
    base = {"winners": 3, "roles": ["mechanic"], "method": "approval", "tie_rule": "runoff"}
    changed = juries.change(jury, award_id, name="Spirit", description="New words", **base)  # type: ignore[arg-type]
    assert (changed.name, changed.description, changed.roles) == ("Spirit", "New words", ("mechanic",))
    juries.open_vote(jury, award_id, "olga")
    with pytest.raises(InvalidInput, match="award 'Spirit': method = 'borda': fixed once the vote opened"):
        juries.change(jury, award_id, name="Spirit", **{**base, "method": "borda"})  # type: ignore[arg-type]
    shown = juries.change(jury, award_id, name="Spirit", show_names=True, **base)  # type: ignore[arg-type]
    assert shown.show_names
    with pytest.raises(InvalidInput, match="the vote has opened already"):
        juries.open_vote(jury, award_id, "olga")
    with jury.unit_of_work() as uow:
        (award,) = uow.awards.all(events.event_row(uow).id)
    assert (award.name, award.winners, award.created_by) == ("Spirit", 3, "olga")
    assert juries.count_lines(jury, "No such award") is None


def test_fewer_entrants_with_a_vote_than_winners_give_fewer_winners(jury: Database) -> None:
    award_id = spirit(jury, winners=5)
    juries.open_vote(jury, award_id, "olga")
    vote(jury, award_id, "anna", 2)
    vote(jury, award_id, "ben", 2, 3)
    juries.close_vote(jury, award_id, "olga")
    juries.reveal(jury, award_id, "olga")
    with jury.unit_of_work() as uow:
        assert [w.start_no for w in juries.revealed_winners(uow)] == [2, 3]


def test_the_demo_awards(db: Database) -> None:
    jury_event(db, cars=12)
    summary = juries.seed_demo_awards(db, rng_seed=1927)
    assert summary.startswith("juried awards: 'Spirit of the Mille Miglia' revealed (cars ")
    with db.unit_of_work() as uow:
        watches, favourite = juries.organiser_list(uow)
        winners = juries.revealed_winners(uow)
        staff = {u.username: u.role for u in uow.users.all()}
    assert (watches.award.state, len(watches.award.rounds), watches.outcome.settled) == (
        AwardState.REVEALED,
        2,
        True,
    )  # type: ignore[union-attr]
    assert [w.award_name for w in winners] == ["Spirit of the Mille Miglia"] * 5
    assert all(w.reasons for w in winners)
    assert (favourite.award.state, favourite.award.method.value, favourite.ballots_cast) == (
        AwardState.OPEN,
        "borda",
        2,
    )
    assert {name: staff[name] for name, _ in juries.DEMO_JURORS} == dict(juries.DEMO_JURORS)
    assert juries.seed_demo_awards(db) == "juried awards: 'Spirit of the Mille Miglia' is there already"
    juries.cast_ballot(
        db, favourite.award.id, User(id=0, username="mechanic", role="mechanic"), [(1, "kept it")]
    )
    assert users.authenticate(db, "mech-anna", demo.demo_password("mech-anna")) is not None
    assert all(juries.demo_password(n) == demo.demo_password(n) for n, _ in juries.DEMO_JURORS)


def test_the_command_prints_the_count_once_the_vote_is_closed(jury: Database) -> None:
    from typer.testing import CliRunner

    from miglia.cli import app

    award_id = spirit(jury)
    juries.open_vote(jury, award_id, "olga")
    five_ballots_tied_at_third(jury, award_id)
    runner = CliRunner()
    sealed = runner.invoke(app, ["awards", "count", "Spirit of the Mille Miglia", "--db", jury.url])
    assert sealed.exit_code == 2
    assert "the count is sealed until the vote closes" in sealed.output
    juries.close_vote(jury, award_id, "olga")
    answer = runner.invoke(app, ["awards", "count", "Spirit of the Mille Miglia", "--db", jury.url])
    assert answer.exit_code == 0, answer.output
    assert answer.output.splitlines()[:3] == [
        "entry,start_no,votes",
        "1930 Alfa Romeo 6C 1750 Gran Sport,1,4",
        "1951 Jaguar XK120,2,3",
    ]
