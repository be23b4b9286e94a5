"""Benchmark the compute behind one slider change in the app.

Usage::

    .venv/bin/python benchmarks/bench_app.py [--region ningxia] [--repeats 10] [--members 200]

A slider change builds a new scenario from the slider values
(:meth:`simulator.scenario.Scenario.with_levers`) and, on a cache miss, runs it; the
Uncertainty page also runs the ensemble. The script times, for distinct
slider values (so every run is a cache miss):

1. building the scenario and its cache key (the YAML text);
2. one run with the engine the app uses (``auto``) and with PySD;
3. one run plus the Explore page's time-step check (a run at half the time
   step, :mod:`simulator.time_step_advice`);
4. one run plus an ensemble of ``--members`` runs (``simulator.ensemble``),
   when that module is present;
5. what Explore computes a move: the run and the ensemble's draws in one batch,
   reduced to the key indicators' bands (``runner.run_with_band``).

It prints the median and the fastest of the repeats [ms]. Figures only;
nothing is asserted. Streamlit's own cost (script rerun, drawing) is not
included.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import app_logic  # noqa: E402
from simulator.engine.dispatch import ENGINES, resolve_engine  # noqa: E402
from simulator.engine.model import load_model  # noqa: E402
from simulator.runner import run_scenario, run_with_band  # noqa: E402

LEVER = "incubator_capacity"


def _timed(function, repeats: int) -> list[float]:
    """Run ``function(i)`` for i in range(repeats); return the times [ms]."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        function(i)
        times.append(1000 * (time.perf_counter() - start))
    return times


def _line(what: str, times: list[float]) -> str:
    median, fastest = statistics.median(times), min(times)
    return f"{what:<46} median {median:9.1f} ms   fastest {fastest:9.1f} ms   (n={len(times)})"


def main(argv: list | None = None) -> dict[str, list[float]]:
    """Time one slider change; print and return the times [ms] per step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="ningxia")
    parser.add_argument("--preset", default="plan", choices=app_logic.PRESETS)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--members", type=int, default=200)
    args = parser.parse_args(argv)

    model = load_model()
    preset = args.preset if args.preset in app_logic.available_presets(args.region) else "baseline"
    base = app_logic.load_preset(args.region, preset, model)
    spec = app_logic.slider_specs(base, model)[LEVER]
    # distinct slider positions, none equal to the preset: every run is a cache miss
    values = [
        spec.low + (k + 1) * (spec.high - spec.low) / (args.repeats + 2)
        for k in range(args.repeats)
    ]
    scenarios = [base.with_levers({LEVER: v}, 2026, model) for v in values]
    engine = app_logic.fastest_engine()
    run_scenario(scenarios[0], model=model, engine=engine)  # warm-up: compile/translate once

    results: dict[str, list[float]] = {}
    results["build scenario + cache key"] = _timed(
        lambda i: (
            base.with_levers({LEVER: values[i]}, 2026, model).to_yaml()
        ),
        args.repeats,
    )
    results[f"single run, engine={engine}"] = _timed(
        lambda i: run_scenario(scenarios[i], model=model, engine=engine), args.repeats
    )
    if "pysd" in ENGINES and engine != "pysd":
        results["single run, engine=pysd"] = _timed(
            lambda i: run_scenario(scenarios[i], model=model, engine="pysd"), args.repeats
        )

    # Explore also checks the time step: one more run at half of it (its own run reused)
    from simulator.time_step_advice import check_time_step  # noqa: E402

    def run_and_check(i: int) -> None:
        frame = run_scenario(scenarios[i], model=model, engine=engine).frame
        check_time_step(scenarios[i], model=model, engine=resolve_engine(engine, model),
                        coarse=frame)

    results[f"run + time-step check, engine={engine}"] = _timed(run_and_check, args.repeats)

    ensemble = app_logic.optional_module("simulator.ensemble")
    if ensemble is None:
        print("simulator.ensemble is not available: ensemble not timed")
    else:

        def run_and_ensemble(i: int) -> None:
            run_scenario(scenarios[i], model=model, engine=engine)
            ensemble.run_ensemble(scenarios[i], args.members, seed=i, engine=engine)

        results[f"run + {args.members}-member ensemble, engine={engine}"] = _timed(
            run_and_ensemble, max(3, args.repeats // 3)
        )
        from simulator.app_logic import bands  # noqa: E402

        draws = bands.scenario_draws(base, args.members)  # the app draws once per preset
        results[f"run + {args.members}-member band in one batch (Explore)"] = _timed(
            lambda i: run_with_band(scenarios[i], draws.draws, model=model, engine=engine),
            args.repeats,
        )

    print(
        f"One slider change ({LEVER}) on {base.name}, {base.start_year}-{base.end_year}, "
        f"time step {base.time_step:g} year"
    )
    for what, times in results.items():
        print(_line(what, times))
    return results


if __name__ == "__main__":
    main()
