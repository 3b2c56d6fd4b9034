"""The machinery every exercise checker shares: run cases, compare, explain the first difference.

House rule: a learner's wrong function gets a report, never a crash or a hang. So a checker

* refuses, with a plain sentence, something that is not a function (``check_db(my_db(dout))``
  instead of ``check_db(my_db)``), see :func:`checker`;
* gives the learner's function fresh (deep) copies of each case's arguments, and the reference
  separate copies, so the expected answer is always computed from untouched inputs; a function
  that changes an input array in place fails that case, and the report names the argument (no
  exercise of the course has an in-place contract);
* reports an exception raised by the learner's function with the innermost line of the
  learner's own code (not a line inside numpy or this package);
* stops a function that runs longer than a time limit per case (default :data:`TIME_LIMIT`
  seconds; ``ex.check_db(my_db, time_limit=30)`` to change it, ``time_limit=math.inf`` for
  none). The limit uses ``SIGALRM``, so it works on the main thread on Linux and macOS (a
  Jupyter kernel runs cells there); elsewhere (Windows, another thread) the cases run without a
  limit. A loop inside one long C call (a single huge numpy operation) is stopped only when
  that call returns;
* turns anything :func:`compare` cannot read as numbers into a report line.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import inspect
import math
import numbers
import os
import re
import signal
import sys
import sysconfig
import threading
import time
import traceback
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Case", "CheckReport", "Mistake", "ResultError", "TIME_LIMIT", "check_function", "checker",
           "compare", "diagnose", "exercise_help", "int_pair"]

#: Seconds a learner's function may run on one case before it is stopped (see the module
#: docstring). Generous: every reference answer of the course takes well under a second.
TIME_LIMIT = 10.0

# The limit chosen by a checker's ``time_limit=`` keyword, for the check_function calls it makes.
_LIMIT: contextvars.ContextVar = contextvars.ContextVar("conv_backprop_time_limit", default=None)


def int_pair(value) -> tuple[int, int]:
    """An int or an (h, w) pair as an (h, w) pair of ints (for the exercises' own solutions,
    which deliberately avoid the package's validated helpers)."""
    return (int(value), int(value)) if np.isscalar(value) else (int(value[0]), int(value[1]))


@dataclass(frozen=True)
class Case:
    """One hidden test case: a description a learner can act on, and the call's arguments."""

    description: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- formatting


def _fmt(value, limit: int = 120) -> str:
    """A short, never-failing text for a value shown in a report."""
    try:
        if isinstance(value, (float, np.floating)):
            return f"{float(value):.6g}"
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
            digits = int(value.bit_length() * math.log10(2)) + 1
            return f"{'-' if value < 0 else ''}an int of about {digits} digits"
        text = " ".join(repr(value).split())  # an array's repr on one line
    except Exception:  # noqa: BLE001 — a learner's object whose repr fails
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _a(noun: str) -> str:
    vowel = noun[:1].lower() in "aeiou" or noun.startswith("nd")  # "an ndarray"
    return ("an " if vowel else "a ") + noun


def _describe(value) -> str:
    """'None', 'an ndarray', 'a float', … for a message."""
    return "None" if value is None else _a(type(value).__name__)


def _short(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001
        text = ""
    return text if len(text) <= 200 else text[:199] + "…"


# --------------------------------------------------------------------------- comparison


def _kind_problem(raw: np.ndarray, got, expect_bool: bool) -> str:
    """Why ``raw`` (``np.asarray(got)``) is not a result of real numbers, or ""."""
    kind = raw.dtype.kind
    if kind in "US":
        return f"expected numbers, got text {_fmt(got)} (return the number itself, not a string)"
    if kind == "c":
        return f"expected real numbers, got complex {_fmt(got)}"
    if kind == "b" and not expect_bool:
        what = "a bool" if raw.ndim == 0 else "an array of bools"
        return (f"expected numbers, got {what} {_fmt(got)} (True/False is a comparison's result, "
                f"not a number here)")
    if kind == "O":
        for item in raw.ravel():
            if isinstance(item, (str, bytes, np.str_, np.bytes_)):
                return f"expected numbers, got text {_fmt(item)} in {_fmt(got)}"
            if isinstance(item, (complex, np.complexfloating)):
                return f"expected real numbers, got complex {_fmt(item)} in {_fmt(got)}"
            if isinstance(item, (bool, np.bool_)) and not expect_bool:
                return f"expected numbers, got the bool {item!r} in {_fmt(got)}"
            if item is None:
                return f"expected numbers, got None in {_fmt(got)}"
        return ""
    if kind not in "biuf":
        return f"expected numbers, got {_describe(got)} {_fmt(got)} (dtype {raw.dtype})"
    return ""


def _as_numbers(got, expected) -> tuple[np.ndarray | None, str]:
    """``got`` as a float64 array, or (None, the reason it is not numbers)."""
    if isinstance(got, (str, bytes)):
        return None, f"expected numbers, got text {_fmt(got)} (return the number itself, not a string)"
    try:
        expect_bool = np.asarray(expected).dtype.kind == "b"
    except Exception:  # noqa: BLE001
        expect_bool = False
    try:
        raw = np.asarray(got)
    except Exception as exc:  # noqa: BLE001 — ragged lists, an __array__ that raises, …
        return None, (f"expected numbers, got {_describe(got)} that numpy cannot read as an array "
                      f"({type(exc).__name__}: {_short(exc)})")
    problem = _kind_problem(raw, got, expect_bool)
    if problem:
        return None, problem
    try:
        with np.errstate(all="ignore"):
            return raw.astype(np.float64), ""
    except OverflowError:
        return None, f"expected numbers, got {_fmt(got)}: too large to be a floating-point number"
    except Exception as exc:  # noqa: BLE001
        return None, (f"expected numbers, got {_describe(got)} {_fmt(got)} "
                      f"({type(exc).__name__}: {_short(exc)})")


def compare(name: str, got, expected, *, rtol: float = 1e-6, atol: float = 1e-9) -> str:
    """Compare one output with the expected one; return "" when they match, else an explanation.

    Arrays are compared by shape, then element by element with ``np.isclose(rtol, atol)``; the
    message names the first mismatching index (row-major), expected vs got, and the largest
    difference. Scalars, tuples and ints are compared the same way.

    What counts as numbers: ints and floats (Python or numpy, any precision), and arrays or
    nested lists of them. Not numbers, each reported as the wrong type: ``None``, text (even
    ``"3"``), complex values (even with a zero imaginary part), values numpy cannot read or that
    are too large for a float (``10**400``), and bools (``True``, boolean arrays) where a number
    is expected — a bool there is almost always a comparison returned by mistake. Where the
    expected answer is itself a boolean mask, bools and 0/1 numbers are both accepted and
    compared as 0/1.

    Never raises: anything that cannot be compared becomes the explanation.
    """
    try:
        return _compare(name, got, expected, rtol, atol)
    except Exception as exc:  # noqa: BLE001 — a comparison problem is a report line
        return (f"{name}: could not compare your result {_fmt(got)} with the expected one "
                f"({type(exc).__name__}: {_short(exc)})")


def _compare(name, got, expected, rtol, atol) -> str:
    if isinstance(expected, (tuple, list)) and not isinstance(got, np.ndarray):
        if not isinstance(got, (tuple, list)):
            if got is None:
                return f"{name}: got None; did the function forget to return its result?"
            return f"{name}: expected a sequence of {len(expected)} values, got {_fmt(got)}"
        if len(got) != len(expected):
            return (f"{name}: expected {len(expected)} values {_fmt(list(expected))}, "
                    f"got {len(got)} values {_fmt(list(got))}")
        for k, (g, e) in enumerate(zip(got, expected)):
            msg = _compare(f"{name}[{k}]", g, e, rtol, atol)
            if msg:
                return msg
        return ""
    if got is None:
        return f"{name}: got None; did the function forget to return its result?"
    g, problem = _as_numbers(got, expected)
    if problem:
        return f"{name}: {problem}"
    e = np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape:
        return f"{name}: wrong shape, expected {e.shape}, got {g.shape}"
    with np.errstate(all="ignore"):
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


# --------------------------------------------------------------------------- the report


@dataclass
class CheckReport:
    """What a checker found. Prints as a short report; truthy when every case passed.

    ``error`` is set (and nothing was run) when the checker could not start, e.g. it was given
    a function's result instead of the function.
    """

    exercise: str
    lines: list = field(default_factory=list)
    failures: int = 0
    cases: int = 0
    error: str = ""

    @property
    def passed(self) -> bool:
        return self.cases > 0 and self.failures == 0 and not self.error

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.error:
            head = f"❌ {self.error}"
        elif self.passed:
            head = f"✅ {self.exercise}: all {self.cases} cases pass."
        else:
            head = f"❌ {self.exercise}: {self.failures} of {self.cases} cases fail."
        return "\n".join([head, *self.lines])

    __repr__ = __str__


# --------------------------------------------------------------------------- not a function


def _not_a_function(checker_name: str | None, value) -> str:
    who = checker_name or "this checker"
    if checker_name and checker_name.startswith("check_"):
        mine = "my_" + checker_name[len("check_"):]
        how = f"pass `{mine}`, without calling it: {checker_name}({mine})"
    else:
        how = "pass the function itself, without calling it (no parentheses after its name)"
    return f"{who} expects your function, not its result (got {_describe(value)}) — {how}."


def _check_time_limit(value):
    if value is None:
        return None
    what = (f"time_limit must be a positive number of seconds (math.inf for no limit) or None for "
            f"the default {TIME_LIMIT:g} s; got {value!r}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(what)
    if math.isnan(value) or value <= 0:
        raise ValueError(what)
    return float(value)


def checker(fn):
    """Decorate a ``check_*(learner)`` function of an exercise module.

    The decorated checker refuses a learner that is not callable with a plain sentence (a
    report, not an exception), accepts ``time_limit=`` (seconds per case) and never raises
    because of the learner: if the checker itself fails, the report says so.
    """
    name = fn.__name__
    first = next(iter(inspect.signature(fn).parameters), None)  # "learner" (or "fn")

    @functools.wraps(fn)
    def wrapper(*args, time_limit=None, **kwargs):
        limit = _check_time_limit(time_limit)  # a bad time_limit is the caller's error: raise
        if not args and first not in kwargs:
            mine = "my_" + name[len("check_"):]
            raise TypeError(f"{name} expects your function as its argument, e.g. {name}({mine}); "
                            f"got no argument")
        learner = args[0] if args else kwargs[first]
        if not callable(learner):
            return CheckReport(name, error=_not_a_function(name, learner))
        token = _LIMIT.set(limit)
        try:
            report = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 — a checker must report, never crash
            return CheckReport(name, error=(
                f"{name} could not run ({type(exc).__name__}: {_short(exc)}); this is a problem "
                f"in the checker, not necessarily in your function"))
        finally:
            _LIMIT.reset(token)
        _record(fn.__module__, name[len("check_"):] if name.startswith("check_") else name, learner, report)
        return report

    return wrapper


class ResultError(Exception):
    """Raised by a checker's adapter around the learner's function when the result does not
    have the form the exercise asks for; its message is reported as it is (it is not the
    learner's function that raised)."""


# --------------------------------------------------------------------------- time limit


class _TimeUp(BaseException):
    """Raised inside the learner's function when its time is up (a BaseException, so that a
    learner's ``except Exception:`` cannot swallow it)."""


def _alarm_usable() -> bool:
    return (hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread())


def _call_limited(fn, args, kwargs, seconds):
    """``fn(*args, **kwargs)``, raising :class:`_TimeUp` after ``seconds`` when that can be done
    (main thread, a platform with ``setitimer``); otherwise without a limit.

    Restores the previous SIGALRM handler, and re-arms a timer that was already running with
    what is left of it.
    """
    if seconds is None or not math.isfinite(seconds) or not _alarm_usable():
        return fn(*args, **kwargs)
    state = {"active": True, "alarms": 0}
    here = sys._getframe()
    previous_trace = sys.gettrace()

    def on_line(frame, event, arg):
        if not state["active"]:
            return None
        if event == "line":
            raise _TimeUp()
        return on_line

    def on_alarm(signum, frame):
        if not state["active"]:
            return
        state["alarms"] += 1
        if state["alarms"] > 1:
            # The last alarm was swallowed (a bare ``except:`` in a loop): trace the learner's
            # frames so that the next line they run raises again, even inside that except block.
            f = frame
            while f is not None and f is not here:
                f.f_trace_lines = True
                f.f_trace = on_line
                f = f.f_back
            sys.settrace(on_line)
        raise _TimeUp()

    previous_timer = signal.getitimer(signal.ITIMER_REAL)
    try:
        previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    except (ValueError, OSError):  # not allowed here (e.g. not the main interpreter)
        return fn(*args, **kwargs)
    start = time.monotonic()
    try:
        try:
            # Repeats every second after the first alarm, in case the function swallows one
            # with a bare ``except:``.
            signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
            return fn(*args, **kwargs)
        finally:
            state["active"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        state["active"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        if state["alarms"] > 1:
            sys.settrace(previous_trace)
        signal.signal(signal.SIGALRM, previous_handler if previous_handler is not None else signal.SIG_DFL)
        delay, interval = previous_timer
        if delay > 0:
            left = delay - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), interval)


# --------------------------------------------------------------------------- where it failed

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))
_THIS_FILE = os.path.abspath(__file__)
_STDLIB_DIR = os.path.abspath(sysconfig.get_paths().get("stdlib", "") or os.path.dirname(os.__file__))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _foreign(filename: str) -> bool:
    """True for a frame outside the learner's own code: numpy, installed packages, the Python
    standard library, this package."""
    # "<__array_function__ internals>": numpy before 1.25 dispatched its functions through it
    if not filename or filename.startswith(("<frozen", "<__array_function__")):
        return True
    path = os.path.abspath(filename)
    parts = set(path.split(os.sep))
    return (bool(parts & {"site-packages", "dist-packages"}) or _inside(path, _NUMPY_DIR)
            or _inside(path, _PACKAGE_DIR) or _inside(path, _STDLIB_DIR))


def _learner_frame(exc: BaseException):
    """The innermost frame of the learner's own code in ``exc``'s traceback; else the last
    frame, or None when that is this module's own call of the learner's function (the call
    itself failed, e.g. with the wrong number of arguments)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return None
    own = [f for f in frames if not _foreign(f.filename)]
    if own:
        return own[-1]
    last = frames[-1]
    return None if os.path.abspath(last.filename) == _THIS_FILE else last


def _where(frame) -> str:
    if frame is None:
        return ""
    line = (frame.line or "").strip()
    return f" (line {frame.lineno}: {line})" if line else f" (line {frame.lineno})"


# --------------------------------------------------------------------------- inputs changed in place


def _differs(before, after) -> bool:
    """Whether ``after`` (the learner's copy, after the call) is no longer equal to ``before``
    (the untouched original). Only containers a function can change in place are compared."""
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or before.shape != after.shape or before.dtype != after.dtype:
            return True
        try:
            return not np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
        except Exception:  # noqa: BLE001 — an exotic dtype: do not claim a change
            return False
    if isinstance(before, (list, tuple)):
        if type(before) is not type(after) or len(before) != len(after):
            return True
        return any(_differs(b, a) for b, a in zip(before, after))
    if isinstance(before, dict):
        if not isinstance(after, dict) or before.keys() != after.keys():
            return True
        return any(_differs(before[k], after[k]) for k in before)
    if isinstance(before, (set, bytearray)):
        return before != after
    return False


def _parameter_names(fn, n_args: int) -> list[str]:
    """A name for each of ``n_args`` positional arguments, from ``fn``'s signature when it has
    one (the learner's own parameter names), else "argument 1", "argument 2", …"""
    names = [f"argument {k + 1}" for k in range(n_args)]
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return names
    k = 0
    for p in params:
        if k >= n_args:
            break
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names[k] = p.name
            k += 1
        elif p.kind == p.VAR_POSITIONAL:
            for m in range(k, n_args):
                names[m] = f"{p.name}[{m - k}]"
            break
    return names


def _changed_inputs(fn, case: Case, args, kwargs) -> list[str]:
    names = _parameter_names(fn, len(case.args))
    changed = [names[k] for k, (before, after) in enumerate(zip(case.args, args)) if _differs(before, after)]
    changed += [k for k in case.kwargs if _differs(case.kwargs[k], kwargs.get(k))]
    return changed


def _changed_message(name: str) -> str:
    return (f"your function changed its input `{name}` in place; the caller's data must stay as "
            f"it was — work on a copy (e.g. `{name} = {name}.copy()` first)")


# --------------------------------------------------------------------------- running the cases


def check_function(exercise: str, learner, reference, cases, *, names=None, rtol=1e-6, atol=1e-9,
                   show_passing: bool = True, time_limit=None, mistakes=()) -> CheckReport:
    """Call ``learner`` and ``reference`` on every case and report the differences.

    Parameters
    ----------
    exercise : title shown in the report.
    learner, reference : callables taking ``*case.args, **case.kwargs``. Each gets its own deep
        copy of the arguments; a learner that changes one in place fails the case.
    cases : iterable of :class:`Case`.
    names : names of the outputs when the functions return a tuple (e.g. ``("dx", "dw", "db")``).
    time_limit : seconds the learner may take per case; None: the checker's ``time_limit=``, else
        :data:`TIME_LIMIT`. After a case runs out of time the remaining cases are not run (each
        would hang as long) and count as failures.
    mistakes : the classic wrong answers of this exercise, as :class:`Mistake` objects (each a
        function with the reference's arguments). When a case fails, each output that differs
        from the expected one is compared with the mistakes' outputs, in order; the first that
        matches is named in the report (see :func:`diagnose`).

    Never raises because of the learner or the reference: every problem is a report line.
    """
    report = CheckReport(exercise)
    if not callable(learner):
        try:
            caller = sys._getframe(1).f_code.co_name
        except Exception:  # noqa: BLE001
            caller = ""
        report.error = _not_a_function(caller if caller.startswith("check_") else "check_function", learner)
        return report
    limit = _check_time_limit(time_limit)
    if limit is None:
        limit = _LIMIT.get()
    if limit is None:
        limit = TIME_LIMIT
    timed_out = False
    stubbed = []  # (case, message) of every failing case
    for case in cases:
        report.cases += 1
        if timed_out:
            report.failures += 1
            report.lines.append(f"  ✗ {case.description}: not run (your function ran out of time on "
                                f"an earlier case)")
            continue
        message, timed_out = _run_case(case, learner, reference, names, rtol, atol, limit, mistakes)
        if message:
            report.failures += 1
            report.lines.append(f"  ✗ {case.description}: {message}")
            stubbed.append((case.description, message))
        elif show_passing:
            report.lines.append(f"  ✓ {case.description}")
    messages = {m for _, m in stubbed}
    if report.cases > 1 and len(stubbed) == report.cases and len(messages) == 1 \
            and stubbed[0][1].startswith("not implemented yet"):
        # A stub fails every case the same way: say it once, and list the cases waiting for it.
        report.lines = [f"  ✗ {stubbed[0][1]}",
                        "    the cases waiting for your function: " + "; ".join(d for d, _ in stubbed)]
    return report


def _run_case(case: Case, learner, reference, names, rtol, atol, limit, mistakes=()) -> tuple[str, bool]:
    """Run one case; return (what is wrong, or "" when it passes; whether it ran out of time)."""
    try:
        expected = reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
    except Exception as exc:  # noqa: BLE001
        return (f"the checker could not work out the expected answer ({type(exc).__name__}: "
                f"{_short(exc)}); this is a problem in the checker, not in your function"), False
    try:
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    except Exception as exc:  # noqa: BLE001
        return f"the checker could not copy this case's inputs ({type(exc).__name__}: {_short(exc)})", False
    try:
        got = _call_limited(learner, args, kwargs, limit)
    except _TimeUp as exc:
        return (f"your function did not finish within {limit:g} s on this case: an infinite loop?"
                f"{_where(_learner_frame(exc)).replace(' (line', ' (stopped at line', 1)}"), True
    except NotImplementedError as exc:
        return f"not implemented yet ({_short(exc)})", False
    except ResultError as exc:
        return _short(exc), False
    except (Exception, SystemExit) as exc:  # noqa: BLE001 — a learner's bug is reported, never raised
        return f"raised {type(exc).__name__}: {_short(exc)}{_where(_learner_frame(exc))}", False
    messages = [_changed_message(n) for n in _changed_inputs(learner, case, args, kwargs)]
    try:
        if names:
            if not isinstance(got, (tuple, list)) or len(got) != len(names):
                messages.append(f"expected a tuple ({', '.join(names)}), got {type(got).__name__}")
            else:
                parts = [compare(n, g, e, rtol=rtol, atol=atol) for n, g, e in zip(names, got, expected)]
                if mistakes and any(parts):
                    found = diagnose(case, got, expected, mistakes, names=names, rtol=rtol, atol=atol)
                    parts = [f"{m} — {found[k]}" if m and found.get(k) else m for k, m in enumerate(parts)]
                messages += parts
        else:
            message = compare("result", got, expected, rtol=rtol, atol=atol)
            if message and mistakes:
                found = diagnose(case, got, expected, mistakes, rtol=rtol, atol=atol)
                if found.get(0):
                    message = f"{message} — {found[0]}"
            messages.append(message)
    except Exception as exc:  # noqa: BLE001
        messages.append(f"could not compare your result ({type(exc).__name__}: {_short(exc)})")
    return "; ".join(m for m in messages if m), False


# --------------------------------------------------------------------------- naming the mistake


@dataclass(frozen=True)
class Mistake:
    """A classic wrong answer of one exercise, computed from the reference's own arguments.

    ``text`` names the mistake in plain words, as the end of the sentence "this looks like …"
    (e.g. ``"db averaged over the batch instead of summed (off by a factor of N)"``); ``fn``
    takes the same arguments as the reference and returns what that wrong answer returns (the
    whole result, a tuple where the exercise returns one). Declared by each checker, in order:
    the first mistake that reproduces the learner's output is the one named.
    """

    text: str
    fn: object


def diagnose(case: Case, got, expected, mistakes, *, names=None, rtol=1e-6, atol=1e-9) -> dict:
    """Which classic mistake reproduces the learner's output ``got`` on ``case``.

    Returns ``{k: "this looks like <mistake>"}`` for each output k (0 for a single result) that
    differs from ``expected`` and equals, within the checker's tolerance, the same output of the
    first of ``mistakes`` whose output differs from ``expected`` there (a mistake the case cannot
    tell from the right answer names nothing). A mistake whose function raises is skipped. Never
    raises.
    """
    found: dict = {}
    outputs = list(names) if names else [None]
    gots = list(got) if names else [got]
    exps = list(expected) if names else [expected]
    pending = [k for k in range(len(outputs))
               if compare("r", gots[k], exps[k], rtol=rtol, atol=atol)]
    for mistake in mistakes:
        if not pending:
            break
        try:
            wrong = mistake.fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except Exception:  # noqa: BLE001 — a variant that does not apply to this case
            continue
        try:
            wrongs = list(wrong) if names else [wrong]
            if len(wrongs) != len(outputs):
                continue
        except TypeError:
            continue
        for k in list(pending):
            if compare("r", wrongs[k], exps[k], rtol=rtol, atol=atol) == "":
                continue  # this case cannot tell that mistake from the right answer
            if compare("r", gots[k], wrongs[k], rtol=rtol, atol=atol) == "":
                found[k] = f"this looks like {mistake.text}"
                pending.remove(k)
    return found


# --------------------------------------------------------------------------- help on demand

# What the checkers found in this kernel: (module, exercise) → {"mine": …, "latest": …}, each a
# (function name, passed, failures, cases) tuple. "mine" is the last check of the learner's own
# function (named ``my_<exercise>`` as in the notebooks); "latest" the last check of any
# function (a notebook may also demonstrate a wrong answer).
_RESULTS: dict = {}
# How many hints of each (module, exercise) were shown in this kernel.
_HINTS_SHOWN: dict = {}


def _record(module: str, exercise: str, learner, report) -> None:
    try:
        fname = getattr(learner, "__name__", "")
        entry = (fname, bool(report.passed), int(report.failures), int(report.cases))
        slot = _RESULTS.setdefault((module, exercise), {})
        slot["latest"] = entry
        if fname == f"my_{exercise}":
            slot["mine"] = entry
    except Exception:  # noqa: BLE001 — bookkeeping must never break a check
        pass


@dataclass
class Progress:
    """Which exercises of one notebook pass, as checked in this kernel. Prints as a table."""

    notebook: str
    rows: list = field(default_factory=list)  # (exercise, status): "pass", "fail", "not run yet"

    @property
    def passed(self) -> int:
        return sum(status == "pass" for _, status, _ in self.rows)

    def __str__(self) -> str:
        width = max((len(e) for e, _, _ in self.rows), default=0)
        lines = [f"Your progress in {self.notebook} (checks run in this kernel):"]
        for exercise, status, detail in self.rows:
            mark = {"pass": "✅", "fail": "❌"}.get(status, "· ")
            lines.append(f"  {mark} {exercise:<{width}}  {detail}")
        lines.append(f"{self.passed} of {len(self.rows)} exercises pass.")
        if self.passed < len(self.rows):
            first = next(e for e, st, _ in self.rows if st != "pass")
            lines.append(f'Stuck? ex.hint("{first}") gives a hint; ask again for the next one.')
        return "\n".join(lines)

    __repr__ = __str__


def _exercise_name(value, known) -> str:
    """``"db"``, ``"my_db"``, ``"check_db"``, ``"solution_db"`` or the function ``my_db`` → ``"db"``."""
    if callable(value) and hasattr(value, "__name__"):
        value = value.__name__
    if not isinstance(value, str):
        raise TypeError(f"exercise must be an exercise's name as text, e.g. {next(iter(known))!r}; "
                        f"got {_describe(value)} {_fmt(value)}")
    name = value.strip()
    for prefix in ("my_", "check_", "solution_"):
        if name.startswith(prefix) and name[len(prefix):] in known:
            name = name[len(prefix):]
    if name not in known:
        listed = ", ".join(repr(k) for k in known)
        raise ValueError(f"exercise {value!r} is not an exercise of this notebook; its exercises are {listed}")
    return name


def _helper_sources(fn, module) -> list[str]:
    """Sources of the module's private helper functions that ``fn`` calls (recursively), so that a
    printed solution is complete."""
    seen, order = set(), []

    def visit(f):
        try:
            src = inspect.getsource(f)
        except (OSError, TypeError):
            return
        for helper in re.findall(r"\b(_[A-Za-z]\w*)\s*\(", src):
            obj = getattr(module, helper, None)
            if helper in seen or not inspect.isfunction(obj) or obj.__module__ != module.__name__:
                continue
            seen.add(helper)
            visit(obj)
            order.append(inspect.getsource(obj))

    visit(fn)
    return order


def exercise_help(module_name: str, hints: dict):
    """The ``hint``, ``solution`` and ``progress`` functions of one notebook's exercise module.

    ``hints`` maps each exercise's name (``"db"`` for ``check_db`` / ``solution_db``), in the
    notebook's order, to its hints: a tuple of texts graded from a nudge to nearly the answer.
    Use at the end of an exercise module::

        hint, solution, progress = exercise_help(__name__, HINTS)
    """
    known = dict(hints)
    label = module_name.rsplit(".", 1)[-1]
    notebook = f"notebook {label[2:]}" if re.fullmatch(r"nb\d\d[a-z]?", label) else label  # nb05b → notebook 05b

    def hint(exercise, number=None) -> None:
        """Print a hint for ``exercise`` (e.g. ``ex.hint("db")``): the first, then the next one on
        each call; ``ex.hint("db", 2)`` prints hint 2. The last hint nearly gives the answer;
        ``ex.solution("db")`` prints the reference solution itself."""
        name = _exercise_name(exercise, known)
        texts = known[name]
        if number is None:
            number = min(_HINTS_SHOWN.get((module_name, name), 0) + 1, len(texts))
        elif isinstance(number, bool) or not isinstance(number, numbers.Integral) or not 1 <= number <= len(texts):
            raise ValueError(f"number must be a hint number from 1 to {len(texts)} for {name!r}; got {number!r}")
        number = int(number)
        _HINTS_SHOWN[(module_name, name)] = max(_HINTS_SHOWN.get((module_name, name), 0), number)
        print(f"Hint {number} of {len(texts)} for {name}: {texts[number - 1]}")
        if number < len(texts):
            print(f'(Run ex.hint("{name}") again for the next hint.)')
        else:
            print(f'(That was the last hint. ex.solution("{name}") prints the reference solution.)')

    def solution(exercise) -> None:
        """Print the source of the reference solution of ``exercise`` (e.g. ``ex.solution("db")``).
        Only on request: try the hints first (``ex.hint("db")``)."""
        name = _exercise_name(exercise, known)
        module = sys.modules[module_name]
        fn = getattr(module, f"solution_{name}")
        print(f"The reference solution of {name} (conv_backprop.exercises.{label}.solution_{name}):\n")
        for src in _helper_sources(fn, module):
            print(src)
        source = inspect.getsource(fn)
        print(source)
        others = [o for o in dict.fromkeys(re.findall(r"\bsolution_(\w+)\s*\(", source))
                  if o != name and o in known]
        for other in others:
            print(f'It calls the reference solution of exercise {other}: ex.solution("{other}") prints it.')

    def progress() -> Progress:
        """Which exercises of this notebook pass, from the checks run in this kernel."""
        report = Progress(notebook)
        for name in known:
            slot = _RESULTS.get((module_name, name), {})
            entry = slot.get("mine") or slot.get("latest")
            if entry is None:
                report.rows.append((name, "not run yet", "not run yet"))
                continue
            fname, passed, failures, cases = entry
            who = "" if fname == f"my_{name}" else f" (last checked: {fname or 'a function'})"
            if passed:
                report.rows.append((name, "pass", f"passes (all {cases} cases){who}"))
            elif cases:
                report.rows.append((name, "fail", f"{failures} of {cases} cases fail{who}"))
            else:
                report.rows.append((name, "fail", f"the checker could not run your function{who}"))
        return report

    hint.__qualname__, solution.__qualname__, progress.__qualname__ = "hint", "solution", "progress"
    hint.__module__ = solution.__module__ = progress.__module__ = module_name
    return hint, solution, progress
