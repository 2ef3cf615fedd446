"""Errors name the place, the field and the value."""

from __future__ import annotations

from miglia.domain.errors import InvalidInput, MigliaError


def test_invalid_input_names_where_the_field_the_value_and_the_problem() -> None:
    error = InvalidInput("passage p1", "start_no", "7a", "expected a whole number")
    assert str(error) == "passage p1: start_no = '7a': expected a whole number"
    assert (error.where, error.field, error.value, error.problem) == (
        "passage p1",
        "start_no",
        "7a",
        "expected a whole number",
    )
    assert isinstance(error, MigliaError) and isinstance(error, ValueError)
