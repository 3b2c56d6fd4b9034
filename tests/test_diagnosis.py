"""Checkers that name the mistake, and the help every exercise offers (hints, solution, progress).

What is checked, and against what:

* every classic mistake of issue 14, written here as a learner would write it (independently
  of the wrong variants the checkers declare), fed to its checker: the report fails and names
  the mistake in plain words;
* every wrong variant a checker declares (a :class:`~conv_backprop.exercises.Mistake`), fed to
  the checker as the learner's function: the report fails and names that very mistake, so no
  declared mistake is shadowed by an earlier one or missed by every case;
* each case of notebook 06's first exercise is failed by the wrong answer its title names;
* every exercise of every module has graded hints; ``hint``, ``solution`` and ``progress`` do what
  notebook 00 says.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import numpy as np
import pytest

import conv_backprop.exercises as exercises
from conv_backprop.exercises import Mistake, checking

MODULES = [importlib.import_module(f"conv_backprop.exercises.{m.name}")
           for m in pkgutil.iter_modules(exercises.__path__) if re.fullmatch(r"nb\d\d[a-z]?", m.name)]
CHECKERS = [(mod, name[len("check_"):]) for mod in MODULES for name in mod.__all__ if name.startswith("check_")]
IDS = [f"{m.__name__.rsplit('.', 1)[1]}.{n}" for m, n in CHECKERS]


def test_the_modules_are_found():
    assert {m.__name__.rsplit('.', 1)[1] for m in MODULES} >= {f"nb{k:02d}" for k in range(11)} | {"nb05b"}
    assert len(CHECKERS) >= 47


def _fails_naming(report, *phrases):
    text = str(report)
    assert not report.passed, text
    assert "this looks like" in text, text
    for phrase in phrases:
        assert phrase in text, f"{phrase!r} not in the report:\n{text}"
    return text


# ----------------------------------------------------------------------------- the classic mistakes


def _mods():
    return {m.__name__.rsplit('.', 1)[1]: m for m in MODULES}


M = _mods()


def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))


def db_averaged(dout):
    return dout.sum(axis=(0, 2, 3)) / dout.shape[0]


def dw_averaged(dout, x, kernel_size, stride, padding, dilation):
    return M["nb04"].solution_conv_dw(dout, x, kernel_size, stride, padding, dilation) / len(x)


def backward_db_averaged(dout, x, w, stride, padding, dilation):
    dx, dw, db = M["nb04"].solution_conv_backward(dout, x, w, stride, padding, dilation)
    return dx, dw, db / len(x)


def dx_not_rotated(dout, w, x_shape, stride, padding):
    # the learner's loop, with w where w_rot belongs
    F, C, HH, WW = w.shape
    g = M["nb05b"].solution_flipped_input(dout, x_shape, (HH, WW), stride, padding)
    dx = np.zeros(x_shape)
    for q in range(x_shape[2]):
        for r in range(x_shape[3]):
            dx[:, :, q, r] = np.einsum("nfuv,fcuv->nc", g[:, :, q:q + HH, r:r + WW], w)
    return dx


def dx_channels_not_swapped(dout, w, x_shape, stride, padding):
    F, C, HH, WW = w.shape
    g = M["nb05b"].solution_flipped_input(dout, x_shape, (HH, WW), stride, padding)
    w_rot = w[:, :, ::-1, ::-1]
    dx = np.zeros(x_shape)
    for q in range(x_shape[2]):
        for r in range(x_shape[3]):
            dx[:, :, q, r] = np.einsum("nfuv,cfuv->nc", g[:, :, q:q + HH, r:r + WW], w_rot)  # w_rot[c, f]
    return dx


def dx_no_zero_insertion(dout, w, x_shape, stride, padding):
    return M["nb05b"].solution_dx_flipped(dout, w, x_shape, 1, padding) if np.isscalar(stride) and stride == 1 \
        else _dx_stride_ignored(dout, w, x_shape, padding)


def _dx_stride_ignored(dout, w, x_shape, padding):
    # dout padded by k − 1 − p on the top/left, entries next to each other, zeros after
    F, C, HH, WW = w.shape
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    N, _, H, W = x_shape
    g = np.zeros((N, F, H + HH - 1, W + WW - 1))
    Ho, Wo = dout.shape[2:]
    for i in range(Ho):
        for j in range(Wo):
            r, c = i + HH - 1 - ph, j + WW - 1 - pw
            if 0 <= r < g.shape[2] and 0 <= c < g.shape[3]:
                g[:, :, r, c] = dout[:, :, i, j]
    w_rot = w[:, :, ::-1, ::-1]
    dx = np.zeros(x_shape)
    for q in range(H):
        for r in range(W):
            dx[:, :, q, r] = np.einsum("nfuv,fcuv->nc", g[:, :, q:q + HH, r:r + WW], w_rot)
    return dx


def dx_ring_kept(dout, w, x_shape, stride, padding):
    N, C, H, W = x_shape
    p = padding if np.isscalar(padding) else padding[0]
    q = padding if np.isscalar(padding) else padding[1]
    return M["nb05b"].solution_dx_flipped(dout, w, (N, C, H + 2 * p, W + 2 * q), stride, 0)


def dx_full_not_rotated(dout, w):
    # the learner's loop, with w where w_rot belongs
    F, C, HH, WW = w.shape
    g = _pad_hw(dout, HH - 1, WW - 1)
    return np.stack([np.stack([np.einsum("nfuv,fcuv->nc", g[:, :, q:q + HH, r:r + WW], w)
                               for r in range(g.shape[3] - WW + 1)], axis=-1)
                     for q in range(g.shape[2] - HH + 1)], axis=-2)


def dx_full_not_swapped(dout, w):
    F, C, HH, WW = w.shape
    g, w_rot = _pad_hw(dout, HH - 1, WW - 1), w[:, :, ::-1, ::-1]
    return np.stack([np.stack([np.einsum("nfuv,cfuv->nc", g[:, :, q:q + HH, r:r + WW], w_rot)  # w_rot[c, f]
                               for r in range(g.shape[3] - WW + 1)], axis=-1)
                     for q in range(g.shape[2] - HH + 1)], axis=-2)


def dx_full_valid(dout, w):
    # rotated and swapped, but dout not padded: a valid correlation, too small
    return M["nb02"].solution_conv_forward(dout, w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3),
                                           np.zeros(w.shape[1]), 1, 0, 1)


def _pad_hw(a, ph, pw):
    return np.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def maxpool_assign(dout, x, kernel_size, stride):
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    dx = np.zeros(x.shape)
    for n in range(dout.shape[0]):
        for c in range(dout.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    win = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    u, v = np.unravel_index(np.argmax(win), win.shape)
                    dx[n, c, i * sh + u, j * sw + v] = dout[n, c, i, j]  # = where += belongs
    return dx


def maxpool_every_tie(dout, x, kernel_size, stride):
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    dx = np.zeros(x.shape)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            win = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            mask = win == win.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += mask * dout[:, :, i, j][:, :, None, None]
    return dx


def avgpool_assign(dout, x, kernel_size, stride, padding):
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    N, C, H, W = x.shape
    dxpad = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dxpad[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] = (dout[:, :, i, j] / (kh * kw))[:, :, None, None]
    return dxpad[:, :, ph:ph + H, pw:pw + W]


def col2im_ring_kept(cols, x_shape, kernel_size, stride, padding):
    N, C, H, W = x_shape
    p = padding if np.isscalar(padding) else padding[0]
    q = padding if np.isscalar(padding) else padding[1]
    return M["nb06"].solution_col2im(cols, (N, C, H + 2 * p, W + 2 * q), kernel_size, stride, 0)


def output_size_no_plus_one(size, kernel_size, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride


def bounds_floor(q, size, kernel_size, stride, padding):
    n_out = (size + 2 * padding - kernel_size) // stride + 1
    return (max(0, (q + padding - kernel_size + 1) // stride), min(n_out - 1, (q + padding) // stride))


def bounds_exclusive(q, size, kernel_size, stride, padding):
    lo, hi = M["nb03"].solution_bounds(q, size, kernel_size, stride, padding)
    return lo, hi + 1


def cols_transposed(x, kernel_size, stride, padding):
    return M["nb06"].solution_im2col(x, kernel_size, stride, padding).T


def forward_nhwc(x, w, b, stride, padding, dilation):
    return M["nb02"].solution_conv_forward(x, w, b, stride, padding, dilation).transpose(0, 2, 3, 1)


def output_shape_nhwc(x_shape, w_shape, stride, padding, dilation):
    N, F, Ho, Wo = M["nb02"].solution_output_shape(x_shape, w_shape, stride, padding, dilation)
    return (N, Ho, Wo, F)


def im2col_uvc(x, kernel_size, stride, padding):
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    sh, sw = (stride, stride) if np.isscalar(stride) else stride
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    N, C = x.shape[:2]
    Ho, Wo = (xpad.shape[2] - kh) // sh + 1, (xpad.shape[3] - kw) // sw + 1
    cols = np.zeros((C * kh * kw, N * Ho * Wo))
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                window = xpad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                cols[:, (n * Ho + i) * Wo + j] = window.transpose(1, 2, 0).ravel()  # (u, v, c)
    return cols


def position_uvc(n, c, i, j, u, v, C, HH, WW, H_out, W_out):
    return ((u * WW + v) * C + c, (n * H_out + i) * W_out + j)


def rel_error_max(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))))


def linear_dw_transposed(dout, x, w):
    return dout @ w, x.T @ dout, dout.sum(axis=0)


CLASSIC = [
    ("nb04", "db", db_averaged, "db averaged over the batch instead of summed (off by a factor of N)"),
    ("nb04", "conv_dw", dw_averaged, "dw averaged over the batch instead of summed (off by a factor of N)"),
    ("nb04", "conv_backward", backward_db_averaged, "averaged over the batch instead of summed"),
    ("nb10", "dw_batch", lambda d, x, ws, s, p: M["nb10"].solution_dw_batch(d, x, ws, s, p) / len(x),
     "dw averaged over the batch instead of summed (off by a factor of N)"),
    ("nb05b", "dx_flipped", dx_not_rotated, "the kernel not rotated"),
    ("nb05b", "dx_flipped", dx_channels_not_swapped, "in and out channels not swapped"),
    ("nb05b", "dx_flipped", dx_no_zero_insertion, "the stride ignored: dout needs s − 1 zeros inserted"),
    ("nb05b", "dx_flipped", dx_ring_kept, "the padding ring not discarded"),
    ("nb05", "dx_full", dx_full_not_rotated, "the kernel not rotated"),
    ("nb05", "dx_full", dx_full_not_swapped, "in and out channels not swapped"),
    ("nb05", "dx_full", dx_full_valid, "valid instead of full"),
    ("nb07", "maxpool_backward", maxpool_assign, "`=` instead of `+=`"),
    ("nb07", "maxpool_backward", maxpool_every_tie, "ties sent to every maximum instead of the first"),
    ("nb07", "avgpool_backward", avgpool_assign, "`=` instead of `+=`"),
    ("nb06", "col2im", col2im_ring_kept, "the padding ring not discarded"),
    ("nb01", "output_size", output_size_no_plus_one, "the output-size formula off by one"),
    ("nb03", "bounds", bounds_exclusive, "i_hi off by one"),
    ("nb03", "bounds", bounds_floor, "a floor where a ceiling is needed"),
    ("nb06", "im2col", cols_transposed, "a transposed result"),
    ("nb09", "linear_backward", linear_dw_transposed, "a transposed result"),
    ("nb02", "conv_forward", forward_nhwc, "NHWC instead of NCHW"),
    ("nb02", "output_shape", output_shape_nhwc, "NHWC instead of NCHW"),
    ("nb06", "im2col", im2col_uvc, "im2col rows in the wrong order: (u, v, c)"),
    ("nb06", "im2col_position", position_uvc, "im2col rows in (u, v, c) order"),
    ("nb08", "relative_error", rel_error_max, "max(|a|, |b|) in the denominator instead of |a| + |b|"),
]


@pytest.mark.parametrize("nb, name, wrong, phrase", CLASSIC, ids=[f"{c[0]}.{c[1]}-{c[2].__name__}" for c in CLASSIC])
def test_each_classic_mistake_is_named(nb, name, wrong, phrase):
    report = getattr(M[nb], f"check_{name}")(wrong)
    text = _fails_naming(report, phrase)
    assert any(re.search("this looks like.*" + re.escape(phrase), line) for line in text.splitlines()), text
    # named on the cases that fail because of it, never on a case that passes
    for line in text.splitlines():
        if "this looks like" in line:
            assert line.lstrip().startswith("✗"), line


def test_a_wrong_answer_of_no_known_kind_is_located_but_not_named():
    report = M["nb04"].check_db(lambda dout: dout.sum(axis=(0, 2, 3)) + 1.0)
    text = str(report)
    assert not report.passed and "first at index" in text and "this looks like" not in text, text


def test_several_outputs_are_diagnosed_one_by_one():
    def dw_ok_db_averaged(dout, x, w, s, p, d):
        dx, dw, db = M["nb04"].solution_conv_backward(dout, x, w, s, p, d)
        dxpad = M["nb04"].solution_conv_backward(dout, _pad(x, p), w, s, 0, d)[0]  # the ring kept
        return dxpad, dw, db / len(x)

    text = str(M["nb04"].check_conv_backward(dw_ok_db_averaged))
    assert "dx: wrong shape" in text and "this looks like the padding ring not discarded" in text, text
    assert "db: " in text and "this looks like averaged over the batch" in text, text
    assert "dw: " not in text, text


# ----------------------------------------------------------------------------- every declared mistake


def _declared(mod, name):
    """The mistakes ``check_<name>`` declares, caught on their way into check_function."""
    seen = []
    real = mod.check_function

    def spy(*args, **kwargs):
        seen.extend(kwargs.get("mistakes", ()))
        return real(*args, **kwargs)

    mod.check_function = spy
    try:
        getattr(mod, f"check_{name}")(getattr(mod, f"solution_{name}"))
    finally:
        mod.check_function = real
    return seen


@pytest.mark.parametrize("mod, name", CHECKERS, ids=IDS)
def test_every_declared_mistake_is_caught_and_named(mod, name):
    mistakes = _declared(mod, name)
    for mistake in mistakes:
        assert isinstance(mistake, Mistake) and mistake.text and not mistake.text.endswith("."), mistake
        report = getattr(mod, f"check_{name}")(mistake.fn)
        _fails_naming(report, f"this looks like {mistake.text}")


def test_most_checkers_declare_mistakes():
    with_mistakes = sum(bool(_declared(mod, name)) for mod, name in CHECKERS)
    assert with_mistakes >= 45, with_mistakes


def test_diagnose_skips_variants_that_raise_or_equal_the_answer():
    case = checking.Case("c", (np.arange(4.0),))
    expected = np.arange(4.0)
    mistakes = [Mistake("raises", lambda v: 1 / 0), Mistake("the same", lambda v: v),
                Mistake("doubled", lambda v: 2 * v)]
    assert checking.diagnose(case, 2 * expected, expected, mistakes) == {0: "this looks like doubled"}
    assert checking.diagnose(case, 3 * expected, expected, mistakes) == {}


# ----------------------------------------------------------------------------- notebook 06, exercise 1


def _position_wrongs():
    sol = M["nb06"].solution_im2col_position
    return {
        "first window, first tap": lambda *a: tuple(k + 1 for k in sol(*a)),  # 1-based
        "one channel, window (1, 2), tap (2, 0)": (
            lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: ((c * WW + v) * HH + u, (n * Wo + j) * Ho + i)),
        "channel 2 of 3": position_uvc,
        "example 1 of a batch": lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: sol(0, c, i, j, u, v, C, HH, WW, Ho, Wo),
        "non-square 2×4 kernel": (
            lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: ((c * HH + u) * HH + v, (n * Wo + i) * Ho + j)),
    }


def test_each_im2col_position_case_fails_the_wrong_answer_its_title_names():
    wrongs = _position_wrongs()
    report = M["nb06"].check_im2col_position(M["nb06"].solution_im2col_position)
    titles = [line.strip()[2:] for line in str(report).splitlines()[1:]]
    assert len(titles) == len(wrongs) == report.cases
    for start, wrong in wrongs.items():
        matching = [t for t in titles if t.startswith(start)]
        assert len(matching) == 1, (start, titles)
        text = str(M["nb06"].check_im2col_position(wrong))
        assert f"✗ {matching[0]}" in text, f"{start}: this case passes the wrong answer it names\n{text}"


def test_the_row_order_case_is_not_passed_by_any_wrong_row_order():
    sol = M["nb06"].solution_im2col_position
    orders = {
        "(u, v, c)": lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: ((u * WW + v) * C + c, sol(n, c, i, j, u, v, C, HH, WW, Ho, Wo)[1]),
        "(c, v, u)": lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: ((c * WW + v) * HH + u, sol(n, c, i, j, u, v, C, HH, WW, Ho, Wo)[1]),
        "(v, u, c)": lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: ((v * HH + u) * C + c, sol(n, c, i, j, u, v, C, HH, WW, Ho, Wo)[1]),
        "(u, c, v)": lambda n, c, i, j, u, v, C, HH, WW, Ho, Wo: ((u * C + c) * WW + v, sol(n, c, i, j, u, v, C, HH, WW, Ho, Wo)[1]),
    }
    for label, wrong in orders.items():
        text = str(M["nb06"].check_im2col_position(wrong))
        assert "✗ channel 2 of 3" in text, f"{label} passes the row-order case\n{text}"


# ----------------------------------------------------------------------------- hints, solution, progress


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.__name__.rsplit('.', 1)[1])
def test_every_exercise_has_graded_hints(mod):
    checks = [n[len("check_"):] for n in mod.__all__ if n.startswith("check_")]
    assert list(mod.HINTS) == checks, "HINTS must list every exercise, in the notebook's order"
    for name, hints in mod.HINTS.items():
        assert isinstance(hints, tuple) and 2 <= len(hints) <= 5, name
        assert all(isinstance(h, str) and len(h) > 20 for h in hints), name
        assert len(set(hints)) == len(hints), f"{name}: repeated hint"
    for helper in ("hint", "solution", "progress"):
        assert helper in mod.__all__ and callable(getattr(mod, helper))


def test_hint_gives_the_next_hint_each_time_and_a_chosen_one(capsys):
    nb = M["nb04"]
    checking._HINTS_SHOWN.pop((nb.__name__, "db"), None)
    hints = nb.HINTS["db"]
    nb.hint("db")
    out = capsys.readouterr().out
    assert out.startswith(f"Hint 1 of {len(hints)} for db: {hints[0]}") and 'ex.hint("db") again' in out
    nb.hint("my_db")  # the learner's function name works too
    assert capsys.readouterr().out.startswith(f"Hint 2 of {len(hints)} for db: {hints[1]}")
    for _ in range(5):
        nb.hint("db")
    out = capsys.readouterr().out
    assert out.rstrip().endswith('(That was the last hint. ex.solution("db") prints the reference solution.)')
    assert f"Hint {len(hints)} of {len(hints)}" in out
    nb.hint("db", 1)
    assert capsys.readouterr().out.startswith(f"Hint 1 of {len(hints)} for db")
    with pytest.raises(ValueError, match=r"exercise 'dbb' is not an exercise of this notebook; its exercises are 'db'"):
        nb.hint("dbb")
    with pytest.raises(ValueError, match=r"number must be a hint number from 1 to 3 for 'db'; got 9"):
        nb.hint("db", 9)
    with pytest.raises(TypeError, match="exercise must be an exercise's name as text"):
        nb.hint(3)


def test_solution_prints_the_reference_source_with_its_helpers(capsys):
    M["nb04"].solution("db")
    out = capsys.readouterr().out
    assert "def solution_db(dout):" in out and "return dout.sum(axis=(0, 2, 3))" in out
    M["nb07"].solution("maxpool_backward")
    out = capsys.readouterr().out
    assert "def _max_backward(" in out and "def solution_maxpool_backward(" in out
    assert out.index("def _max_backward(") < out.index("def solution_maxpool_backward(")
    assert "_wrong_max_backward" not in out, "a printed solution must not include the checker's wrong variants"


def test_progress_lists_what_passes_in_this_kernel():
    nb = M["nb01"]
    for name in nb.HINTS:
        checking._RESULTS.pop((nb.__name__, name), None)
    text = str(nb.progress())
    assert "0 of 4 exercises pass" in text and text.count("not run yet") == 4, text

    def my_output_size(size, kernel_size, stride, padding, dilation):
        return nb.solution_output_size(size, kernel_size, stride, padding, dilation)

    def my_window_starts(size, kernel_size, stride, padding, dilation):
        return [0]

    nb.check_output_size(my_output_size)
    nb.check_window_starts(my_window_starts)
    nb.check_output_size(lambda *a: 0)  # a demonstration of a wrong answer does not hide the learner's pass
    progress = nb.progress()
    text = str(progress)
    assert progress.passed == 1
    assert re.search(r"✅ output_size\s+passes \(all \d+ cases\)\n", text), text
    assert re.search(r"❌ window_starts\s+\d of \d+ cases fail\n", text), text
    assert text.count("not run yet") == 2 and "1 of 4 exercises pass" in text
    assert 'Stuck? ex.hint("window_starts")' in text


def test_the_student_stub_points_to_the_hints():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "tools" / "student_edition.py"
    spec = importlib.util.spec_from_file_location("tools_student_edition_diag", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    stub = module.stub_line("        return ex.solution_db(dout)", "my_db")
    assert stub == "        raise NotImplementedError(\"my_db: replace this line with your answer; stuck? run ex.hint('db')\")"
    report = M["nb04"].check_db(lambda dout: exec(stub.strip()))
    assert "not implemented yet (my_db: replace this line with your answer; stuck? run ex.hint('db'))" in str(report)
