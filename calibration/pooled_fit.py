"""The pooled fit of all five regions: its inputs, report and command (issue #18 points 2 and 8).

The sampler is :mod:`calibration.pooling`; this module reads its stage-1 inputs (each region's
MCMC draws and priors), writes the pooled draws beside them
(``simulator/data/posteriors/pooled/<region>.csv``) and a report that says, for each fitted
parameter of each region, which data inform it.

Which data inform a parameter: at the region's stage-1 posterior median, the Jacobian of the
MAP fit's scaled residuals (one batch run per parameter, :meth:`Objective.jacobian`) gives each
documented figure's Fisher information about the parameter, ``J_ik^2``. The report lists each
series' share of it, and the data's share of data + prior information (``1 / sd_prior^2``):
near 0, the prior decides; near 1, the data do.

``python -m calibration.pooled_fit [--iterations 20000] [--burn 5000] [--chains 4] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.mcmc import make_objective, posterior_path
from calibration.pooling import POOLED, Hyper, Pooled, Stage1, check_options, sample_pooled
from calibration.pooling import summary as pooled_summary
from simulator import catalogue, paths
from simulator.catalogue import REGIONS
from simulator.data.observations import FIT_END_YEAR
from simulator.engine.model import load_model

#: Draws kept per region in a pooled posterior file (thinned evenly).
POOLED_DRAWS = 2000


def pooled_path(region: str) -> Path:
    """``simulator/data/posteriors/pooled/<region>.csv``."""
    return paths.POSTERIORS_DIR / "pooled" / f"{region}.csv"


def hyperpriors(model=None) -> list[Hyper]:
    """Return the population priors of :data:`POOLED` (catalogue default, sd = range / 4)."""
    params = catalogue.parameters(model or load_model())
    out = []
    for name in POOLED:
        entry = params[name]
        out.append(Hyper(name, float(entry.default), (entry.max - entry.min) / 4,
                         float(entry.min), float(entry.max)))
    return out


def load_stage1(region: str, model=None) -> Stage1:
    """Read a region's MCMC draws and the stage-1 priors of the pooled parameters it fits."""
    path = posterior_path(region)
    if not path.is_file():
        raise FileNotFoundError(f"no MCMC posterior for {region!r} ({path}): run `python -m"
                                f" calibration {region} --method mcmc` first")
    draws = pd.read_csv(path, comment="#")
    objective, _ = make_objective(region, FIT_END_YEAR, model or load_model())
    prior = {}
    for p in objective.priors:
        if p.name in POOLED:
            if p.transform != "linear":  # the hierarchy is on the parameter's own scale
                raise ValueError(f"{region}: pooled parameter {p.name} has a {p.transform}"
                                 " prior; pooling needs a linear one")
            prior[p.name] = (p.mean, p.sd)
    return Stage1(region, draws, prior)


def information_shares(region: str, model=None) -> pd.DataFrame:
    """Tell which data inform each fitted parameter of a region.

    Per parameter: each series' share of the data's Fisher information, and the data's share
    of data + prior information, at the stage-1 posterior median.
    """
    model = model or load_model()
    objective, _ = make_objective(region, FIT_END_YEAR, model)
    draws = pd.read_csv(posterior_path(region), comment="#")
    z = np.array([p.to_space(float(draws[p.name].median())) for p in objective.priors])
    jac = objective.jacobian(z)[: len(objective.obs)]
    rows = []
    for k, p in enumerate(objective.priors):
        info = pd.Series(jac[:, k] ** 2).groupby(objective.obs["indicator"].to_numpy()).sum()
        data = float(info.sum())
        shares = (info / data).sort_values(ascending=False) if data > 0 else info * 0
        top = ", ".join(f"{s} {v:.0%}" for s, v in shares.items() if v >= 0.05) or "none"
        rows.append({"region": region, "parameter": p.name,
                     "data_share": data / (data + 1 / p.sd ** 2), "series": top})
    return pd.DataFrame(rows)


def save_pooled(pooled: Pooled, command: str, folder: Path | None = None) -> list[Path]:
    """Write each region's pooled draws (thinned to :data:`POOLED_DRAWS`) with provenance."""
    from simulator.results import atomic_write_text, data_version

    written = []
    for region, frame in pooled.regions.items():
        thin = max(1, len(frame) // POOLED_DRAWS)
        path = (folder / f"{region}.csv") if folder else pooled_path(region)
        path.parent.mkdir(parents=True, exist_ok=True)
        head = {"region": region, "method": "two-stage hierarchical pooling (Lunn et al. 2013)",
                **pooled.settings, "thin": thin, "data_sha256": data_version(),
                "stage1": str(posterior_path(region).relative_to(paths.PACKAGE_DIR.parent)),
                "command": command}
        text = f"# pooled posterior: {json.dumps(head)}\n" + frame.iloc[::thin].to_csv(index=False)
        atomic_write_text(path, text)
        written.append(path)
    return written


def markdown(pooled: Pooled, table: pd.DataFrame, shares: pd.DataFrame, unpooled: pd.DataFrame,
             command: str, seconds: float) -> str:
    """Write the pooled fit's report (markdown)."""
    s = pooled.settings
    lines = [
        "# Pooled fit of the five regions · 五地区分层合并标定", "",
        f"Command: `{command}`", "",
        "Two-stage hierarchical pooling (Lunn et al. 2013; `calibration/pooling.py`):"
        f" {s['chains']} chains x {s['iterations']} iterations ({s['burn']} burn-in),"
        f" seed {s['seed']}, on the"
        f" stage-1 MCMC draws of `simulator/data/posteriors/<region>.csv`. Stage 2 took"
        f" {seconds:.1f} s (no model runs); hyperparameter acceptance {s['hyper_acceptance']:.2f}.",
        "", "## Population and regional values", "",
        "| name | mean | sd | 5% | 50% | 95% | R-hat | ESS bulk | unpooled 5-95% |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        before = unpooled.get(r.name, "")
        lines.append(f"| {r.name} | {r.mean:.4g} | {r.sd:.3g} | {r.q05:.4g} | {r.q50:.4g} |"
                     f" {r.q95:.4g} | {r.r_hat:.3f} | {r.ess_bulk:.0f} | {before} |")
    lines += [
        "", "`mu:` population mean, `tau:` spread between regions; `<region>:` the region's"
        " pooled value. \"unpooled\" is the region's own MCMC (fitted) or its fixed assumed"
        " value (not fitted: now drawn from the population).", "",
        "## Stage-2 mixing per region", "",
        "| region | pooled parameters its data inform | acceptance | distinct stage-1 draws"
        " visited |", "|---|---|---|---|",
    ]
    for region, d in pooled.diagnostics.items():
        acc = "-" if not d["informed"] else f"{d['acceptance']:.2f}"
        lines.append(f"| {region} | {', '.join(d['informed']) or 'none'} | {acc} |"
                     f" {d['distinct_stage1_draws']} of {d['stage1_draws']} |")
    lines += [
        "", "## Which data inform each parameter", "",
        "Share of the Fisher information from each series (>= 5%), and the data's share of data"
        " + prior information, at the region's stage-1 posterior median (module docstring).", "",
        "| region | parameter | data share | series |", "|---|---|---|---|",
    ]
    for r in shares.itertuples():
        lines.append(f"| {r.region} | {r.parameter} | {r.data_share:.0%} | {r.series} |")
    lines += ["", "Ensembles use the pooled draws with `uncertainty: {source: pooled}`.", ""]
    return "\n".join(lines)


def _unpooled(stage1: list[Stage1], hypers: list[Hyper]) -> dict[str, str]:
    from calibration.fitting import load_region_spec

    out = {}
    for s in stage1:
        spec = load_region_spec(s.region)
        for h in hypers:
            if h.name in s.draws:
                q = np.quantile(s.draws[h.name], [0.05, 0.95])
                out[f"{s.region}:{h.name}"] = f"{q[0]:.4g}-{q[1]:.4g}"
            else:
                value = spec.assumed.get(h.name, {}).get("value", h.mean)
                out[f"{s.region}:{h.name}"] = f"fixed {value:.4g}"
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m calibration.pooled_fit``; bad options end in one line, exit 2."""
    from simulator.cli import Parser, run_command
    from simulator.results import atomic_write_text

    parser = Parser(prog="python -m calibration.pooled_fit",
                    description="Pool behavioural parameters across the five regions.")
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--burn", type=int, default=5_000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--report", default=str(paths.reports_root() / "calibration"),
                        help="folder of pooled.md (docs/calibration for the published one)")
    parser.add_argument("--no-save", action="store_true",
                        help="do not write simulator/data/posteriors/pooled/")

    def run(args: argparse.Namespace) -> int:
        check_options(args.iterations, args.burn, args.chains)
        command = (f"python -m calibration.pooled_fit --iterations {args.iterations} --burn"
                   f" {args.burn} --chains {args.chains} --seed {args.seed}")
        model = load_model()
        hypers = hyperpriors(model)
        stage1 = [load_stage1(r, model) for r in REGIONS]
        start = time.perf_counter()
        pooled = sample_pooled(stage1, hypers, iterations=args.iterations, burn=args.burn,
                               chains=args.chains, seed=args.seed)
        seconds = time.perf_counter() - start
        shares = pd.concat([information_shares(r, model) for r in REGIONS], ignore_index=True)
        table = pooled_summary(pooled)
        if not args.no_save:
            for path in save_pooled(pooled, command):
                print(f"wrote {path}")
        folder = Path(args.report)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(folder / "pooled_summary.csv", table.to_csv(index=False))
        atomic_write_text(folder / "pooled.md", markdown(
            pooled, table, shares, _unpooled(stage1, hypers), command, seconds))
        print(f"wrote {folder}/pooled.md")
        return 0

    parser.set_defaults(func=run)
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    import sys

    sys.exit(main())
