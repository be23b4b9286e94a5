"""Run any Vensim (``.mdl``) or XMILE model with its own defaults.

Engines (:data:`simulator.engine.dispatch.ENGINES`):

``"pysd"``
    The reference implementation: PySD translates the model to Python and
    integrates it one scenario at a time.
``"batch"``
    The vectorised NumPy engine of :mod:`simulator.engine.batch`, built from
    the same PySD translator output, run here with a single scenario.
``"auto"``
    The batch engine where it compiles the model, else PySD.

Both read the model through :mod:`simulator.engine.translation`, whose
on-disk cache is keyed by the SHA-256 of the file's content.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd

from simulator.engine.dispatch import check_engine, check_integration
from simulator.engine.model_faults import structural_problem, variable_in_traceback
from simulator.engine.timegrid import check_controls
from simulator.engine.translation import (
    check_model_path,
    load_pysd_model,
    pysd_problem,
    pysd_warnings_as_lines,
)


def simulate_file(path: str | os.PathLike, engine: str = "pysd",
                  integration: str = "euler") -> pd.DataFrame:
    """Run a model with its own control settings and return every variable.

    Parameters
    ----------
    path : str or os.PathLike
        Path to a Vensim ``.mdl`` file or an XMILE file (both engines read
        it with PySD's translator).
    engine : {"pysd", "batch", "auto"}, default "pysd"
        ``"pysd"`` runs PySD; ``"batch"`` runs :mod:`simulator.engine.batch`
        with a single scenario; ``"auto"`` the batch engine where it compiles
        the model, else PySD.
    integration : {"euler", "rk4"}, default "euler"
        RK4 runs on the batch engine only (PySD has no RK4; ``"auto"`` then
        does not fall back).

    Returns
    -------
    pandas.DataFrame
        One column per model variable, named as in the model file (control
        variables ``INITIAL TIME``, ``FINAL TIME``, ``TIME STEP`` and
        ``SAVEPER`` included), one row per saved time; the index is named
        ``Time`` and holds model time [model time unit].

    Raises
    ------
    FileNotFoundError
        If the model file does not exist.
    ValueError
        If ``engine`` is unknown, the extension is unsupported, or the model
        cannot be translated, initialised (a data file is missing) or run.

    Examples
    --------
    >>> df = simulate_file("simulator/models/regional_innovation.mdl")  # doctest: +SKIP
    >>> df.index.name
    'Time'
    """
    check_engine(engine)
    check_integration(integration)
    check_model_path(path)
    if engine == "pysd" and integration == "rk4":
        raise ValueError("PySD has no RK4 integration: use --engine batch or auto with"
                         " --integration rk4")
    if engine != "pysd":
        from simulator.engine.batch import UnsupportedConstructError, compile_model

        try:
            batch = compile_model(path)
            frame = batch.run_dataframe(integration=integration)
        except UnsupportedConstructError as error:
            if engine == "batch":
                raise
            if integration == "rk4":
                raise ValueError(f"the batch engine cannot run {os.path.basename(path)} (RK4 has no"
                                 f" PySD fallback): {error}") from None
        else:
            _refuse_arithmetic_faults(frame, path, batch.nan_by_design)
            return frame
    model = load_pysd_model(path)
    problem = structural_problem(model)
    if problem:
        raise ValueError(f"PySD cannot run model file '{path}': {problem}")
    clock = model.time  # the batch engine checks its own clock the same way
    try:
        check_controls(clock.initial_time(), clock.final_time(), clock.time_step(),
                       clock.saveper())
    except (ValueError, TypeError) as error:
        raise ValueError(f"PySD cannot run model file '{path}': {error}") from None
    try:
        with pysd_warnings_as_lines():
            frame = run_pysd(model)
    except Exception as error:  # PySD raises many types (NotImplementedError too)
        where = variable_in_traceback(error, model)
        where = f" in variable '{where}'" if where else ""
        raise ValueError(
            f"PySD cannot run model file '{path}': {pysd_problem(error)}{where}"
        ) from error
    frame.index.name = "Time"
    return frame


def _refuse_arithmetic_faults(frame: pd.DataFrame, path, nan_ok=frozenset()) -> None:
    """Raise when a batch run produced inf or NaN, naming the first variable.

    NumPy turns a division by zero into inf where PySD (and Vensim) stop
    with an error; a table of infinities would be a silent wrong answer.
    NaN in the columns of ``nan_ok`` (Vensim names: ``:NA:``, cells no
    equation defines) is the model's own value, as in PySD.
    """
    values = frame.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    allowed = np.array([str(c).split("[")[0] in nan_ok for c in frame.columns], dtype=bool)
    bad &= ~(np.isnan(values) & allowed)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise ValueError(
            f"arithmetic fault in model file '{path}': {frame.columns[col]!r} is "
            f"{values[row, col]} at Time={frame.index[row]} (division by zero, or a "
            "function outside its domain)"
        )


def run_pysd(model, **run_kwargs) -> pd.DataFrame:
    """Call ``model.run(**run_kwargs)`` without PySD's pandas deprecation noise.

    PySD 3.14 calls ``DataFrame.set_index(..., inplace=True)``, which pandas
    3.1 deprecates with a ``Pandas4Warning``; that warning (and only that
    one) is silenced here because the project runs with warnings as errors
    and the call is not ours to fix.

    Parameters
    ----------
    model : pysd.py_backend.model.Model
        A loaded PySD model.
    **run_kwargs
        Passed to :meth:`pysd.py_backend.model.Model.run`.

    Returns
    -------
    pandas.DataFrame
        What ``model.run`` returns.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="The inplace keyword in DataFrame.set_index is deprecated"
        )
        return model.run(**run_kwargs)
