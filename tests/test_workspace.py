"""The learner's workspace (``make lab``): created on first run, never overwritten, completed with
new notebooks, and reset one notebook or one exercise at a time (``tools/workspace.py``).

Checked on small synthetic teacher's editions whose right result is known cell by cell, and once
on the course's own notebooks; plus the Makefile, README and teacher's guide that document it.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"


def _load(name: str, as_name: str):
    spec = importlib.util.spec_from_file_location(as_name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[as_name] = module
    spec.loader.exec_module(module)
    return module


# tools/ is a folder of scripts: workspace.py imports its sibling as ``student_edition``, the name
# it has when the script runs.
student = sys.modules.get("student_edition") or _load("student_edition", "student_edition")
workspace = _load("workspace", "tools_workspace")

STUB_F = "raise NotImplementedError(\"my_f: replace this line with your answer; stuck? run ex.hint('f')\")"
STUB_G = "raise NotImplementedError(\"my_g: replace this line with your answer; stuck? run ex.hint('g')\")"


def _nb(title, *cells):
    nb = new_notebook(cells=[new_markdown_cell(title), *cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _lesson(number: int, title: str):
    """A teacher's notebook with two exercises, f and g, each in its own cell."""
    return _nb(
        f"# {number:02d} · {title}",
        new_code_cell("from conv_backprop.exercises import nb01 as ex"),
        new_code_cell("def my_f(x):\n    # REPLACE THE NEXT LINE WITH YOUR ANSWER\n    return ex.solution_f(x)\n"),
        new_code_cell("ex.check_f(my_f)"),
        new_code_cell("def my_g(x):\n    # REPLACE THE NEXT LINE WITH YOUR ANSWER\n    return ex.solution_g(x)\n"),
        new_code_cell("ex.check_g(my_g)"),
    )


@pytest.fixture
def teacher(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(_lesson(0, "Start"), folder / "00-start.ipynb")
    nbformat.write(_lesson(1, "Tiny"), folder / "01-tiny.ipynb")
    return folder


def _answer(path: Path, exercise: str = "f", answer: str = "return x + 1") -> str:
    """The learner answers one exercise and saves; returns the saved text."""
    nb = nbformat.read(path, as_version=4)
    stub = STUB_F if exercise == "f" else STUB_G
    cell = next(c for c in nb.cells if stub in c.source)
    cell.source = cell.source.replace(stub, answer)
    nbformat.write(nb, path)
    return path.read_text()


def _sources(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells]


# ----------------------------------------------------------------------------- creation


def test_first_run_creates_the_learners_edition(teacher, tmp_path):
    out = tmp_path / "workspace"
    lines = workspace.sync(teacher, out)
    assert sorted(p.name for p in out.glob("*.ipynb")) == ["00-start.ipynb", "01-tiny.ipynb"]
    assert "Created your workspace" in lines[0] and "2 notebooks" in lines[0] and "make lab-teacher" in lines[0]
    for path in out.glob("*.ipynb"):
        text = path.read_text()
        assert "solution_" not in text, "a reference call leaked into the workspace"
        assert STUB_F.replace('"', '\\"') in text and STUB_G.replace('"', '\\"') in text
        assert nbformat.read(path, as_version=4).metadata["conv_backprop"]["edition"] == "student"
    record = json.loads((out / workspace.RECORD).read_text())
    assert sorted(record) == ["00-start.ipynb", "01-tiny.ipynb"]


def test_the_course_notebooks_make_a_workspace_with_every_exercise_stubbed(tmp_path):
    out = tmp_path / "workspace"
    workspace.sync(ROOT / "notebooks", out)
    teacher = sorted(p.name for p in (ROOT / "notebooks").iterdir() if re.match(r"\d\d[a-z]?-.*\.ipynb$", p.name))
    assert sorted(p.name for p in out.glob("*.ipynb")) == teacher
    stubs = 0
    for path in out.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            assert not re.search(r"\bsolution_\w*\s*\(", cell.source), f"{path.name}: {cell.source!r}"
            for m in re.finditer(r"raise NotImplementedError\(\"my_(\w+): replace this line with your answer; "
                                 r"stuck\? run ex\.hint\('(\w+)'\)\"\)", cell.source):
                assert m.group(1) == m.group(2)
                stubs += 1
    assert stubs >= 47


def test_progress_and_printed_solutions_lose_the_teachers_outputs(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = _lesson(1, "Tiny")
    shown = nbformat.v4.new_output("stream", name="stdout", text="def solution_f(x):\n    return x + 1\n")
    done = nbformat.v4.new_output("execute_result", data={"text/plain": "2 of 2 exercises pass."},
                                  execution_count=9)
    nb.cells += [new_code_cell('ex.solution("f")', outputs=[shown]),
                 new_code_cell("ex.progress()", outputs=[done]),
                 new_code_cell("print(1)", outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")])]
    nbformat.write(nb, folder / "01-tiny.ipynb")
    out = tmp_path / "workspace"
    workspace.sync(folder, out)
    cells = nbformat.read(out / "01-tiny.ipynb", as_version=4).cells
    assert cells[-3].outputs == [] and cells[-2].outputs == [], "the teacher's state leaked"
    assert cells[-1].outputs, "an ordinary cell keeps its output"


# ----------------------------------------------------------------------------- never overwritten


def test_a_learners_notebook_is_never_overwritten(teacher, tmp_path):
    out = tmp_path / "workspace"
    workspace.sync(teacher, out)
    mine = _answer(out / "01-tiny.ipynb")
    # the teacher's edition changes: the learner's copy is kept, and they are told how to update
    changed = _lesson(1, "Tiny, revised")
    nbformat.write(changed, teacher / "01-tiny.ipynb")
    lines = workspace.sync(teacher, out)
    assert (out / "01-tiny.ipynb").read_text() == mine
    told = [line for line in lines if "01-tiny.ipynb" in line]
    assert told and "has changed" in told[0] and "make reset NB=01" in told[0] and "kept" in told[0], lines
    # and on every later run too
    workspace.sync(teacher, out)
    assert (out / "01-tiny.ipynb").read_text() == mine
    # a `make student` into another folder never touches it either
    student.write_student_edition(teacher, tmp_path / "student")
    assert (out / "01-tiny.ipynb").read_text() == mine


def test_an_unchanged_copy_follows_the_teachers_edition(teacher, tmp_path):
    out = tmp_path / "workspace"
    workspace.sync(teacher, out)
    mine = _answer(out / "00-start.ipynb")
    nbformat.write(_lesson(1, "Tiny, revised"), teacher / "01-tiny.ipynb")
    lines = workspace.sync(teacher, out)
    assert "revised" in (out / "01-tiny.ipynb").read_text()
    assert any("Brought up to date" in line and "01-tiny.ipynb" in line for line in lines), lines
    assert (out / "00-start.ipynb").read_text() == mine


def test_without_a_record_every_existing_notebook_counts_as_the_learners(teacher, tmp_path):
    out = tmp_path / "workspace"
    workspace.sync(teacher, out)
    (out / workspace.RECORD).unlink()
    (out / "01-tiny.ipynb").write_text((out / "01-tiny.ipynb").read_text().replace("Tiny", "Mine"))
    before = (out / "01-tiny.ipynb").read_text()
    nbformat.write(_lesson(1, "Tiny, revised"), teacher / "01-tiny.ipynb")
    workspace.sync(teacher, out)
    assert (out / "01-tiny.ipynb").read_text() == before


def test_a_record_that_is_not_ours_is_refused_and_nothing_changes(teacher, tmp_path, capsys):
    out = tmp_path / "workspace"
    workspace.sync(teacher, out)
    mine = _answer(out / "01-tiny.ipynb")
    (out / workspace.RECORD).write_text("[1, 2]")
    assert workspace.main(["--notebooks", str(teacher), "--out", str(out), "sync"]) == 1
    err = capsys.readouterr().err
    assert "is not the record this tool keeps" in err and "Traceback" not in err
    assert (out / "01-tiny.ipynb").read_text() == mine


def test_a_workspace_that_is_a_file_is_refused(teacher, tmp_path, capsys):
    out = tmp_path / "workspace"
    out.write_text("not a folder")
    assert workspace.main(["--notebooks", str(teacher), "--out", str(out), "sync"]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err
    assert out.read_text() == "not a folder"


# ----------------------------------------------------------------------------- new notebooks


def test_new_notebooks_are_added_and_the_learner_is_told(teacher, tmp_path):
    out = tmp_path / "workspace"
    workspace.sync(teacher, out)
    mine = _answer(out / "01-tiny.ipynb")
    nbformat.write(_lesson(11, "New"), teacher / "11-new.ipynb")
    lines = workspace.sync(teacher, out)
    assert (out / "11-new.ipynb").exists() and STUB_F.split("(")[0] in (out / "11-new.ipynb").read_text()
    assert any("Added to your workspace" in line and "11-new.ipynb" in line
               and "not touched" in line for line in lines), lines
    assert (out / "01-tiny.ipynb").read_text() == mine
    # a notebook the learner deleted comes back the same way
    (out / "00-start.ipynb").unlink()
    lines = workspace.sync(teacher, out)
    assert (out / "00-start.ipynb").exists() and any("00-start.ipynb" in line for line in lines)
    # nothing new: one quiet line saying where the workspace is
    lines = workspace.sync(teacher, out)
    assert len(lines) == 1 and "Your workspace is" in lines[0]


def test_a_notebook_that_cannot_be_stubbed_is_left_out_with_a_message(teacher, tmp_path):
    bad = _nb("# 02 · Bad", new_code_cell("def my_f(x):\n    # REPLACE THE NEXT LINE WITH YOUR ANSWER\n    return x + 1"))
    nbformat.write(bad, teacher / "02-bad.ipynb")
    out = tmp_path / "workspace"
    lines = workspace.sync(teacher, out)
    assert sorted(p.name for p in out.glob("*.ipynb")) == ["00-start.ipynb", "01-tiny.ipynb"]
    assert any("02-bad.ipynb could not be prepared" in line and "make lab-teacher" in line for line in lines), lines


def test_a_notebook_the_teacher_removed_is_kept(teacher, tmp_path):
    out = tmp_path / "workspace"
    workspace.sync(teacher, out)
    mine = _answer(out / "00-start.ipynb")
    (teacher / "00-start.ipynb").unlink()
    lines = workspace.sync(teacher, out)
    assert (out / "00-start.ipynb").read_text() == mine
    assert any("no longer has them" in line and "00-start.ipynb" in line for line in lines)


# ----------------------------------------------------------------------------- reset


def test_reset_one_notebook_keeps_the_others_and_a_backup(teacher, tmp_path):
    out = tmp_path / "workspace"
    workspace.sync(teacher, out)
    other = _answer(out / "00-start.ipynb")
    mine = _answer(out / "01-tiny.ipynb")
    lines = workspace.reset(teacher, out, "01")
    assert "Reset" in lines[0] and any(".backups" in line for line in lines)
    fresh = student.convert_notebook(teacher / "01-tiny.ipynb").text
    assert (out / "01-tiny.ipynb").read_text() == fresh
    assert (out / "00-start.ipynb").read_text() == other
    assert (out / workspace.BACKUPS / "01-tiny.1.ipynb").read_text() == mine
    # a second reset keeps the first backup
    _answer(out / "01-tiny.ipynb", answer="return x + 2")
    workspace.reset(teacher, out, "1")
    assert (out / workspace.BACKUPS / "01-tiny.1.ipynb").read_text() == mine
    assert "return x + 2" in (out / workspace.BACKUPS / "01-tiny.2.ipynb").read_text()
    # a reset notebook is unchanged again: the next sync may bring it up to date
    nbformat.write(_lesson(1, "Tiny, revised"), teacher / "01-tiny.ipynb")
    workspace.sync(teacher, out)
    assert "revised" in (out / "01-tiny.ipynb").read_text()


def test_reset_one_exercise_keeps_every_other_cell(teacher, tmp_path):
    out = tmp_path / "workspace"
    workspace.sync(teacher, out)
    target = out / "01-tiny.ipynb"
    _answer(target, "f", "return x + 1")
    _answer(target, "g", "return x * 2")
    nb = nbformat.read(target, as_version=4)
    nb.cells.append(new_markdown_cell("My own notes."))
    nbformat.write(nb, target)
    before = _sources(target)
    lines = workspace.reset(teacher, out, "01-tiny.ipynb", "f")
    after = _sources(target)
    assert "Reset exercise f" in lines[0]
    changed = [k for k, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(after) == len(before) and len(changed) == 1
    assert STUB_F in after[changed[0]] and "return x + 1" not in after[changed[0]]
    assert "return x * 2" in "".join(after) and after[-1] == "My own notes."
    assert "return x + 1" in (out / workspace.BACKUPS / "01-tiny.1.ipynb").read_text()
    # the learner's function name works too, and a later sync leaves the notebook alone
    workspace.reset(teacher, out, "01", "my_g")
    assert STUB_G in "".join(_sources(target))
    nbformat.write(_lesson(1, "Tiny, revised"), teacher / "01-tiny.ipynb")
    workspace.sync(teacher, out)
    assert after[-1] in _sources(target) and "revised" not in target.read_text()


def test_reset_brings_back_a_deleted_exercise_cell_before_its_check(teacher, tmp_path):
    out = tmp_path / "workspace"
    workspace.sync(teacher, out)
    target = out / "01-tiny.ipynb"
    nb = nbformat.read(target, as_version=4)
    nb.cells = [c for c in nb.cells if "def my_g" not in c.source]
    nbformat.write(nb, target)
    workspace.reset(teacher, out, "01", "g")
    sources = _sources(target)
    k = next(i for i, s in enumerate(sources) if "def my_g" in s)
    assert "ex.check_g(my_g)" in sources[k + 1]


def test_reset_refuses_what_it_cannot_find(teacher, tmp_path, capsys):
    out = tmp_path / "workspace"
    workspace.sync(teacher, out)
    with pytest.raises(workspace.WorkspaceError, match=r"NB='07' names no notebook.*00, 01"):
        workspace.reset(teacher, out, "07")
    with pytest.raises(workspace.WorkspaceError, match=r"EX='h' is not an exercise of 01-tiny.ipynb; its exercises are: f, g"):
        workspace.reset(teacher, out, "01", "h")
    assert workspace.main(["--notebooks", str(teacher), "--out", str(out), "reset"]) == 1
    err = capsys.readouterr().err
    assert "which notebook?" in err and "make reset NB=04" in err and "EX=db" in err
    assert workspace.main(["--notebooks", str(teacher), "--out", str(out), "reset", "01", "--exercise", "f"]) == 0
    assert "Reset exercise f" in capsys.readouterr().out


# ----------------------------------------------------------------------------- documented


def test_make_lab_opens_the_workspace_and_the_teachers_edition_is_one_command_away():
    makefile = (ROOT / "Makefile").read_text()
    lab = re.search(r"^lab: .*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "tools/workspace.py" in lab and "sync" in lab and "$(WORKSPACE)/00-start-here.ipynb" in lab
    teacher = re.search(r"^lab-teacher: .*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "notebooks/00-start-here.ipynb" in teacher
    reset = re.search(r"^reset: .*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "reset" in reset and "$(NB)" in reset and "$(EX)" in reset
    help_ = re.search(r"^help:.*?(?=^\S)", makefile, re.M | re.S).group(0)
    for target in ("make lab ", "make lab-teacher", "make reset NB="):
        assert target in help_, target
    assert re.search(r"^workspace/$", (ROOT / ".gitignore").read_text(), re.M)
    for doc in (ROOT / "README.md", ROOT / "docs" / "teachers-guide.md"):
        text = doc.read_text()
        for phrase in ("workspace/", "make lab-teacher", "make reset NB=", "ex.hint(", "ex.solution(",
                       "ex.progress()"):
            assert phrase in text, f"{doc.name} does not mention {phrase}"


def test_reset_finds_a_notebook_split_off_another_by_its_letter(teacher, tmp_path):
    # notebook 05 split in two: 05-… and 05b-…; NB=05 (or 5) names the first, NB=05b (or 5b) the second
    nbformat.write(_lesson(1, "Tiny, second half"), teacher / "01b-tiny-second.ipynb")
    out = tmp_path / "workspace"
    workspace.sync(teacher, out)
    assert (out / "01b-tiny-second.ipynb").exists()
    first, second = _answer(out / "01-tiny.ipynb"), _answer(out / "01b-tiny-second.ipynb")
    workspace.reset(teacher, out, "01b")
    assert (out / "01-tiny.ipynb").read_text() == first
    assert (out / "01b-tiny-second.ipynb").read_text() != second
    _answer(out / "01b-tiny-second.ipynb")
    workspace.reset(teacher, out, "1")
    assert "01-tiny.1.ipynb" in {p.name for p in (out / workspace.BACKUPS).iterdir()}
    assert (out / "01b-tiny-second.ipynb").read_text() == second
    workspace.reset(teacher, out, "1b")
    assert (out / "01b-tiny-second.ipynb").read_text() != second
    with pytest.raises(workspace.WorkspaceError, match=r"names no notebook.*00, 01, 01b"):
        workspace.reset(teacher, out, "01c")
