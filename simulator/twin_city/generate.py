"""Generate the twin-city model (``models/twin_city.mdl``) from the core model.

``python -m simulator.twin_city.generate [--check]`` reads the core model,
subscripts every variable but the four control variables by ``Region``, gives
each constant one value per region (the region's profile, baseline parameters
and levers, see :mod:`simulator.twin_city.regions`), adds the coupling
equations of :mod:`simulator.twin_city.coupling` and writes the file. Nothing
lists the core model's variables: a variable added to the core model is
subscripted the next time this runs; ``--check`` (and a test) fails when the
shipped file is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.engine.model import load_model
from simulator.engine.timegrid import time_grid
from simulator.paths import CORE_MODEL, MODELS_DIR
from simulator.twin_city import coupling, handoff
from simulator.twin_city.mdl_text import (
    CONTROLS,
    Block,
    add_to_integ,
    call_arguments,
    canonical,
    name_pattern,
    parse,
    rewrite,
)
from simulator.twin_city.regions import REGIONS, START_YEAR, lever_paths, start_values

TWIN_MODEL = MODELS_DIR / "twin_city.mdl"
PER_REGION = ("Twin city: one value per region, from its profile and baseline scenario \\\n"
              "\t\t(simulator/twin_city/regions.py). Core model:")


def region_constants(core_path: Path = CORE_MODEL) -> dict[str, list[float]]:
    """Per constant (canonical Vensim name), its value in each region, in :data:`REGIONS` order.

    Levers take their baseline path's value over the first step; the runner
    passes the whole path (:mod:`simulator.twin_city.run`).
    """
    model = load_model(core_path)
    vensim = {py: info.vensim_name for py, info in model.variables.items()}
    defaults = model.constants
    grid = time_grid(START_YEAR, START_YEAR + 1, 1.0)
    table: dict[str, list[float]] = {}
    for region in REGIONS:
        values = dict(start_values(region))
        values.update({k: float(p.over_steps(grid)[0]) for k, p in lever_paths(region).items()})
        for py, default in defaults.items():
            table.setdefault(canonical(vensim[py]), []).append(float(values.get(py, default)))
        unknown = set(values) - set(defaults)
        if unknown:
            raise ValueError(f"{region}: values for names the core model lacks: {sorted(unknown)}")
    constants, paths = handoff.baseline_state(core_path)
    for name, value in constants.items():
        table[canonical(name)] = [float(v) for v in value[0]]
    for name, path in paths.items():  # the file holds the first step's value (PySD keeps it)
        table[canonical(name)] = [float(v) for v in path[0, 0]]
    return table


def _handoff_blocks(blocks: list[Block], values: dict[str, list[float]]) -> str:
    """Return the per-region constants each region hands over from its own run (handoff.py)."""
    steps = handoff.plan_of_blocks(blocks)
    units = {b.key: b.units.split("[")[0].strip() for b in blocks if b.name}
    source = {handoff.START_YEAR_NAME: ("Year", "The region's base year (its profile's): "
                                               "Time - INITIAL TIME reads from it.")}
    for name in steps.stocks + steps.smooths:
        source[f"{name} at circle start"] = (units[canonical(name)], f"{name} in "
                                             f"{START_YEAR}, from the region's own run.")
    for name, expr in steps.initials.items():
        first = name_pattern(units).search(expr) if not handoff.is_whole_initial(name, blocks) \
            else None
        unit = units[canonical(first.group(1))] if first else units[canonical(name)]
        source[f"{name} initial value"] = (unit, f"INITIAL({expr}) of {name}, in the region's"
                                           " base year.")
    for name in steps.delays:
        source[f"{name} handed over"] = (units[canonical(name)], f"{name} of the region's own "
                                         "run, a time path until one delay after the start "
                                         "(first value here).")
    out = ["********************************************************\n\t.Twin city start\n"
           "********************************************************~\n\t\tEach region from "
           "its own base year (simulator/twin_city/handoff.py).\n\t|"]
    for name, (unit, comment) in source.items():
        per_region = values[canonical(name)]
        rhs = (_number(per_region[0]) if len(set(per_region)) == 1
               else ", ".join(_number(v) for v in per_region))
        out.append(f"{name}[Region]=\n\t{rhs}\n\t~\t{unit}\n\t~\t{comment}\n\t|")
    return "\n\n".join(out)


def scalar_constants(blocks: list[Block], values: dict[str, list[float]]) -> set[str]:
    """Constants kept unsubscripted: the delay times of DELAY FIXED.

    PySD needs a scalar delay time there (it sizes the pipeline from it), so
    such a constant stays one value for every region; it must be a constant
    the regions share.
    """
    constants = {b.key for b in blocks if b.is_constant}
    shared = set()
    for block in blocks:
        for args in call_arguments(block.rhs, "DELAY FIXED"):
            delay = canonical(args[1]) if len(args) == 3 else None
            if delay not in constants:
                raise ValueError(f"{block.name}: the delay time of DELAY FIXED must be a constant "
                                 f"of the core model (PySD needs a scalar), got {args!r}")
            if len(set(values[delay])) > 1:
                raise ValueError(f"{block.name}: the DELAY FIXED delay {args[1]!r} differs "
                                 f"between regions {values[delay]}; PySD needs one value")
            shared.add(delay)
    return shared


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _equation(name: str, rhs: str, block: Block) -> str:
    return f"{name}=\n\t{rhs}\n\t~\t{block.units}\n\t~\t{block.comment}\n\t|"


def generate(core_path: Path = CORE_MODEL) -> str:
    """Return the text of the twin-city model generated from ``core_path``."""
    header, blocks = parse(core_path.read_text(encoding="utf-8"))
    names = [b.name for b in blocks if b.name and b.key not in CONTROLS]
    keys = {canonical(n) for n in names}
    for target in [*coupling.INTEG_TERMS, *coupling.ADDED_TERMS, *coupling.REPLACED_REFS]:
        if target not in keys:
            raise ValueError(f"the core model has no variable {target!r}, which the twin-city "
                             "coupling changes: update simulator/twin_city/coupling.py")
    values = region_constants(core_path)
    shared = scalar_constants(blocks, values)
    pattern = name_pattern([n for n in names if canonical(n) not in shared])
    out = [header, coupling.DIMENSIONS]
    for block in blocks:
        if block.name is None:
            out.append(block.text + "\n\t|")
            continue
        key = block.key
        if key in CONTROLS:
            text = block.text
            if key == "initial time":
                text = _equation(block.name, str(START_YEAR), block).replace(
                    "(the region's base year)", "(the circle's common start year)")
            out.append(text if text.endswith("|") else text + "\n\t|")
            continue
        if key in shared:
            out.append(block.text if block.text.endswith("|") else block.text + "\n\t|")
            continue
        if block.lookup:  # the same table in every region
            out.append(f"{block.name}[Region]{block.rhs}\n\t~\t{block.units}\n\t~\t"
                       f"{block.comment}\n\t|")
            continue
        if block.is_constant:
            per_region = values[key]
            rhs = (_number(per_region[0]) if len(set(per_region)) == 1
                   else ", ".join(_number(v) for v in per_region))
            if len(set(per_region)) > 1:  # the core model's default no longer applies
                block = Block(text=block.text, name=block.name, rhs=block.rhs,
                              units=block.units, comment=f"{PER_REGION} {block.comment}")
        else:
            refs = coupling.REPLACED_REFS.get(key, {})
            rhs = rewrite(block.rhs, pattern,
                          lambda c, written: refs.get(c, f"{written}[Region]"))
            rhs = handoff.rewrite_equation(block.name, rhs)
            if key in coupling.INTEG_TERMS:
                rhs = add_to_integ(rhs, coupling.INTEG_TERMS[key])
            elif key in coupling.ADDED_TERMS:
                rhs = f"{rhs} + {coupling.ADDED_TERMS[key]}"
        out.append(_equation(f"{block.name}[Region]", rhs, block))
    control_at = next(i for i, t in enumerate(out) if ".Control" in t)
    out.insert(control_at, coupling.EQUATIONS.strip("\n"))
    out.insert(control_at + 1, _handoff_blocks(blocks, values))
    out[1] = out[1].replace("(and Ningxia, run alongside).", "(and Ningxia, run alongside). \\\n"
                            f"\t\tGenerated from {core_path.name} by python -m "
                            "simulator.twin_city.generate: do not edit.", 1)
    return "\n\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) ``models/twin_city.mdl``; 1 when stale."""
    parser = argparse.ArgumentParser(prog="python -m simulator.twin_city.generate",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only say whether the shipped file is up to date")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = TWIN_MODEL.read_text(encoding="utf-8") if TWIN_MODEL.exists() else ""
        if current != text:
            print(f"{TWIN_MODEL} is stale: run python -m simulator.twin_city.generate")
            return 1
        print(f"{TWIN_MODEL} is up to date")
        return 0
    TWIN_MODEL.write_text(text, encoding="utf-8")
    print(f"wrote {TWIN_MODEL} ({len(text.splitlines())} lines, {len(REGIONS)} regions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
