"""Print pip constraints that pin every declared dependency to its floor (``make test-oldest``).

``pyproject.toml`` declares lower bounds only (``numpy>=1.24``). A floor is a fact only if the
project is installed and tested at it, so ``make test-oldest`` builds a second environment with
these constraints (``numpy==1.24``) and runs the tests there. Dependencies of the named extras
are pinned too; an extra's dependency with an environment marker is pinned with its marker.

    .venv/bin/python tools/floors.py lab teach test > floors.txt
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the test extra installs tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
# The browser test is not part of test-oldest (it drives a system Chromium), so its driver
# needs no floor run; everything else is pinned.
SKIP = {"playwright"}
FLOOR = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^,;\s]*)\s*(;.*)?$")


def floors(extras: list[str]) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise SystemExit(f"unknown extra {extra!r}; pyproject.toml has {sorted(optional)}")
        requirements += optional[extra]
    pins = []
    for req in requirements:
        m = FLOOR.match(req)
        if not m:
            raise SystemExit(f"every dependency needs a '>=' floor; got {req!r}")
        name, version, marker = m.groups()
        if name.lower() in SKIP:
            continue
        pins.append(f"{name}=={version}{' ' + marker if marker else ''}")
    return pins


if __name__ == "__main__":
    print("\n".join(floors(sys.argv[1:])))
