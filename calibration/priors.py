"""Where every prior of the calibration comes from (issue #18: priors from the literature).

:func:`prior_table` lists, per region, every prior the MAP and MCMC fits use: the fitted model
parameters (:func:`calibration.fitting.priors`), the estimated measurement terms
(:mod:`calibration.measurement`) and the series errors (:mod:`calibration.mcmc`), each with its
source (a ``shared/research/model-evidence.md`` row, an address, the data) or marked an
assumption with the reason. A fitted parameter with neither is refused
(:class:`UncitedPrior`), so a new prior cannot ship without one.

Two kinds of statement per prior: the *centre* (default or stated value) and the *width*. For
catalogue parameters the width is the model's valid range / 4 (``fitting.priors``), not the
literature range of model-evidence.md; the table says so (both are listed).

``python -m calibration.priors [--out docs/calibration/priors.md]``
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from calibration.fitting import load_region_spec
from calibration.mcmc import SIGMA_PRIOR_SCALE, make_objective
from calibration.measurement import BREAKS, NOT_APPLIED, THIRD_PARTY_SD, breaks_table
from simulator.catalogue import REGIONS
from simulator.data.observations import FIT_END_YEAR

EVIDENCE = "shared/research/model-evidence.md, (a) Parameter table"

#: Catalogue parameters fitted in some region: (source of the centre, status, reason).
#: status "sourced": the centre is read from a cited row; "assumption": model-evidence.md or
#: the model file marks it so.
CITED: dict[str, tuple[str, str, str]] = {
    "gdp_growth_rate": (
        "observations.csv rows Ningxia,gdp,2017 and 2022: ln(5069.57/3453.93)/5 = 0.0768",
        "sourced", "centre from data; width (range -0.1..0.2) an assumption"),
    "rd_propensity_growth": (
        "observations.csv Ningxia rd_intensity 2017 (1.22%, revised) and 2021 (1.56%):"
        " ln(1.56/1.22)/4 = 0.061", "assumption",
        "0.04 = part of 0.061 not explained by high-tech growth (model file: 'assumption')"),
    "hte_application_rate": (
        f"{EVIDENCE}, a_SME 0.10 (0.05-0.25)", "assumption",
        "model-evidence.md: '**assumption**; calibrate to 申报数' (no published rate)"),
    "hte_renewal_pass_rate": (
        f"{EVIDENCE}, p_renew 0.8 (0.5-0.95)", "assumption",
        "model-evidence.md marks p_renew '**assumption**' (renewal pass rates are not published)"),
    "first_certification_pass_rate": (
        f"{EVIDENCE}, p_first 0.6 (0.4-0.9)", "assumption",
        "model-evidence.md: only the Torch filing stage is documented (84.8-99.9% by province,"
        " ctoutiao); the whole pass rate is an assumption"),
}


class UncitedPrior(ValueError):
    """A fitted parameter's prior has no source and is not marked an assumption."""


def _parameter_row(region: str, prior, spec, model) -> dict:
    from simulator import catalogue

    entry = catalogue.parameters(model)[prior.name]
    row = {"region": region, "kind": "parameter", "name": prior.name, "space": prior.transform,
           "prior_mean": prior.from_space(prior.mean), "prior_sd": prior.sd}
    if prior.name in spec.assumed:  # the spec's 90% range, with its reason
        a = spec.assumed[prior.name]
        return {**row, "width": f"log-normal 90% range {a['low']}-{a['high']} (spec)",
                "source": f"calibration/specs/{region}.yaml", "status": "assumption",
                "reason": a["reason"]}
    if prior.name not in CITED:
        raise UncitedPrior(
            f"{region}: the prior of {prior.name!r} has no source; add it to"
            f" calibration.priors.CITED (valid: {sorted(CITED)}) or state it in the spec's"
            " 'assumed' with a reason")
    source, status, reason = CITED[prior.name]
    width = f"catalogue range {entry.min}-{entry.max} / 4 (model bounds)"
    return {**row, "width": width, "source": source, "status": status, "reason": reason}


def prior_table(regions=None, model=None) -> pd.DataFrame:
    """Every prior of every region's fit, with its source or assumption and reason."""
    from simulator.engine.model import load_model

    model = model or load_model()
    breaks = {b.name: b for b in BREAKS}
    rows = []
    for region in regions or REGIONS:
        spec = load_region_spec(region)
        objective, documented = make_objective(region, FIT_END_YEAR, model)
        for prior in objective.priors:
            rows.append(_parameter_row(region, prior, spec, model))
        for term in objective.measurement.terms:
            brk = breaks.get(term.name)
            base = {"region": region, "kind": "measurement", "name": term.name,
                    "space": "log shift", "prior_mean": term.mean, "prior_sd": term.sd}
            if brk is not None:
                rows.append({**base, "width": f"sd {brk.sd}", "status": brk.status,
                             "source": f"{brk.source}: '{brk.quote}'", "reason": brk.reason})
            else:
                rows.append({**base, "width": f"sd {THIRD_PARTY_SD}", "status": "assumption",
                             "source": "calibration.measurement.THIRD_PARTY_SD",
                             "reason": "reprints differ from official figures by a few percent"
                                       " (vintage, transcription); 90% range +-8%"})
        given = {(d["indicator"], int(d["year"])) for d in documented.values()}
        used = objective.obs[[(i, int(y)) not in given for i, y in
                              zip(objective.obs["indicator"], objective.obs["year"])]]
        for series in sorted(set(used["indicator"])):
            rows.append({"region": region, "kind": "error", "name": f"sigma:{series}",
                         "space": "ln sigma", "prior_mean": float("nan"),
                         "prior_sd": SIGMA_PRIOR_SCALE,
                         "width": f"half-normal scale {SIGMA_PRIOR_SCALE}",
                         "status": "assumption", "source": "calibration.mcmc.SIGMA_PRIOR_SCALE",
                         "reason": "90% range 1%-33% relative error, wide around the 5% the MAP"
                                   " fit assumed and the 12-17% its chi^2/dof implied"})
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """Return the prior table as Markdown."""
    lines = ["# Priors of the calibration and their sources · 先验来源", "",
             "Command: `python -m calibration.priors`. Every prior of the MAP and MCMC fits"
             " (outcomes to 2022): its centre, width, and where they come from, or the reason"
             " it is an assumption. Catalogue parameters' widths are the model's valid range"
             " / 4, wider than the literature ranges listed beside them.", "",
             "| region | kind | name | prior mean | prior sd (fit space) | width | status |"
             " source | reason |", "|---|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        mean = "" if pd.isna(r.prior_mean) else f"{r.prior_mean:.4g}"
        lines.append(f"| {r.region} | {r.kind} | {r.name} | {mean} | {r.prior_sd:.3g} |"
                     f" {r.width} | {r.status} | {r.source} | {r.reason} |")
    lines += ["", "## Definitional breaks (calibration.measurement)", "",
              "Stated offsets are fixed (no prior); estimated ones are the measurement priors"
              " above. Offset = ln(figure / model quantity).", "",
              "| name | figure | offset | sd | kind | status | source | reason |",
              "|---|---|---|---|---|---|---|---|"]
    for b in breaks_table().itertuples():
        lines.append(f"| {b.name} | {b.region} {b.indicator} {b.year}: {b.figure:g} |"
                     f" {b.offset:+.3f} | {b.sd:g} | {b.kind} | {b.status} |"
                     f" {b.source}: '{b.quote}' | {b.reason} |")
    lines += ["", "Documented but not applied:", ""]
    lines += [f"- **{what}**: {why}." for what, why in NOT_APPLIED]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m calibration.priors``; return the exit code."""
    from simulator.cli import Parser, run_command
    from simulator.results import atomic_write_text

    parser = Parser(prog="python -m calibration.priors",
                    description="Write the calibration's prior table with sources.")
    parser.add_argument("--out", default="docs/calibration/priors.md")

    def run(args: argparse.Namespace) -> int:
        table = prior_table()
        atomic_write_text(args.out, markdown(table))
        counts = table["status"].value_counts().to_dict()
        print(f"wrote {args.out}: {len(table)} priors, {counts}")
        return 0

    parser.set_defaults(func=run)
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
