"""Exercises: reference solutions, checkers and help on demand, one module per notebook (``nb01``, …).

Every exercise in a notebook follows one pattern::

    from conv_backprop.exercises import nb04 as ex

    def my_db(dout):
        # REPLACE THE NEXT LINE WITH YOUR ANSWER
        return ex.solution_db(dout)

    ex.check_db(my_db)

In the learner's edition (``make lab`` opens it, see ``tools/workspace.py``) the answer line is
a stub that raises ``NotImplementedError`` and points to the help below.

**Checking.** The checker calls the learner's function on cases the notebook never showed
(stride 2, odd sizes, overlap, ties, batch, channels, random values), compares with the reference
and prints what is wrong and where: the shape, the first mismatching index, expected vs got. When
the learner's result equals that of a classic wrong answer the checker knows (a
:class:`~.checking.Mistake`: db averaged over the batch, the kernel not rotated, ``=`` instead
of ``+=``, …), the report names it: "— this looks like …".

A checker never crashes or hangs because of the learner's function (see :mod:`.checking`): it
reports an exception with the learner's own line, an input changed in place, a result that is not
numbers, a function's result passed instead of the function, and a function that runs longer
than ``time_limit`` seconds per case (``ex.check_db(my_db, time_limit=30)``; default 10 s).

**Help on demand.** Each module also offers, for its exercises (named as in ``check_<name>``):

* ``ex.hint("db")``: the first hint, then the next one on each call; ``ex.hint("db", 2)`` a given
  one. Hints go from a nudge to nearly the answer.
* ``ex.solution("db")``: prints the reference solution's source, only when asked.
* ``ex.progress()``: which exercises of the notebook pass, from the checks run in this kernel
  ("not run yet" for the others).

**Writing a module for a new notebook (nb11, …).** Follow ``nb04.py``:

1. for each exercise ``name``: a ``solution_<name>`` (the reference answer the teacher's notebook
   calls, written plainly: ``ex.solution("name")`` prints its source and the module's private
   helpers it calls) and a ``check_<name>(learner)`` decorated with :func:`~.checking.checker`
   that returns :func:`~.checking.check_function` (exercise title, learner, an independent
   reference, the cases, and ``mistakes=[Mistake("plain words", wrong_fn), …]``, each
   ``wrong_fn`` taking the reference's arguments). Give every case a title that says what it
   tests, and make sure a wrong answer of that kind fails it;
2. at the end of the module: ``HINTS = {"name": (nudge, closer, nearly the answer), …}`` in the
   notebook's order, then ``hint, solution, progress = exercise_help(__name__, HINTS)``;
3. list ``solution_*``, ``check_*``, ``"hint"``, ``"solution"``, ``"progress"`` in ``__all__``.
   In the notebook, the learner's function is ``my_<name>`` and the answer line follows
   ``# REPLACE THE NEXT LINE WITH YOUR ANSWER`` on one line (``tools/student_edition.py``).

``tests/test_diagnosis.py`` checks that every module has hints for each exercise, and that each
declared mistake, fed to its checker, is named.
"""

from .checking import (TIME_LIMIT, Case, CheckReport, Mistake, check_function, checker, compare,
                       diagnose, exercise_help)

__all__ = ["Case", "CheckReport", "Mistake", "TIME_LIMIT", "check_function", "checker", "compare",
           "diagnose", "exercise_help"]
