"""Errors raised by the batch engine."""

from __future__ import annotations


class UnsupportedConstructError(ValueError):
    """A model uses a construct the batch engine cannot evaluate.

    Callers may catch it and fall back to PySD (``engine="pysd"``).

    Parameters
    ----------
    variable : str
        Vensim name of the variable whose equation uses the construct.
    construct : str
        The construct, e.g. ``"subscripts"`` or ``"GET XLS DATA"``.

    Attributes
    ----------
    variable : str
        As given.
    construct : str
        As given.
    """

    def __init__(self, variable: str, construct: str):
        self.variable = variable
        self.construct = construct
        super().__init__(
            f"variable {variable!r} uses {construct}, which the batch engine does not "
            "support; run this model with engine='pysd'"
        )
