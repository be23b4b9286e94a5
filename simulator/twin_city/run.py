"""Run the twin-city model and return per-region indicators.

:func:`run_twin` takes coupling strengths (Region x Partner matrices or
per-region vectors, by the names of :data:`simulator.twin_city.coupling.STRENGTHS`)
and per-region lever paths, and returns one indicator frame per region. Each
region's levers default to its baseline scenario's paths, so with no
strengths the run is the six baselines side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator import catalogue
from simulator.engine.model import LoadedModel, load_model, time_grid
from simulator.levers import LeverPath
from simulator.twin_city import handoff
from simulator.twin_city.coupling import STRENGTHS
from simulator.twin_city.generate import TWIN_MODEL
from simulator.twin_city.regions import REGIONS, START_YEAR, lever_paths

END_YEAR = 2035
TIME_STEP = 0.0625

#: Coupling outputs reported per region beside the core indicators (Vensim names).
FLOWS = {
    "tech_contracts_sold_to_circle": "Tech contracts sold to circle",
    "tech_contracts_absorbed": "Tech contracts absorbed",
    "smes_moved_in": "SMEs moved in",
    "smes_moved_out": "SMEs moved out",
    "htes_moved_in": "HTEs moved in",
    "htes_moved_out": "HTEs moved out",
    "shared_joint_platforms": "Shared joint platforms",
    "spillover_rd_capital": "Spillover RD capital",
}


#: Vensim names of the coupling strengths.
STRENGTH_VENSIM = {
    "contract_trade_share": "Contract trade share",
    "collaboration_tie": "Collaboration tie",
    "sme_relocation_rate": "SME relocation rate",
    "hte_relocation_rate": "HTE relocation rate",
    "joint_platform_construction": "Joint platform construction",
    "collaboration_projects": "Collaboration projects",
    "cross_region_contract_subsidy": "Cross region contract subsidy",
}


#: Dimensions of each strength's Vensim variable, to tell a constant from a path.
_DIMS = {v: "Region, Partner" if STRENGTHS[k][0] == 2 else "Region"
         for k, v in STRENGTH_VENSIM.items()}


@dataclass
class TwinResults:
    """A twin-city run: per region a frame of indicators by year, and the contract matrix."""

    frames: dict[str, pd.DataFrame]
    contracts: np.ndarray  # (years, seller, buyer) 亿元/Year

    def indicator(self, name: str) -> pd.DataFrame:
        """Return one indicator, a column per region."""
        return pd.DataFrame({r: f[name] for r, f in self.frames.items()})


def twin_model() -> LoadedModel:
    """Return the generated twin-city model (loaded once per process)."""
    return load_model(TWIN_MODEL)


def check_strengths(strengths: dict[str, object]) -> dict[str, np.ndarray]:
    """Validate coupling strengths: known names, shapes, ranges, zero diagonals.

    Raises
    ------
    ValueError
        One line naming the bad entry and the valid choices.
    """
    out = {}
    n = len(REGIONS)
    for name, value in strengths.items():
        if name not in STRENGTHS:
            raise ValueError(f"unknown coupling strength {name!r} (valid: {sorted(STRENGTHS)})")
        dims, unit, (low, high) = STRENGTHS[name]
        array = np.asarray(value, dtype=float)
        shape = (n, n) if dims == 2 else (n,)
        if array.shape[-len(shape):] != shape or not len(shape) <= array.ndim <= len(shape) + 2:
            raise ValueError(f"{name} must have shape {shape} (regions {list(REGIONS)}), "
                             f"(N, {', '.join(map(str, shape))}) or (N, n_grid, ...), "
                             f"got {array.shape}")
        if not np.all(np.isfinite(array)) or array.min() < low or array.max() > high:
            raise ValueError(f"{name} must lie in [{low}, {high}] {unit}, got "
                             f"[{array.min()}, {array.max()}]")
        if dims == 2 and np.any(np.diagonal(array, axis1=-2, axis2=-1) != 0):
            raise ValueError(f"{name}: a region does not trade with itself; set the diagonal to 0")
        out[name] = array
    return out


def lever_inputs(grid: np.ndarray, levers: dict[str, dict[str, LeverPath]] | None = None
                 ) -> dict[str, np.ndarray]:
    """Per core lever, a ``(1, n_grid, regions)`` path: the baseline's unless ``levers`` says.

    With them, the hand-over paths of :mod:`simulator.twin_city.handoff` (the
    regions' own delayed outputs over the first years), by Vensim name.
    """
    levers = levers or {}
    unknown = set(levers) - set(REGIONS)
    if unknown:
        raise ValueError(f"unknown regions {sorted(unknown)} (valid: {list(REGIONS)})")
    paths = {r: {**lever_paths(r), **levers.get(r, {})} for r in REGIONS}
    names = sorted({name for p in paths.values() for name in p})
    defaults = catalogue.levers(load_model())
    out = {}
    for name in names:
        if name not in defaults:
            raise ValueError(f"unknown lever {name!r} (valid: {sorted(defaults)})")
        columns = [paths[r][name].over_steps(grid) if name in paths[r]
                   else np.full(len(grid), defaults[name].default) for r in REGIONS]
        out[name] = np.stack(columns, axis=-1)[None]
    # each region's own DELAY FIXED output until one delay after the start (handoff.py)
    out.update(handoff.paths_on(grid, handoff.baseline_state()[1]))
    return out


def run_twin(strengths: dict[str, object] | None = None, *,
             levers: dict[str, dict[str, LeverPath]] | None = None,
             indicators: list[str] | None = None, engine: str = "batch",
             end_year: int = END_YEAR, lever_paths_on: bool = True,
             saveper: float = 1.0) -> TwinResults:
    """Run the circle once and return its per-region indicators.

    Parameters
    ----------
    strengths : dict, optional
        Coupling strengths by name (:data:`STRENGTHS`); all 0 by default.
    levers : dict, optional
        Region -> lever name -> :class:`LeverPath`, over the baseline's.
    indicators : list of str, optional
        Catalogued indicators; all by default. The flows of :data:`FLOWS` are added.
    engine : {"batch", "pysd"}
        PySD runs constant inputs only (the file's values): time paths of
        subscripted levers are a batch-engine feature.
    saveper : float, default 1.0
        Saving interval [year]; ``TIME_STEP`` saves every step (years are then floats).
    lever_paths_on : bool, default True
        Pass the baseline lever paths; ``False`` runs the levers' values in
        the file (their value in the first year), as PySD does.
    """
    if engine not in ("batch", "pysd"):
        raise ValueError(f"unknown engine {engine!r} (valid: 'batch', 'pysd')")
    model = twin_model()
    entries = catalogue.indicators(load_model())
    names = list(indicators) if indicators is not None else list(entries)
    columns = {**{n: entries[n].vensim_name for n in names}, **FLOWS}
    grid = time_grid(START_YEAR, end_year, TIME_STEP)
    inputs: dict[str, object] = dict(check_strengths(strengths or {}))
    if engine == "batch" and lever_paths_on:
        inputs.update(lever_inputs(grid, levers))
    elif levers:
        raise ValueError("lever paths per region need engine='batch' and lever_paths_on")
    inputs = {STRENGTH_VENSIM.get(k, k): v for k, v in inputs.items()}
    if engine == "pysd":
        paths = [k for k, v in inputs.items() if np.ndim(v) > (1 if "Partner" not in
                                                                 _DIMS.get(k, "") else 2)]
        if paths:
            raise ValueError(f"PySD runs one case with constant strengths; {paths} vary by case"
                             " or over time: use engine='batch'")
        return _run_pysd(model, inputs, columns, end_year)
    wanted = list(columns.values()) + ["Contracts sold to partner"]
    years, out = run_batch(inputs, wanted, 1, end_year=end_year, saveper=saveper)
    index = pd.Index(years, name="year")
    frames = {r: pd.DataFrame({n: out[c][0, :, i] for n, c in columns.items()}, index=index)
              for i, r in enumerate(REGIONS)}
    return TwinResults(frames=frames, contracts=out["Contracts sold to partner"][0])


def run_batch(inputs: dict, columns: list[str], n: int, *, end_year: int = END_YEAR,
              saveper: float = 1.0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run ``n`` cases of the circle on the batch engine (inputs by Vensim name).

    Returns the saved years (int when yearly) and, per column, an array
    ``(n, years, regions...)``.
    """
    batch, _ = twin_model().batch_model()
    out = batch.run(inputs, n=n, initial_time=START_YEAR, final_time=end_year,
                    time_step=TIME_STEP, saveper=saveper, return_columns=columns)
    years = batch.output_times(initial_time=START_YEAR, final_time=end_year,
                               time_step=TIME_STEP, saveper=saveper)
    return (np.rint(years).astype(int) if saveper == 1.0 else years), out


def _run_pysd(model: LoadedModel, inputs: dict, columns: dict, end_year: int) -> TwinResults:
    """Run on PySD, passing the file's per-region constants at full precision.

    PySD's translation writes a list of constants with 8 decimals
    (``0.12857875485523748`` becomes ``0.12857875``), which moves GDP by about
    5e-9 a year; passed as parameters, the values are the file's.
    """
    import xarray as xr

    from simulator.twin_city.generate import region_constants

    region = xr.DataArray(np.zeros(len(REGIONS)), dims=["Region"],
                          coords={"Region": list(REGIONS)})
    params = {model.py_name(name): region + np.asarray(values)
              for name, values in region_constants().items() if len(set(values)) > 1}
    for name, value in inputs.items():
        dims = ["Region", "Partner"][: np.ndim(value)]
        coords = {"Region": list(REGIONS), "Partner": list(REGIONS)}
        params[model.py_name(name)] = xr.DataArray(np.asarray(value, float), dims=dims,
                                    coords={d: coords[d] for d in dims})
    wanted = list(columns.values()) + ["Contracts sold to partner"]
    frame = model.run(params, return_columns=wanted, initial_time=START_YEAR,
                      final_time=end_year, time_step=TIME_STEP, saveper=1.0)
    index = pd.Index(np.rint(frame.index.to_numpy(float)).astype(int), name="year")
    frames = {r: pd.DataFrame({n: frame[f"{c}[{r}]"].to_numpy(float)
                               for n, c in columns.items()}, index=index) for r in REGIONS}
    contracts = np.stack([[frame[f"Contracts sold to partner[{s},{b}]"].to_numpy(float)
                           for b in REGIONS] for s in REGIONS]).transpose(2, 0, 1)
    return TwinResults(frames=frames, contracts=contracts)
