"""The with/without comparison of the assumed parameters' draws (issue #18 point 5)."""

from __future__ import annotations

import numpy as np

from calibration import assumed_effect, coverage
from simulator.ensemble import run_ensemble
from simulator.paths import SCENARIOS_DIR
from simulator.scenario import load_scenario


def test_comparison_bands_are_the_ensembles_own(tmp_path, capsys):
    tables = assumed_effect.compare(30, 5, regions=["suining"], targets_seed=2)
    cover = tables["coverage"]
    assert set(zip(cover["source"], cover["assumed"])) == {
        ("profile", False), ("profile", True), ("posterior", False), ("posterior", True)}
    # known answer: the profile row without assumed draws is today's default ensemble
    base = load_scenario(SCENARIOS_DIR / "suining-baseline.yaml")
    ens = run_ensemble(base, 30, 5, indicators=["high_tech_enterprises"])
    runs = ens.values["high_tech_enterprises"][:, list(ens.years).index(2023)]
    row = cover[(cover["source"] == "profile") & ~cover["assumed"]
                & (cover["indicator"] == "high_tech_enterprises")].iloc[0]
    assert (row["q05"], row["q95"]) == tuple(np.quantile(runs, (0.05, 0.95)))
    assert row["covered_90"] == coverage._covered(row["q05"], row["q95"], row["value"], "equal")
    summary = assumed_effect.summary(tables)
    assert summary["figures"].tolist() == [len(cover) // 4] * 4
    plan = load_scenario(SCENARIOS_DIR / "suining-plan.yaml")
    assert summary["targets"].tolist() == [len(plan.targets)] * 4
    assert "| profile | yes |" in assumed_effect.markdown(tables, "cmd")
    drivers = tables["drivers"]  # rank correlations of the profile + assumed ensemble
    assert set(drivers["indicator"]) == set(cover["indicator"].replace(
        {"tech_smes_registered_national": "tech_smes_registered"})) | {"rd_intensity"}
    assert all(len(d.split(", ")) == 3 for d in drivers["drivers"])
    assert coverage.main(["--n", "20", "--seed", "5", "--regions", "suining", "--draw-assumed",
                          "--out", str(tmp_path)]) == 0
    assert (tmp_path / "holdout-coverage-assumed.md").read_text().startswith("# Drawing")
