"""Every source is cited by what it is, never by an internal file name, and every link is well formed.

The course grew from four public texts (a CS231n blog post, NPTEL lecture slides, a StackExchange
question and an im2col blog post). Their working file names ("seed 000" ... "seed 003") mean nothing
to a learner, so no learner-facing text may use them: notebook markdown, the text of stored outputs,
README.md and docs/*.md. Code identifiers such as ``cb.stackexchange_bounds`` are allowed, in code cells
and inside `inline code` or fenced code in prose, because a learner has to type them.
"""

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
INTERNAL_NAME = re.compile(r"seed[ _-]?00[0-3]", re.IGNORECASE)

# The four sources, each recognised by its title (or, for the slides, title and author).
SOURCES = {
    "CS231n post": "CS231n Backpropagation for convolutional neural network",
    "NPTEL slides": "Backpropagation in CNNs",
    "StackExchange question": "Backpropagation derivation for a convolutional layer",
    "im2col post": "Forward and backward propagations through a convolutional layer",
}


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _markdown_cells(path):
    return ["".join(c["source"]) for c in _load(path)["cells"] if c["cell_type"] == "markdown"]


def _output_texts(path):
    """(cell index, text) for every piece of text a stored output shows a learner."""
    for index, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                yield index, "".join(out.get("text", ""))
            elif out.get("output_type") == "error":
                yield index, "\n".join([out.get("ename", ""), out.get("evalue", ""), *out.get("traceback", [])])
            for mime, data in out.get("data", {}).items():
                if mime.startswith("text/") or mime in ("application/json", "image/svg+xml"):
                    yield index, data if isinstance(data, str) else "".join(data) if isinstance(data, list) else json.dumps(data)


def _prose(markdown):
    """Markdown with fenced code blocks and `inline code` removed: what is read as sentences."""
    markdown = re.sub(r"^(```|~~~).*?^\1", "", markdown, flags=re.S | re.M)
    return re.sub(r"(`+)(?:(?!\1).)+\1", "", markdown, flags=re.S)


def _links(markdown):
    """Targets of markdown links and images, outside code."""
    return re.findall(r"\]\(\s*([^)\s]*)(?:\s+\"[^\"]*\")?\s*\)", _prose(markdown))


def _learner_markdown():
    for path in NOTEBOOKS:
        for number, text in enumerate(_markdown_cells(path)):
            yield f"{path.name} (markdown cell {number})", path.parent, text
    for path in DOCS:
        yield path.relative_to(ROOT).as_posix(), path.parent, path.read_text(encoding="utf-8")


def test_files_found():
    assert len(NOTEBOOKS) >= 12, "the globs matched nothing: every test below would pass vacuously"  # 00 … 10 and 05b
    assert (ROOT / "README.md").exists() and len(DOCS) > 1


@pytest.mark.parametrize("where, folder, text", list(_learner_markdown()), ids=lambda v: v if isinstance(v, str) else "")
def test_prose_never_names_a_source_by_its_file_name(where, folder, text):
    hits = INTERNAL_NAME.findall(_prose(text))
    assert not hits, f"{where} says {hits}: cite the source by what it is (see notebook 00's bibliography)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_never_name_a_source_by_its_file_name(path):
    hits = [(index, m.group(0), text[max(0, m.start() - 40): m.end() + 40].replace("\n", " "))
            for index, text in _output_texts(path) for m in INTERNAL_NAME.finditer(text)]
    assert not hits, (
        f"{path.name}: stored outputs print internal source names (code cell index, name, context): {hits}. "
        "The strings come from the notebook's code or the package's checker labels; fix them there and "
        "re-execute the notebook."
    )


@pytest.mark.parametrize("where, folder, text", list(_learner_markdown()), ids=lambda v: v if isinstance(v, str) else "")
def test_links_are_well_formed(where, folder, text):
    for target in _links(text):
        assert target, f"{where}: a link with an empty target"
        if target.startswith("#"):
            continue
        url = urlparse(target)
        if url.scheme in ("http", "https"):
            assert url.netloc and "." in url.netloc, f"{where}: {target!r} has no host"
            assert " " not in target
            continue
        assert not url.scheme, f"{where}: unexpected link scheme in {target!r}"
        file = (folder / unquote(target.split("#")[0])).resolve()
        assert file.exists(), f"{where}: relative link {target!r} points to a missing file"
        assert ROOT in file.parents or file == ROOT, f"{where}: {target!r} leaves the repository"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_has_further_reading_with_a_web_link(path):
    cells = _markdown_cells(path)
    found = [i for i, text in enumerate(cells) if re.search(r"^#+ Further reading\s*$", text, re.M)]
    assert found, f"{path.name} has no 'Further reading' section"
    section = "\n".join(cells[found[-1]:])
    section = section[re.search(r"^#+ Further reading\s*$", section, re.M).start():]
    web = [t for t in _links(section) if urlparse(t).scheme in ("http", "https")]
    assert web, f"{path.name}: 'Further reading' has no http(s) link"


def _check_bibliography(where, text):
    assert re.search(r"^#+ .*[Bb]ibliography", text, re.M), f"{where} has no bibliography heading"
    bibliography = text[re.search(r"^#+ .*[Bb]ibliography", text, re.M).start():]
    for short, title in SOURCES.items():
        assert title in bibliography, f"{where}: the bibliography does not name the {short} ({title!r})"
    assert "Vineeth N Balasubramanian" in bibliography
    assert "Tim Wolff-Piggott" in bibliography
    assert "datascience.stackexchange.com" in bibliography


def test_start_here_has_a_bibliography_of_all_four_sources():
    _check_bibliography("00-start-here", "\n".join(_markdown_cells(ROOT / "notebooks" / "00-start-here.ipynb")))


def test_readme_has_a_bibliography_of_all_four_sources():
    _check_bibliography("README.md", (ROOT / "README.md").read_text(encoding="utf-8"))
