"""Run every benchmark in this folder, one after the other: `python benchmarks/run.py [--quick] [NAME ...]`.

Each benchmark prints its figure beside a named baseline measured in the same run, as a ratio, since
the machines are noisy; nothing here asserts a time.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    flags = [a for a in argv if a.startswith("-")]
    names = [a for a in argv if not a.startswith("-")]
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in {"run.py", "__init__.py"})
    if names:
        scripts = [p for p in scripts if p.stem in names]
    failed = []
    for script in scripts:
        print(f"== {script.stem} ==", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script), *flags])
        print(f"-- {script.stem}: exit {code} in {time.monotonic() - started:.0f} s\n", flush=True)
        if code:
            failed.append(script.stem)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
