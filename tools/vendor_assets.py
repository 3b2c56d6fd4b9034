"""Fetch the JavaScript the slides and the static site need, so they work with no network.

The HTML that ``tools/site.py`` writes loads reveal.js (slides), MathJax 2 (LaTeX), RequireJS and
jQuery (nbconvert's templates use them) and the Jupyter widgets HTML manager (explorers shown with
their saved state) from a folder ``vendor/`` beside the pages, never from a CDN. This script
downloads those packages from the npm registry with ``npm pack`` (npm checks each tarball
against the registry's integrity hash), and copies only the files the pages load into
``build/vendor/`` (about 12 MB instead of the 100 MB of the full packages).

Usage::

    python tools/vendor_assets.py            # fills build/vendor/ (does nothing when up to date)
    python tools/vendor_assets.py --force    # downloads again

Versions are pinned here, in one table, so a rebuild gives the same files. The folder is a build
output (``build/`` is git-ignored); ``tools/site.py`` copies it next to the pages it writes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = ROOT / "build" / "vendor"

# name in vendor/ -> (npm spec, files or folders to keep, relative to the package root)
PACKAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    # nbconvert's reveal template expects reveal.js 4+ layout: dist/ and plugin/notes/notes.js.
    "reveal.js": ("reveal.js@5.2.1", (
        "LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/reset.css", "dist/theme",
        "plugin/notes/notes.js",
    )),
    # nbconvert's templates configure MathJax 2 (MathJax.Hub); TeX input, CommonHTML output.
    "mathjax": ("mathjax@2.7.9", (
        "LICENSE", "MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions",
        "jax/input/TeX", "jax/output/CommonHTML", "jax/element", "localization/en",
        "fonts/HTML-CSS/TeX/woff",
    )),
    # Renders saved ipywidgets 8 state (notebook metadata "widgets") in a plain page.
    "html-manager": ("@jupyter-widgets/html-manager@1.0.15", ("package.json", "dist")),
    "requirejs": ("requirejs@2.3.8", ("README.md", "require.js")),
    "jquery": ("jquery@3.7.1", ("LICENSE.txt", "dist/jquery.min.js")),
}

# Files in html-manager's dist/ that the pages never load (source maps, the non-AMD build).
_SKIP_SUFFIXES = (".map",)
_SKIP_NAMES = {"embed.js", "embed.js.LICENSE.txt", "libembed-amd.js"}

STAMP = "VERSIONS.json"


def _wanted() -> dict[str, str]:
    return {name: spec for name, (spec, _) in PACKAGES.items()}


def is_up_to_date(dest: Path = DEFAULT_DEST) -> bool:
    """True when ``dest`` holds exactly the pinned versions (read from its VERSIONS.json)."""
    stamp = Path(dest) / STAMP
    try:
        return json.loads(stamp.read_text()) == _wanted()
    except (OSError, ValueError):
        return False


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "vendor_assets: `npm` was not found on PATH. Install Node.js and npm (Debian: "
            "`apt-get install npm`), then run `python tools/vendor_assets.py` again; it only "
            "needs the npm registry, and only once."
        )
    return npm


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, ignore=lambda d, names: [
            n for n in names if n.endswith(_SKIP_SUFFIXES) or n in _SKIP_NAMES])
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def _extract(tgz: Path, into: Path) -> Path:
    with tarfile.open(tgz) as tar:
        if sys.version_info >= (3, 12) or hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:  # pragma: no cover - Python 3.10/3.11 before the security backport
            for member in tar.getmembers():
                if member.name.startswith(("/", "..")) or ".." in Path(member.name).parts:
                    raise ValueError(f"unsafe path in {tgz.name}: {member.name!r}")
            tar.extractall(into)
    return into / "package"


def vendor(dest: Path = DEFAULT_DEST, *, force: bool = False, quiet: bool = False) -> Path:
    """Fill ``dest`` with the pinned assets; return ``dest``. Idempotent (checks VERSIONS.json)."""
    dest = Path(dest)
    if not force and is_up_to_date(dest):
        return dest
    npm = _npm()
    with tempfile.TemporaryDirectory(prefix="vendor-") as tmp:
        tmp = Path(tmp)
        specs = [spec for spec, _ in PACKAGES.values()]
        if not quiet:
            print("vendor_assets: npm pack " + " ".join(specs))
        proc = subprocess.run([npm, "pack", "--silent", *specs], cwd=tmp, capture_output=True,
                              text=True, timeout=600)
        if proc.returncode != 0:
            raise SystemExit(f"vendor_assets: `npm pack` failed (exit {proc.returncode}):\n"
                             f"{proc.stderr.strip()}")
        tarballs = proc.stdout.split()
        if len(tarballs) != len(specs):
            raise SystemExit(f"vendor_assets: expected {len(specs)} tarballs from npm pack, "
                             f"got {tarballs!r}")
        staging = tmp / "staging"
        for (name, (spec, keep)), tgz in zip(PACKAGES.items(), tarballs):
            root = _extract(tmp / tgz, tmp / f"x-{name}")
            for rel in keep:
                src = root / rel
                if not src.exists():
                    raise SystemExit(f"vendor_assets: {spec} has no {rel!r}; the pinned layout "
                                     f"changed, update PACKAGES in tools/vendor_assets.py")
                _copy(src, staging / name / rel)
        (staging / STAMP).write_text(json.dumps(_wanted(), indent=1) + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), dest)
    if not quiet:
        size = sum(f.stat().st_size for f in dest.rglob("*") if f.is_file())
        print(f"vendor_assets: wrote {dest} ({size / 1e6:.1f} MB)")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST,
                        help="folder to fill (default: build/vendor)")
    parser.add_argument("--force", action="store_true", help="download again even if up to date")
    args = parser.parse_args(argv)
    if not args.force and is_up_to_date(args.dest):
        print(f"vendor_assets: {args.dest} is up to date")
        return 0
    vendor(args.dest, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
