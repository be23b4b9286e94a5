"""The fused kernel: written once per schedule, compiled by numba, cached on disk.

A kernel's source (:mod:`simulator.engine.batch.fused_codegen`) is written to
``cache_root()/fused-kernels-numba-<version>/k_<sha256>.py``, named by the
SHA-256 of its text, and imported from there; numba's ``cache=True`` keeps
the machine code in ``__pycache__`` beside it, so another process that needs
the same kernel loads it instead of compiling (numba checks the file's
timestamp, which is why a kernel file is written once and never rewritten).

Initial values and states come from the NumPy path (:meth:`Runner.initial_state`
on the schedule of every variable), so both kernels start from the same
numbers; the kernel then runs the steps.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

from simulator.paths import cache_root

from .compiler import CLOCK
from .fused_codegen import write_kernel
from .fused_source import FusedUnsupported, check_expr, check_program, check_stateful

#: numba's default threading layer (workqueue) must not be entered by two threads at
#: once (the app serves sessions in threads): kernels run one at a time per process.
_LAUNCH = threading.Lock()
#: Runs per thread below which a kernel runs on fewer threads (see :func:`run`).
RUNS_PER_THREAD = 512
#: Loaded kernels by source digest, and whether each was compiled here or loaded.
_KERNELS: dict = {}
_ORIGIN: dict = {}


def numba_available() -> bool:
    """Tell whether numba can be imported (without importing it)."""
    return importlib.util.find_spec("numba") is not None


def kernel_dir() -> Path:
    """Folder of the generated kernels and numba's cache of them."""
    import numba

    return cache_root() / f"fused-kernels-numba-{numba.__version__}"


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:32]


def is_compiled(source: str) -> bool:
    """Tell whether the kernel of ``source`` is loaded here or in numba's disk cache."""
    digest = _digest(source)
    if digest in _KERNELS:
        return True
    return any((kernel_dir() / "__pycache__").glob(f"k_{digest}.kernel-*.nbi"))


def load(source: str):
    """Return the kernel of ``source``: loaded, read from numba's cache, or compiled."""
    digest = _digest(source)
    if digest in _KERNELS:
        return _KERNELS[digest]
    folder = kernel_dir()
    path = folder / f"k_{digest}.py"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".py", dir=folder)
        with os.fdopen(handle, "w") as out:
            out.write(source)
        os.replace(tmp, path)
    name = f"_innovation_dynamics_k_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba's cache finds the kernel's globals by module name
    spec.loader.exec_module(module)  # the explicit signature compiles (or loads) now
    kernel = module.kernel
    _ORIGIN[digest] = "disk cache" if kernel.stats.cache_hits else "compiled"
    _KERNELS[digest] = kernel
    return kernel


def origin(source: str) -> str | None:
    """``"compiled"`` or ``"disk cache"`` for a kernel loaded in this process, else None."""
    return _ORIGIN.get(_digest(source))


def check_support(runner, schedule) -> None:
    """Raise :class:`FusedUnsupported` if a kernel of ``schedule`` cannot be written."""
    program = runner.program
    check_program(program)
    for node in schedule.dynamic_order:
        if node in program.statefuls:
            stateful = program.statefuls[node]
            check_stateful(stateful)
            for arg in stateful.args.values():
                check_expr(arg, stateful.name)
        elif node in program.exprs:
            check_expr(program.exprs[node], program.names.get(node, node))


def _pack_states(layout, states: dict, n: int) -> tuple[np.ndarray, list]:
    """Return the ``(slots, n)`` state rows and the DELAY FIXED arrays (pipe, pointer, order)."""
    rows = sum(count for _, count in layout.slots.values())
    s = np.empty((rows, n))
    for node, (first, count) in layout.slots.items():
        state = states[node]
        if node in layout.fixed_delays:
            s[first] = state[3]
        elif isinstance(state, tuple):  # DELAY N: stages, then the stages' delay times
            s[first:first + count] = np.concatenate(state)
        else:
            s[first:first + count] = state
    delays = []
    for node in layout.fixed_delays:
        pipe, pointer, order, _ = states[node]
        if isinstance(pointer, int):  # one order for all: slots are rows of the pipe
            delays += [np.ascontiguousarray(pipe.T), np.full(n, pointer, dtype=np.int64),
                       np.full(n, order, dtype=np.int64)]
        else:
            delays += [np.array(pipe, dtype=float, order="C"), pointer.astype(np.int64),
                       np.asarray(order, dtype=np.int64)]
    return s, delays


def prepare(runner, controls, grid, n, fixed, varying, compile_ok: bool):
    """Initialise a fused run; return ``(kernel, layout, v, states)``, kernel None if not built.

    The kernel is None when it is neither loaded nor on disk and ``compile_ok``
    is false (the caller then runs the NumPy path).
    """
    key = (frozenset(fixed), frozenset(varying))
    schedule = runner.schedule(key[0], key[1], runner.all_names)
    with np.errstate(all="ignore"):
        v, states = runner.initial_state(schedule, controls, grid, n, fixed, varying)
    bools = frozenset(k for k, value in v.items()
                      if isinstance(value, (bool, np.bool_, np.ndarray))
                      and np.asarray(value).dtype == np.bool_)
    shapes = tuple((node, np.shape(state[0] if isinstance(state, tuple) else state))
                   for node, state in states.items())
    layout_key = key + (shapes, bools)
    layout = runner.layouts.get(layout_key)
    if layout is None:
        layout = write_kernel(runner.program, schedule, varying, CLOCK, states, bools)
        runner.layouts[layout_key] = layout
    if not (compile_ok or is_compiled(layout.source)):
        return None, layout, v, states
    return load(layout.source), layout, v, states


def run(kernel, layout, v, states, grid, save, n, varying, outputs, dt, out=None) -> dict:
    """Run a prepared kernel; return ``{name: (n_saved, n) array}`` (views of ``out``).

    ``out`` is an ``(len(outputs), n_saved, n)`` array to fill (e.g. a column
    range of a larger one); default a new one.
    """
    n_saved = int(np.sum(save))
    if out is None:
        out = np.empty((len(outputs), n_saved, n))
    c = np.empty((len(layout.static), n))
    for r, node in enumerate(layout.static):
        c[r] = v[node]
    s, delays = _pack_states(layout, states, n)
    paths = [np.ascontiguousarray(varying[node], dtype=float) for node in layout.paths]
    where = {node: r for r, node in enumerate(layout.dynamic)}
    rows = np.full(len(layout.dynamic), -1, dtype=np.int64)
    for r, name in enumerate(outputs):
        if name in where:
            rows[where[name]] = r
    import numba

    with _LAUNCH:
        # Waking the pool's threads costs more than a few runs (27 ms for one run on the
        # loaded 2-core machine, 1.2 ms on the calling thread): one thread per block of
        # RUNS_PER_THREAD runs, at most numba's thread count.
        numba.set_num_threads(max(1, min(numba.config.NUMBA_NUM_THREADS,
                                         n // RUNS_PER_THREAD)))
        kernel(n, c, s, np.asarray(grid, dtype=float), np.asarray(save, dtype=np.bool_),
               float(dt), out, rows, *paths, *delays)
    for r, name in enumerate(outputs):
        if name not in where:
            out[r] = v[name]
    return {name: out[r] for r, name in enumerate(outputs)}


__all__ = ["FusedUnsupported", "check_support", "is_compiled", "load", "numba_available",
           "origin", "prepare", "run"]
