"""Sweep specs over the twin-city circle (issue #21): spec, resumable runs, analysis, CLI."""

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from simulator.paths import SCENARIOS_DIR
from simulator.sweep.store import chunk_path, load_results
from simulator.twin_city.run import run_twin
from simulator.twin_city.scenario import strengths
from simulator.twin_city.sweep_run import analyze_twin_sweep, run_twin_sweep
from simulator.twin_city.sweep_spec import load_twin_spec

EXAMPLE = SCENARIOS_DIR / "sweeps" / "twin-city-couplings-lhs.yaml"
TWIN_FILE = SCENARIOS_DIR / "twin-city.yaml"


def _spec(tmp_path, **change):
    data = {"name": "small", "base": str(TWIN_FILE),
            "design": {"method": "latin_hypercube", "n": 12, "seed": 3},
            "vary": {"hte_relocation_rate": {"min": 0, "max": 3},
                     "suining_joint_platforms": {"min": 0, "max": 5}},
            "indicators": ["high_tech_enterprises", "tech_contract_turnover"],
            "regions": ["hechuan", "suining"], "chunk_size": 2, **change}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_shipped_example_is_a_twin_city_spec_and_single_region_specs_are_not():
    spec = load_twin_spec(EXAMPLE)
    assert spec is not None and spec.method == "latin_hypercube" and len(spec.variables) == 4
    assert {v.kind for v in spec.variables} == {"strength", "measure"}
    assert load_twin_spec(SCENARIOS_DIR / "sweeps" / "suining-plan-sobol.yaml") is None


def test_each_run_equals_the_circle_run_alone_with_its_scaled_strengths(tmp_path):
    spec = load_twin_spec(_spec(tmp_path))
    out = tmp_path / "out"
    summary = run_twin_sweep(spec, out, progress=False)
    assert summary["runs"] == 12 and summary["chunks"] == 6
    design, results, manifest = load_results(out)
    assert manifest["indicators"] == spec.columns
    for run in (0, 11):
        row = design.loc[run].to_numpy()
        alone = run_twin(strengths(spec.scenario_for(row), with_measures=True),
                         indicators=["high_tech_enterprises", "tech_contract_turnover"])
        mine = results[results["run"] == run].set_index("year")
        for region in spec.regions:
            np.testing.assert_allclose(mine[f"high_tech_enterprises[{region}]"],
                                       alone.frames[region]["high_tech_enterprises"], rtol=1e-12)
    # the factor scales the scenario's value; the measure's value is the drawn one
    scaled = spec.scenario_for([2.0, 4.0])
    hte = [m for m in scaled.measures if m["lever"] == "hte_relocation_rate"]
    assert hte[0]["value"] == pytest.approx(0.002)
    assert [m["value"] for m in scaled.measures if m["name"] == "suining_joint_platforms"] == [4.0]
    report = analyze_twin_sweep(out)
    assert set(report["targets"]["region"]) == {"hechuan", "suining"}
    assert (out / "analysis" / "targets.csv").is_file()
    hechuan = report["sensitivity"][report["sensitivity"]["target"].str.startswith("hechuan")]
    assert not hechuan.empty


def test_a_sweep_resumes_only_its_missing_chunks_and_refuses_another(tmp_path):
    spec = load_twin_spec(_spec(tmp_path))
    out = tmp_path / "out"
    run_twin_sweep(spec, out, progress=False)
    before = pq.read_table(chunk_path(out, 1)).to_pandas()
    chunk_path(out, 1).unlink()
    summary = run_twin_sweep(spec, out, resume=True, progress=False)
    assert (summary["chunks_done_before"], summary["chunks_run"]) == (5, 1)
    assert pq.read_table(chunk_path(out, 1)).to_pandas().equals(before)
    from simulator.errors import ScenarioError

    with pytest.raises(ScenarioError, match="already holds a sweep"):
        run_twin_sweep(spec, out, progress=False)
    other = load_twin_spec(_spec(tmp_path, design={"method": "latin_hypercube", "n": 12,
                                                   "seed": 4}))
    with pytest.raises(ScenarioError, match="holds a different sweep"):
        run_twin_sweep(other, out, resume=True, progress=False)


def test_the_sweep_command_runs_a_twin_city_spec(tmp_path, capsys):
    from simulator.cli import main

    assert main(["sweep", str(_spec(tmp_path)), "--out", str(tmp_path / "o")]) == 0
    printed = capsys.readouterr().out
    assert "12 runs of the circle in 6 chunks" in printed and "hechuan" in printed


@pytest.mark.parametrize("change, message", [
    ({"vary": {"hte_relocation_rat": {"min": 0, "max": 1}}}, "did you mean 'hte_relocation_rate'"),
    ({"vary": {"suining_joint_platforms": {"min": 0, "max": 9}}}, "the measure's range [0, 5]"),
    ({"vary": {"hte_relocation_rate": {"min": 0, "max": 30}}}, "with every variable at its max"),
    ({"vary": {"collaboration_projects": {"min": 1, "max": 0}}}, "needs 0 <= min < max"),
    ({"regions": ["lhasa"]}, "unknown region 'lhasa'"),
    ({"indicators": ["no_such"]}, "unknown indicator 'no_such'"),
    ({"design": {"method": "lhs", "n": 4, "seed": 1}}, "not a valid design method"),
    ({"targets": []}, "unknown key 'targets'"),
])
def test_bad_twin_city_specs_are_refused_in_one_line(tmp_path, capsys, change, message):
    from simulator.cli import main

    assert main(["sweep", str(_spec(tmp_path, **change)), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_worker_options_are_refused_for_a_twin_city_spec(tmp_path, capsys):
    from simulator.cli import main

    assert main(["sweep", str(_spec(tmp_path)), "--out", str(tmp_path / "o"),
                 "--workers", "2"]) == 2
    assert "--workers does not apply" in capsys.readouterr().err
