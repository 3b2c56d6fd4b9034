"""Give every notebook cell a reveal.js slide type, without touching the ones already set.

``make slides`` (``tools/site.py slides``) turns each notebook into a reveal.js slideshow; the
cell metadata ``{"slideshow": {"slide_type": ...}}`` decides where slides start. This tool writes
sensible defaults into the cells that have none, so a teacher only adjusts the few that matter:

* markdown starting with an H1 or H2 heading → ``slide`` (a new horizontal slide);
* markdown starting with an H3 heading, or an exercise prompt (``**Exercise …``) → ``subslide``;
* code cells whose lines are all set-up or presentation (imports, IPython magics, seeding,
  ``np.set_printoptions``, comments, lines marked ``# extra code``) → ``skip``;
* explorer cells (``…_explorer(``) → ``subslide`` (each explorer gets the whole slide, shown with
  its saved widget state);
* any other cell (prose, checks, ``ex.check_…`` cells) → ``-`` (continue the current slide),
  unless the slide is already full, then ``subslide`` (the next vertical slide).

Numbered derivation steps are not split here: ``tools/site.py`` shows the items of a numbered
list one by one (reveal.js fragments) when it builds the slides, and moves to a new vertical
slide when the steps would overflow; the notebook stays one cell per derivation.

The tool is idempotent and never overrides metadata already set (a cell with any ``slideshow``
entry is left alone, and counts as given when the tool decides where later cells go).

Usage::

    python tools/slide_metadata.py notebooks/*.ipynb          # writes in place
    python tools/slide_metadata.py --check notebooks/*.ipynb  # exit 1 if a cell has no slide type
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")

# About how many text lines fit on one 960×700 slide at the template's 20 px font.
SLIDE_BUDGET = 22
# Lines a figure or widget output takes on a slide.
FIGURE_LINES = 12
CHARS_PER_LINE = 80

_HEADING = re.compile(r"^\s*(#{1,6})\s+\S")
_EXERCISE = re.compile(r"^\s*\*\*\s*Exercise\b", re.IGNORECASE)
_EXPLORER = re.compile(r"\b\w+_explorer\s*\(")
_SETUP_LINE = re.compile(
    r"""^\s*(
        $                                   # blank
      | \#                                  # comment (includes "# extra code" lines)
      | (import|from)\s+\w                  # import
      | [%!]                                # IPython magic or shell escape
      | \w+\s*=\s*np\.random\.default_rng\(  # rng = np.random.default_rng(seed)
      | np\.set_printoptions\(
      | plt\.rcParams
      | warnings\.
    )""",
    re.VERBOSE,
)
_EXTRA_CODE = "# extra code"


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_setup_only(code: str) -> bool:
    """True when every line is set-up or presentation: nothing a lecture needs to show.

    A line counts when it is blank, a comment, an import, an IPython magic, seeding
    (``rng = np.random.default_rng(…)``), ``np.set_printoptions(…)``, or carries the house
    marker ``# extra code`` (presentation, not lesson). An empty cell counts too.
    """
    lines = code.splitlines()
    for line in lines:
        if _EXTRA_CODE in line:
            continue
        if not _SETUP_LINE.match(line):
            return False
    return True


def heading_level(markdown: str) -> int:
    """Level (1-6) of the heading the markdown starts with, 0 when it starts with prose."""
    for line in markdown.splitlines():
        if line.strip() == "" or line.strip().startswith("<!--"):
            continue
        m = _HEADING.match(line)
        return len(m.group(1)) if m else 0
    return 0


def cell_lines(cell) -> int:
    """Rough height of a cell on a slide, in text lines (prose, code and outputs)."""
    src = _source(cell)
    if cell.get("cell_type") == "markdown":
        n = 0
        for line in src.splitlines():
            n += max(1, -(-len(line) // CHARS_PER_LINE))
        if "$$" in src:
            n += 2 * src.count("$$") // 2
        return n
    if cell.get("cell_type") != "code":
        return 0
    n = len(src.splitlines())
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if any(k.startswith("image/") for k in data) or \
                "application/vnd.jupyter.widget-view+json" in data:
            n += FIGURE_LINES
        elif "text" in out:
            text = out["text"] if isinstance(out["text"], str) else "".join(out["text"])
            n += len(text.splitlines())
        elif "text/plain" in data:
            text = data["text/plain"]
            text = text if isinstance(text, str) else "".join(text)
            n += len(text.splitlines())
        elif out.get("output_type") == "error":
            n += 4
    return n


def default_slide_type(cell, lines_on_slide: int) -> str:
    """The slide type a cell gets when it has none, given how full the current slide is."""
    src = _source(cell)
    kind = cell.get("cell_type")
    if kind == "markdown":
        level = heading_level(src)
        if level in (1, 2):
            return "slide"
        if level == 3 or _EXERCISE.match(src):
            return "subslide"
    elif kind == "code":
        if is_setup_only(src):
            return "skip"
        if _EXPLORER.search(src):
            return "subslide"
    else:  # raw cells are not part of a lecture
        return "skip"
    if lines_on_slide > 0 and lines_on_slide + cell_lines(cell) > SLIDE_BUDGET:
        return "subslide"
    return "-"


def annotate(nb) -> int:
    """Write default slide types into the cells of ``nb`` that have none; return how many.

    Cells that already carry ``metadata.slideshow`` are never changed. Running it twice changes
    nothing the second time.
    """
    changed = 0
    lines_on_slide = 0
    for cell in nb.cells:
        meta = cell.setdefault("metadata", {})
        given = meta.get("slideshow")
        if isinstance(given, dict) and given.get("slide_type"):
            slide_type = given["slide_type"]
        else:
            if given is not None and not isinstance(given, dict):
                # Leave malformed metadata to the teacher, but do not let it break the layout.
                continue
            slide_type = default_slide_type(cell, lines_on_slide)
            meta.setdefault("slideshow", {})["slide_type"] = slide_type
            changed += 1
        if slide_type in ("slide", "subslide"):
            lines_on_slide = cell_lines(cell)
        elif slide_type in ("-", "fragment"):
            lines_on_slide += cell_lines(cell)
    return changed


def annotated_copy(nb):
    """A deep copy of ``nb`` with default slide types filled in (the original is untouched)."""
    nb = copy.deepcopy(nb)
    annotate(nb)
    return nb


def missing(nb) -> list[int]:
    """Indices of the cells that carry no slide type."""
    return [i for i, c in enumerate(nb.cells)
            if not (isinstance(c.get("metadata", {}).get("slideshow"), dict)
                    and c["metadata"]["slideshow"].get("slide_type"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path, help="notebooks to annotate in place")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a cell has no slide type")
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        if path.suffix != ".ipynb" or not path.is_file():
            print(f"slide_metadata: {path}: expected an existing .ipynb file", file=sys.stderr)
            return 2
        nb = nbformat.read(path, as_version=4)
        if args.check:
            gaps = missing(nb)
            if gaps:
                status = 1
                print(f"{path}: {len(gaps)} cells without a slide type (cells {gaps[:10]}"
                      f"{' …' if len(gaps) > 10 else ''}); run tools/slide_metadata.py {path}")
            continue
        n = annotate(nb)
        if n:
            nbformat.write(nb, path)
        print(f"{path}: {n} cells given a slide type" if n else f"{path}: unchanged")
    return status


if __name__ == "__main__":
    sys.exit(main())
