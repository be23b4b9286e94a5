"""Search for scenarios that fail the time-step check: lever steps late in the run.

Usage (from the repository root)::

    .venv/bin/python tests/properties/search_time_step.py [--draws 5000] [--seed 2]
        [--integrator euler|rk4|heun] [--time-step 0.0625] [--top 5] [--known]

The hypothesis property (``test_invariants.py``) draws levers and parameters
anywhere in their ranges; failures of the time-step criterion concentrate
where a lever steps in the last two years and an indicator forms right after
it, which those draws rarely reach. This search draws only such scenarios:
each parameter with probability 0.4 (at a bound 40% of the time, else
uniform, or log-uniform over wide ranges), and 1-4 levers stepping in 2033 or
2034. It prints the largest changes of a key indicator between ``--time-step``
(default 1/16) and half of it (relative to the indicator's largest value over the run, as the
property) and each case as the call that rebuilds it. ``--known`` instead
reports the open cases kept as strict xfails (``EULER_LIMITS``) at DT 1/8
and 1/16.

``--integrator rk4`` runs the cases with the batch engine's RK4
(``integration: rk4``). ``--integrator heun`` is an experiment, not an engine option: it replaces
the batch engine's Euler step by Heun's (the mean of the state and an Euler
step taken from the Euler predictor; DELAY FIXED and SAMPLE IF TRUE take the
predictor's state) and sets the exact step factors to 1, to measure what a
second-order method would change. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent), str(HERE.parents[1])]

import numpy as np  # noqa: E402
from strategies import Case, lever_entries, parameter_entries  # noqa: E402

from simulator import catalogue, validation  # noqa: E402
from simulator.engine.batch import engine, statefuls  # noqa: E402
from simulator.engine.model import load_model  # noqa: E402
from simulator.levers import LeverPath  # noqa: E402

REGIONS = ("yibin", "hechuan", "suining", "ningxia", "chengdu")
STEP_FACTORS = ("RD capital step factor", "Talent step factor", "Platform step factor")


def draw_value(rng: np.random.Generator, low: float, high: float) -> float:
    """A bound 40% of the time, else uniform (log-uniform over a factor > 100)."""
    pick = rng.random()
    if pick < 0.2:
        return low
    if pick < 0.4:
        return high
    if low > 0 and high / low > 100:
        return float(math.exp(rng.uniform(math.log(low), math.log(high))))
    return float(rng.uniform(low, high))


def draw_case(rng: np.random.Generator) -> Case:
    """A region's baseline, some parameters moved, 1-4 levers stepping in 2033 or 2034."""
    region = str(rng.choice(REGIONS))
    parameters = {name: draw_value(rng, entry.min, entry.max)
                  for name, entry in parameter_entries().items()
                  if entry.min < entry.max and rng.random() < 0.4}
    levers = {}
    for name in rng.choice(list(lever_entries()), size=rng.integers(1, 5), replace=False):
        entry = lever_entries()[name]
        levers[str(name)] = LeverPath("step", year=int(rng.choice([2033, 2034])),
                                      before=draw_value(rng, entry.min, entry.max),
                                      after=draw_value(rng, entry.min, entry.max))
    return Case(region, parameters, levers)


def final_changes(cases: list[Case], columns: list[str], overrides: dict,
                  time_step: float = 0.0625) -> np.ndarray:
    """Per case, each column's |final(DT/2) - final(DT)| / its largest value over the run."""
    frames = {}
    for dt in (time_step, time_step / 2):
        groups: dict = {}
        for index, case in enumerate(cases):
            inputs, controls = replace(case, time_step=dt).run_inputs()
            key = json.dumps(controls, sort_keys=True)
            groups.setdefault(key, (controls, []))[1].append((index, {**inputs, **overrides}))
        for controls, items in groups.values():
            runs = validation.simulate_many([inputs for _, inputs in items], saveper=1.0,
                                            columns=columns, **controls)
            for (index, _), frame in zip(items, runs):
                frames.setdefault(index, []).append(frame.to_numpy(dtype=float))
    changes = []
    for index in range(len(cases)):
        coarse, fine = frames[index]
        scale = np.nanmax(np.abs(np.concatenate([coarse, fine])), axis=0)
        change = np.abs(fine[-1] - coarse[-1]) / np.where(scale > 0, scale, 1.0)
        changes.append(np.nan_to_num(change))
    return np.array(changes)


def heun_integrate(self, controls, grid, save, n, fixed, varying, outputs, into=None, **_):
    """Heun's method in place of ``batch.engine.Runner.integrate`` (an experiment)."""
    program, clock = self.program, engine.CLOCK
    schedule = self.schedule(frozenset(fixed), frozenset(varying), frozenset(outputs))
    dt, stateful = controls["time_step"], program.statefuls
    discrete = (statefuls.DelayFixed, statefuls.SampleIfTrue)
    with np.errstate(all="ignore"):
        static, states = self.initial_state(schedule, controls, grid, n, fixed, varying)
        dynamic = [node for node in stateful if node in set(schedule.dynamic_order)]
        # DELAY FIXED writes its pipeline in place: it must advance once per step only
        continuous = [node for node in dynamic if not isinstance(stateful[node], discrete)]

        def evaluate(current, time, k):
            values = {**static, clock: time}
            for node in schedule.dynamic_order:
                if node in varying:
                    values[node] = varying[node][:, k]  # the lever's value over step k
                elif node in stateful:
                    node_args = stateful[node].args
                    args = {a: node_args[a].fn(values) for a in stateful[node].output_args}
                    values[node] = stateful[node].output(current[node], args)
                else:
                    values[node] = program.exprs[node].fn(values)
            return values

        def advance(current, values, nodes):
            return {node: stateful[node].advance(
                current[node], {a: stateful[node].args[a].fn(values)
                                for a in stateful[node].advance_args}, dt) for node in nodes}

        results = into or {name: np.empty((int(sum(save)), n)) for name in outputs}
        column = 0
        for k, time in enumerate(grid):
            values = evaluate(states, time, k)
            if save[k]:
                for name in outputs:
                    results[name][column] = values.get(name, static.get(name))
                column += 1
            if k == len(grid) - 1:
                break
            predictor = advance(states, values, dynamic)
            corrector = advance(predictor, evaluate(predictor, time + dt, k), continuous)
            states = {node: (states[node] + corrector[node]) / 2 if node in corrector
                      else predictor[node] for node in dynamic}
    return results


def report_known(columns: list[str], overrides: dict, integrator: str) -> list:
    """Print the largest change of each strict-xfail case, from DT 1/8 and from 1/16."""
    from test_invariants import EULER_LIMITS

    rows = []
    for name, case in EULER_LIMITS.items():
        if integrator == "rk4":
            case = replace(case, integration="rk4")
        changes = [final_changes([case], columns, overrides, dt)[0]
                   for dt in (0.125, 0.0625)]
        worst = [(float(row.max()), columns[int(row.argmax())]) for row in changes]
        print(f"{name} ({integrator}): " + "; ".join(
            f"DT 1/{round(1 / dt)} -> 1/{round(2 / dt)}: {change:.3%} {column}"
            for dt, (change, column) in zip((0.125, 0.0625), worst)))
        rows.append((name, worst))
    return rows


def main(argv: list | None = None) -> list:
    """Run the search and print the worst cases; return ``(change, indicator, case)`` rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--integrator", choices=("euler", "rk4", "heun"), default="euler")
    parser.add_argument("--time-step", type=float, default=0.0625,
                        help="the coarser of the two time steps compared [year]")
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--known", action="store_true",
                        help="report the strict-xfail cases of test_invariants.py instead")
    args = parser.parse_args(argv)
    if args.draws < 1 or args.top < 1 or not 0 < args.time_step <= 1:
        parser.error("--draws and --top must be at least 1, --time-step in (0, 1] year")
    overrides = {}
    if args.integrator == "heun":
        engine.Runner.integrate = heun_integrate
        overrides = dict.fromkeys(STEP_FACTORS, 1.0)  # exact for Euler only
    entries = catalogue.indicators(load_model())
    columns = [entries[name].vensim_name for name in catalogue.KEY_INDICATORS]
    if args.known:
        return report_known(columns, overrides, args.integrator)
    rng = np.random.default_rng(args.seed)
    worst: list = []
    failed = 0
    for start in range(0, args.draws, 50):
        cases = [draw_case(rng) for _ in range(min(50, args.draws - start))]
        if args.integrator == "rk4":
            cases = [replace(case, integration="rk4") for case in cases]
        changes = final_changes(cases, columns, overrides, args.time_step)
        failed += int((changes.max(axis=1) >= 0.01).sum())
        worst += [(float(row.max()), columns[int(row.argmax())], case)
                  for row, case in zip(changes, cases)]
        worst = sorted(worst, key=lambda item: -item[0])[:args.top]
    print(f"{args.draws} draws (seed {args.seed}, {args.integrator}): {failed} changed a key "
          f"indicator by >= 1% between DT {args.time_step:g} and {args.time_step / 2:g}")
    for change, column, case in worst:
        print(f"{change:.3%}  {column}  {case!r}")
    return worst


if __name__ == "__main__":
    main()
