"""Project hygiene a new user depends on: one dependency list, the README's promises, and the
notebooks' structure (names, one H1, kernel, execution order, no errors, links, size)."""

import json
import re
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "00-start-here", "01-shapes-and-sliding-windows", "02-forward-3d-dot-product",
    "03-backward-dx-by-indices", "04-backward-dw-db", "05-flipped-kernel-identity",
    "05b-stride-dilation-transposed",
    "06-vectorising-im2col", "07-pooling-backprop", "08-gradient-checking",
    "09-layers-of-a-tiny-cnn", "09b-train-a-tiny-cnn", "10-errata-and-pitfalls", "11-transposed-convolution",
    "12-grouped-and-depthwise", "13-conv1d",
]


def test_notebooks_exist():
    assert NOTEBOOKS, "no notebooks found: a glob that matches nothing would make the tests below vacuous"
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


def test_environment_yml_installs_the_package_through_pip():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = [d for d in deps if isinstance(d, dict)]
    assert sorted(re.split(r"[<>=]", d)[0] for d in conda) == ["pip", "python"], (
        "environment.yml must list only python and pip; every other dependency belongs in "
        f"pyproject.toml (found {conda})"
    )
    assert pip == [{"pip": ["-e .[lab,teach]"]}], f"environment.yml must pip-install the package only; found {pip}"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    python = next(d for d in conda if d.startswith("python"))
    assert python.replace("python", "") == requires, (python, requires)


def test_pyproject_has_lower_bounds_only():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += extra
    assert specs
    for spec in (s.split(";")[0] for s in specs):  # ignore environment markers
        assert "==" not in spec and "<" not in spec, f"no pins or upper bounds in metadata: {spec}"
        assert ">=" in spec, f"give a lower bound: {spec}"
    assert not any(s.startswith("torch") for s in project["dependencies"]), "keep the default install light"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test\b", ci, re.M)


def test_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    linked = re.findall(r"\(notebooks/([\w-]+\.ipynb)\)", readme)
    assert linked
    assert sorted(set(linked)) == sorted(p.name for p in NOTEBOOKS)


def _load(path):
    return json.loads(path.read_text())


def _markdown(nb):
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_structure(path):
    assert re.fullmatch(r"\d\d[a-z]?-[a-z0-9]+(-[a-z0-9]+)*\.ipynb", path.name)
    assert path.stat().st_size < 1_000_000, f"{path.name} is {path.stat().st_size} bytes (limit 1 MB)"
    nb = _load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    h1 = [line for text in _markdown(nb) for line in text.splitlines() if re.match(r"# \S", line)]
    assert len(h1) == 1, f"exactly one H1 expected, found {h1}"
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in code]
    assert None not in counts, "every code cell is executed and stored with outputs"
    assert counts == list(range(1, len(counts) + 1)), "execution counts in order (restart and run all)"
    for c in code:
        tags = c.get("metadata", {}).get("tags", [])
        for out in c.get("outputs", []):
            if out["output_type"] == "error":
                assert "raises-exception" in tags, f"stored error output: {out['ename']}"
        assert "sys.path" not in "".join(c["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_links_and_images_resolve(path):
    nb = _load(path)
    for text in _markdown(nb):
        for target in re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'<img [^>]*src="([^"]+)"', text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            file = (path.parent / unquote(target.split("#")[0])).resolve()
            assert file.exists(), f"{path.name} links to missing {target}"


def test_start_here_lists_every_notebook():
    text = "\n".join(_markdown(_load(ROOT / "notebooks" / "00-start-here.ipynb")))
    for p in NOTEBOOKS:
        assert f"({p.name})" in text, f"00-start-here does not link {p.name}"


def test_every_figure_is_referenced():
    figures = sorted((ROOT / "figures").glob("*.png"))
    assert figures, "figures/ is empty"
    corpus = (ROOT / "README.md").read_text() + "".join(p.read_text() for p in NOTEBOOKS)
    for fig in figures:
        assert f"figures/{fig.name}" in corpus, f"{fig.name} is not referenced by the README or a notebook"
