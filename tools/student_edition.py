"""Write the student edition of the workbook: every exercise's reference answer replaced by a stub.

The teacher's edition (``notebooks/``) is the source. In it, each exercise cell calls the
reference solution on the line after a marker::

    def my_dx_row(dout_row, w_row, stride):
        # REPLACE THE NEXT LINE WITH YOUR ANSWER
        return ex.solution_dx_row(dout_row, w_row, stride)

    ex.check_dx_row(my_dx_row)

In the student edition (``student/``, and the learner's workspace ``workspace/`` that
``tools/workspace.py`` keeps) that one line becomes::

        raise NotImplementedError("my_dx_row: replace this line with your answer; stuck? run ex.hint('dx_row')")

so the checker still runs and reports ``❌ … not implemented yet (my_dx_row: replace this line
with your answer; …)`` until the learner writes the function, and the line itself says where
help is (``ex.hint``, see :mod:`conv_backprop.exercises`). Nothing else changes, except that

* the outputs of exercise and checker cells are cleared (they showed the teacher's ✅), and so
  are those of cells that call ``ex.progress(`` (the teacher's "all pass") or ``ex.solution(``
  (a reference solution's source);
* the outputs of the code cell right after a "predict, then run" item or a pen-and-paper item
  (a markdown cell saying ``**Predict`` or holding a collapsed ``<details>`` worked answer) are
  cleared too: that cell reveals and checks the answer the learner is asked to write down first;
* cells tagged ``solution`` (a worked answer in the teacher's edition) are left out;
* the notebook metadata records ``conv_backprop.edition = "student"``.

The copy is refused (nothing is written) when it would still contain a reference call
(``solution_…(`` in any code cell or output), or when a marker is not followed by exactly one
line calling ``…solution_…(``.

Learners' work is never overwritten. ``student/.student-edition.json`` records the SHA-256 of
each notebook this tool wrote. A target that exists and differs both from that record and from
the new copy has been edited (by a learner, or by JupyterLab saving it): then nothing at all is
written, and the message lists the files and how to proceed (move the folder away, write to
another ``--out`` folder, or ``--force`` to discard the edits). Without that record (a folder made
by hand, or the file deleted) the tool cannot tell a learner's edits from an older copy, so it
keeps every notebook that differs and explains the safe way on (move the folder away and run
again), without suggesting ``--force``. A record that is not one this tool wrote, an ``--out``
that is a file, or a folder where a notebook should be are refused the same way: a message, exit
status 1, nothing written.

Usage::

    python tools/student_edition.py                       # notebooks/ → student/
    python tools/student_edition.py --out /tmp/class-a    # another folder
    python tools/student_edition.py --force               # overwrite edited copies
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
MARKER = "# REPLACE THE NEXT LINE WITH YOUR ANSWER"
MANIFEST = ".student-edition.json"
NOTEBOOK_NAME = re.compile(r"^\d\d[a-z]?-[^/]*\.ipynb$")  # 05-…, and 05b-… after it
SOLUTION_CALL = re.compile(r"\bsolution_\w*\s*\(")
_DEF = re.compile(r"^\s*def\s+(\w+)\s*\(", re.MULTILINE)
SOLUTION_TAG = "solution"
# Cells whose output shows the teacher's state: progress ("4 of 4 pass") or a printed solution.
HELP_CALL = re.compile(r"\bex\.(progress|solution)\s*\(")
# A markdown cell that asks the learner to predict, or hides a worked answer; the code cell after
# it reveals the answer, so its stored output is cleared.
ASKS_FIRST = re.compile(r"\*\*Predict\b|<details\b")


class StudentEditionError(ValueError):
    """A notebook cannot be turned into a student copy safely (the message says where and why)."""


@dataclass
class Conversion:
    """One student notebook: the text to write, and the reference lines it replaced."""

    name: str
    text: str
    # (index of the cell in the student notebook, teacher's line, student's line)
    replaced: list = field(default_factory=list)


def find_notebooks(folder: Path) -> list[Path]:
    """The course notebooks in ``folder`` (names ``NN-*.ipynb``), sorted by number."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise StudentEditionError(f"notebooks folder {str(folder)!r} is a file, not a folder")
    if not folder.is_dir():
        raise StudentEditionError(f"notebooks folder {str(folder)!r} does not exist")
    found = sorted(p for p in folder.iterdir() if NOTEBOOK_NAME.match(p.name))
    if not found:
        raise StudentEditionError(f"no notebooks named NN-*.ipynb in {str(folder)!r}")
    return found


def stub_line(solution_line: str, function_name: str | None) -> str:
    """The stub that replaces one reference line, with the same indentation."""
    indent = solution_line[: len(solution_line) - len(solution_line.lstrip())]
    who = f"{function_name}: " if function_name else ""
    help_ = ""
    if function_name and function_name.startswith("my_") and len(function_name) > 3:
        help_ = f"; stuck? run ex.hint('{function_name[3:]}')"
    return f'{indent}raise NotImplementedError("{who}replace this line with your answer{help_}")'


def checks_exercise(source: str, functions) -> bool:
    """True when ``source`` calls a checker (``ex.check_…(``) on one of the exercise ``functions``."""
    return any(name in functions
               for name in re.findall(r"\bex\.check_\w+\s*\(\s*(\w+)", source))


def _code_text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def convert_source(source: str, where: str) -> tuple[str, list[tuple[str, str]]]:
    """Replace the line after each marker by a stub; return the new source and the swaps.

    Raises :class:`StudentEditionError` (naming ``where``) when a marker is not followed by a
    single line calling a ``solution_…`` function.
    """
    lines = source.split("\n")
    swaps = []
    function_name = None
    for k, line in enumerate(lines):
        m = _DEF.match(line)
        if m:
            function_name = m.group(1)
        if line.strip() != MARKER:
            continue
        if k + 1 >= len(lines) or not SOLUTION_CALL.search(lines[k + 1]):
            nxt = lines[k + 1] if k + 1 < len(lines) else "<end of cell>"
            raise StudentEditionError(
                f"{where}: the line after {MARKER!r} must call the reference solution "
                f"(ex.solution_…(…)) on one line; found {nxt.strip()!r}")
        reference = lines[k + 1]
        if reference.count("(") != reference.count(")"):
            raise StudentEditionError(
                f"{where}: the reference call after the marker spans several lines "
                f"({reference.strip()!r}); keep it on one line so it can be replaced")
        stub = stub_line(reference, function_name)
        lines[k + 1] = stub
        swaps.append((reference, stub))
    return "\n".join(lines), swaps


def _leaks(nb) -> list[str]:
    """Where a reference call is still visible in the notebook's code cells or outputs."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if SOLUTION_CALL.search(_code_text(cell)):
            found.append(f"cell {i} (source)")
        if SOLUTION_CALL.search(json.dumps(cell.get("outputs", []))):
            found.append(f"cell {i} (outputs)")
    return found


def convert_notebook(path: Path) -> Conversion:
    """Build the student copy of one teacher notebook (in memory)."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    conv = Conversion(path.name, "")
    kept = []
    exercise_functions = set()
    reveals = False  # the previous markdown cell asked for a prediction or hid a worked answer
    for i, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if SOLUTION_TAG in tags:
            continue
        if cell.cell_type == "markdown":
            reveals = bool(ASKS_FIRST.search(cell.source))
        elif cell.cell_type == "code" and reveals:
            reveals = False
            cell.outputs = []
            cell.execution_count = None
        if cell.cell_type == "code":
            src = _code_text(cell)
            new, swaps = convert_source(src, f"{path.name}, cell {i}")
            if swaps:
                cell.source = new
                conv.replaced.extend((len(kept), a, b) for a, b in swaps)
                exercise_functions.update(_DEF.findall(new))
            if swaps or checks_exercise(src, exercise_functions) or HELP_CALL.search(src):
                # Their outputs showed the teacher's ✅; a demonstration of a wrong answer
                # (a checker called on some other function) keeps its output.
                cell.outputs = []
                cell.execution_count = None
        kept.append(cell)
    nb.cells = kept
    leaks = _leaks(nb)
    if leaks:
        raise StudentEditionError(
            f"{path.name}: the student copy would still call a reference solution in "
            f"{', '.join(leaks)}; mark the line with {MARKER!r} or tag the cell "
            f"{SOLUTION_TAG!r}")
    nb.metadata["conv_backprop"] = {"edition": "student", "source": f"notebooks/{path.name}"}
    conv.text = nbformat.writes(nb) + "\n"
    return conv


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(path: Path) -> dict | None:
    """The record of the copies this tool wrote (notebook name → SHA-256), or None when there is
    none. Raises :class:`StudentEditionError` when the file is not such a record."""
    if not path.exists() and not path.is_symlink():
        return None
    problem = None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except IsADirectoryError:
        problem = "it is a folder"
    except (OSError, UnicodeDecodeError) as exc:
        problem = f"it cannot be read ({exc})"
    except ValueError as exc:
        problem = f"it is not valid JSON ({exc})"
    else:
        if not isinstance(data, dict):
            problem = f"it holds a JSON {type(data).__name__}, not an object"
        elif not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            problem = "some of its entries are not notebook name → SHA-256 text"
    if problem is None:
        return data
    raise StudentEditionError(
        f"{path} is not the record this tool keeps: {problem}. That file should be a JSON object "
        f"mapping each student notebook's name to the SHA-256 of the copy this tool wrote; it is "
        f"how the tool tells its own copies from notebooks a learner has edited. Nothing was "
        f"written. If nobody edited it on purpose, move it away (`mv {path} {path}.bad`) and run "
        f"again: without a record, every existing notebook that differs from its new copy is kept "
        f"and listed, never overwritten.")


def write_student_edition(notebooks: Path, out: Path, *, force: bool = False) -> list[str]:
    """Write the student copies of every ``NN-*.ipynb`` in ``notebooks`` into ``out``.

    Returns the names written or refreshed. Raises :class:`StudentEditionError` and writes
    nothing when a target was edited since this tool wrote it (unless ``force``), when a
    notebook cannot be converted safely, when
    ``out`` is a file, when a target notebook's path is a folder, or when the record in
    ``out/.student-edition.json`` is not one this tool wrote.
    """
    notebooks, out = Path(notebooks), Path(out)
    if out.exists() and not out.is_dir():
        raise StudentEditionError(f"--out {str(out)!r} is a file, not a folder; nothing was written. "
                                  f"Give the folder the student notebooks go into (it is created "
                                  f"if it does not exist), e.g. --out student")
    if notebooks.resolve() == out.resolve():
        raise StudentEditionError(f"--out {str(out)!r} is the teacher's notebooks folder; "
                                  "the student edition must go elsewhere")
    conversions = [convert_notebook(p) for p in find_notebooks(notebooks)]
    folders = [out / c.name for c in conversions if (out / c.name).is_dir()]
    if folders:
        names = "\n  ".join(str(p) for p in folders)
        raise StudentEditionError(
            f"not writing the student edition: where these notebooks go there is a folder, not a "
            f"notebook:\n  {names}\nNothing was written. Move or rename those folders, or write "
            f"elsewhere with --out DIR.")
    manifest_path = out / MANIFEST
    recorded = _read_manifest(manifest_path)
    manifest = dict(recorded or {})
    edited = []
    for conv in conversions:
        target = out / conv.name
        if not target.exists():
            continue
        current = _sha(target.read_bytes())
        if current in (_sha(conv.text.encode()), manifest.get(conv.name)):
            continue
        edited.append(target)
    if edited and recorded is None and not force:
        # No record: these may be a learner's work or copies made before; --force would be a
        # guess, so the message does not offer it.
        names = "\n  ".join(str(p) for p in edited)
        raise StudentEditionError(
            f"not writing the student edition: these notebooks exist and differ from the new "
            f"copies:\n  {names}\nand {out} has no {MANIFEST}, the record this tool keeps of the "
            f"copies it wrote. Without it the tool cannot tell whether they differ because a "
            f"learner worked in them or because the teacher's notebooks changed since they were "
            f"made. Nothing was changed. The safe way on: move the folder away "
            f"(`mv {out} {out}-old`) and run again, then copy any learner's answers across from "
            f"{out}-old; or write the new edition elsewhere with --out DIR.")
    if edited and not force:
        names = "\n  ".join(str(p) for p in edited)
        raise StudentEditionError(
            f"not writing the student edition: these notebooks exist and differ from what this "
            f"tool last wrote there (a learner's work?):\n  {names}\n"
            f"Nothing was changed. To keep them, move the folder away first "
            f"(e.g. `mv {out} {out}-mine`) or write elsewhere with --out DIR; to discard the "
            f"edits and write fresh copies, run again with --force.")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for conv in conversions:
        target = out / conv.name
        data = conv.text.encode()
        if not target.exists() or target.read_bytes() != data:
            target.write_bytes(data)
            written.append(conv.name)
        manifest[conv.name] = _sha(data)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks",
                        help="the teacher's notebooks (default: notebooks/)")
    parser.add_argument("--out", type=Path, default=ROOT / "student",
                        help="where to write the student copies (default: student/)")
    parser.add_argument("--force", action="store_true",
                        help="overwrite student notebooks even if they were edited")
    args = parser.parse_args(argv)
    try:
        written = write_student_edition(args.notebooks, args.out, force=args.force)
    except StudentEditionError as exc:
        print(f"student_edition: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder that cannot be created, a file that cannot be written, …
        print(f"student_edition: could not write the student edition: {exc}", file=sys.stderr)
        return 1
    total = len(find_notebooks(args.notebooks))
    print(f"student_edition: {len(written)} of {total} notebooks written to {args.out}"
          + ("" if written else " (all up to date)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
