"""Build the workbook's static site and its reveal.js slides, both working with no network.

``html``   renders every notebook, with its stored outputs, to ``build/site/NN-….html`` plus an
           ``index.html`` table of contents (each notebook and its sections), for students who
           only read. Links between notebooks (``03-….ipynb``) point to the pages.
``slides`` renders every notebook to a reveal.js slideshow ``build/slides/NN-….slides.html``
           plus an ``index.html`` listing the decks. Cells without slide metadata get the
           defaults of ``tools/slide_metadata.py`` (in memory; the notebook is not changed);
           numbered derivation steps appear one by one (fragments), spilling onto the next
           vertical slide when they would overflow; lines marked ``# extra code`` are hidden
           (presentation, not lesson); explorers show their saved widget state.

Every script, style sheet and font is loaded from ``vendor/`` beside the pages (reveal.js,
MathJax 2, RequireJS, jQuery, the Jupyter widgets HTML manager, the anywidget front end of
the installed package), copied from ``build/vendor``,
which ``tools/vendor_assets.py`` fills from the npm registry the first time. So the output
folder can be copied to a USB stick and opened from disk in a lecture room with no network.

Usage::

    python tools/site.py html   [--notebooks notebooks] [--out build/site]
    python tools/site.py slides [--notebooks notebooks] [--out build/slides]

Both work on any set of ``NN-*.ipynb`` notebooks. The output folder is replaced on each build
(only when it is empty or was written by this tool, marked by a ``.built-by-tools-site`` file).
"""

from __future__ import annotations

import argparse
import ast
import copy
import html
import re
import shutil
import sys
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup

sys.dont_write_bytecode = True  # tools/ is run as scripts; keep it free of __pycache__

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
NOTEBOOK_NAME = re.compile(r"^\d\d[a-z]?-[^/]*\.ipynb$")  # 05-…, and 05b-… after it
BUILT_MARK = ".built-by-tools-site"

# Relative URLs of the vendored assets, as the pages load them.
VENDOR = "vendor"
MATHJAX_URL = f"{VENDOR}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
REQUIRE_URL = f"{VENDOR}/requirejs/require.js"
JQUERY_URL = f"{VENDOR}/jquery/dist/jquery.min.js"
REVEAL_PREFIX = f"{VENDOR}/reveal.js"
WIDGETS_URL = f"{VENDOR}/html-manager/dist/embed-amd.js"
# The explorers are anywidgets: the widget manager loads the "anywidget" AMD module through
# RequireJS. It is copied from the installed anywidget package (no CDN, no npm) and RequireJS is
# told where it lives, before the manager asks for it.
ANYWIDGET_DIR = f"{VENDOR}/anywidget"
REQUIRE_CONFIG = f'require.config({{paths: {{anywidget: "{ANYWIDGET_DIR}/index"}}}});'
# On a page there is no kernel: the explorers' selection works (it lives in the browser), their
# sliders cannot. This marks every slider of an explorer as disabled and says so in one line.
OFFLINE_SCRIPT = """
(function () {
  var NOTE = "Sliders need a running kernel: open the notebook in JupyterLab to change them. "
           + "Click, hover or use the arrow keys on the cells, and \u25c0 \u25b6 Play, to explore this setting.";
  function mark() {
    document.querySelectorAll(".cb-scene").forEach(function (scene) {
      var box = scene.closest(".widget-vbox") || scene.parentElement;
      if (!box || box.dataset.cbOffline) return;
      box.dataset.cbOffline = "1";
      var note = document.createElement("div");
      note.className = "cb-offline-note";
      note.setAttribute("role", "note");
      note.textContent = NOTE;
      box.insertBefore(note, box.firstChild);
      box.querySelectorAll(".widget-slider, .widget-toggle-buttons, .widget-checkbox, .widget-dropdown")
        .forEach(function (w) {
          w.classList.add("cb-needs-kernel");
          w.setAttribute("aria-disabled", "true");
          w.querySelectorAll("input, button, select, [tabindex]").forEach(function (i) {
            i.setAttribute("disabled", ""); i.setAttribute("tabindex", "-1");
          });
        });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    new MutationObserver(mark).observe(document.body, {childList: true, subtree: true});
  });
}());
"""
OFFLINE_STYLE = """
.cb-needs-kernel { opacity: 0.45; pointer-events: none; }
.cb-offline-note { font-size: 13px; color: #333; border-left: 3px solid #0072B2; padding: 2px 8px; margin: 4px 0; }
"""

KEEP_WHOLE_TAG = "slides-keep-whole"
EXTRA_CODE = "# extra code"
HIDDEN_NOTE = "# (plotting lines marked '# extra code' are hidden on the slides)"


def _load_sibling(name: str):
    """Import another script of tools/ (tools/ is a folder of scripts, not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_tools_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


slide_metadata = _load_sibling("slide_metadata")
vendor_assets = _load_sibling("vendor_assets")


def find_notebooks(folder: Path) -> list[Path]:
    """The course notebooks in ``folder`` (names ``NN-*.ipynb``), sorted; never empty."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"notebooks folder {str(folder)!r} does not exist")
    found = sorted(p for p in folder.iterdir() if NOTEBOOK_NAME.match(p.name))
    if not found:
        raise ValueError(f"no notebooks named NN-*.ipynb in {str(folder)!r}")
    return found


def notebook_title(nb, fallback: str) -> str:
    """The text of the notebook's first heading (markdown ``#``), else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            m = re.match(r"^\s*#{1,2}\s+(.*\S)", line)
            if m:
                return m.group(1).strip()
    return fallback


# --------------------------------------------------------------------------- slides: cells


def _split_numbered_list(text: str):
    """Split markdown into (before, [items], after) around its first top-level numbered list.

    Items start with ``N.`` at column 0. A line at column 0 continues the current item unless
    a blank line came before it (then it ends the list). Returns None when there is no list of
    at least two items.
    """
    lines = text.split("\n")
    start = next((k for k, l in enumerate(lines) if re.match(r"^\d+\.\s", l)), None)
    if start is None:
        return None
    items, current, k = [], [lines[start]], start + 1
    blank_before = False
    while k < len(lines):
        line = lines[k]
        if re.match(r"^\d+\.\s", line):
            items.append(current)
            current = [line]
            blank_before = False
        elif line.strip() == "":
            current.append(line)
            blank_before = True
        elif line[:1] in (" ", "\t") or not blank_before:
            current.append(line)
            blank_before = False
        else:
            break
        k += 1
    items.append(current)
    if len(items) < 2:
        return None
    # Trailing blank lines of the last item belong to neither.
    while items[-1] and items[-1][-1].strip() == "":
        items[-1].pop()
    before = "\n".join(lines[:start]).strip("\n")
    after = "\n".join(lines[k:]).strip("\n")
    return before, ["\n".join(i).strip("\n") for i in items], after


def split_derivations(nb) -> None:
    """Turn each markdown cell holding a numbered list into one cell per step (fragments).

    The text before the list keeps the cell's slide type; each step is a ``fragment`` (shown on
    the next click) unless the slide would overflow, then it opens a new ``subslide``. Cells
    tagged ``slides-keep-whole`` are left as they are.
    """
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {})
        slide_type = meta.get("slideshow", {}).get("slide_type", "-")
        parts = None
        if (cell.cell_type == "markdown" and slide_type in ("slide", "subslide", "-")
                and KEEP_WHOLE_TAG not in meta.get("tags", [])):
            parts = _split_numbered_list(cell.source)
        if parts is None:
            cells.append(cell)
            continue
        before, items, after = parts
        pieces = ([before] if before.strip() else []) + items + ([after] if after.strip() else [])
        used = 0
        for n, text in enumerate(pieces):
            new = copy.deepcopy(cell)
            new.source = text
            if "id" in cell:
                new["id"] = f"{cell['id']}-{n}"[:64]
            height = slide_metadata.cell_lines(new)
            if n == 0:
                kind = slide_type
            elif used + height > slide_metadata.SLIDE_BUDGET:
                kind, used = "subslide", 0
            else:
                kind = "fragment"
            new.metadata = nbformat.from_dict({**copy.deepcopy(meta), "slideshow": {"slide_type": kind}})
            used += height
            cells.append(new)
    nb.cells = cells


def _magic_free(src: str) -> str:
    """The source with IPython magics and shell escapes replaced by ``pass`` (same lines)."""
    return "\n".join(re.sub(r"^(\s*)[%!].*$", r"\1pass", l) for l in src.split("\n"))


def hide_extra_code(src: str) -> str:
    """Drop the statements marked ``# extra code`` (presentation, not lesson) from a cell.

    A statement spanning several lines goes when any of its lines carries the marker; a loop
    or ``with`` block whose body is all marked goes whole. Code that does not parse is kept
    as it is. A note says that lines were hidden.
    """
    if EXTRA_CODE not in src:
        return src
    lines = src.split("\n")
    marked = {k + 1 for k, l in enumerate(lines) if EXTRA_CODE in l}
    try:
        tree = ast.parse(_magic_free(src))
    except SyntaxError:
        return src
    drop = {k for k in marked if lines[k - 1].strip().startswith("#")}
    compound = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        if hasattr(node, "body"):
            compound.append(node)
            continue
        span = set(range(node.lineno, node.end_lineno + 1))
        if span & marked:
            drop |= span
    for node in sorted(compound, key=lambda n: -(n.lineno)):  # innermost first
        header = set(range(node.lineno, node.body[0].lineno))
        rest = set(range(node.body[0].lineno, node.end_lineno + 1))
        code_lines = {k for k in rest if lines[k - 1].strip()}
        if code_lines and code_lines <= drop:
            drop |= header | rest
    kept = [l for k, l in enumerate(lines, 1) if k not in drop]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept + [HIDDEN_NOTE]) if kept else HIDDEN_NOTE


# A collapsed worked answer: ``<details><summary>…</summary>`` markdown ``</details>`` in one cell.
DETAILS = re.compile(r"(<details>\s*<summary>.*?</summary>)(.*?)(</details>)", re.S)


def render_details(nb):
    """A copy of ``nb`` whose collapsed answers keep their answer inside the fold.

    JupyterLab assembles a markdown cell's HTML before the browser parses it, so the markdown
    between ``<details>`` and ``</details>`` stays folded there. nbconvert's renderer closes the
    HTML block at the first blank line instead, and the answer would show below an empty fold.
    So the answer is rendered to HTML first (by the same markdown filter) and the block is written
    without blank lines: one HTML block, passed through whole. Math stays as ``$…$`` text, which
    MathJax typesets on the page.
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "<details" in cell.source:
            cell.source = DETAILS.sub(
                lambda m: m.group(1) + "\n" + re.sub(r"\n\s*\n", "\n", markdown2html_mistune(m.group(2)).strip())
                + "\n" + m.group(3), cell.source)
    return nb


def prepare_slides(nb):
    """A copy of ``nb`` ready for the reveal exporter (defaults, fragments, hidden extra code)."""
    nb = slide_metadata.annotated_copy(nb)
    split_derivations(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = hide_extra_code(cell.source)
    return nb


# --------------------------------------------------------------------------- export


def _exporter(kind: str):
    from nbconvert import HTMLExporter, SlidesExporter

    common = dict(extra_template_basedirs=[str(TEMPLATES)], embed_images=True,
                  mathjax_url=MATHJAX_URL, require_js_url=REQUIRE_URL, jquery_url=JQUERY_URL,
                  widget_renderer_url=WIDGETS_URL)
    if kind == "slides":
        return SlidesExporter(template_name="course_reveal", reveal_url_prefix=REVEAL_PREFIX,
                              reveal_scroll=True, reveal_number="c/t", reveal_transition="none",
                              # "white" uses fonts shipped with reveal.js; "simple" (nbconvert's
                              # default) imports Google Fonts, which fails offline.
                              reveal_theme="white",
                              **common)
    return HTMLExporter(template_name="course_lab", **common)


def _anywidget_module() -> Path:
    """The anywidget front end the installed package ships for the classic widget manager."""
    import sysconfig

    candidates = [Path(sysconfig.get_path("data")) / "share" / "jupyter" / "nbextensions" / "anywidget" / "index.js",
                  Path(sys.prefix) / "share" / "jupyter" / "nbextensions" / "anywidget" / "index.js"]
    for path in candidates:
        if path.is_file():
            return path
    raise SystemExit("site: the anywidget front end (share/jupyter/nbextensions/anywidget/index.js) was "
                     "not found; install the workbook with `make lab` or `pip install -e .`")


def _offline_widgets(soup) -> None:
    """Tell RequireJS where the anywidget module is, and mark the explorers' sliders as
    needing a kernel (see OFFLINE_SCRIPT)."""
    head = soup.head or soup
    require = soup.find("script", src=REQUIRE_URL)
    config = soup.new_tag("script")
    config.string = REQUIRE_CONFIG
    if require is not None:
        require.insert_after(config)
    else:
        head.append(config)
    script = soup.new_tag("script")
    script.string = OFFLINE_SCRIPT
    head.append(script)
    style = soup.new_tag("style")
    style.string = OFFLINE_STYLE
    head.append(style)


def _page_name(nb_name: str, kind: str) -> str:
    stem = nb_name[: -len(".ipynb")]
    return f"{stem}.slides.html" if kind == "slides" else f"{stem}.html"


def _rewrite_links(soup, names: set[str], kind: str) -> None:
    """Point links to sibling notebooks (``03-….ipynb#anchor``) at their built pages."""
    for a in soup.find_all("a", href=True):
        m = re.match(r"^(?:\./)?(\d\d[a-z]?-[^/#?]*\.ipynb)(#.*)?$", a["href"])
        if m and m.group(1) in names:
            a["href"] = _page_name(m.group(1), kind) + (m.group(2) or "")


def _copy_local_images(soup, nb_dir: Path, out: Path) -> None:
    """Copy images the markdown references by relative path (e.g. ``../figures/x.png``, which
    nbconvert will not embed because it lies outside the notebook's folder) into
    ``out/figures/`` and point the pages at the copies."""
    for img in soup.find_all("img", src=True):
        src = img["src"]
        if re.match(r"^[a-z]+:", src) or src.startswith("//"):
            continue  # data: URIs (embedded) and absolute URLs are left alone
        source = (nb_dir / src).resolve()
        if not source.is_file():
            raise FileNotFoundError(f"{nb_dir}: image {src!r} does not exist")
        (out / "figures").mkdir(exist_ok=True)
        shutil.copy2(source, out / "figures" / source.name)
        img["src"] = f"figures/{source.name}"


NAV_CSS = """
nav.course-nav { display: flex; justify-content: space-between; gap: 1em; padding: 0.6em 1em;
  border-bottom: 1px solid #ccc; font: 15px/1.4 system-ui, sans-serif; background: #f7f7f7; }
nav.course-nav a { text-decoration: none; color: #0072B2; }
"""


def _nav(prev_page, next_page) -> str:
    left = f'<a href="{prev_page[0]}">← {html.escape(prev_page[1])}</a>' if prev_page else "<span></span>"
    right = f'<a href="{next_page[0]}">{html.escape(next_page[1])} →</a>' if next_page else "<span></span>"
    return (f'<style>{NAV_CSS}</style><nav class="course-nav">{left}'
            f'<a href="index.html">Contents</a>{right}</nav>')


def _sections(soup) -> list[tuple[str, str]]:
    """(id, text) of the H2 headings of a rendered page."""
    found = []
    for h in soup.find_all("h2"):
        if h.get("id"):
            text = h.get_text(" ", strip=True).rstrip("¶").strip()
            found.append((h["id"], text))
    return found


def _index_page(title: str, intro: str, entries: list[dict], kind: str) -> str:
    items = []
    for e in entries:
        sub = ""
        if kind == "html" and e["sections"]:
            sub = "<ul>" + "".join(
                f'<li><a href="{e["page"]}#{html.escape(sid, quote=True)}">{html.escape(text)}</a></li>'
                for sid, text in e["sections"]) + "</ul>"
        items.append(f'<li><a href="{e["page"]}"><strong>{html.escape(e["title"])}</strong></a>'
                     f'{sub}</li>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}</title>
<style>
body {{ font: 17px/1.5 system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; color: #222; }}
a {{ color: #0072B2; text-decoration: none; }} a:hover {{ text-decoration: underline; }}
ul.toc {{ list-style: none; padding-left: 0; }} ul.toc > li {{ margin: 0.8em 0; }}
ul.toc ul {{ margin: 0.2em 0; font-size: 15px; }}
</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p>{intro}</p>
<ul class="toc">
{chr(10).join(items)}
</ul>
</body></html>
"""


def _prepare_out(out: Path) -> None:
    if out.exists():
        if any(out.iterdir()) and not (out / BUILT_MARK).exists():
            raise ValueError(f"output folder {str(out)!r} is not empty and was not written by "
                             f"tools/site.py; choose another --out or empty it first")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / BUILT_MARK).write_text("Written by tools/site.py; replaced on every build.\n")


def build(kind: str, notebooks: Path, out: Path, vendor: Path = vendor_assets.DEFAULT_DEST,
          *, quiet: bool = False) -> list[Path]:
    """Render every notebook to ``out`` (``kind`` is ``"html"`` or ``"slides"``); return the pages.

    The vendored assets are fetched into ``vendor`` first when missing (npm registry), then
    copied to ``out/vendor``.
    """
    if kind not in ("html", "slides"):
        raise ValueError(f"kind must be 'html' or 'slides', got {kind!r}")
    paths = find_notebooks(notebooks)
    vendor_assets.vendor(Path(vendor), quiet=quiet)
    out = Path(out)
    _prepare_out(out)
    shutil.copytree(vendor, out / VENDOR)
    (out / ANYWIDGET_DIR).mkdir(parents=True, exist_ok=True)
    shutil.copy2(_anywidget_module(), out / ANYWIDGET_DIR / "index.js")
    exporter = _exporter(kind)
    names = {p.name for p in paths}
    books = []
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        title = notebook_title(nb, p.stem)
        books.append((p, nb, title, _page_name(p.name, kind)))
    pages, entries = [], []
    for k, (p, nb, title, page) in enumerate(books):
        nb = render_details(nb)
        if kind == "slides":
            nb = prepare_slides(nb)
        # "path" lets embed_images resolve markdown images such as ../figures/x.png
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title, "path": str(p.parent)}})
        soup = BeautifulSoup(body, "html.parser")
        _rewrite_links(soup, names, kind)
        _copy_local_images(soup, p.parent, out)
        _offline_widgets(soup)
        if kind == "html":
            prev_page = (books[k - 1][3], books[k - 1][2]) if k > 0 else None
            next_page = (books[k + 1][3], books[k + 1][2]) if k + 1 < len(books) else None
            soup.body.insert(0, BeautifulSoup(_nav(prev_page, next_page), "html.parser"))
        number = p.name.split("-")[0]  # 05, 05b
        label = title if title.startswith(number) else f"{number} · {title}"
        entries.append({"page": page, "title": label, "sections": _sections(soup)})
        target = out / page
        target.write_text(str(soup), encoding="utf-8")
        pages.append(target)
        if not quiet:
            print(f"site: {p.name} → {target}")
    if kind == "slides":
        index = _index_page(
            "Backprop through convolutions: slides",
            "One reveal.js deck per notebook. Keys: → / ← next and previous slide (↓ / ↑ inside "
            "a section), <kbd>Esc</kbd> overview, <kbd>F</kbd> full screen, <kbd>S</kbd> speaker "
            "notes. Works offline: every script is in <code>vendor/</code>.",
            entries, kind)
    else:
        index = _index_page(
            "Backprop through convolutions: the workbook",
            "Every notebook of the course with its stored outputs, to read in a browser. To run "
            "the code and move the explorers, open the notebooks in JupyterLab.",
            entries, kind)
    (out / "index.html").write_text(index, encoding="utf-8")
    pages.append(out / "index.html")
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["html", "slides"])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--out", type=Path, default=None,
                        help="default: build/site (html) or build/slides (slides)")
    parser.add_argument("--vendor", type=Path, default=vendor_assets.DEFAULT_DEST)
    args = parser.parse_args(argv)
    out = args.out or ROOT / "build" / ("site" if args.kind == "html" else "slides")
    try:
        pages = build(args.kind, args.notebooks, out, args.vendor)
    except ValueError as exc:
        print(f"site: {exc}", file=sys.stderr)
        return 1
    print(f"site: {len(pages)} pages in {out}; open {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
