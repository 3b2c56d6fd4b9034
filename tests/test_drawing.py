"""The drawing primitives of the notebooks' still pictures (matplotlib's public API only), and
the role table every picture and explorer shares."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.patches import FancyArrowPatch

from conv_backprop import drawing


def test_draw_grid_labels_and_updates_in_place():
    fig = drawing.new_figure(4, 3)
    ax = fig.add_axes((0, 0, 1, 1))
    g = drawing.draw_grid(ax, np.array([[1, -2.5], [0.125, 4]]), role="input", title="x", origin=(1, 2))
    assert g.shape == (2, 2)
    assert [t.get_text() for t in g.texts.ravel()] == ["1", "−2.5", "0.125", "4"]
    assert len(g.labels) == 4 and g.title.get_text() == "x"
    assert g.center(0, 0) == (2.5, 1.5)
    drawing.highlight_cells(g, [(1, 1)])
    assert g.roles[1, 1] == "highlight" and g.cells[1, 1].get_linewidth() == 3.0
    g.set_role(0, 0, "padding")
    assert g.cells[0, 0].get_hatch() == "//"
    g.set_text(0, 1, 7)
    assert g.texts[0, 1].get_text() == "7"
    assert all(p in ax.patches for p in g.cells.ravel())


def test_arrows_are_matplotlib_fancy_arrows_with_a_label_on_the_curve():
    fig = drawing.new_figure(4, 3)
    ax = fig.add_axes((0, 0, 1, 1))
    drawing.setup_axes(ax, 0, 10, 0, 10)
    arrow, label = drawing.draw_arrow(ax, (1, 1), (9, 1), role="gradient", text="w", curvature=0.25)
    assert isinstance(arrow, FancyArrowPatch) and arrow in ax.patches
    # arc3 puts the control point 0.25 chord lengths off the chord; the label sits half way there
    x, y = label.get_position()
    assert x == pytest.approx(5.0) and abs(y - 1) == pytest.approx(0.5 * 0.25 * 8)
    assert len(drawing.draw_arrows(ax, [((0, 0), (1, 1)), ((2, 2), (3, 3))])) == 2


def test_draw_grid_rejects_bad_input():
    fig = drawing.new_figure(4, 3)
    ax = fig.add_axes((0, 0, 1, 1))
    with pytest.raises(ValueError, match="role"):
        drawing.draw_grid(ax, (2, 2), role="bogus")
    with pytest.raises(ValueError, match="2-D"):
        drawing.draw_grid(ax, np.zeros(3))
    with pytest.raises(ValueError, match="shape"):
        drawing.draw_grid(ax, (2, 2), role=[["input"]])


def test_roles_differ_by_more_than_colour():
    looks = {r: (st["hatch"], st["lw"], st["ls"]) for r, st in drawing.ROLE_STYLES.items()}
    # the roles that can share a grid are told apart without colour
    for a, b in itertools.combinations(["input", "padding", "kernel", "highlight", "unused"], 2):
        assert looks[a] != looks[b], (a, b)
    assert drawing.format_number(-3.0) == "−3" and drawing.format_number(-np.inf) == "−∞"


def test_no_private_matplotlib_names_in_the_package():
    """The whole package uses matplotlib's public API only (private names break on upgrades)."""
    import re
    from pathlib import Path

    import conv_backprop

    src = Path(conv_backprop.__file__).parent
    private = re.compile(r"\.(_children|_add_text|_set_gc_clip|_unstale_viewLim|_get_anchored_bbox|"
                         r"_set_artist_props|_remove_method|_loc|_hatch_color|_renderer)\b")
    hits = [f"{p.name}:{n}" for p in src.rglob("*.py")
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if private.search(line)]
    assert hits == []
