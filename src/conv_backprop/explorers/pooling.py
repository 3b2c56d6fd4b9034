"""The pooling-routing explorer of notebook 07 (``notebooks/07-pooling-backprop.ipynb``).

Max or average pooling with kernel, stride (overlap allowed) and padding sliders, a tie policy
toggle (``first``: the first maximum in row-major order takes the whole gradient, as PyTorch
does; ``split``: tied maxima share it) and an integer-valued input option that makes ties
likely. Arrows go from each ``dout`` cell to where its gradient lands in ``dx``; overlapping
windows add up. The accumulated dx equals ``cb.maxpool2d_backward`` / ``cb.avgpool2d_backward``.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..drawing import draw_arrow, draw_arrows, draw_window, format_number, role_legend
from ..pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward
from ..shapes import explain_geometry
from ._base import Explorer, check_sizes, demo_values, fmt, int_slider, padded_roles, sentence
from ._settings import check_choice, check_flag, check_index, check_int, check_seed, output_shape

__all__ = ["pooling_explorer", "PoolingExplorer", "pool_routes"]


def pool_routes(xpad: np.ndarray, dout: np.ndarray, kernel: int, stride: int, padding: int,
                mode: str, ties: str) -> list[tuple[int, int, int, int, float]]:
    """Where each dout entry's gradient goes, by looking at each window (2-D, one channel).

    xpad : (Hp, Wp) padded input (−inf padding for max, 0 for average); dout : (H_out, W_out).
    Returns ``(i, j, r, c, amount)`` for every route from ``dout[i, j]`` to input ``(r, c)``
    (unpadded coordinates; routes into the padding ring are dropped).
    """
    routes = []
    Ho, Wo = dout.shape
    H, W = xpad.shape[0] - 2 * padding, xpad.shape[1] - 2 * padding
    for i in range(Ho):
        for j in range(Wo):
            r0, c0 = i * stride, j * stride
            win = xpad[r0 : r0 + kernel, c0 : c0 + kernel]
            if mode == "max":
                cells = [tuple(t) for t in np.argwhere(win == win.max())]  # row-major order
                if ties == "first":
                    cells = cells[:1]
                share = 1.0 / len(cells)
            else:
                cells = [(a, b) for a in range(kernel) for b in range(kernel)]
                share = 1.0 / kernel**2
            for a, b in cells:
                r, c = r0 + a - padding, c0 + b - padding
                if 0 <= r < H and 0 <= c < W:
                    routes.append((i, j, r, c, float(dout[i, j] * share)))
    return routes


#: Above this many routes, drawing them all hides the numbers under a tangle of arrows; only the
#: selected window's routes are drawn then (the read-out says so).
ALL_ROUTES_MAX = 40


class PoolingExplorer(Explorer):
    figsize = (10.0, 4.0)

    def __init__(self, mode="max", ties="first", integer_input=True, H=6, W=6, kernel=2, stride=2,
                 padding=0, window=0, seed=5):
        mode = check_choice("mode", mode, ("max", "average"), aliases={"avg": "average"})
        ties = check_choice("ties", ties, ("first", "split"))
        integer_input = check_flag("integer_input", integer_input)
        H, W, kernel = check_sizes(H=H, W=W, kernel=kernel).values()
        stride = check_int("stride", stride, 1)
        padding = check_int("padding", padding, 0)
        out = output_shape(H, W, kernel, kernel, stride, padding) if padding <= kernel // 2 else None
        window = check_index("window", window, None if out is None else out[0] * out[1],
                             "the pooling windows (i·W_out + j)")
        seed = check_seed(seed)
        ctl = {
            "mode": widgets.ToggleButtons(options=["max", "average"], value=mode,
                                          description="pooling", style={"button_width": "80px"}),
            "ties": widgets.ToggleButtons(options=["first", "split"], value=ties, description="ties",
                                          style={"button_width": "80px"}),
            "integer_input": widgets.Checkbox(value=bool(integer_input), description="integer input (ties likely)",
                                              indent=False),
            "H": int_slider("input H", H, 2, 8),
            "W": int_slider("input W", W, 2, 8),
            "kernel": int_slider("kernel k", kernel, 1, 4),
            "stride": int_slider("stride s", stride, 1, 4),
            "padding": int_slider("padding p", padding, 0, 2),
            "window": int_slider("window = i·W_out + j", window, 0, 8),
        }
        rows = [[ctl["mode"], ctl["ties"], ctl["integer_input"]],
                [ctl["H"], ctl["W"], ctl["kernel"], ctl["stride"], ctl["padding"]], [ctl["window"]]]
        self._seed = seed
        self._key = None
        super().__init__(ctl, rows=rows)

    def _landing(self, r, c):
        """Where an arrow into dx[r, c] ends: the cell's upper-left corner, clear of its number."""
        x, y = self._dxg.center(r, c)
        return (x - 0.33, y - 0.3)

    def arrays(self, H, W, Ho, Wo, integer_input):
        """The seeded x (1, 1, H, W) and dout (1, 1, Ho, Wo) shown for these sizes."""
        rng = np.random.default_rng([self._seed, H, W, int(integer_input)])
        if integer_input:
            x = rng.integers(0, 4, size=(1, 1, H, W)).astype(float)
        else:
            x = np.round(rng.normal(size=(1, 1, H, W)), 1) + rng.permutation(H * W).reshape(1, 1, H, W) * 1e-3
            x = np.round(x, 3)
        dout = demo_values(np.random.default_rng([self._seed + 1, Ho, Wo]), (1, 1, Ho, Wo), 1, 4)
        return x, dout

    def _render(self) -> str:
        mode, ties = self.value("mode"), self.value("ties")
        H, W, k, s, p = (self.value(n) for n in ("H", "W", "kernel", "stride", "padding"))
        geom = explain_geometry((H, W), k, s, p, 1)
        if not geom.valid:
            self.message = sentence(geom.explanation)
            self.state = {"valid": False}
            return ""
        if p > k // 2:
            self.message = (f"Padding {p} is more than half the kernel ({k} // 2 = {k // 2}): a window "
                            f"could then hold only padding and no input entry. Use padding ≤ {k // 2} "
                            f"or a larger kernel (PyTorch's rule).")
            self.state = {"valid": False}
            return ""
        Ho, Wo = geom.output_shape
        sel = self.set_range("window", Ho * Wo - 1)
        si, sj = divmod(sel, Wo)
        x, dout = self.arrays(H, W, Ho, Wo, self.value("integer_input"))
        fill = -np.inf if mode == "max" else 0.0
        xpad = np.pad(x[0, 0], p, constant_values=fill)
        if mode == "max":
            out = maxpool2d_forward(x, k, s, p)
            ref = maxpool2d_backward(dout, x, k, s, p, ties=ties)[0, 0]
        else:
            out = avgpool2d_forward(x, k, s, p)
            ref = avgpool2d_backward(dout, x, k, s, p)[0, 0]
        routes = pool_routes(xpad, dout[0, 0], k, s, p, mode, ties)
        dx = np.zeros((H, W))
        for _, _, r, c, amount in routes:
            dx[r, c] += amount

        key = (mode, ties, self.value("integer_input"), H, W, k, s, p)
        sc = self.scene
        Hp, Wp = H + 2 * p, W + 2 * p
        ox = Wp + 2.5
        dxx = ox + Wo + 5.0
        if key != self._key or not sc.frozen:
            ax = sc.start(-1.3, dxx + W + 0.3, -2.4, max(Hp, Ho, H) + 2.0)
            roles = padded_roles(H, W, p, p)
            texts = np.array([[format_number(v) for v in row] for row in xpad], dtype=object)
            self._xg = sc.grid(ax, xpad.shape, role=roles, cell_text=texts, fontsize=10,
                               title="x (padded)" if p else "x")
            self._og = sc.grid(ax, dout[0, 0], role="gradient", origin=(0, ox), fontsize=10, title="dout")
            droles = np.where(dx != 0, "gradient", "blank")
            self._dxg = sc.grid(ax, dx, role=droles, origin=(0, dxx), fontsize=10, digits=2,
                                title="dx (accumulated)")
            if mode == "max" and len(routes) <= ALL_ROUTES_MAX:
                # every route, thin; the selected window's are redrawn on top
                starts = [self._og.center(i, j) for i, j, _, _, _ in routes]
                draw_arrows(ax, [((x + 0.35, y), self._landing(r, c)) for (x, y), (_, _, r, c, _) in zip(starts, routes)],
                            role="gradient", lw=0.9, shrink=2, zorder=4)
            if mode == "max":
                winners = {(r + p, c + p) for _, _, r, c, _ in routes}
                for r, c in winners:
                    self._xg.set_role(r, c, "kernel")
            role_legend(ax, ["kernel", "highlight", "blank"] if mode == "max" else ["highlight", "blank"],
                        loc="lower center", ncol=3,
                        labels={"kernel": "wins some window (max)", "highlight": "selected window and its routes",
                                "blank": "receives no gradient"})
            self._ax = ax
            sc.freeze(key)
            self._key = key

        sc.begin_frame()
        ax = self._ax
        sc.overlay(draw_window(ax, self._xg, si * s, sj * s, k, k, role="highlight"))
        sc.set_cell(self._og, si, sj, role="highlight")
        mine = [rt for rt in routes if rt[:2] == (si, sj)]
        for _, _, r, c, amount in mine:
            sc.set_cell(self._dxg, r, c, role="highlight")
            if mode == "max":
                sc.set_cell(self._xg, r + p, c + p, role="highlight")
            st = self._og.center(si, sj)
            arrow, label = draw_arrow(ax, (st[0] + 0.35, st[1]), self._landing(r, c), role="highlight",
                                      text=format_number(amount) if mode == "max" else None, lw=2.2,
                                      text_at=0.6)
            sc.overlay(arrow, label)
        win = xpad[si * s : si * s + k, sj * s : sj * s + k]
        g = float(dout[0, 0, si, sj])
        self.state = {
            "valid": True, "mode": mode, "ties": ties, "selected": (si, sj), "routes": routes,
            "selected_routes": mine, "dx": dx, "reference": ref, "out": out[0, 0], "x": x[0, 0],
            "dout": dout[0, 0], "output_shape": (Ho, Wo),
            "all_routes_drawn": mode == "max" and len(routes) <= ALL_ROUTES_MAX,
        }
        overlap = "overlapping windows (stride < kernel): entries in several windows add up" if s < k else (
            "windows do not overlap" if s == k else f"stride {s} > kernel {k}: some entries are in no window")
        lines = [f"{mode} pooling, kernel {k}×{k}, stride {s}, padding {p} → out {Ho}×{Wo}; {overlap}."]
        if mode == "max":
            m = win.max()
            tied = [(int(a) + si * s - p, int(b) + sj * s - p) for a, b in np.argwhere(win == m)]
            rule = (f"ties='first': the first maximum (row-major) takes all of dout[{si},{sj}] = {fmt(g)}"
                    if ties == "first" else f"ties='split': each of the {len(tied)} maxima gets "
                    f"{fmt(g)}/{len(tied)} = {fmt(g / len(tied))}")
            lines.append(f"window ({si},{sj}): maximum {fmt(m)} at {', '.join(map(str, tied))}"
                         + (f" — a tie; {rule}." if len(tied) > 1 else f"; it takes all of dout[{si},{sj}] = {fmt(g)}."))
        else:
            lines.append(f"window ({si},{sj}): every entry receives dout[{si},{sj}] / (k·k) = {fmt(g)}/{k * k} = "
                         f"{fmt(g / k**2)}" + (" (shares landing on padding are dropped)" if p else "") + ".")
        if mode == "max" and len(routes) > ALL_ROUTES_MAX:
            lines.append(f"{len(routes)} routes in all: too many to draw at once, so only this window's are "
                         "drawn; move the window slider to follow the others.")
        fn = "maxpool2d_backward" if mode == "max" else "avgpool2d_backward"
        ok = "✓" if np.allclose(dx, ref) else "✗ MISMATCH"
        lines.append(f"dx = sum of the arrows landing on each entry; equals cb.{fn}: {ok}")
        return "\n".join(lines)


def pooling_explorer(**settings) -> PoolingExplorer:
    """The pooling-routing explorer of notebook 07: a widget (an ``ipywidgets.VBox``).

    Keyword arguments (initial settings): ``mode`` ("max" or "average"), ``ties`` ("first" or
    "split"), ``integer_input`` (bool), ``H``, ``W``, ``kernel``, ``stride``, ``padding``,
    ``window`` (selected output i·W_out + j) and ``seed``.

    ``.state`` holds ``routes`` ((i, j, r, c, amount): dout[i, j] sends ``amount`` to dx[r, c]),
    ``selected``, ``selected_routes``, ``dx`` (the routes summed, (H, W)), ``reference``
    (``cb.maxpool2d_backward`` / ``cb.avgpool2d_backward``), ``x``, ``dout`` and ``out``.

    Taught in ``notebooks/07-pooling-backprop.ipynb``.
    """
    return PoolingExplorer(**settings)
