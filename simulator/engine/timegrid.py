"""The integration grid shared by the engines and the callers that sample it."""

from __future__ import annotations

import numpy as np


def time_grid(initial_time: float, final_time: float, time_step: float) -> np.ndarray:
    """Integration times ``initial_time + k * time_step`` up to ``final_time``.

    Parameters
    ----------
    initial_time, final_time, time_step : float
        Control settings [year].

    Returns
    -------
    numpy.ndarray
        The grid, computed by multiplication (not accumulation) so that it
        matches the integrator's times exactly.
    """
    n_steps = int(round((final_time - initial_time) / time_step))
    return initial_time + time_step * np.arange(n_steps + 1)
