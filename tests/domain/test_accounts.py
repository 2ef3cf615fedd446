"""Roles: the organiser holds every role; anyone else only their own."""

from __future__ import annotations

import pytest

from miglia.domain.accounts import ROLE_LABELS, ROLES, User


def test_every_role_has_a_label() -> None:
    assert set(ROLE_LABELS) == set(ROLES)
    assert User(1, "sam", "mechanic").role_label == "Mechanic / sweep"
    assert User(1, "odd", "sweeper").role_label == "sweeper"  # an unknown role is shown as stored


@pytest.mark.parametrize(
    ("role", "asked", "holds"),
    [
        ("organiser", ("timekeeper",), True),
        ("organiser", ("crew",), True),
        ("timekeeper", ("timekeeper", "mechanic"), True),
        ("mechanic", ("timekeeper", "mechanic"), True),
        ("marshal", ("timekeeper", "mechanic"), False),
        ("crew", ("organiser",), False),
        ("timekeeper", (), False),
    ],
)
def test_has_role(role: str, asked: tuple[str, ...], holds: bool) -> None:
    assert User(7, "x", role).has_role(*asked) is holds
