"""Classifications: ranking the cars' results by the rule set (overall, class, era, ladies, teams).

Ranking is separate from scoring: it only reads each car's `CarResult` and entry, so after one car is
rescored only the (cheap) ranking is redone. A car's place (1st, 2nd...) is `Standing.position`.
Excluded cars are listed after the classified ones, without a place. A rule set that does not rank
(a tour) gives every car the place None, in start-number order. Cars equal on the score and every
tie-break share a place (ex aequo), and the next place counts them all (1, 1, 3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from miglia.domain.entries import Entry
from miglia.domain.rules import ClassificationRules, Order, TieBreak
from miglia.domain.scoring import CarResult


@dataclass(frozen=True, slots=True, kw_only=True)
class Standing:
    position: int | None
    start_no: int
    penalty: Decimal
    coefficient: Decimal
    score: Decimal
    excluded: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Ranking:
    name: str
    standings: tuple[Standing, ...]

    def position_of(self, start_no: int) -> int | None:
        for s in self.standings:
            if s.start_no == start_no:
                return s.position
        raise KeyError(start_no)


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamStanding:
    position: int | None
    team: str
    score: Decimal | None
    counted: tuple[int, ...]
    """Start numbers of the members whose scores make the team's score."""
    members: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class Classification:
    overall: Ranking
    by_class: Mapping[str, Ranking]
    by_era: Mapping[str, Ranking]
    ladies: Ranking | None
    teams: tuple[TeamStanding, ...]


RankKey = tuple[object, ...]


def rank_key(rules: ClassificationRules, entries: Mapping[int, Entry]) -> Callable[[CarResult], RankKey]:
    """The sort key of a car: excluded last, then score (by the rule set's order), then tie-breaks."""
    highest = rules.order is Order.HIGHEST

    def key(r: CarResult) -> RankKey:
        parts: list[object] = [r.excluded, -r.score if highest else r.score]
        for t in rules.tie_breaks:
            if t is TieBreak.CLEAN_TRIALS:
                parts.append(-r.clean_trials)
            elif t is TieBreak.OLDER_CAR:
                parts.append(entries[r.start_no].car.year)
            elif t is TieBreak.LOWER_PENALTY:
                parts.append(r.penalty)
            else:
                parts.append(r.start_no)
        return tuple(parts)

    return key


def ordered(
    results: Iterable[CarResult], rules: ClassificationRules, entries: Mapping[int, Entry]
) -> list[tuple[RankKey, CarResult]]:
    """Results in classification order with their keys (start-number order when not ranked)."""
    key = rank_key(rules, entries)
    return sort_keyed([(key(r), r) for r in results], rules)


def sort_keyed(
    pairs: Iterable[tuple[RankKey, CarResult]], rules: ClassificationRules
) -> list[tuple[RankKey, CarResult]]:
    """Results with their `rank_key` in classification order (start-number order when not ranked)."""
    if not rules.ranked:
        return sorted(pairs, key=lambda kr: kr[1].start_no)
    return sorted(pairs, key=lambda kr: (kr[0], kr[1].start_no))


def places(
    pairs: Iterable[tuple[RankKey, CarResult]], rules: ClassificationRules
) -> Iterator[tuple[CarResult, int | None]]:
    """Each result already in order with its place: equal keys share a place; excluded cars have none."""
    current = 0
    previous: RankKey | None = None
    classified = 0
    for key, r in pairs:
        place: int | None = None
        if rules.ranked and not r.excluded:
            classified += 1
            if key != previous:
                current = classified
                previous = key
            place = current
        yield r, place


def standings(pairs: Iterable[tuple[RankKey, CarResult]], rules: ClassificationRules) -> tuple[Standing, ...]:
    """The standings of results already in order (see `places`)."""
    return tuple(
        Standing(
            position=place,
            start_no=r.start_no,
            penalty=r.penalty,
            coefficient=r.coefficient,
            score=r.score,
            excluded=r.excluded,
            note=r.exclusion,
        )
        for r, place in places(pairs, rules)
    )


def classify(
    results: Mapping[int, CarResult],
    entries: Mapping[int, Entry],
    rules: ClassificationRules,
    pairs: list[tuple[RankKey, CarResult]] | None = None,
) -> Classification:
    """Every classification the rule set asks for. `pairs` may pass an already sorted `ordered(...)`."""
    if pairs is None:
        pairs = ordered(results.values(), rules, entries)
    overall = Ranking(name="overall", standings=standings(pairs, rules))
    by_class: dict[str, Ranking] = {}
    if rules.by_class:
        names = sorted({entries[n].class_name for n in results if entries[n].class_name})
        for name in names:
            group = [kr for kr in pairs if entries[kr[1].start_no].class_name == name]
            by_class[name] = Ranking(name=f"class {name}", standings=standings(group, rules))
    by_era: dict[str, Ranking] = {}
    for era in rules.eras:
        group = [kr for kr in pairs if era.includes(entries[kr[1].start_no].car.year)]
        by_era[era.name] = Ranking(name=era.name, standings=standings(group, rules))
    ladies = None
    if rules.ladies_cup:
        group = [kr for kr in pairs if entries[kr[1].start_no].crew.ladies]
        ladies = Ranking(name="ladies' cup", standings=standings(group, rules))
    return Classification(
        overall=overall, by_class=by_class, by_era=by_era, ladies=ladies, teams=_teams(pairs, entries, rules)
    )


def _teams(
    pairs: list[tuple[RankKey, CarResult]], entries: Mapping[int, Entry], rules: ClassificationRules
) -> tuple[TeamStanding, ...]:
    if rules.team_best is None:
        return ()
    n = rules.team_best
    members: dict[str, list[tuple[RankKey, CarResult]]] = {}
    for kr in pairs:
        team = entries[kr[1].start_no].team
        if team:
            members.setdefault(team, []).append(kr)
    rows: list[tuple[tuple[object, ...], TeamStanding]] = []
    for team, group in members.items():
        counted = [kr for kr in group if not kr[1].excluded][:n]
        all_numbers = tuple(sorted(kr[1].start_no for kr in group))
        if len(counted) < n or not rules.ranked:
            unranked = TeamStanding(position=None, team=team, score=None, counted=(), members=all_numbers)
            rows.append(((True, Decimal(0), team), unranked))
            continue
        total = sum((kr[1].score for kr in counted), Decimal(0))
        sort_score = -total if rules.order is Order.HIGHEST else total
        # Ties between teams: the better best-placed member, then the name.
        numbers = tuple(kr[1].start_no for kr in counted)
        ranked = TeamStanding(position=None, team=team, score=total, counted=numbers, members=all_numbers)
        rows.append(((False, sort_score, counted[0][0], team), ranked))
    # Unranked teams (True) sort after the ranked: keys of the two shapes never meet past their first item.
    rows.sort(key=lambda row: row[0])
    out: list[TeamStanding] = []
    for place, (key, standing) in enumerate(rows, start=1):
        out.append(standing if key[0] else replace(standing, position=place))
    return tuple(out)
