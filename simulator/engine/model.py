"""Load a Vensim model once and expose its structure and defaults.

The PySD translation is cached on disk by the model file's content hash
(:func:`simulator.engine.simulate.load_pysd_model`) and the loaded model is kept in
memory per hash, so a scenario run never re-translates or re-imports the
model: it runs on a cheap copy of the loaded one.
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from simulator.engine.simulate import run_pysd
from simulator.engine.timegrid import time_grid as time_grid  # re-exported
from simulator.engine.translation import file_sha256, load_pysd_model
from simulator.paths import CORE_MODEL

#: The project's core model.
CORE_MODEL_PATH = CORE_MODEL

#: Control variables of every Vensim model; not parameters a scenario may set.
CONTROL_NAMES = ("initial_time", "final_time", "time_step", "saveper")

_LOADED: dict[str, "LoadedModel"] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class VariableInfo:
    """One model variable as documented in the model file.

    Attributes
    ----------
    vensim_name, py_name : str
        Name in the ``.mdl`` file and PySD's Python name.
    unit : str
        Vensim units of the variable.
    minimum, maximum : float
        Valid range from the ``[min,max]`` of the units field (NaN when open).
    kind : str
        PySD's type: ``Constant``, ``Auxiliary``, ``Stateful``, ``Lookup``...
    comment : str
        The variable's documentation: its source or "assumption: reason".
    """

    vensim_name: str
    py_name: str
    unit: str
    minimum: float
    maximum: float
    kind: str
    comment: str


@dataclass
class LoadedModel:
    """A translated model, loaded once, with its documentation.

    Use :func:`load_model` to get one; it is shared, so never change
    ``pysd_model`` in place: :meth:`run` works on a copy.
    """

    path: Path
    sha256: str
    pysd_model: object = field(repr=False)

    @cached_property
    def variables(self) -> dict[str, VariableInfo]:
        """Every documented variable, keyed by PySD Python name."""
        doc = self.pysd_model.doc
        out = {}
        for row in doc.to_dict("records"):
            if not isinstance(row.get("Real Name"), str) or row["Py Name"] == "time":
                continue
            low, high = row.get("Limits") or (math.nan, math.nan)
            out[row["Py Name"]] = VariableInfo(
                vensim_name=row["Real Name"],
                py_name=row["Py Name"],
                unit=row["Units"] if isinstance(row["Units"], str) else "",
                minimum=float(low) if low is not None else math.nan,
                maximum=float(high) if high is not None else math.nan,
                kind=str(row["Type"]),
                comment=row["Comment"] if isinstance(row["Comment"], str) else "",
            )
        return out

    @cached_property
    def constants(self) -> dict[str, float]:
        """Default value of every constant (control variables excluded)."""
        values = {}
        for name, info in self.variables.items():
            if info.kind == "Constant" and name not in CONTROL_NAMES:
                values[name] = float(getattr(self.pysd_model.components, name)())
        return values

    @cached_property
    def control(self) -> dict[str, float]:
        """Default ``initial_time``, ``final_time``, ``time_step``, ``saveper``."""
        comps = self.pysd_model.components
        return {name: float(getattr(comps, name)()) for name in CONTROL_NAMES}

    @cached_property
    def _py_names(self) -> dict[str, str]:
        names = {name: name for name in self.variables}
        names.update({info.vensim_name.lower(): name for name, info in self.variables.items()})
        return names

    def py_name(self, name: str) -> str:
        """PySD's Python name of a variable given its Vensim (any case) or Python name.

        Raises
        ------
        KeyError
            If the model has no such variable.
        """
        found = self._py_names.get(name) or self._py_names.get(name.lower())
        if found is None:
            raise KeyError(f"{self.path.name} has no variable {name!r}")
        return found

    @cached_property
    def dependencies(self) -> dict:
        """PySD's dependency map: each variable's Python name to what it reads."""
        return self.pysd_model.dependencies

    @cached_property
    def stock_names(self) -> list[str]:
        """Vensim names of the stocks (INTEG, SMOOTH and DELAY outputs), sorted.

        ``INITIAL`` values are stateful in PySD but constant after the start;
        they are not included.
        """
        doc = self.pysd_model.doc
        rows = doc[(doc["Type"] == "Stateful") & (doc["Subtype"] != "Initial")]
        return sorted(rows["Real Name"])

    @cached_property
    def equations(self) -> dict[str, str]:
        """Each variable's equation as written in the model file, by Vensim name."""
        from simulator.engine.translation import vensim_equations

        return vensim_equations(self.path)

    def batch_model(self):
        """Return the compiled batch engine for this model, or ``(None, reason)``.

        Returns
        -------
        (BatchModel or None, str)
            The engine (compiled once, cached) and, when it cannot compile
            the model, the reason naming the variable and construct.
        """
        if not hasattr(self, "_batch"):
            from simulator.engine.batch import UnsupportedConstructError, compile_model

            try:
                self._batch = (compile_model(self.path), "")
            except UnsupportedConstructError as error:
                self._batch = (None, str(error))
        return self._batch

    def run(
        self,
        params: dict[str, float | pd.Series],
        *,
        initial_time: float,
        final_time: float,
        time_step: float,
        saveper: float = 1.0,
        return_columns: list[str] | None = None,
    ) -> pd.DataFrame:
        """Run the model with PySD on a copy of the loaded model.

        Parameters
        ----------
        params : dict
            Constant overrides by Python name; a ``pandas.Series`` indexed by
            time gives a time-varying value, interpolated by PySD between its
            points.
        initial_time, final_time, time_step, saveper : float
            Control settings [model time unit].
        return_columns : list of str, optional
            Vensim or Python names to return; all variables when omitted.

        Returns
        -------
        pandas.DataFrame
            One row per saved time.
        """
        model = self.pysd_model.copy()
        with warnings.catch_warnings():
            # Expected: lever paths replace constants by time series.
            warnings.filterwarnings(
                "ignore", message="Replacing a constant value with a time-dependent value"
            )
            # Initialise at the scenario's own start: PySD's initial_condition=(t, {})
            # initialises at the file's INITIAL TIME and only then moves the clock,
            # so INITIAL() of a time-varying lever would read the wrong year.
            model.set_components(params)
            model.time.set_control_vars(
                initial_time=initial_time, final_time=final_time, time_step=time_step,
                saveper=saveper,
            )
            model.initialize()
            return run_pysd(
                model,
                initial_condition="current",
                final_time=final_time,
                time_step=time_step,
                saveper=saveper,
                return_columns=return_columns,
            )


def load_model(path: str | os.PathLike | None = None) -> LoadedModel:
    """Load a Vensim model once per content hash and return the shared object.

    Parameters
    ----------
    path : str or os.PathLike, optional
        Model file; the core model ``simulator/models/regional_innovation.mdl`` when
        omitted.

    Returns
    -------
    LoadedModel

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If PySD cannot translate it.
    """
    model_path = Path(path) if path is not None else CORE_MODEL_PATH
    if model_path.is_dir():
        raise IsADirectoryError(f"model file '{model_path}' is a directory, not a model file")
    if not model_path.is_file():
        raise FileNotFoundError(f"model file not found: '{model_path}'")
    digest = file_sha256(model_path)
    with _LOCK:
        if digest not in _LOADED:
            _LOADED[digest] = LoadedModel(
                path=model_path.resolve(), sha256=digest, pysd_model=load_pysd_model(model_path)
            )
        return _LOADED[digest]
