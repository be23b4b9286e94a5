"""Vectorised batch engine: many scenarios of one Vensim model at once.

Built from PySD's translator output (its abstract model), evaluated with
NumPy along a leading scenario axis with Euler integration and output
sampling exactly as Vensim and PySD do. PySD remains the reference
implementation; constructs the engine lacks raise
:class:`UnsupportedConstructError` so that callers can fall back to PySD.

Examples
--------
>>> import numpy as np
>>> from simulator.engine.batch import compile_model
>>> model = compile_model("simulator/models/regional_innovation.mdl")  # doctest: +SKIP
>>> out = model.run({"Some Constant": np.linspace(0, 1, 100)})  # doctest: +SKIP
"""

from .errors import UnsupportedConstructError
from .model import BatchModel, compile_model

__all__ = ["BatchModel", "UnsupportedConstructError", "compile_model"]
