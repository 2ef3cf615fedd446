"""Find the line of a key in a TOML file, so errors can name it.

tomllib gives values without positions; this walks the text once, following `[table]` and
`[[array.of.tables]]` headers, and maps each key path (with array indexes) to its line.
"""

from __future__ import annotations

import re

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")

Path = tuple[str | int, ...]


def key_lines(text: str) -> dict[Path, int]:
    """Every key path, e.g. ("days", 1, "controls", 0, "km"), and table path, mapped to its line (1-based)."""
    lines: dict[Path, int] = {}
    counts: dict[Path, int] = {}
    current: Path = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _ARRAY_HEADER.match(line):
            current = _array_path(match.group(1).split("."), counts)
            lines.setdefault(current, number)
        elif match := _TABLE_HEADER.match(line):
            current = _table_path(match.group(1).split("."), counts)
            lines.setdefault(current, number)
        elif match := _KEY.match(line):
            lines.setdefault((*current, match.group(1).strip('"')), number)
    return lines


def _resolve(names: list[str], counts: dict[Path, int]) -> Path:
    """Path of the table named by `names`, descending into the latest element of each array of tables."""
    path: Path = ()
    for name in names:
        path = (*path, name.strip().strip('"'))
        if path in counts:
            path = (*path, counts[path] - 1)
    return path


def _array_path(names: list[str], counts: dict[Path, int]) -> Path:
    parent = _resolve(names[:-1], counts)
    key = (*parent, names[-1].strip().strip('"'))
    counts[key] = counts.get(key, 0) + 1
    return (*key, counts[key] - 1)


def _table_path(names: list[str], counts: dict[Path, int]) -> Path:
    return _resolve(names, counts)


def line_of(lines: dict[Path, int], loc: Path) -> int | None:
    """The line of `loc`, or of the nearest enclosing table that has one."""
    for end in range(len(loc), 0, -1):
        if (line := lines.get(tuple(loc[:end]))) is not None:
            return line
    return None
