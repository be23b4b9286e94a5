"""The one dispatcher: run N cases of a model on PySD or the batch engine.

Every analysis (scenario runs, ensembles, sweeps, the validation battery,
time-step advice, calibration, the app) runs the model through
:func:`run_cases`; sweeps spread chunks of cases over processes or Dask with
:func:`map_chunks`. No module outside :mod:`simulator.engine` imports PySD
or the batch engine.

``engine="auto"`` uses the vectorised batch engine where it compiles the
model and falls back to PySD, the reference, where it does not (the reason
names the variable and construct). Both give the same numbers (a property
test checks batch = PySD at rtol 1e-10).

``integration="rk4"`` (Vensim's RK4 Fixed) runs on the batch engine only:
PySD integrates by Euler alone, so ``engine="pysd"`` with RK4 is refused and
``"auto"`` does not fall back.
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context

import numpy as np

from simulator.engine.timegrid import time_grid
from simulator.errors import did_you_mean

#: The engines a user may name, everywhere (CLI, scenarios, sweeps, the app).
ENGINES = ("auto", "batch", "pysd")

#: Integration methods a scenario may name (``integration:``); Euler is the default.
INTEGRATIONS = ("euler", "rk4")

#: Cases integrated at once by the batch engine (bounds memory: about 2,000
#: cases × 150 variables × 8 bytes per step).
CHUNK_SIZE = 2000


class DaskUnavailableError(RuntimeError):
    """Dask is not installed, or its cluster could not be started or reached."""


def check_engine(engine: str) -> str:
    """Return ``engine`` if it is one of :data:`ENGINES`.

    Raises
    ------
    ValueError
        Naming the valid engines, with a "did you mean".
    """
    if engine not in ENGINES:
        raise ValueError(
            f"{engine!r} is not a valid engine{did_you_mean(str(engine), ENGINES)}."
            f" It must be one of {list(ENGINES)}"
        )
    return engine


def check_integration(integration: str) -> str:
    """Return ``integration`` if it is one of :data:`INTEGRATIONS` (ValueError naming them)."""
    if integration not in INTEGRATIONS:
        raise ValueError(
            f"{integration!r} is not a valid integration method"
            f"{did_you_mean(str(integration), INTEGRATIONS)}. It must be one of"
            f" {list(INTEGRATIONS)}"
        )
    return integration


def resolve_engine(engine: str, model, integration: str = "euler") -> str:
    """Return ``"batch"`` or ``"pysd"``: what runs ``model`` for a requested engine.

    Parameters
    ----------
    engine : {"auto", "batch", "pysd"}
    model : simulator.engine.model.LoadedModel
    integration : {"euler", "rk4"}, default "euler"
        RK4 needs the batch engine: PySD has no RK4.

    Raises
    ------
    ValueError
        On an unknown name, ``"batch"`` (or RK4) for a model the batch engine
        cannot compile (the message names the variable and construct), or
        ``"pysd"`` with RK4.
    """
    check_engine(engine)
    check_integration(integration)
    if engine == "pysd" and integration == "rk4":
        raise ValueError("PySD has no RK4 integration: use --engine batch or auto for an rk4"
                         " run, or integration: euler")
    if engine == "pysd":
        return "pysd"
    batch, reason = model.batch_model()
    if batch is not None:
        return "batch"
    if engine == "batch" or integration == "rk4":
        raise ValueError(f"the batch engine cannot run {model.path.name}"
                         f"{' (RK4 has no PySD fallback)' if engine == 'auto' else ''}: {reason}")
    return "pysd"


def run_cases(
    model,
    inputs: Mapping[str, float | np.ndarray],
    n: int,
    *,
    engine: str = "auto",
    initial_time: float,
    final_time: float,
    time_step: float,
    saveper: float = 1.0,
    columns: list[str],
    integration: str = "euler",
    kernel: str = "auto",
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run ``n`` cases of a model and return the saved values of ``columns``.

    Parameters
    ----------
    model : simulator.engine.model.LoadedModel
    inputs : mapping
        Constant overrides by Python or Vensim name: a float (all cases), an
        ``(n,)`` array (one value per case) or an ``(n, n_grid)`` array (a
        value per case and integration step, on
        :func:`simulator.engine.timegrid.time_grid`).
    n : int
        Number of cases.
    engine : {"auto", "batch", "pysd"}
    initial_time, final_time, time_step, saveper : float
        Control settings [model time unit].
    columns : list of str
        Vensim names of the variables to return.
    integration : {"euler", "rk4"}, default "euler"
        Integration method; RK4 runs on the batch engine only.
    kernel : {"auto", "numpy", "fused"}, default "auto"
        What integrates on the batch engine: its generated NumPy loop or the
        fused numba kernel (the same numbers within 1e-12; ``auto`` as in
        :meth:`simulator.engine.batch.BatchModel.run`, which records the
        choice in ``last_kernel``). PySD ignores it.

    Returns
    -------
    times : numpy.ndarray
        Saved times.
    values : dict of str to numpy.ndarray
        Column to an array of shape ``(n, len(times))``.
    """
    from simulator.engine.batch.model import check_kernel

    check_kernel(kernel)
    used = resolve_engine(engine, model, integration)
    controls = dict(initial_time=initial_time, final_time=final_time, time_step=time_step,
                    saveper=saveper)
    if used == "batch":
        batch, _ = model.batch_model()
        out = batch.run_chunked(dict(inputs), n, chunk_size=CHUNK_SIZE, return_columns=columns,
                                integration=integration, kernel=kernel, **controls)
        return batch.output_times(**controls), out
    import pandas as pd

    grid = time_grid(initial_time, final_time, time_step)
    stacked: dict[str, list[np.ndarray]] = {c: [] for c in columns}
    times = None
    for i in range(n):
        params = {}
        for name, value in inputs.items():
            value = np.asarray(value, dtype=float)
            if value.ndim == 2:
                params[name] = pd.Series(value[i], index=grid)
            else:
                params[name] = float(value[i] if value.ndim == 1 else value)
        frame = model.run(params, return_columns=columns, **controls)
        times = frame.index.to_numpy(dtype=float)
        for c in columns:
            stacked[c].append(frame[c].to_numpy(dtype=float))
    return times, {c: np.array(v) for c, v in stacked.items()}


def run_cases_quietly(model, inputs, n, **kwargs) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """:func:`run_cases` with floating-point warnings silenced.

    For checks that drive the model to extremes: a non-finite value is a
    result the check reports, not an error of the run.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return run_cases(model, inputs, n, **kwargs)


def map_chunks(
    function: Callable,
    tasks: Mapping[int, object],
    args: tuple = (),
    *,
    workers: int = 1,
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> tuple[str, Iterator[tuple[int, object]]]:
    """Apply ``function(task, *args)`` to each task, in-process, in processes or on Dask.

    Results are yielded as they finish, so that a caller can store each one
    at once (a sweep resumes from what was stored).

    Parameters
    ----------
    function : callable
        A module-level (picklable) function.
    tasks : mapping of int to object
        Task index to its argument.
    args : tuple
        Further arguments, the same for every task.
    workers : int, default 1
        1 runs in this process; more uses a spawn-context process pool.
    scheduler : str, optional
        Address of a Dask scheduler.
    dask_local : int, optional
        Size of a local Dask cluster to start.

    Returns
    -------
    backend : str
        ``"in-process"``, ``"processes(N)"`` or ``"dask"``.
    results : iterator of (int, object)
        Task index and its result, in completion order.

    Raises
    ------
    DaskUnavailableError
        When Dask is asked for and cannot start (raised on first iteration).
    """
    if scheduler or dask_local:
        return "dask", _dask(function, tasks, args, scheduler, dask_local)
    if workers == 1:
        return "in-process", ((i, function(task, *args)) for i, task in tasks.items())
    return f"processes({workers})", _pool(function, tasks, args, workers)


def die_with_parent(parent_pid: int) -> None:
    """Make this worker process end when its parent does (Linux; elsewhere a no-op).

    Without it, kill -9 of a sweep leaves its pool workers running their
    chunks, and holding memory, indefinitely. ``PR_SET_PDEATHSIG`` asks the
    kernel to send SIGKILL when the parent dies; a parent that died before
    the call is caught by comparing the parent pid.
    """
    import signal
    import sys

    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        os._exit(1)


def _pool(function, tasks, args, workers: int) -> Iterator:
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        # A window of chunks in flight, not all of them: each pending task holds its
        # overrides, which for a 10^7-run sweep would not fit in memory.
        pending, todo = {}, iter(tasks.items())
        window = 4 * workers
        for i, task in itertools.islice(todo, window):
            pending[pool.submit(function, task, *args)] = i
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                for i, task in itertools.islice(todo, 1):
                    pending[pool.submit(function, task, *args)] = i
                yield index, future.result()


def _dask(function, tasks, args, scheduler: str | None, n_local: int | None) -> Iterator:
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError as error:
        raise DaskUnavailableError(
            "dask[distributed] is needed for --scheduler/--dask-local (pip install"
            f" 'innovation-dynamics[dask]'): {error}"
        ) from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(
                n_workers=n_local,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
    except (OSError, TimeoutError, ValueError) as error:
        if cluster is not None:
            cluster.close()
        raise DaskUnavailableError(
            f"Dask could not start ({type(error).__name__}: {error})"
        ) from None
    try:
        # A window of chunks in flight, as in _pool: submitting every chunk at once held
        # the overrides of all runs (gigabytes for a 10^7-run sweep) in this process.
        window = max(8, 4 * sum(client.nthreads().values()))
        todo = iter(tasks.items())
        futures = {client.submit(function, task, *args, pure=False): i
                   for i, task in itertools.islice(todo, window)}
        stream = dask_completed(list(futures))
        for future in stream:
            for i, task in itertools.islice(todo, 1):
                more = client.submit(function, task, *args, pure=False)
                futures[more] = i
                stream.add(more)
            yield futures.pop(future), future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
