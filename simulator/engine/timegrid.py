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


#: Most integration steps one run may take. The clock and each saved series are held in
#: memory, and PySD takes about 0.1 ms a step for a small model: 10^6 steps are seconds on
#: the batch engine and minutes on PySD. The core model at its finest time step (2^-10 year)
#: over the longest horizon a scenario allows (1950-2100) takes 153,600; the SDXorg test
#: models in ../shared/testmodels at most 3,200.
MAX_STEPS = 1_000_000
CONTROL_NAMES = ("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER")


def check_controls(initial_time: float, final_time: float, time_step: float,
                   saveper: float) -> None:
    """Refuse control settings no run can hold, before the clock is built.

    Raises
    ------
    ValueError
        One line naming the setting: not a finite number, a TIME STEP or SAVEPER that is
        not positive, a FINAL TIME before INITIAL TIME, or more than :data:`MAX_STEPS`
        steps from INITIAL to FINAL TIME.
    """
    values = dict(zip(CONTROL_NAMES, (initial_time, final_time, time_step, saveper)))
    for name, value in values.items():
        if not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    for name in ("TIME STEP", "SAVEPER"):
        if not values[name] > 0:
            raise ValueError(f"{name} must be positive, got {values[name]!r}")
    if final_time < initial_time:
        raise ValueError(f"FINAL TIME {final_time:g} is before INITIAL TIME {initial_time:g}")
    steps = (final_time - initial_time) / time_step
    if steps > MAX_STEPS:
        raise ValueError(
            f"FINAL TIME {final_time:g} - INITIAL TIME {initial_time:g} is {steps:.3g} steps of"
            f" TIME STEP {time_step:g}, over the bound of {MAX_STEPS:,} steps a run may take"
            " (the clock and the saved series are held in memory); use a larger TIME STEP or"
            " a shorter horizon"
        )


#: Most runs x integration steps one engine call holds at once: every time-varying input
#: and state is an array of that many float64 values. ``run --ensemble 100000`` over the
#: 2018-2035 horizon at 1/16 year (2.9 x 10^7) peaked at 773 MB resident (measured).
MAX_RUN_STEPS = 50_000_000


def check_run_steps(runs: int, steps: int, what: str, advice: str) -> None:
    """Refuse ``runs`` runs of ``steps`` integration steps in one call, over MAX_RUN_STEPS.

    Raises
    ------
    ValueError
        Naming ``what`` (e.g. "an ensemble of 100,000 members"), the product and the bound,
        then ``advice`` (what to lower).
    """
    if runs * steps > MAX_RUN_STEPS:
        raise ValueError(
            f"{what} x {steps:,} time steps is {runs * steps:,} run-steps, over the bound of"
            f" {MAX_RUN_STEPS:,} held in memory at once; {advice}"
        )
