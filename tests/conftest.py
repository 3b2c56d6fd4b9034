"""Shared test settings and independent oracles.

The oracles here are written separately from the package, in the most literal way each
library allows, so that agreeing with them means something:
* ``scipy_conv2d``: scipy.signal.correlate2d per (n, f, c) with a zero-dilated kernel, then
  strided sampling of the 'valid' result.
* ``autograd_conv2d``: a forward pass written as a sum over kernel offsets of shifted slices, in
  autograd.numpy, so autograd's reverse mode gives dx, dw, db independently of our backward code.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def scipy_conv2d(x, w, b, stride=1, padding=0, dilation=1):
    """Cross-correlation via scipy.signal.correlate2d (an established library)."""
    from scipy.signal import correlate2d

    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    F, C, HH, WW = w.shape
    kd = np.zeros((F, C, dh * (HH - 1) + 1, dw * (WW - 1) + 1))
    kd[:, :, ::dh, ::dw] = w  # dilation = zeros between the taps
    outs = []
    for n in range(x.shape[0]):
        per_f = []
        for f in range(F):
            full = sum(correlate2d(xpad[n, c], kd[f, c], mode="valid") for c in range(C))
            per_f.append(full[::sh, ::sw] + b[f])
        outs.append(per_f)
    return np.array(outs)


def autograd_conv2d_grads(dout, x, w, b, stride=1, padding=0, dilation=1):
    """(dx, dw, db) by reverse-mode automatic differentiation of an independent forward pass."""
    import autograd.numpy as anp
    from autograd import grad

    (sh, sw), (ph, pw), (dh, dw_) = _pair(stride), _pair(padding), _pair(dilation)
    F, C, HH, WW = w.shape
    Ho, Wo = dout.shape[2:]

    def forward(x_, w_, b_):
        xpad = anp.pad(x_, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode="constant")
        out = 0.0
        for a in range(HH):
            for c in range(WW):
                patch = xpad[:, :, a * dh : a * dh + sh * (Ho - 1) + 1 : sh,
                             c * dw_ : c * dw_ + sw * (Wo - 1) + 1 : sw]
                out = out + anp.einsum("nchw,fc->nfhw", patch, w_[:, :, a, c])
        return out + b_[None, :, None, None]

    def loss(x_, w_, b_):
        return anp.sum(forward(x_, w_, b_) * dout)

    return grad(loss, 0)(x, w, b), grad(loss, 1)(x, w, b), grad(loss, 2)(x, w, b)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def oracle():
    """The independent oracles above, as a namespace (session scope works with hypothesis)."""
    from types import SimpleNamespace

    return SimpleNamespace(conv2d=scipy_conv2d, conv2d_grads=autograd_conv2d_grads)


# --------------------------------------------------------------------------- tolerance margins
#
# Every numerical tolerance in the tests is derived from an error estimate written next to it
# (docs/testing.md explains the estimates). `margins.below(label, value, threshold)` asserts
# value < threshold and records threshold / value, the check's margin. `pytest --margins=FILE`
# writes the smallest margin of every check to FILE (JSON), so that `make margins` can rerun the
# tests under each OpenBLAS kernel and tabulate the worst margins. The house rule is a margin of
# at least 100 on every kernel: a check that passes on one kernel and fails on another was
# tuned, not derived.


def pytest_addoption(parser):
    parser.addoption("--margins", metavar="FILE", default=None,
                     help="write the measured margin (threshold / value) of every margins.below "
                          "check to FILE as JSON")


class MarginRecorder:
    """Assert ``value < threshold`` and remember the smallest margin seen per check."""

    def __init__(self):
        self.worst: dict[str, dict] = {}
        self.node = ""

    def below(self, label: str, value, threshold: float) -> None:
        value = float(value)
        margin = threshold / value if value > 0 else float("inf")
        key = f"{self.node.split('[')[0]} :: {label}"
        old = self.worst.get(key)
        if old is None or margin < old["margin"]:
            self.worst[key] = {"margin": margin, "value": value, "threshold": threshold}
        assert value < threshold, (
            f"{label}: measured {value:.3g}, threshold {threshold:.3g} (margin {margin:.2f})"
        )

    def close(self, label: str, got, expected, *, rtol: float, atol: float) -> None:
        """Like ``np.allclose(got, expected, rtol, atol)``, recording the margin: the check is
        ``max |got − expected| / (atol + rtol·|expected|) < 1``."""
        got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
        assert got.shape == expected.shape, f"{label}: shape {got.shape} != {expected.shape}"
        ratio = np.abs(got - expected) / (atol + rtol * np.abs(expected))
        self.below(label + " (|a − b| / (atol + rtol·|b|))", ratio.max() if ratio.size else 0.0, 1.0)


_RECORDER = MarginRecorder()


@pytest.fixture
def margins(request):
    """The session's :class:`MarginRecorder`, labelled with the current test."""
    _RECORDER.node = request.node.nodeid
    return _RECORDER


@pytest.fixture
def net_gradcheck(margins):
    """``check(net, loss, x, y, label)``: a whole network's gradients against centred differences
    (h = 1e-5), returning ``layers.gradcheck_model``'s results.

    The elementwise relative error of an entry whose gradient is tiny (|g| ≈ 1e-5) is dominated
    by rounding, ε·|L|/(2h|g|) ≈ 2e-16·1.6/(2e-5·1e-5) ≈ 2e-6, so it cannot be held to 1e-7 with
    any margin. Each gradient is compared as a whole instead: the normwise error max|a − n| /
    max|n| has the rounding floor ε·|L|/(h·max|g|) ≈ 4e-9 (max|g| ≥ 1e-2 in these nets) and
    truncation (h²/6)|f⁗|/max|g| ≈ 2e-9; threshold 1e-6 (docs/testing.md). gradcheck_model's
    elementwise errors only detect bugs (an order-1 error): threshold 1e-3."""
    import conv_backprop as cb
    from conv_backprop import layers as L

    def check(net, loss, x, y, label):
        results = L.gradcheck_model(net, loss, x, y, h=1e-5)
        loss.forward(net.forward(x), y)
        dx = net.backward(loss.backward())
        analytic = {p.name: p.grad.copy() for p in net.parameters()} | {"x": dx}
        for p in net.parameters():
            saved = p.value.copy()

            def of_param(v, p=p):
                p.value[...] = v
                return np.array(loss.forward(net.forward(x), y))

            numeric = cb.numerical_gradient(of_param, saved, np.array(1.0), h=1e-5)
            p.value[...] = saved
            err = np.abs(analytic[p.name] - numeric).max() / np.abs(numeric).max()
            margins.below(f"{label}, normwise {p.name}", err, 1e-6)
        numeric = cb.numerical_gradient(lambda v: np.array(loss.forward(net.forward(v), y)), x,
                                        np.array(1.0), h=1e-5)
        margins.below(f"{label}, normwise x", np.abs(dx - numeric).max() / np.abs(numeric).max(), 1e-6)
        for r in results:
            margins.below(f"{label}, elementwise {r.name} (bug detection)", r.max_rel_error, 1e-3)
        return results

    return check


def pytest_sessionfinish(session, exitstatus):
    path = session.config.getoption("--margins")
    if path:
        import json

        with open(path, "w", encoding="utf-8") as fh:
            json.dump(_RECORDER.worst, fh, indent=1, sort_keys=True)


def pytest_terminal_summary(terminalreporter):
    """Say loudly when the optional PyTorch cross-checks did not run (`make test-torch` runs them)."""
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if "torch" in getattr(r, "keywords", {}) or "torch" in str(getattr(r, "longrepr", "")).lower()]
    if skipped:
        terminalreporter.write_sep("!", f"PyTorch cross-checks SKIPPED ({len(skipped)} tests or modules): "
                                        "torch is not installed (run `make test-torch` to include them)",
                                   yellow=True)


class _Mistakes:
    """Assertions on a checker's report for a learner's wrong function (the ``mistakes`` fixture)."""

    @staticmethod
    def named(report, phrase):
        """The report fails and names the mistake ``phrase``, only on failing cases; returns its text."""
        text = str(report)
        assert not report.passed, text
        assert f"this looks like {phrase}" in text, f"{phrase!r} not named:\n{text}"
        for line in text.splitlines():
            if "this looks like" in line:
                assert line.lstrip().startswith("✗"), line  # named only on a failing case
        return text

    @staticmethod
    def case_fails(report, title_start):
        """Exactly one case's title starts with ``title_start``, and that case fails."""
        lines = [line.strip() for line in str(report).splitlines()[1:]]
        matching = [line for line in lines if line[2:].startswith(title_start)]
        assert len(matching) == 1, (title_start, lines)
        assert matching[0].startswith("✗"), f"the case {title_start!r} passes the wrong answer it names\n{report}"


@pytest.fixture
def mistakes():
    """``mistakes.named(report, phrase)`` and ``mistakes.case_fails(report, title_start)``."""
    return _Mistakes
