"""The course's visual language, defined once: one colour per role, for every figure and explorer.

Colours come from the Okabe–Ito palette, which stays distinguishable for the common forms of
colour blindness and on a washed-out projector. Roles:

    input     blue            the input x (and its windows)
    padding   grey            the zero (or −inf) ring added around x
    kernel    orange          weights w
    output    bluish green    the output y / out
    gradient  vermillion      anything with a ∂ (dout, dx, dw, db)
    highlight reddish purple  the current selection (one cell, one window)
"""

from __future__ import annotations

COLORS = {
    "input": "#0072B2",
    "padding": "#999999",
    "kernel": "#E69F00",
    "output": "#009E73",
    "gradient": "#D55E00",
    "highlight": "#CC79A7",
    "unused": "#F0E442",
    "text": "#000000",
}

# Light tints for cell faces, so black numbers stay readable on top.
TINTS = {
    "input": "#CCE3F0",
    "padding": "#E6E6E6",
    "kernel": "#F9E7BF",
    "output": "#BFE7DC",
    "gradient": "#F5D5BF",
    "highlight": "#F2DDE9",
    "unused": "#FBF8C9",
}

FONT_SIZE = 12  # readable from the back of a lecture room at the explorers' default size
