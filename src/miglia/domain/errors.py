"""Errors raised by the rules, always naming what was wrong and where."""

from __future__ import annotations


class MigliaError(ValueError):
    """Bad input: the message names the place, the field and the value; nothing was changed."""


class InvalidInput(MigliaError):
    def __init__(self, where: str, field: str, value: object, problem: str) -> None:
        self.where = where
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{where}: {field} = {value!r}: {problem}")
