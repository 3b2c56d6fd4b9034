"""The learner's workspace: their own copy of the student edition, which no command overwrites.

``make lab`` runs ``python tools/workspace.py sync`` and then opens ``workspace/`` in JupyterLab.
The workspace holds the student edition of every notebook of the teacher's edition
(``notebooks/``): each exercise's answer line is a stub that raises ``NotImplementedError`` and
points to ``ex.hint(...)`` (see ``tools/student_edition.py``). It is the learner's: edit it,
save it, break it.

``sync`` (every ``make lab``)
    * first run: creates ``workspace/`` with every notebook;
    * a notebook of the teacher's edition that the workspace lacks (a new notebook, or one the
      learner deleted) is added, and the learner is told;
    * a notebook the learner has changed is never touched. If the teacher's edition of it has
      changed since, the learner is told, and how to get the new version (``reset``);
    * a notebook the learner has not changed since it was written (same bytes) is brought up to
      date with the teacher's edition, and the learner is told;
    * a notebook of the workspace with no counterpart in the teacher's edition is kept;
    * a notebook of the teacher's edition that cannot be stubbed safely (see
      ``tools/student_edition.py``) is left out with a message; the others are still written.

``reset NB [--exercise NAME]``
    Puts one whole notebook (``NB``: ``04``, ``4`` or its file name), or one exercise cell of it
    (``NAME``: ``db``, the function ``my_db``'s exercise), back to its starting state, taken
    from the current teacher's edition. The other notebooks and the other cells are not touched.
    The notebook as it was is first saved to ``workspace/.backups/NN-name.K.ipynb`` (K = 1, 2, …),
    so a reset can be undone by copying that file back. Close the notebook in JupyterLab before
    a reset (or reload it afterwards: File → Reload Notebook from Disk), so that an open copy is
    not saved over the reset one.

``workspace/.workspace.json`` records the SHA-256 of each notebook as this tool last wrote it;
that is how an unchanged copy is told from the learner's work. Without the record (a folder made
by hand) every existing notebook counts as the learner's.

Usage::

    python tools/workspace.py sync [--out workspace]
    python tools/workspace.py reset 04 [--exercise db] [--out workspace]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat

from student_edition import (ROOT, StudentEditionError, convert_notebook,  # a sibling script
                             find_notebooks)

RECORD = ".workspace.json"
BACKUPS = ".backups"
_NUMBER = re.compile(r"\d\d[a-z]?")  # a notebook's number: two digits and an optional letter
_DEF = re.compile(r"^\s*def\s+(my_\w+)\s*\(", re.MULTILINE)


class WorkspaceError(ValueError):
    """A request the workspace tool refuses (the message says why and what to do)."""


def _show(path: Path) -> str:
    """``path`` as the learner typed it: relative to the current folder when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_record(out: Path) -> dict:
    path = out / RECORD
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WorkspaceError(f"{path} cannot be read ({exc}); move it away (`mv {path} {path}.bad`) "
                             f"and run again: without it no notebook of the workspace is changed, "
                             f"missing ones are added") from exc
    if not isinstance(data, dict) or not all(isinstance(key, str) and isinstance(value, str) for key, value in data.items()):
        raise WorkspaceError(f"{path} is not the record this tool keeps (notebook name → SHA-256); "
                             f"move it away (`mv {path} {path}.bad`) and run again")
    return data


def _write_record(out: Path, record: dict) -> None:
    (out / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise WorkspaceError(f"the workspace {str(out)!r} is a file, not a folder; move it away or "
                             f"choose another folder (make lab WORKSPACE=DIR)")


def sync(notebooks: Path, out: Path) -> list[str]:
    """Create or complete the workspace ``out`` from the teacher's ``notebooks``; never change a
    notebook the learner has changed. Returns the lines to tell the learner."""
    notebooks, out = Path(notebooks), Path(out)
    _check_out(out)
    if notebooks.resolve() == out.resolve():
        raise WorkspaceError(f"the workspace {str(out)!r} is the teacher's notebooks folder; it must "
                             f"be another folder")
    sources = find_notebooks(notebooks)
    conversions, unsafe = [], []
    for path in sources:
        try:
            conversions.append(convert_notebook(path))
        except StudentEditionError as exc:  # one broken notebook must not lock the learner out
            unsafe.append(f"{path.name} could not be prepared for your workspace and was left out "
                          f"({exc}); read it in the teacher's edition (make lab-teacher)")
    blocked = [out / c.name for c in conversions if (out / c.name).is_dir()]
    if blocked:
        raise WorkspaceError("where these notebooks go there is a folder, not a notebook: "
                             + ", ".join(str(p) for p in blocked) + "; move them away and run again")
    first = not out.exists()
    record = _read_record(out)
    out.mkdir(parents=True, exist_ok=True)
    added, updated, kept_changed = [], [], []
    for conv in conversions:
        target = out / conv.name
        data = conv.text.encode()
        new = _sha(data)
        if not target.exists():
            target.write_bytes(data)
            record[conv.name] = new
            added.append(conv.name)
            continue
        current = _sha(target.read_bytes())
        written = record.get(conv.name)
        if current == new:
            record[conv.name] = new
        elif written is not None and current == written:
            target.write_bytes(data)  # the learner never changed it: bring it up to date
            record[conv.name] = new
            updated.append(conv.name)
        elif written is not None and written != new:
            kept_changed.append(conv.name)  # the learner's work; the teacher's edition moved on
    _write_record(out, record)
    names = {p.name for p in sources}
    orphans = sorted(p.name for p in out.glob("*.ipynb") if p.name not in names)
    lines = []
    if first:
        lines.append(f"Created your workspace, {_show(out)}/, with {len(added)} notebooks: the learner's edition, "
                     f"yours to edit. No command overwrites it (the teacher's edition is in "
                     f"{_show(notebooks)}/: `make lab-teacher`).")
    elif added:
        lines.append(f"Added to your workspace, {_show(out)}/: {', '.join(added)} (new in the teacher's "
                     f"edition, or missing here). Your other notebooks were not touched.")
    if updated:
        lines.append(f"Brought up to date (you had not changed them): {', '.join(updated)}.")
    for name in kept_changed:
        lines.append(f"The teacher's edition of {name} has changed since your copy was made; your copy "
                     f"is kept as it is. For the new version: make reset NB={name.split('-')[0]} (your copy is "
                     f"saved in {_show(out / BACKUPS)} first).")
    if orphans:
        lines.append(f"Kept, though the teacher's edition no longer has them: {', '.join(orphans)}.")
    lines += unsafe
    if not lines:
        lines.append(f"Your workspace is {_show(out)} (the learner's edition; no command overwrites it). "
                     f"The teacher's edition: `make lab-teacher`.")
    return lines


def _find_source(notebooks: Path, nb: str) -> Path:
    sources = find_notebooks(notebooks)
    key = str(nb).strip()
    if key.endswith(".ipynb"):
        key = key[: -len(".ipynb")]
    for p in sources:
        number = _NUMBER.match(p.name).group()  # "05", or "05b" for a notebook split off 05
        if key in (p.stem, number) or (key.isdigit() and number.isdigit() and int(key) == int(number)) \
                or (key[:-1].isdigit() and number[-1].isalpha() and key[-1] == number[-1]
                    and int(key[:-1]) == int(number[:-1])):
            return p
    listed = ", ".join(_NUMBER.match(p.name).group() for p in sources)
    raise WorkspaceError(f"NB={nb!r} names no notebook of the teacher's edition; give its number "
                         f"({listed}) or its file name")


def _backup(out: Path, target: Path) -> Path:
    folder = out / BACKUPS
    folder.mkdir(exist_ok=True)
    k = 1
    while (folder / f"{target.stem}.{k}.ipynb").exists():
        k += 1
    path = folder / f"{target.stem}.{k}.ipynb"
    path.write_bytes(target.read_bytes())
    return path


def _exercise_cells(nb) -> dict:
    """Exercise name → index of the code cell that defines ``my_<name>``, first one wins."""
    found = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for fname in _DEF.findall(cell.source):
            found.setdefault(fname[len("my_"):], i)
    return found


def reset(notebooks: Path, out: Path, nb: str, exercise: str | None = None) -> list[str]:
    """Put one notebook of the workspace, or one exercise cell of it, back to its starting state
    (from the current teacher's edition), after saving the notebook to ``out/.backups/``."""
    notebooks, out = Path(notebooks), Path(out)
    _check_out(out)
    source = _find_source(notebooks, nb)
    conv = convert_notebook(source)
    target = out / conv.name
    record = _read_record(out)
    out.mkdir(parents=True, exist_ok=True)
    if exercise is None:
        saved = _backup(out, target) if target.exists() else None
        target.write_bytes(conv.text.encode())
        record[conv.name] = _sha(conv.text.encode())
        _write_record(out, record)
        lines = [f"Reset {_show(target)} to its starting state."]
        if saved:
            lines.append(f"Your previous copy is saved as {_show(saved)}.")
        lines.append("Your other notebooks were not touched. If the notebook is open in JupyterLab: "
                     "File → Reload Notebook from Disk.")
        return lines
    fresh = nbformat.reads(conv.text, as_version=4)
    starts = _exercise_cells(fresh)
    name = exercise.strip()
    for prefix in ("my_", "check_", "solution_"):
        if name.startswith(prefix) and name[len(prefix):] in starts:
            name = name[len(prefix):]
    if name not in starts:
        listed = ", ".join(starts) or "none"
        raise WorkspaceError(f"EX={exercise!r} is not an exercise of {conv.name}; its exercises are: {listed}")
    if not target.exists():
        raise WorkspaceError(f"{_show(target)} does not exist; `make lab` (or `make reset NB={conv.name.split('-')[0]}`) "
                             f"creates it with every exercise at its start")
    mine = nbformat.read(target, as_version=4)
    start_cell = fresh.cells[starts[name]]
    where = _exercise_cells(mine).get(name)
    saved = _backup(out, target)
    if where is not None:
        mine.cells[where].source = start_cell.source
        mine.cells[where].outputs = []
        mine.cells[where].execution_count = None
        done = f"Reset exercise {name} of {_show(target)}: the cell defining my_{name} is back to its start."
    else:
        # The learner deleted the cell: put it back before the first cell that checks it.
        check = re.compile(rf"\bex\.check_{re.escape(name)}\s*\(")
        at = next((i for i, c in enumerate(mine.cells) if c.cell_type == "code" and check.search(c.source)),
                  len(mine.cells))
        mine.cells.insert(at, nbformat.from_dict(dict(start_cell)))
        done = f"Reset exercise {name} of {_show(target)}: its cell was missing and is back (cell {at})."
    text = nbformat.writes(mine) + "\n"
    target.write_text(text, encoding="utf-8")
    record.pop(conv.name, None)  # the notebook is still the learner's: sync never overwrites it
    _write_record(out, record)
    return [done, f"The notebook as it was is saved as {_show(saved)}. Every other cell and notebook is as it was.",
            "If the notebook is open in JupyterLab: File → Reload Notebook from Disk."]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks",
                        help="the teacher's edition (default: notebooks/)")
    parser.add_argument("--out", type=Path, default=ROOT / "workspace",
                        help="the learner's workspace (default: workspace/)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sync", help="create the workspace, add missing notebooks; never overwrite edits")
    r = sub.add_parser("reset", help="reset one notebook, or one exercise of it, to its start")
    r.add_argument("nb", nargs="?", default="", help="the notebook: 04, 4 or its file name")
    r.add_argument("--exercise", default="", help="one exercise of it, e.g. db")
    args = parser.parse_args(argv)
    try:
        if args.command == "sync":
            lines = sync(args.notebooks, args.out)
        else:
            if not args.nb:
                raise WorkspaceError("which notebook? e.g. `make reset NB=04` (a whole notebook) or "
                                     "`make reset NB=04 EX=db` (one exercise)")
            lines = reset(args.notebooks, args.out, args.nb, args.exercise or None)
    except (WorkspaceError, StudentEditionError) as exc:
        print(f"workspace: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"workspace: could not write the workspace: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(f"workspace: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
