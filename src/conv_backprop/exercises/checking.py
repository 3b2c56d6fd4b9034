"""The machinery every exercise checker shares: run cases, compare, explain the first difference."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Case", "CheckReport", "check_function", "compare", "int_pair"]


def int_pair(v) -> tuple[int, int]:
    """An int or an (h, w) pair as an (h, w) pair of ints (for the exercises' own solutions,
    which deliberately avoid the package's validated helpers)."""
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


@dataclass(frozen=True)
class Case:
    """One hidden test case: a description a learner can act on, and the call's arguments."""

    description: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    return repr(v)


def compare(name: str, got, expected, *, rtol: float = 1e-6, atol: float = 1e-9) -> str:
    """Compare one output with the expected one; return "" when they match, else an explanation.

    Arrays are compared by shape, then element by element with ``np.isclose(rtol, atol)``; the
    message names the first mismatching index (row-major), expected vs got, and the largest
    difference. Scalars, tuples and ints are compared the same way.
    """
    if isinstance(expected, (tuple, list)) and not isinstance(got, np.ndarray):
        if not isinstance(got, (tuple, list)):
            return f"{name}: expected a sequence of {len(expected)} values, got {_fmt(got)}"
        if len(got) != len(expected):
            return (f"{name}: expected {len(expected)} values {list(expected)!r}, "
                    f"got {len(got)} values {list(got)!r}")
        for k, (g, e) in enumerate(zip(got, expected)):
            msg = compare(f"{name}[{k}]", g, e, rtol=rtol, atol=atol)
            if msg:
                return msg
        return ""
    if got is None:
        return f"{name}: got None; did the function forget to return its result?"
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{name}: expected numbers, got {type(got).__name__} {_fmt(got)}"
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        return f"{name}: wrong shape, expected {e.shape}, got {g.shape}"
    close = np.isclose(g, e, rtol=rtol, atol=atol)
    if close.all():
        return ""
    if e.ndim == 0:
        return f"{name}: expected {_fmt(e.item())}, got {_fmt(g.item())}"
    bad = np.argwhere(~close)
    first = tuple(int(i) for i in bad[0])
    diff = np.abs(g - e)
    finite = diff[np.isfinite(diff)]
    largest = f"largest difference {finite.max():.3g}" if finite.size else "no finite difference"
    nonfinite = int((~np.isfinite(g)).sum())
    note = f"; {nonfinite} entries are nan or inf" if nonfinite else ""
    return (
        f"{name}: {len(bad)} of {e.size} entries differ; first at index {first}: "
        f"expected {_fmt(e[first])}, got {_fmt(g[first])} ({largest}{note})"
    )


@dataclass
class CheckReport:
    """What a checker found. Prints as a short report; truthy when every case passed."""

    exercise: str
    lines: list = field(default_factory=list)
    failures: int = 0
    cases: int = 0

    @property
    def passed(self) -> bool:
        return self.cases > 0 and self.failures == 0

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.passed:
            head = f"✅ {self.exercise}: all {self.cases} cases pass."
        else:
            head = f"❌ {self.exercise}: {self.failures} of {self.cases} cases fail."
        return "\n".join([head, *self.lines])

    __repr__ = __str__


def check_function(exercise: str, learner, reference, cases, *, names=None, rtol=1e-6, atol=1e-9,
                   show_passing: bool = True) -> CheckReport:
    """Call ``learner`` and ``reference`` on every case and report the differences.

    Parameters
    ----------
    exercise : title shown in the report.
    learner, reference : callables taking ``*case.args, **case.kwargs``.
    cases : iterable of :class:`Case`.
    names : names of the outputs when the functions return a tuple (e.g. ``("dx", "dw", "db")``).
    """
    report = CheckReport(exercise)
    for case in cases:
        report.cases += 1
        expected = reference(*case.args, **case.kwargs)
        try:
            got = learner(*case.args, **case.kwargs)
        except NotImplementedError as exc:
            report.failures += 1
            report.lines.append(f"  ✗ {case.description}: not implemented yet ({exc})")
            continue
        except Exception as exc:  # a learner's bug is reported, never raised
            report.failures += 1
            where = traceback.extract_tb(exc.__traceback__)[-1]
            report.lines.append(
                f"  ✗ {case.description}: raised {type(exc).__name__}: {exc} "
                f"(line {where.lineno}: {where.line})"
            )
            continue
        if names:
            if not isinstance(got, (tuple, list)) or len(got) != len(names):
                report.failures += 1
                report.lines.append(
                    f"  ✗ {case.description}: expected a tuple ({', '.join(names)}), "
                    f"got {type(got).__name__}"
                )
                continue
            messages = [compare(n, g, e, rtol=rtol, atol=atol) for n, g, e in zip(names, got, expected)]
        else:
            messages = [compare("result", got, expected, rtol=rtol, atol=atol)]
        messages = [m for m in messages if m]
        if messages:
            report.failures += 1
            report.lines.append(f"  ✗ {case.description}: " + "; ".join(messages))
        elif show_passing:
            report.lines.append(f"  ✓ {case.description}")
    return report
