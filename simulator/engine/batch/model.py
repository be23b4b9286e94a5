"""Public API of the batch engine: :func:`compile_model` and :class:`BatchModel`."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

import simulator.engine.batch.fused as fused
from simulator.errors import did_you_mean

from .compiler import CONTROLS, Program, build_program
from .engine import Runner, clock, round_times
from .errors import UnsupportedConstructError
from .fused_source import FusedUnsupported

#: What integrates a batch run: ``auto`` (see :meth:`BatchModel.run`), the
#: generated NumPy loop or the fused numba kernel.
KERNELS = ("auto", "numpy", "fused")
#: Most runs for which ``kernel="auto"`` takes a compiled fused kernel. Measured on the
#: core model (benchmarks/bench_batch_engine.py, 2 cores shared, load average 4-5,
#: docs/fused-kernel.md): the fused kernel runs 1 run at 317 runs/s against the NumPy
#: path's 20, and 1,000 runs at 14,381 against 8,034; above that it is not reliably
#: faster (10,000: 9,260 against 11,366; 100,000: 13,884 against 13,724; 1,000,000:
#: 17,123 against 13,385): on one thread it costs the same CPU time as the NumPy path
#: (0.32-0.35 s against 0.34-0.35 s for 10,000 runs), so its gain is the second core,
#: which a loaded machine does not give.
FUSED_AUTO_MAX_RUNS = 1000

_COMPILED: dict = {}


def _compiler_digest() -> str:
    """SHA-256 (16 hex digits) of the batch engine's source files."""
    import hashlib

    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def compile_model(path: str | os.PathLike) -> "BatchModel":
    """Compile a Vensim (or XMILE) model for vectorised runs.

    The model is read with PySD's translator (its abstract model, cached on
    disk by :func:`simulator.engine.translation.abstract_model`) and compiled
    into NumPy closures. The result is cached in-process by the SHA-256 of
    the file's content.

    Parameters
    ----------
    path : str or os.PathLike
        Model file (``.mdl``; ``.xmile`` files are read with PySD's XMILE
        translator).

    Returns
    -------
    BatchModel
        The compiled model; it holds no run state and may be shared.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the extension is unsupported or PySD cannot parse the file.
    UnsupportedConstructError
        If the model uses a construct the engine does not implement.
    """
    from simulator.engine.translation import (
        abstract_model,
        cached_pickle,
        check_model_path,
        file_sha256,
    )

    model_path, kind = check_model_path(path)
    root = model_path.resolve().parent
    key = (kind, file_sha256(model_path), str(root))
    if key in _COMPILED and not _stale(_COMPILED[key].program):
        return _COMPILED[key]
    # The compiled program is cached on disk too, keyed by the compiler's own
    # source (a changed compiler never loads an old program) and the model's
    # folder (external files are read from there at compile time).
    import hashlib

    where = hashlib.sha256(str(root).encode()).hexdigest()[:8]
    program = cached_pickle(
        model_path, f"batch-program-{_compiler_digest()}-{where}.pickle",
        lambda: build_program(abstract_model(model_path), root),
    )
    if _stale(program):  # a data file changed since: read it again
        program = build_program(abstract_model(model_path), root)
    _COMPILED[key] = BatchModel(program, model_path)
    return _COMPILED[key]


def _stale(program: Program) -> bool:
    """Tell whether a file the program read at compile time has changed since."""
    from .external import fingerprint

    return any(fingerprint("/", path)[1] != sha for path, sha in program.external.items())


class BatchModel:
    """A compiled model that runs N scenarios at once.

    Parameters
    ----------
    program : simulator.engine.batch.compiler.Program
        The compiled model.
    path : pathlib.Path
        The model file (for messages).
    """

    def __init__(self, program: Program, path: Path):
        self.program = program
        self.path = Path(path)
        self._runner = Runner(program)
        self._aliases = {}
        for py_name, name in program.names.items():
            self._aliases[name.lower()] = py_name
            self._aliases[py_name] = py_name
            self._aliases[name] = py_name
        controls = [p for p in program.names if program.kinds[p] == "control"]
        others = [p for p in program.names if program.kinds[p] not in ("control", "lookup")]
        #: Vensim names of all variables but lookups, ordered as PySD's output columns.
        self.variables = [program.names[p] for p in controls + others]
        self._refuse_dynamic_controls()
        self._fused_reasons: dict = {}
        #: ``(kernel, note)`` of the last run: ``("fused", "compiled" | "disk cache")`` or
        #: ``("numpy", why not fused)``.
        self.last_kernel: tuple | None = None

    def _refuse_dynamic_controls(self) -> None:
        """Refuse, at compile time, control variables that are not constant.

        The engine builds one time grid before it runs, so a time step or
        final time that changes during the run cannot be reproduced; naming
        it here lets ``engine="auto"`` fall back to PySD.
        """
        values: dict = {}
        for key in CONTROLS:
            try:
                self._static_value(key, values, ())
            except ValueError as error:
                raise UnsupportedConstructError(
                    self.program.names.get(key, key),
                    f"a control variable that is not a constant expression ({error})",
                ) from error

    @property
    def stochastic(self) -> bool:
        """True if the model calls a RANDOM function (see :meth:`run`'s ``seed``)."""
        return self.program.stochastic

    @property
    def nan_by_design(self) -> frozenset:
        """Vensim names of the variables whose NaN values are the model's own.

        ``:NA:``, cells no equation defines and what reads them: not arithmetic faults.
        """
        return frozenset(self.program.names[p] for p in self.program.nan_ok
                         if p in self.program.names)

    def __repr__(self) -> str:
        return f"<BatchModel {self.path.name}: {len(self.variables)} variables>"

    def resolve(self, name: str) -> str:
        """Return the Python name of a variable given its Vensim or Python name.

        Parameters
        ----------
        name : str
            Vensim name (case-insensitive) or PySD Python name.

        Returns
        -------
        str
            The PySD Python name.

        Raises
        ------
        KeyError
            If no variable has that name; the message suggests close names.
        """
        if not isinstance(name, str):
            raise TypeError(f"variable names must be str, got {type(name).__name__}")
        for key in (name, name.lower(), name.strip().lower()):
            if key in self._aliases:
                return self._aliases[key]
        choices = list(self.program.names.values()) + list(self.program.names)
        raise KeyError(
            f"No variable named {name!r} in {self.path.name}{did_you_mean(name, choices)}"
        )

    def control_values(self, initial_time=None, final_time=None, time_step=None, saveper=None):
        """Return the control variables [model time unit], defaults from the model.

        Parameters
        ----------
        initial_time, final_time, time_step, saveper : float, optional
            Overrides; None keeps the model's value.

        Returns
        -------
        dict
            ``{"initial_time": ..., "final_time": ..., "time_step": ...,
            "saveper": ...}`` as floats.
        """
        given = dict(zip(CONTROLS, (initial_time, final_time, time_step, saveper)))
        values = {key: float(value) for key, value in given.items() if value is not None}
        for key in CONTROLS:
            self._static_value(key, values, ())
        return {key: float(values[key]) for key in CONTROLS}

    def _static_value(self, node, values, chain):
        if node in values:
            return values[node]
        expr = self.program.exprs.get(node)
        if expr is None or node in chain or self.program.kinds.get(node) not in (
            "constant", "control", "auxiliary"
        ):
            raise ValueError(
                f"control variable {chain[0] if chain else node!r} must be a constant "
                f"expression; it depends on {node!r}"
            )
        for dep in expr.deps:
            self._static_value(dep, values, chain + (node,))
        value = np.asarray(expr.fn(values), dtype=float)
        if value.ndim:
            raise ValueError(f"control variable {node!r} must be a scalar")
        values[node] = float(value)
        return values[node]

    def grid_times(self, **controls) -> np.ndarray:
        """Return the integration grid ``INITIAL TIME + k*TIME STEP`` [model time unit].

        Parameters
        ----------
        **controls
            ``initial_time``, ``final_time``, ``time_step`` as for :meth:`run`.

        Returns
        -------
        numpy.ndarray
            One time per integration point, final time included; its length
            is the ``n_grid`` of time-varying parameters.
        """
        values = self.control_values(**controls)
        grid, _ = clock(values)
        return values["initial_time"] + np.arange(len(grid)) * values["time_step"]

    def output_times(self, **controls) -> np.ndarray:
        """Return the saved times, rounded as PySD's output index [model time unit].

        Parameters
        ----------
        **controls
            ``initial_time``, ``final_time``, ``time_step``, ``saveper`` as for
            :meth:`run`.

        Returns
        -------
        numpy.ndarray
            Shape ``(n_saved,)``.
        """
        values = self.control_values(**controls)
        grid, save = clock(values)
        return round_times(np.asarray(grid)[np.asarray(save)], values["time_step"])

    def _prepare(self, params, n, n_grid):
        fixed, varying, sizes = {}, {}, set()
        for key, value in (params or {}).items():
            py_name = self.resolve(key)
            kind = self.program.kinds[py_name]
            if kind == "control":
                raise ValueError(
                    f"{key!r} is a control variable; pass it as run(..., "
                    f"{py_name}=value) instead of in params"
                )
            if kind in ("stateful", "lookup"):
                raise ValueError(
                    f"{key!r} is a {kind} variable; only constants and auxiliaries can be set"
                )
            try:
                array = np.asarray(value, dtype=float)
            except (TypeError, ValueError) as error:
                raise TypeError(f"value of {key!r} must be numeric: {error}") from None
            shape = self._runner.shape(py_name)
            if shape:
                array = self._subscripted_value(key, array, shape, n_grid)
                if array.ndim > len(shape):
                    sizes.add(array.shape[0])
                # a time path per element: the loop reads paths[name][:, k], (N, *shape)
                (varying if array.ndim == len(shape) + 2 else fixed)[py_name] = array
                continue
            if array.ndim == 2 and array.shape[1] != n_grid:
                raise ValueError(
                    f"time-varying value of {key!r} has {array.shape[1]} columns; the grid "
                    f"has n_grid={n_grid} points (see grid_times())"
                )
            if array.ndim > 2:
                raise ValueError(f"value of {key!r} must have 0, 1 or 2 dimensions")
            if array.ndim:
                sizes.add(array.shape[0])
            (varying if array.ndim == 2 else fixed)[py_name] = array if array.ndim else float(array)
        if n is None:
            if len(sizes) > 1:
                raise ValueError(f"parameter arrays disagree on the number of scenarios: {sizes}")
            n = sizes.pop() if sizes else 1
        elif sizes - {n}:
            raise ValueError(f"parameter arrays have {sorted(sizes)} scenarios, n={n}")
        if not (isinstance(n, (int, np.integer)) and n >= 1):
            raise ValueError(f"n must be a positive integer, got {n!r}")
        return int(n), fixed, varying

    @staticmethod
    def _subscripted_value(key, array: np.ndarray, shape: tuple, n_grid: int) -> np.ndarray:
        """Check the value of a subscripted variable.

        A scalar, ``shape``, ``(N, *shape)`` or, a time path per element,
        ``(N, n_grid, *shape)``.
        """
        if array.ndim == 0:
            return np.broadcast_to(array, shape)
        if array.shape == shape or (array.ndim == len(shape) + 1 and array.shape[1:] == shape):
            return array
        if array.ndim == len(shape) + 2 and array.shape[1:] == (n_grid,) + shape:
            return array
        dims = ", ".join(map(str, shape))
        raise ValueError(
            f"value of the subscripted variable {key!r} must be a scalar, of shape "
            f"{shape} (every scenario), (N, {dims}) (one per scenario) or "
            f"(N, n_grid={n_grid}, {dims}) (one per scenario and grid time), "
            f"got shape {array.shape}"
        )

    def run(
        self,
        params: dict | None = None,
        n: int | None = None,
        *,
        initial_time: float | None = None,
        final_time: float | None = None,
        time_step: float | None = None,
        saveper: float | None = None,
        return_columns: list | None = None,
        seed: int = 0,
        first_scenario: int = 0,
        integration: str = "euler",
        kernel: str = "auto",
    ) -> dict:
        """Run N scenarios at once with Euler (default) or RK4 integration.

        Parameters
        ----------
        params : dict, optional
            Variable name (Vensim or Python) -> value: a scalar (all
            scenarios), shape ``(N,)`` (one per scenario) or ``(N, n_grid)``
            (one per scenario and grid time, see :meth:`grid_times`); a
            subscripted one ``dims``, ``(N, *dims)`` or ``(N, n_grid, *dims)``.
            Overridden constants also change the initial values of stocks
            that depend on them, as in PySD.
        n : int, optional
            Number of scenarios N; inferred from the arrays, else 1.
        initial_time, final_time, time_step, saveper : float, optional
            Control overrides [model time unit].
        return_columns : list of str, optional
            Variables to return; default all.
        seed : int, default 0
            Seed of the RANDOM functions that have no seed argument of their
            own (a non-zero seed argument fixes its call's stream, as in
            Vensim). Vensim's own generator is not reproduced: the draws
            follow the same distributions, not the same numbers.
        first_scenario : int, default 0
            Index of the first scenario in a larger run split into calls:
            scenario ``first_scenario + i`` has its own random stream, so
            results do not depend on how the run is split.
        integration : {"euler", "rk4"}, default "euler"
            Euler as PySD; RK4 is the classic four-stage Runge-Kutta (see
            :mod:`simulator.engine.batch.codegen` for DELAY FIXED and the
            other discrete structures).
        kernel : {"auto", "numpy", "fused"}, default "auto"
            What integrates: the generated NumPy loop, or the fused numba
            kernel (:mod:`simulator.engine.batch.fused`; the same numbers
            within 1e-12). ``auto`` takes the fused kernel where numba is
            installed, the model supported, the kernel already compiled (in
            this process or on disk: ``kernel="fused"`` compiles it) and the
            run at most :data:`FUSED_AUTO_MAX_RUNS` scenarios, where it is
            faster. :attr:`last_kernel` records the choice and, for the NumPy
            path, why.

        Returns
        -------
        dict
            Requested name -> array of shape ``(N, n_saved)``, in units of
            the variable; times are :meth:`output_times`.

        Raises
        ------
        KeyError
            For an unknown variable name.
        ValueError
            For inconsistent shapes, control variables in ``params`` or an
            overridden stock.
        """
        controls = self.control_values(initial_time, final_time, time_step, saveper)
        _check_streams(seed, first_scenario)
        return self._execute(controls, params, n, None, return_columns, kernel, int(seed),
                             int(first_scenario), integration)

    def _outputs(self, return_columns) -> tuple[list, list]:
        """Return the requested names and their Python names (all variables by default)."""
        names = self.variables if return_columns is None else list(return_columns)
        py_names = [self.resolve(name) for name in names]
        for name, py_name in zip(names, py_names):
            if self.program.kinds[py_name] == "lookup":
                raise ValueError(f"{name!r} is a lookup (a function of its argument), not a "
                                 "variable with values over time")
        return names, py_names

    def run_chunked(self, params: dict | None = None, n: int | None = None, *,
                    chunk_size: int = 1000, **kwargs) -> dict:
        """Like :meth:`run`, integrating at most ``chunk_size`` scenarios at a time.

        Results are identical to :meth:`run`; memory for intermediate values
        is bounded by the chunk size (one kernel serves every chunk).

        Parameters
        ----------
        params, n, **kwargs
            As for :meth:`run`.
        chunk_size : int, default 1000
            Scenarios per chunk.

        Returns
        -------
        dict
            As for :meth:`run`.
        """
        if not (isinstance(chunk_size, (int, np.integer)) and chunk_size >= 1):
            raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
        unexpected = (set(kwargs) - set(CONTROLS)
                      - {"return_columns", "seed", "first_scenario", "kernel", "integration"})
        if unexpected:
            raise TypeError(f"run_chunked() got unexpected keyword arguments {sorted(unexpected)}")
        controls = self.control_values(**{k: kwargs.get(k) for k in CONTROLS})
        seed, first_scenario = kwargs.get("seed", 0), kwargs.get("first_scenario", 0)
        _check_streams(seed, first_scenario)
        return self._execute(controls, params, n, chunk_size, kwargs.get("return_columns"),
                             kwargs.get("kernel", "auto"), int(seed), int(first_scenario),
                             kwargs.get("integration", "euler"))

    def _execute(self, controls, params, n, chunk_size, return_columns, kernel, seed, first,
                 integration="euler"):
        """Integrate ``n`` scenarios, at most ``chunk_size`` at a time (None: all at once)."""
        check_kernel(kernel)
        grid, save = clock(controls)
        n, fixed, varying = self._prepare(params, n, len(grid))
        names, py_names = self._outputs(return_columns)
        outputs = list(dict.fromkeys(py_names))
        chunk_size = chunk_size or n
        n_saved = int(sum(save))
        arrays = {key: np.asarray(value, dtype=float) for key, value in (params or {}).items()}
        ndims = {key: len(self._runner.shape(self.resolve(key))) for key in arrays}
        store, prepared = None, None
        for start in range(0, n, chunk_size):
            stop = min(start + chunk_size, n)
            if (start, stop) != (0, n):
                chunk = {k: (a[start:stop] if a.ndim > ndims[k] else a)
                         for k, a in arrays.items()}
                size, fixed, varying = self._prepare(chunk, stop - start, len(grid))
            else:
                size = n
            if store is None:  # one kernel for every chunk, chosen on the first
                prepared = self._fused_or_none(kernel, n, controls, grid, size, fixed, varying,
                                               integration)
                # chunks fill column ranges of the time-major result arrays
                store = (np.empty((len(outputs), n_saved, n)) if prepared is not None else
                         {py: np.empty((n_saved, n) + self._runner.shape(py)) for py in outputs})
            elif prepared is not None:
                prepared = fused.prepare(self._runner, controls, grid, size, fixed, varying, True)
            if prepared is not None:
                fused.run(*prepared, grid, save, size, varying, outputs, controls["time_step"],
                          store[:, :, start:stop])
            else:
                into = {py: store[py][:, start:stop] for py in outputs}
                self._runner.integrate(controls, grid, save, size, fixed, varying, outputs, into,
                                       seed=seed, first=first + start, method=integration)
        if prepared is not None:
            store = {py: store[r] for r, py in enumerate(outputs)}
        return {name: _scenario_first(store[py]) for name, py in zip(names, py_names)}

    def fused_support(self, fixed=(), varying=()) -> str | None:
        """Why the fused kernel cannot run this model (None if it can).

        Parameters
        ----------
        fixed, varying : iterable of str
            Python names overridden by constants and by time paths.
        """
        key = (frozenset(fixed), frozenset(varying))
        if key not in self._fused_reasons:
            reason = None
            if not fused.numba_available():
                reason = "numba is not installed"
            else:
                try:
                    fused.check_support(self._runner,
                                        self._runner.schedule(*key, self._runner.all_names))
                except FusedUnsupported as error:
                    reason = str(error)
            self._fused_reasons[key] = reason
        return self._fused_reasons[key]

    def _fused_or_none(self, kernel, n_total, controls, grid, n, fixed, varying,
                       integration="euler"):
        """Prepare the fused kernel if ``kernel`` selects it; record the kernel used and why."""
        reason = ("kernel='numpy' asked for" if kernel == "numpy"
                  else f"the fused kernel integrates by Euler only, not {integration}"
                  if integration != "euler" else self.fused_support(fixed, varying))
        if reason is None:
            if kernel == "auto" and n_total > FUSED_AUTO_MAX_RUNS:
                reason = (f"{n_total:,} runs: more than the {FUSED_AUTO_MAX_RUNS:,} for which "
                          "the fused kernel is faster")
            else:
                reason = self._prepare_fused(kernel, controls, grid, n, fixed, varying)
            if not isinstance(reason, (str, type(None))):
                return reason
        if kernel == "fused":
            raise ValueError(f"the fused kernel cannot run {self.path.name}: {reason}; "
                             "kernel='numpy' or 'auto' runs it on the NumPy path")
        self.last_kernel = ("numpy", reason)
        return None

    def _prepare_fused(self, kernel, controls, grid, n, fixed, varying):
        """Return the prepared fused run, or why there is none (``auto`` never compiles)."""
        try:
            prepared = fused.prepare(self._runner, controls, grid, n, fixed, varying,
                                     kernel == "fused")
        except FusedUnsupported as error:
            return str(error)
        except Exception as error:  # noqa: BLE001 - numba's or the file system's: say which
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            return f"the fused kernel could not be built ({type(error).__name__}: {first})"
        if prepared[0] is None:
            return ("the fused kernel is not compiled yet (kernel='fused' compiles it, once "
                    "per machine)")
        self.last_kernel = ("fused", fused.origin(prepared[1].source))
        return prepared

    def run_dataframe(self, params: dict | None = None, **kwargs) -> pd.DataFrame:
        """Run one scenario and return it as PySD does.

        Parameters
        ----------
        params : dict, optional
            As for :meth:`run`, with N = 1.
        **kwargs
            Control overrides and ``return_columns`` as for :meth:`run`.

        Returns
        -------
        pandas.DataFrame
            Index ``Time`` (:meth:`output_times`), one column per variable.
        """
        results = self.run(params, 1, **kwargs)
        controls = {k: kwargs.get(k) for k in CONTROLS}
        index = pd.Index(self.output_times(**controls), name="Time")
        columns = {}
        for name, values in results.items():
            dims = self.program.dims.get(self.resolve(name))
            if not dims:
                columns[name] = values[0]
                continue
            # PySD's columns: one per cell, "name[a,b]", the last subscript varying fastest
            for cell in np.ndindex(values.shape[2:]):
                label = ",".join(elements[i] for (_, elements), i in zip(dims, cell))
                columns[f"{name}[{label}]"] = values[(0, slice(None)) + cell]
        return pd.DataFrame(columns, index=index)


def check_kernel(kernel) -> str:
    """Return ``kernel`` if it is one of :data:`KERNELS`, else raise ValueError naming them."""
    if kernel not in KERNELS:
        raise ValueError(f"{kernel!r} is not a valid kernel{did_you_mean(str(kernel), KERNELS)}."
                         f" It must be one of {list(KERNELS)}")
    return kernel


def _check_streams(seed, first_scenario) -> None:
    """Refuse a seed or first scenario index that is not a non-negative integer."""
    for name, value in (("seed", seed), ("first_scenario", first_scenario)):
        if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool)
                and value >= 0):
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def _scenario_first(result: np.ndarray) -> np.ndarray:
    """Return a time-major result ``(n_saved, N, *shape)`` as ``(N, n_saved, *shape)``."""
    return result.T if result.ndim == 2 else np.moveaxis(result, 0, 1)
