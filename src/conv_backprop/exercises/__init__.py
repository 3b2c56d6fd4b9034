"""Exercises: reference solutions and checkers, one module per notebook (``nb01``, ``nb02``, …).

Every exercise in a notebook follows one pattern::

    from conv_backprop.exercises import nb03 as ex

    def my_dx(dout, w, stride):
        # REPLACE THE NEXT LINE WITH YOUR ANSWER
        return ex.solution_dx(dout, w, stride)

    ex.check_dx(my_dx)

The checker calls the learner's function on cases the notebook never showed (stride 2, odd
sizes, overlap, ties, batch, channels, random values), compares with the reference and prints
what is wrong and where: the shape, the first mismatching index, expected vs got.

A checker never crashes or hangs because of the learner's function (see :mod:`.checking`): it
reports an exception with the learner's own line, an input changed in place, a result that is not
numbers, a function's result passed instead of the function, and a function that runs longer
than ``time_limit`` seconds per case (``ex.check_dx(my_dx, time_limit=30)``; default 10 s).
"""

from .checking import TIME_LIMIT, Case, CheckReport, check_function, checker, compare

__all__ = ["Case", "CheckReport", "TIME_LIMIT", "check_function", "checker", "compare"]
