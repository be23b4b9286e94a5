"""Batch sweeps: a design of lever and parameter values, run in chunks, analysed.

``python -m simulator sweep SPEC.yaml --out DIR`` runs a spec
(:mod:`simulator.sweep.spec`) with a design (:mod:`simulator.sweep.design`)
on a local process pool, in-process or on Dask (:mod:`simulator.sweep.run`),
streams each chunk's results to a Parquet file (:mod:`simulator.sweep.store`)
and analyses them (:mod:`simulator.sweep.analysis`).
"""

from simulator.engine.dispatch import DaskUnavailableError
from simulator.sweep.design import make_design
from simulator.sweep.run import run_sweep
from simulator.sweep.spec import METHODS, SweepSpec, load_spec, spec_from_dict
from simulator.sweep.store import load_results

__all__ = [
    "METHODS",
    "DaskUnavailableError",
    "SweepSpec",
    "load_results",
    "load_spec",
    "make_design",
    "run_sweep",
    "spec_from_dict",
]
