"""Money units: the power of 亿元 in a unit, and inputs rescaled to another money unit."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from simulator.engine.model import LoadedModel, load_model
from simulator.engine.units_algebra import parse_units

#: Money unit of the core model; every money-valued variable carries it.
MONEY_UNIT = "亿元"
#: 1 亿元 = 10,000 万元 (definition of the units).
WAN_YUAN_PER_YI_YUAN = 1e4


def money_exponent(unit: str) -> int:
    """Power of 亿元 in a Vensim unit string (``项/(亿元*Year)`` gives -1)."""
    if not unit:
        return 0
    power = dict(parse_units(unit).powers).get(MONEY_UNIT, Fraction(0))
    if power.denominator != 1:
        raise ValueError(f"unit {unit!r} has a fractional power of {MONEY_UNIT}")
    return int(power)


def rescale_money(inputs: dict, factor: float = WAN_YUAN_PER_YI_YUAN,
                  model: LoadedModel | None = None) -> dict:
    """Express every money-valued constant and lever in a smaller money unit.

    Each constant is multiplied by ``factor ** p``, where ``p`` is the power
    of 亿元 in its Vensim unit (so 亿元/Year is multiplied, 项/(亿元*Year)
    divided). Constants missing from ``inputs`` are added at their scaled
    default.
    """
    model = model or load_model()
    out = dict(inputs)
    for name, default in model.constants.items():
        power = money_exponent(model.variables[name].unit)
        if power:
            value = out.get(name, default)
            multiplier = factor**power
            out[name] = (np.asarray(value, float) if np.ndim(value) else value) * multiplier
    return out
