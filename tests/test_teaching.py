"""The teaching tools: slide metadata, slides, static site, student edition, classroom files.

What is checked, and against what:

* ``tools/slide_metadata.py`` on small synthetic notebooks whose right answer is known cell by
  cell (H2 → slide, H3 → subslide, set-up code → skip, …), idempotence, and that metadata a
  teacher set is never overridden; plus every course notebook gets a type for every cell.
* ``tools/site.py`` builds the site and the slides from the course notebooks and from a
  synthetic notebook with a saved widget state: every notebook has a page; no ``<script src>``,
  ``<link href>``, ``<img src>``, widget renderer, RequireJS or MathJax URL points off the
  machine, and every local one exists; links between notebooks point at pages; derivations are
  split into fragments; set-up cells are skipped. A browser test opens the pages in headless
  Chromium with every network request blocked and checks that reveal.js, MathJax and the saved
  widgets really render.
* ``tools/student_edition.py``: no reference call or reference line survives in the student
  copy; each checker, run on the stub, reports ❌ with "not implemented yet", and reports ✅ when
  the teacher's line is pasted back; edited copies are never overwritten.
* ``environment.yml`` against what repo2docker (Binder) reads, and the docs pages.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").iterdir()
                   if re.match(r"^\d\d[a-z]?-.*\.ipynb$", p.name))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _load(name: str):
    """Import one script of tools/ by path (tools/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"tools_{name}", TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


site = _load("site")
student = _load("student_edition")
slide_metadata = _load("slide_metadata")
vendor_assets = _load("vendor_assets")


def test_the_course_has_notebooks():
    assert NOTEBOOKS, "no notebooks/NN-*.ipynb found: every parametrised test below would be vacuous"


def _nb(*cells, **metadata):
    nb = new_notebook(cells=list(cells))
    nb.metadata.update({"kernelspec": {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}, **metadata})
    return nb


def _types(nb):
    return [c["metadata"].get("slideshow", {}).get("slide_type") for c in nb.cells]


# ----------------------------------------------------------------------------- slide metadata


def test_default_slide_types_follow_the_rules():
    nb = _nb(
        new_markdown_cell("# 03 · A title"),
        new_markdown_cell("Some words."),
        new_code_cell("import numpy as np\nimport conv_backprop as cb\n\nrng = np.random.default_rng(0)\n"
                      "np.set_printoptions(precision=3)\n%config InlineBackend.figure_format = 'png'"),
        new_markdown_cell("## Derive the gradient\n\n1. one\n2. two"),
        new_code_cell("dx = cb.conv2d_backward(dout, cache)[0]\nprint(dx.shape)"),
        new_markdown_cell("### A detail"),
        new_code_cell("ax.set_title('t')  # extra code – only formats the plot\n"
                      "ax.set_xticks([])  # extra code – only formats the plot"),
        new_code_cell("from conv_backprop.explorers import fan_out_explorer\nfan_out_explorer()"),
        new_markdown_cell("**Exercise 1 — rows.** Write `my_rows`."),
        new_code_cell("def my_rows(i):\n    # REPLACE THE NEXT LINE WITH YOUR ANSWER\n"
                      "    return ex.solution_rows(i)\n\nex.check_rows(my_rows)"),
        new_raw_cell("raw text"),
    )
    assert slide_metadata.annotate(nb) == len(nb.cells)
    assert _types(nb) == ["slide", "-", "skip", "slide", "-", "subslide", "skip", "subslide",
                          "subslide", "-", "skip"]


def test_a_full_slide_continues_on_a_subslide():
    long_text = "\n".join(f"Line {k} of a long explanation." for k in range(slide_metadata.SLIDE_BUDGET))
    nb = _nb(new_markdown_cell("## Section\n" + long_text), new_code_cell("x = 1\ny = 2"))
    slide_metadata.annotate(nb)
    assert _types(nb) == ["slide", "subslide"]


def test_metadata_already_set_is_kept_and_annotate_is_idempotent():
    nb = _nb(
        new_markdown_cell("## Heading", metadata={"slideshow": {"slide_type": "notes"}}),
        new_code_cell("import numpy as np", metadata={"slideshow": {"slide_type": "fragment"}}),
        new_markdown_cell("### Sub"),
    )
    first = slide_metadata.annotate(nb)
    snapshot = json.dumps(nb, sort_keys=True)
    assert first == 1
    assert _types(nb) == ["notes", "fragment", "subslide"]
    assert slide_metadata.annotate(nb) == 0
    assert json.dumps(nb, sort_keys=True) == snapshot


def test_cli_writes_in_place_and_check_reports_gaps(tmp_path, capsys):
    path = tmp_path / "01-x.ipynb"
    nbformat.write(_nb(new_markdown_cell("# T"), new_code_cell("x = 1")), path)
    assert slide_metadata.main(["--check", str(path)]) == 1
    assert "2 cells without a slide type" in capsys.readouterr().out
    assert slide_metadata.main([str(path)]) == 0
    assert slide_metadata.main(["--check", str(path)]) == 0
    before = path.read_bytes()
    assert slide_metadata.main([str(path)]) == 0
    assert path.read_bytes() == before, "a second run must not rewrite the file"
    assert slide_metadata.main([str(tmp_path / "missing.ipynb")]) == 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_course_cell_gets_a_slide_type(path):
    nb = slide_metadata.annotated_copy(nbformat.read(path, as_version=4))
    assert slide_metadata.missing(nb) == []
    types = _types(nb)
    assert types[0] == "slide", "the title must open the first slide"
    assert types.count("slide") >= 2 and "skip" in types


# ----------------------------------------------------------------------------- slide shaping


def test_numbered_derivation_steps_become_fragments():
    text = ("## Derive it\n\nStart here.\n\n1. First step, $a = b$.\n2. Second step\n"
            "$$x = y$$\n   still step two.\n3. Third step.\n\nThe next cell checks it.")
    nb = _nb(new_markdown_cell(text, metadata={"slideshow": {"slide_type": "slide"}}))
    site.split_derivations(nb)
    sources = [c.source for c in nb.cells]
    assert sources == ["## Derive it\n\nStart here.", "1. First step, $a = b$.",
                       "2. Second step\n$$x = y$$\n   still step two.", "3. Third step.",
                       "The next cell checks it."]
    assert _types(nb) == ["slide", "fragment", "fragment", "fragment", "fragment"]
    # Nothing lost, nothing added:
    assert "".join(s.replace("\n", "") for s in sources) == text.replace("\n", "")


def test_long_derivations_spill_onto_a_subslide_and_tags_opt_out():
    steps = "\n".join(f"{k}. " + "word " * 60 for k in range(1, 9))
    nb = _nb(new_markdown_cell("## Long\n\n" + steps, metadata={"slideshow": {"slide_type": "slide"}}),
             new_markdown_cell("1. a\n2. b", metadata={"slideshow": {"slide_type": "-"},
                                                       "tags": [site.KEEP_WHOLE_TAG]}))
    site.split_derivations(nb)
    types = _types(nb)
    assert types[0] == "slide" and "subslide" in types and "fragment" in types
    assert types[-1] == "-" and nb.cells[-1].source == "1. a\n2. b"


def test_hide_extra_code_drops_marked_statements_only():
    src = ("%matplotlib inline\n"
           "fig, ax = plt.subplots()\n"
           "ax.imshow(x,\n"
           "          vmin=0, vmax=1)  # extra code – only formats the plot\n"
           "for k in range(3):\n"
           "    ax.axhline(k)  # extra code – only formats the plot\n"
           "ax.set_title('dx')\n"
           "plt.show()")
    out = site.hide_extra_code(src)
    assert out.split("\n") == ["%matplotlib inline", "fig, ax = plt.subplots()",
                               "ax.set_title('dx')", "plt.show()", site.HIDDEN_NOTE]
    assert site.hide_extra_code("y = 1\n") == "y = 1\n"


# ----------------------------------------------------------------------------- student edition


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A snapshot of notebooks/ (and the figures/ they show beside it), so that edits made
    while the tests run cannot race them."""
    top = tmp_path_factory.mktemp("course")
    folder = top / "notebooks"
    folder.mkdir()
    for p in NOTEBOOKS:
        shutil.copy2(p, folder / p.name)
    shutil.copytree(ROOT / "figures", top / "figures")
    return folder


@pytest.fixture(scope="module")
def student_copy(tmp_path_factory, course):
    out = tmp_path_factory.mktemp("student")
    written = student.write_student_edition(course, out)
    convs = {p.name: student.convert_notebook(p) for p in sorted(course.iterdir())}
    return out, written, convs


def test_student_copy_has_every_notebook_and_rewrites_nothing_twice(student_copy, course):
    out, written, _ = student_copy
    assert sorted(written) == [p.name for p in NOTEBOOKS]
    assert student.write_student_edition(course, out) == []


def test_predictions_are_not_answered_in_the_student_copy(student_copy):
    """A "predict, then run" item or a pen-and-paper worked answer: the code cell after it reveals
    the answer, so the learner's copy must not show its stored output before they run it."""
    out, _, _ = student_copy
    asked = 0
    for path in sorted(out.glob("*.ipynb")):
        cells = nbformat.reads(path.read_text(), as_version=4).cells
        for before, cell in zip(cells, cells[1:]):
            if before.cell_type == "markdown" and student.ASKS_FIRST.search(before.source):
                if cell.cell_type == "code":
                    asked += 1
                    assert not cell.outputs, f"{path.name}: the answer to {before.source[:60]!r} is shown"
    assert asked >= 2 * 14, "every notebook has a predict item and a pen-and-paper item"


def test_no_solution_text_leaks_into_the_student_copy(student_copy):
    out, _, convs = student_copy
    total = 0
    for name, conv in convs.items():
        text = (out / name).read_text()
        nb = nbformat.reads(text, as_version=4)
        for i, teacher_line, stub in conv.replaced:
            total += 1
            assert teacher_line.strip() not in text, f"{name} cell {i}: reference line leaked"
            assert stub in nb.cells[i].source
        functions = {re.findall(r"def\s+(\w+)\s*\(", nb.cells[i].source.split(stub)[0])[-1]
                     for i, _, stub in conv.replaced}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            assert not re.search(r"\bsolution_\w*\s*\(", cell.source), f"{name}: {cell.source!r}"
            checked = set(re.findall(r"\bex\.check_\w+\s*\(\s*(\w+)", cell.source))
            if checked & functions or student.MARKER in cell.source:
                assert cell.outputs == [] and cell.execution_count is None, \
                    f"{name}: the teacher's checker output must not be in the student copy"
            lines = cell.source.split("\n")
            for k, line in enumerate(lines):
                if line.strip() == student.MARKER:
                    assert "raise NotImplementedError(" in lines[k + 1]
        assert nb.metadata["conv_backprop"]["edition"] == "student"
    assert total > 0, "no exercise was found in any notebook"


def _run_cell(source: str, ns: dict):
    """Run a code cell like IPython: statements, then the value of a final expression."""
    source = "\n".join(l for l in source.split("\n") if not l.lstrip().startswith(("%", "!")))
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), ns)
    if last is not None:
        return eval(compile(ast.Expression(last.value), "<cell>", "eval"), ns)
    return None


def _exercise_reports(nb, functions, swap=None):
    """Run the exercise section (from the ``import … as ex`` cell on, up to an appendix, whose cells
    use the lesson's names); return the reports of the checkers called on the exercise
    ``functions`` (not those of demonstrations)."""
    cells = list(nb.cells)
    first = next((k for k, c in enumerate(cells) if c.cell_type == "code"
                  and re.search(r"^from conv_backprop\.exercises import \w+ as ex", c.source, re.M)), None)
    if first is None:
        return []
    end = next((k for k in range(first, len(cells)) if cells[k].cell_type == "markdown"
                and re.match(r"#+ Appendix\b", cells[k].source)), len(cells))
    code = [c.source for c in cells[first:end] if c.cell_type == "code"]
    ns: dict = {}
    _run_cell("import numpy as np", ns)
    reports = []
    for src in code:
        if swap:
            for stub, reference in swap:
                src = src.replace(stub, reference)
        result = _run_cell(src, ns)
        if set(re.findall(r"\bex\.check_\w+\s*\(\s*(\w+)", src)) & functions:
            reports.append(result)
    return reports


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_checkers_fail_on_the_stubs_and_pass_with_the_reference(student_copy, path):
    out, _, convs = student_copy
    conv = convs[path.name]
    if not conv.replaced:
        pytest.skip(f"{path.name} has no exercise yet")
    nb = nbformat.read(out / path.name, as_version=4)
    # The exercise functions: the last ``def`` before each stub, in its cell.
    functions = {re.findall(r"def\s+(\w+)\s*\(", nb.cells[i].source.split(stub)[0])[-1]
                 for i, _, stub in conv.replaced}
    stubbed = _exercise_reports(nb, functions)
    assert stubbed, f"{path.name}: no checker cell ran"
    for report in stubbed:
        text = str(report)
        assert text.startswith("❌") and "not implemented yet" in text, text
        assert "replace this line with your answer" in text
    pasted = _exercise_reports(nb, functions, swap=[(stub.strip(), ref.strip()) for _, ref, stub in conv.replaced])
    assert len(pasted) == len(stubbed)
    for report in pasted:
        assert str(report).startswith("✅"), str(report)


EXERCISE_NB = _nb(
    new_markdown_cell("# 01 · Tiny"),
    new_code_cell("from conv_backprop.exercises import nb01 as ex"),
    new_code_cell("def my_f(x):\n    # REPLACE THE NEXT LINE WITH YOUR ANSWER\n    return ex.solution_f(x)\n"),
    new_code_cell("ex.check_f(my_f)", outputs=[nbformat.v4.new_output(
        "execute_result", data={"text/plain": "✅ f: all 3 cases pass."}, execution_count=3)]),
    new_markdown_cell("A worked answer:"),
    new_code_cell("print(ex.solution_f(2))", metadata={"tags": ["solution"]}),
)


def _teacher_folder(tmp_path, nb=EXERCISE_NB):
    folder = tmp_path / "notebooks"
    folder.mkdir(exist_ok=True)
    nbformat.write(nb, folder / "01-tiny.ipynb")
    return folder


def test_stub_names_the_function_and_keeps_indentation(tmp_path):
    folder = _teacher_folder(tmp_path)
    conv = student.convert_notebook(folder / "01-tiny.ipynb")
    nb = nbformat.reads(conv.text, as_version=4)
    assert nb.cells[2].source.split("\n")[2] == \
        '    raise NotImplementedError("my_f: replace this line with your answer; stuck? run ex.hint(\'f\')")'
    assert len(nb.cells) == len(EXERCISE_NB.cells) - 1, "the cell tagged 'solution' must go"
    assert nb.cells[3].outputs == []
    with pytest.raises(NotImplementedError, match="my_f: replace this line"):
        ns: dict = {"ex": None}
        exec(nb.cells[2].source, ns)
        ns["my_f"](1)


def test_edited_student_notebooks_are_never_overwritten(tmp_path):
    folder, out = _teacher_folder(tmp_path), tmp_path / "student"
    assert student.write_student_edition(folder, out) == ["01-tiny.ipynb"]
    target = out / "01-tiny.ipynb"
    # The teacher edits the source: an unedited student copy is refreshed.
    changed = nbformat.read(folder / "01-tiny.ipynb", as_version=4)
    changed.cells[0].source = "# 01 · Tiny, revised"
    nbformat.write(changed, folder / "01-tiny.ipynb")
    assert student.write_student_edition(folder, out) == ["01-tiny.ipynb"]
    assert "revised" in target.read_text()
    # A learner writes an answer: the next run refuses and changes nothing.
    mine = nbformat.read(target, as_version=4)
    mine.cells[2].source = mine.cells[2].source.replace(
        'raise NotImplementedError("my_f: replace this line with your answer; stuck? run ex.hint(\'f\')")', "return x + 1")
    nbformat.write(mine, target)
    learner = target.read_text()
    assert "return x + 1" in learner
    changed.cells[0].source = "# 01 · Tiny, revised again"
    nbformat.write(changed, folder / "01-tiny.ipynb")
    with pytest.raises(student.StudentEditionError, match=r"(?s)exist and differ.*--out DIR.*--force"):
        student.write_student_edition(folder, out)
    assert target.read_text() == learner
    assert student.main(["--notebooks", str(folder), "--out", str(out)]) == 1
    assert target.read_text() == learner
    # --force discards the edit on purpose.
    assert student.write_student_edition(folder, out, force=True) == ["01-tiny.ipynb"]
    assert "revised again" in target.read_text() and "return x + 1" not in target.read_text()


def test_unsafe_notebooks_are_refused_with_the_cell_named(tmp_path):
    bad = _nb(new_code_cell("def my_f(x):\n    # REPLACE THE NEXT LINE WITH YOUR ANSWER\n    return x + 1"))
    with pytest.raises(student.StudentEditionError, match=r"01-tiny.ipynb, cell 0: .*must call the reference"):
        student.convert_notebook(_teacher_folder(tmp_path, bad) / "01-tiny.ipynb")
    leak = _nb(new_code_cell("y = ex.solution_f(3)"))
    with pytest.raises(student.StudentEditionError, match=r"still call a reference solution in cell 0"):
        student.convert_notebook(_teacher_folder(tmp_path, leak) / "01-tiny.ipynb")
    folder = _teacher_folder(tmp_path)
    with pytest.raises(student.StudentEditionError, match="teacher's notebooks folder"):
        student.write_student_edition(folder, folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(student.StudentEditionError, match="no notebooks named"):
        student.write_student_edition(tmp_path / "empty", tmp_path / "elsewhere")
    with pytest.raises(student.StudentEditionError, match="does not exist"):
        student.write_student_edition(tmp_path / "missing", tmp_path / "elsewhere")


def _learner_answer(out):
    """A learner's answer in the student copy (the file the tool must never overwrite)."""
    target = out / "01-tiny.ipynb"
    mine = nbformat.read(target, as_version=4)
    mine.cells[2].source = mine.cells[2].source.replace(
        'raise NotImplementedError("my_f: replace this line with your answer; stuck? run ex.hint(\'f\')")', "return x + 1")
    nbformat.write(mine, target)
    return target, target.read_text()


@pytest.mark.parametrize("record", ["[]", '"a string"', "3", "{not json", '{"01-tiny.ipynb": 5}'])
def test_a_manifest_that_is_not_a_record_is_refused_with_the_way_out(tmp_path, capsys, record):
    folder, out = _teacher_folder(tmp_path), tmp_path / "student"
    student.write_student_edition(folder, out)
    target, learner = _learner_answer(out)
    (out / student.MANIFEST).write_text(record)
    assert student.main(["--notebooks", str(folder), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "is not the record this tool keeps" in err and "Nothing was written" in err
    assert f"mv {out / student.MANIFEST}" in err and "Traceback" not in err
    assert target.read_text() == learner
    assert (out / student.MANIFEST).read_text() == record


def test_out_naming_a_file_is_refused(tmp_path, capsys):
    folder, out = _teacher_folder(tmp_path), tmp_path / "student.txt"
    out.write_text("not a folder")
    assert student.main(["--notebooks", str(folder), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"--out {str(out)!r} is a file, not a folder; nothing was written" in err
    assert out.read_text() == "not a folder"
    assert student.main(["--notebooks", str(out), "--out", str(tmp_path / "s")]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_a_folder_where_a_notebook_goes_is_refused(tmp_path, capsys):
    folder, out = _teacher_folder(tmp_path), tmp_path / "student"
    (out / "01-tiny.ipynb").mkdir(parents=True)
    (out / "01-tiny.ipynb" / "keep.txt").write_text("mine")
    for force in ([], ["--force"]):
        assert student.main(["--notebooks", str(folder), "--out", str(out), *force]) == 1
        err = capsys.readouterr().err
        assert "there is a folder, not a notebook" in err and str(out / "01-tiny.ipynb") in err
        assert (out / "01-tiny.ipynb" / "keep.txt").read_text() == "mine"
        assert not (out / student.MANIFEST).exists()


def test_a_missing_manifest_explains_the_safe_way_and_does_not_suggest_force(tmp_path, capsys):
    folder, out = _teacher_folder(tmp_path), tmp_path / "student"
    student.write_student_edition(folder, out)
    target, learner = _learner_answer(out)
    (out / student.MANIFEST).unlink()
    assert student.main(["--notebooks", str(folder), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "--force" not in err
    assert f"has no {student.MANIFEST}, the record this tool keeps of the copies it wrote" in err
    assert f"mv {out} {out}-old" in err and "--out DIR" in err
    assert target.read_text() == learner
    # an unedited copy needs no record: it is identical to the new one and is left alone
    target.unlink()
    assert student.write_student_edition(folder, out) == ["01-tiny.ipynb"]
    (out / student.MANIFEST).unlink()
    assert student.write_student_edition(folder, out) == []


# ----------------------------------------------------------------------------- site and slides


def _widget_notebook():
    """A notebook with an explorer-like widget and its saved state, made without a kernel."""
    import ipywidgets as widgets
    from ipywidgets.embed import embed_data

    slider = widgets.IntSlider(value=3, min=0, max=9, description="stride s")
    box = widgets.VBox([slider, widgets.HTML("<b>saved state</b>")])
    data = embed_data(views=[box])
    view = data["view_specs"][0]
    cell = new_code_cell("from conv_backprop.explorers import demo_explorer\ndemo_explorer()", outputs=[
        nbformat.v4.new_output("execute_result", execution_count=2, data={
            "application/vnd.jupyter.widget-view+json": view, "text/plain": "VBox(...)"})])
    nb = _nb(
        new_markdown_cell("# 98 · A synthetic lesson"),
        new_code_cell("import numpy as np  # set-up, skipped on slides"),
        new_markdown_cell("## Derive it\n\n1. Step one: $y = \\sum_a x_a w_a$.\n2. Step two:\n"
                          "$$\\frac{\\partial L}{\\partial x_a} = w_a\\, \\mathrm{dout}$$\n"
                          "3. Step three.\n\nSee [the next notebook](99-next.ipynb#Top) and "
                          "[a seed](https://example.org/seed)."),
        new_code_cell("print(1 + 1)\nax.set_xticks([])  # extra code – only formats the plot",
                      outputs=[nbformat.v4.new_output("stream", name="stdout", text="2\n")]),
        cell,
    )
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": data["manager_state"]}
    nb2 = _nb(new_markdown_cell("# 99 · Next\n\n## Top\n\nThe end."))
    return nb, nb2


@pytest.fixture(scope="module")
def synthetic_notebooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    nb, nb2 = _widget_notebook()
    nbformat.write(nb, folder / "98-synthetic.ipynb")
    nbformat.write(nb2, folder / "99-next.ipynb")
    return folder


@pytest.fixture(scope="module")
def vendor():
    try:
        return vendor_assets.vendor(vendor_assets.DEFAULT_DEST, quiet=True)
    except SystemExit as exc:  # npm missing or the registry unreachable
        pytest.fail(f"could not vendor the offline assets: {exc}")


@pytest.fixture(scope="module")
def builds(tmp_path_factory, vendor, synthetic_notebooks, course):
    """{(kind, source): out folder} for both kinds, from the course and the synthetic notebooks."""
    out = {}
    for kind in ("html", "slides"):
        for source, folder in (("course", course), ("synthetic", synthetic_notebooks)):
            target = tmp_path_factory.mktemp(f"{kind}-{source}")
            site.build(kind, folder, target, vendor, quiet=True)
            out[(kind, source)] = target
    return out


BUILDS = [(k, s) for k in ("html", "slides") for s in ("course", "synthetic")]


def _pages(folder: Path):
    pages = sorted(folder.glob("*.html"))
    assert pages, f"no pages in {folder}"
    return pages


def _loads(page: Path) -> list[str]:
    """Every URL the page loads: script/img/iframe src, stylesheet href, and URLs in scripts."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    urls = [t["src"] for t in soup.find_all(["script", "img", "iframe", "audio", "video", "source"])
            if t.get("src")]
    urls += [t["href"] for t in soup.find_all("link") if t.get("href")]
    for script in soup.find_all("script"):
        if script.get("type") in ("application/vnd.jupyter.widget-view+json",
                                  "application/vnd.jupyter.widget-state+json"):
            continue
        text = script.string or ""
        # String literals in inline scripts: the widget renderer, RequireJS paths, MathJax.
        urls += re.findall(r"""['"]((?:https?:)?//[^'"\s]+|[\w./-]+\.(?:js|css|mjs)(?:\?[^'"]*)?)['"]""", text)
        urls += re.findall(r"""import\s+\w+\s+from\s+['"]([^'"]+)['"]""", text)
    return urls


@pytest.mark.slow
@pytest.mark.parametrize("kind,source", BUILDS)
def test_built_pages_load_nothing_from_the_network(builds, kind, source):
    folder = builds[(kind, source)]
    for page in _pages(folder):
        urls = _loads(page)
        external = [u for u in urls if re.match(r"^(https?:)?//", u)]
        assert external == [], f"{page.name} loads from the network: {external}"
        for url in urls:
            if url.startswith("data:"):
                continue
            local = folder / url.split("?")[0].split("#")[0]
            assert local.is_file(), f"{page.name} loads {url!r}, which is not in the build"
            if local.suffix == ".css":  # a style sheet may import fonts from the network
                css = local.read_text(encoding="utf-8", errors="replace")
                assert not re.search(r"@import\s+url\(\s*['\"]?(https?:)?//", css), \
                    f"{url} imports a style sheet from the network"
        if page.name != "index.html":
            text = page.read_text(encoding="utf-8")
            assert "vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full" in text
            assert "vendor/requirejs/require.js" in text


@pytest.mark.slow
@pytest.mark.parametrize("kind,source", BUILDS)
def test_every_notebook_has_a_page_listed_in_the_index(builds, synthetic_notebooks, kind, source):
    folder = builds[(kind, source)]
    notebooks = NOTEBOOKS if source == "course" else sorted(synthetic_notebooks.glob("*.ipynb"))
    suffix = ".slides.html" if kind == "slides" else ".html"
    index = BeautifulSoup((folder / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = {a["href"] for a in index.find_all("a", href=True)}
    for nb in notebooks:
        page = nb.stem + suffix
        assert (folder / page).is_file(), f"{page} missing"
        assert page in links, f"index.html does not link {page}"
    if kind == "html":  # the table of contents lists each notebook's sections
        assert any("#" in link for link in links)


@pytest.mark.slow
def test_worked_answers_stay_folded_on_the_site(builds):
    """The answer behind a pen-and-paper item is inside its <details>, not below an empty fold."""
    folded = 0
    for page in sorted(builds[("html", "course")].glob("*.html")):
        for details in BeautifulSoup(page.read_text(), "html.parser").find_all("details"):
            folded += 1
            text = details.get_text(" ", strip=True)
            assert details.summary is not None and len(text) > len(details.summary.get_text()) + 40, (
                f"{page.name}: a collapsed answer is empty: {text[:80]!r}")
    assert folded >= 14, "every notebook has a pen-and-paper item with a collapsed worked answer"


@pytest.mark.slow
def test_site_links_notebooks_to_pages_and_keeps_prose_links(builds):
    page = builds[("html", "synthetic")] / "98-synthetic.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    assert "99-next.html#Top" in hrefs and "https://example.org/seed" in hrefs
    assert not any(h.endswith(".ipynb") or ".ipynb#" in h for h in hrefs)
    nav = soup.find("nav", class_="course-nav")
    assert nav is not None and "99-next.html" in str(nav) and "index.html" in str(nav)


@pytest.mark.slow
def test_slides_split_derivations_hide_setup_and_extra_code(builds):
    text = (builds[("slides", "synthetic")] / "98-synthetic.slides.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    assert len(soup.select("section section")) >= 3, "expected several slides"
    fragments = soup.select(".fragment")
    assert len(fragments) >= 3, "the three derivation steps should be fragments"
    assert "set-up, skipped on slides" not in text
    assert "ax.set_xticks" not in text and "are hidden on the slides" in text
    assert 'href="99-next.slides.html#Top"' in text
    # The explorer is shown with its saved state, rendered by the vendored widget manager.
    assert 'type="application/vnd.jupyter.widget-state+json"' in text
    assert 'type="application/vnd.jupyter.widget-view+json"' in text
    assert "vendor/html-manager/dist/embed-amd.js" in text


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["html", "slides"])
def test_course_slides_are_split_into_sections(builds, kind):
    for page in _pages(builds[(kind, "course")]):
        if page.name == "index.html":
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        if kind == "slides":
            assert len(soup.select(".reveal .slides > section")) >= 3, page.name
        else:
            assert soup.find("h1") is not None, page.name


def test_build_refuses_an_unrelated_output_folder(tmp_path, vendor):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "thesis.tex").write_text("keep me")
    with pytest.raises(ValueError, match="not written by tools/site.py"):
        site.build("html", ROOT / "notebooks", tmp_path / "out", vendor, quiet=True)
    assert (tmp_path / "out" / "thesis.tex").read_text() == "keep me"
    with pytest.raises(ValueError, match="no notebooks named"):
        site.build("html", tmp_path / "out", tmp_path / "site", vendor, quiet=True)
    with pytest.raises(ValueError, match="kind must be"):
        site.build("pdf", ROOT / "notebooks", tmp_path / "site", vendor, quiet=True)


@pytest.mark.browser
@pytest.mark.slow
def test_pages_render_in_chromium_with_the_network_blocked(builds):
    """reveal.js, MathJax and the saved widgets all work from disk with no network at all."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Chromium (apt-get install chromium)")
        pytest.skip("NO CHROMIUM FOUND: the offline rendering test did NOT run")
    from playwright.sync_api import sync_playwright

    blocked, failed = [], []

    def block(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", block)
            # a file:// request that fails (a font or module resolved to the wrong place) is
            # listed too, not only requests to the network; a load cut short because the test
            # moved on to the next page (ERR_ABORTED) is not a missing file
            page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})")
                    if r.url.startswith("file://") and "ERR_ABORTED" not in (r.failure or "") else None)
            slides = builds[("slides", "synthetic")] / "98-synthetic.slides.html"
            page.goto(slides.as_uri())
            page.wait_for_selector(".reveal.ready", timeout=30_000)
            page.wait_for_selector(".MathJax_CHTML", state="attached", timeout=30_000)
            page.goto(slides.as_uri() + "#/1/1")
            page.wait_for_selector(".widget-slider", state="attached", timeout=30_000)
            site_page = builds[("html", "synthetic")] / "98-synthetic.html"
            page.goto(site_page.as_uri())
            page.wait_for_selector(".MathJax_CHTML", state="attached", timeout=30_000)
            page.wait_for_selector(".widget-slider", timeout=30_000)
            assert page.locator(".widget-readout").first.inner_text().strip() == "3"
            # a real explorer on the course's site: drawn from saved state by the vendored
            # anywidget module; picking a cell works with no kernel; its sliders say they need one
            for kind in ("html", "slides"):
                name = "03-backward-dx-by-indices" + (".slides.html" if kind == "slides" else ".html")
                page.goto((builds[(kind, "course")] / name).as_uri())
                scene = page.locator(".cb-scene").first
                scene.wait_for(state="attached", timeout=30_000)
                if kind == "slides":
                    continue  # the deck shows it on a later slide; attached is enough here
                scene.scroll_into_view_if_needed()
                page.wait_for_selector(".cb-offline-note", timeout=10_000)
                assert page.locator(".cb-needs-kernel").count() > 0
                readout = scene.locator(".cb-readout")
                before = readout.inner_text()
                cells = scene.locator("rect.cb-selectable")
                cells.nth(cells.count() - 1).click()
                assert readout.inner_text() != before, "picking a cell did nothing on the static page"
        finally:
            browser.close()
    assert blocked == [], f"pages tried to reach the network: {blocked}"
    assert failed == [], f"pages asked for files that are not there: {failed}"


# ----------------------------------------------------------------------------- classroom


def test_environment_yml_is_what_repo2docker_expects():
    """repo2docker (Binder) picks its conda build pack from a top-level environment.yml; a
    local pip requirement (``-e .``) makes it install after copying the repository."""
    import yaml

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert isinstance(env, dict), "environment.yml must be a mapping"
    assert not (ROOT / "binder").exists() or not (ROOT / "binder" / "environment.yml").exists(), \
        "a binder/ folder would make repo2docker ignore the top-level environment.yml"
    deps = env["dependencies"]
    pythons = [d for d in deps if isinstance(d, str) and re.match(r"^python\b", d)]
    assert len(pythons) == 1
    pips = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pips and any(line.strip() in ("-e .", ".", "-e .[lab,teach]") for line in pips[0]), \
        "the workbook's package must be pip-installed from the repository"
    assert "pip" in deps


DOCS = ROOT / "docs"


def test_teachers_guide_covers_every_notebook():
    text = (DOCS / "teachers-guide.md").read_text()
    for number in sorted({p.name.split("-")[0] for p in (ROOT / "notebooks").glob("*.ipynb")}):
        assert re.search(rf"\b{number}\b", text), f"teachers-guide.md says nothing about notebook {number}"
    for target in ("make slides", "make student", "make html"):
        assert target in text


def test_classroom_doc_gives_working_link_formats():
    text = (DOCS / "classroom.md").read_text()
    assert "hub/user-redirect/git-pull?repo=" in text
    assert "urlpath=lab%2Ftree%2F" in text or "urlpath=lab/tree/" in text
    assert "<your-fork-url>" in text
    assert "mybinder.org/v2/gh/" in text
