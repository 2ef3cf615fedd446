"""Every `miglia ...` command line in the README and docs/ names a command and options that exist.

A renamed command or option fails here rather than in the hands of an organiser copying the line.
Checked: the lines of fenced blocks and the inline code spans that start with `miglia `.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from miglia.cli import app

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def command_lines(text: str) -> list[str]:
    """`miglia ...` as written in fenced blocks (without the trailing # comment) and inline code."""
    lines = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif fenced and (found := re.search(r"(?:^|\s)(miglia\s.*)$", line)):
            lines.append(re.split(r"\s#\s", found.group(1))[0].strip())
    outside = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    lines += [" ".join(span.split()) for span in re.findall(r"`(miglia\s[^`]+)`", outside)]
    return lines


def documented() -> list[tuple[str, str]]:
    return [(path.name, line) for path in DOCUMENTS for line in command_lines(path.read_text("utf-8"))]


def test_the_docs_hold_command_lines() -> None:
    assert len(documented()) > 20


@pytest.mark.parametrize(("document", "line"), documented())
def test_a_documented_command_line_names_a_real_command_and_its_options(document: str, line: str) -> None:
    words = line.replace("[", " ").replace("]", " ").split()[1:]
    command: Any = typer.main.get_command(app)
    path = ["miglia"]
    while hasattr(command, "commands") and words and words[0] in command.commands:
        path.append(words[0])
        command = command.commands[words.pop(0)]
    if hasattr(command, "commands"):  # a group named on its own (`miglia gps`): nothing more to check
        assert not words, f"{document}: {line!r}: {' '.join(path)} has no subcommand {words[0]!r}"
        return
    options = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
    unknown = [word for word in words if word.startswith("--") and word.split("=")[0] not in options]
    assert not unknown, f"{document}: {line!r}: {' '.join(path)} has no option {unknown}"
