"""The rule sets shipped with Miglia, and the loader for them or for an organiser's own file.

load_rules("mille-miglia")        # a shipped rule set, by name
load_rules(Path("my-rules.toml"))  # any rule-set file (docs/rules.md)
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from miglia.domain.errors import InvalidInput, MigliaError
from miglia.domain.rules import RuleSet
from miglia.rules.rule_set_file import rule_set_from_dict

HERE = Path(__file__).parent


def shipped() -> list[str]:
    """The names of the rule sets shipped with Miglia."""
    return sorted(p.stem for p in HERE.glob("*.toml"))


def load_rules(name_or_path: str | Path) -> RuleSet:
    """A shipped rule set by name ("mille-miglia", "tsd", "tour") or a rule-set TOML file by path.

    Raises MigliaError naming the file, the key and the value when the file is not a valid rule set.
    """
    if isinstance(name_or_path, str) and name_or_path in shipped():
        path = HERE / f"{name_or_path}.toml"
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise MigliaError(
                f"rules = {str(name_or_path)!r}: no such rule set; "
                f"shipped: {', '.join(shipped())}, or give a file path"
            )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise MigliaError(f"{path}: cannot read the rule set: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MigliaError(f"{path}: not valid TOML: {exc}") from None
    try:
        return rule_set_from_dict(data)
    except InvalidInput as exc:
        raise InvalidInput(str(path), exc.field, exc.value, exc.problem) from None
