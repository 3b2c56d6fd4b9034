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
"""

from .checking import Case, CheckReport, check_function, compare

__all__ = ["Case", "CheckReport", "check_function", "compare"]
