"""The twin-city scenario (issue #21): the plans' collaboration measures as levers."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_shared

from simulator.twin_city import scenario as twin
from simulator.twin_city.regions import REGIONS
from simulator.twin_city.run import run_twin
from simulator.twin_city.sweep import sweep_couplings


def test_the_shipped_scenario_quotes_the_plans():
    scenario = twin.load()
    assert {m["lever"] for m in scenario.measures} >= {
        "joint_platform_construction", "cross_region_contract_subsidy", "collaboration_projects"}
    seeds = require_shared("seeds")
    for measure in scenario.measures:
        seed = measure["source"].split()[0].removeprefix("seeds/")
        assert measure["quote"] in (seeds / seed).read_text(encoding="utf-8"), measure["name"]


def test_the_measures_move_suining_and_hechuan_and_not_ningxia():
    """The issue's check: the collaboration levers change Suining's and Hechuan's indicators."""
    run = twin.run()
    effects = run.effects()
    for region in ("suining", "hechuan"):
        assert effects.loc["high_tech_enterprises", region] > 0.01, region
        assert effects.loc["tech_contract_turnover", region] > 0.01, region
    assert run.with_measures.frames["suining"]["shared_joint_platforms"].iloc[-1] > 0
    # Ningxia is outside the circle: no coupling reaches it
    np.testing.assert_array_equal(run.with_measures.frames["ningxia"].to_numpy(),
                                  run.without.frames["ningxia"].to_numpy())
    # before the measures start (2022; flows move in 2022 itself) the two runs are the same
    for region in REGIONS:
        np.testing.assert_array_equal(run.with_measures.frames[region].loc[:2021].to_numpy(),
                                      run.without.frames[region].loc[:2021].to_numpy())


def test_conservation_holds_with_the_measures_on():
    strengths = twin.strengths(twin.load(), with_measures=True)
    run = run_twin(strengths, saveper=0.0625)
    frames = run.frames.values()
    sold = sum(f["tech_contracts_sold_to_circle"].to_numpy() for f in frames)
    bought = sum(f["tech_contracts_absorbed"].to_numpy() for f in frames)
    assert sold.max() > 1
    np.testing.assert_allclose(sold, bought, rtol=1e-13)
    for kind in ("smes", "htes"):
        out = sum(f[f"{kind}_moved_out"].to_numpy() for f in frames)
        into = sum(f[f"{kind}_moved_in"].to_numpy() for f in frames)
        assert out.max() > 0
        np.testing.assert_allclose(out, into, rtol=1e-13)


def test_a_sweep_over_strengths_is_one_batch_run_that_matches_single_runs():
    table = sweep_couplings({"hte_relocation_rate": (0.0, 2.0)}, 3, method="grid")
    np.testing.assert_allclose(table["hte_relocation_rate"], [0, 1, 2])
    base = twin.strengths(twin.load(), with_measures=True)
    for row, factor in enumerate([0.0, 1.0, 2.0]):
        scaled = {**base, "hte_relocation_rate": base["hte_relocation_rate"] * factor}
        alone = run_twin(scaled).frames["hechuan"]["high_tech_enterprises"].iloc[-1]
        assert table.loc[row, "high_tech_enterprises[hechuan]"] == pytest.approx(alone, rel=1e-12)
    assert table["high_tech_enterprises[hechuan]"].is_monotonic_increasing


@pytest.mark.parametrize("change, message", [
    ({"measures": [{"name": "x", "lever": "bribes", "value": 1, "year": 2022}]},
     "unknown lever 'bribes'"),
    ({"measures": [{"name": "x", "lever": "collaboration_projects", "value": 1, "year": 2022,
                    "from": ["lhasa"], "source": "s", "quote": "q"}]}, "unknown region 'lhasa'"),
    ({"measures": [{"name": "x", "lever": "collaboration_projects", "value": 1, "year": 2022}]},
     "quotes the plan sentence"),
    ({"couplings": [{"strength": "contract_trade_share", "value": "a lot"}]},
     "value must be a number"),
    ({"colour": "red"}, "colour"),
])
def test_bad_twin_scenarios_are_refused_in_one_line(change, message):
    with pytest.raises(ValueError, match=message) as error:
        twin.parse({"name": "bad", **change})
    assert "\n" not in str(error.value)


def test_an_ensemble_draws_each_region_as_alone_and_runs_in_one_call():
    """Uncoupled Ningxia: its members are its single-region runs from its base year (2017),
    same draws, over the circle's years."""
    from simulator.runner import run_variants
    from simulator.twin_city.ensemble import region_draws, run_ensemble
    from simulator.twin_city.regions import START_YEAR, baseline

    n, seed = 6, 11
    table = run_ensemble(n, seed=seed, quantiles=(0.0, 0.5, 1.0))
    draws = region_draws(n, seed)
    scenario = baseline("ningxia")
    assert scenario.start_year < START_YEAR  # the hand-over is exercised
    years, alone = run_variants(scenario, draws["ningxia"], engine="batch",
                                indicators=["high_tech_enterprises"])
    runs = alone["high_tech_enterprises"][:, list(years).index(START_YEAR):]
    ningxia = table.xs(("high_tech_enterprises", "ningxia"))
    np.testing.assert_allclose(ningxia["q0"], runs.min(axis=0), rtol=1e-9)
    np.testing.assert_allclose(ningxia["q1"], runs.max(axis=0), rtol=1e-9)
    spread = table["q1"] - table["q0"]
    assert (spread.xs(2035, level="year") > 0).all()  # every region has uncertain parameters
    assert run_ensemble(n, seed=seed, quantiles=(0.0, 0.5, 1.0)).equals(table)  # seeded


def test_the_run_command_runs_the_twin_city_file(tmp_path, capsys):
    """``python -m simulator run twin-city``: effects printed; --out writes each region's runs
    with and without the measures and the provenance line; single-region options refused."""
    from simulator.cli import main
    from simulator.results import read_results

    assert main(["run", "twin-city"]) == 0
    printed = capsys.readouterr().out
    assert "chongqing_core" in printed and "tech_contract_turnover" in printed
    out = tmp_path / "twin.csv"
    assert main(["run", "twin-city", "--out", str(out)]) == 0
    written = read_results(out)
    frame, meta = written.frame, written.metadata
    assert set(frame["region"]) == set(REGIONS)
    assert meta["model_file"] == "twin_city.mdl" and len(meta["model_sha256"]) == 64
    run = twin.run()
    suining = frame[frame["region"] == "suining"]
    turnover = suining[suining["indicator"] == "tech_contract_turnover"]
    np.testing.assert_allclose(turnover["with_measures"].to_numpy(),
                               run.with_measures.frames["suining"]["tech_contract_turnover"])
    capsys.readouterr()
    for argv in (["--set", "x=1"], ["--engine", "pysd"], ["--ensemble", "10001", "--seed", "1"]):
        assert main(["run", "twin-city", *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "twin-city scenario" in err, err


def test_run_twin_city_ensemble_writes_each_regions_quantiles_without_and_with(tmp_path):
    """``run twin-city --ensemble N --seed S --out``: the ensemble's 5/50/95% per region, the
    same members as :func:`simulator.twin_city.ensemble.run_ensemble` draws for that seed."""
    from simulator.cli import main
    from simulator.results import read_results
    from simulator.twin_city.ensemble import run_ensemble

    out = tmp_path / "band.csv"
    assert main(["run", "twin-city", "--ensemble", "6", "--seed", "11", "--out", str(out)]) == 0
    written = read_results(out)
    frame = written.frame.reset_index()  # the year is read back as the index
    assert written.metadata["ensemble"] == {"n": 6, "seed": 11}
    assert set(frame["region"]) == set(REGIONS) and set(frame["quantile"]) == {0.05, 0.5, 0.95}
    hte = frame[frame["indicator"] == "high_tech_enterprises"]
    direct = run_ensemble(6, seed=11, measures=True, quantiles=(0.05, 0.5, 0.95))
    for region in ("hechuan", "suining"):
        for q in (0.05, 0.5, 0.95):
            got = hte[(hte["region"] == region) & (hte["quantile"] == q)].sort_values("year")
            want = direct.loc[("high_tech_enterprises", region), f"q{q:g}"]
            np.testing.assert_allclose(got["with_measures"].to_numpy(), want.to_numpy(),
                                       rtol=1e-12)
    wide = hte.pivot_table(index=["region", "year"], columns="quantile", values="with_measures")
    assert (wide[0.05] <= wide[0.5]).all() and (wide[0.5] <= wide[0.95]).all()
    hechuan = hte[(hte["region"] == "hechuan") & (hte["year"] == hte["year"].max())]
    assert (hechuan["with_measures"] > hechuan["without_measures"]).all()  # its measures act
