"""The command line: outputs, catalogue, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT, SCENARIOS_DIR

from simulator.cli import main
from simulator.engine.translation import file_sha256
from simulator.results import read_results
from simulator.scenario import Scenario, load_scenario

KEY = [
    "gdp",
    "rd_expenditure",
    "rd_intensity",
    "high_tech_enterprises",
    "tech_smes_registered",
    "high_tech_industry_revenue",
    "tech_contract_turnover",
]


def test_run_writes_year_and_indicator_columns(tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert main(["run", str(SCENARIOS_DIR / "ningxia-baseline.yaml"), "--out", str(out)]) == 0
    first_line = out.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# innovation-dynamics provenance: {")
    frame = pd.read_csv(out, comment="#")
    assert list(frame.columns[:8]) == ["year", *KEY]
    assert frame["year"].iloc[0] == 2017 and frame["year"].iloc[-1] == 2035
    assert frame.loc[0, "gdp"] == pytest.approx(3453.93)
    meta = json.loads((tmp_path / "r.csv.meta.json").read_text(encoding="utf-8"))
    assert len(meta["model_sha256"]) == 64 and meta["scenario"]["region"] == "ningxia"
    # the copy beside names the file it describes; the file holds the same provenance
    assert meta["results_sha256"] == file_sha256(out)
    embedded = read_results(out)
    assert embedded.metadata["model_sha256"] == meta["model_sha256"]
    assert embedded.units["gdp"] == meta["units"]["gdp"]
    pd.testing.assert_frame_equal(embedded.frame.reset_index(), frame)


def test_run_parquet_and_set(tmp_path):
    out = tmp_path / "r.parquet"
    scenario = str(SCENARIOS_DIR / "ningxia-baseline.yaml")
    assert main(["run", scenario, "--set", "post_subsidy_rate=0.05", "--out", str(out)]) == 0
    changed = pd.read_parquet(out)
    assert main(["run", scenario, "--out", str(tmp_path / "base.csv")]) == 0
    base = read_results(tmp_path / "base.csv").frame
    assert changed["rd_expenditure"].iloc[-1] > base["rd_expenditure"].iloc[-1]


def test_catalogue_json(capsys):
    assert main(["levers", "--json"]) == 0
    levers = json.loads(capsys.readouterr().out)
    assert {"name", "unit", "default", "min", "max", "label_zh", "label_en"} <= set(levers[0])
    assert len(levers) == 17  # 8 policy levers and the 9 plan-programme levers (#17)
    assert main(["indicators", "--json"]) == 0
    names = [e["name"] for e in json.loads(capsys.readouterr().out)]
    assert names[:7] == KEY


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "missing.yaml"], "error: scenario file not found: 'missing.yaml'"),
        (
            ["run", "{ningxia}", "--set", "post_subsidy=0.1"],
            "error: unknown lever or parameter|"
            "error: unknown parameter 'post_subsidy'; did you mean 'post_subsidy_rate'",
        ),
        (
            ["run", "{ningxia}", "--set", "post_subsidy_rate=abc"],
            "error: lever 'post_subsidy_rate' must be a number, got 'abc'",
        ),
        (
            ["run", "{ningxia}", "--set", "post_subsidy_rate=5"],
            "error: post_subsidy_rate = 5 is out of range: valid 0 to 0.2 [Dmnl]",
        ),
        (
            ["run", "{ningxia}", "--set", "post_subsidy_rate"],
            "error: --set expects NAME=VALUE, got 'post_subsidy_rate'",
        ),
        (
            ["run", "{ningxia}", "--out", "x.txt"],
            "error: output file 'x.txt' must end in .csv or .parquet, got '.txt'",
        ),
        (
            ["simulate", "missing.mdl", "--out", "x.csv"],
            "error: model file not found: 'missing.mdl'",
        ),
        (["simulate", "{ningxia}", "--out", "x.csv"], "error: unsupported model file"),
        (["nonsense"], "error: argument command: invalid choice: 'nonsense'"),
        (["run", "{ningxia}", "--ensemble", "10"], "error: --ensemble needs --seed S"),
        (["run", "{ningxia}", "--seed", "3"], "error: --seed is the seed of --ensemble N"),
        (["run", "{ningxia}", "--ensemble", "0", "--seed", "1"],
         "error: --ensemble must be between 1 and 100,000,000 members"),
        (["run", "{ningxia}", "--ensemble", "5", "--seed", "-1"],
         "error: --seed must be a whole number >= 0, got -1"),
        (["run", "{ningxia}", "--ensemble", "5", "--seed", "1", "--plot", "x.png"],
         "error: --plot draws one run; with --ensemble"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(argv, message, capsys):
    argv = [a.replace("{ningxia}", str(SCENARIOS_DIR / "ningxia-baseline.yaml")) for a in argv]
    with pytest.raises(SystemExit) if argv[0] == "nonsense" else _no_raise() as exit_info:
        code = main(argv)
    code = exit_info.value.code if argv[0] == "nonsense" else code
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert any(err.startswith(m) for m in message.split("|")), err


class _no_raise:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_module_entry_point_exit_code_without_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "run",
            str(SCENARIOS_DIR / "ningxia-baseline.yaml"),
            "--set",
            "gdp_growth_rate=x",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: parameter 'gdp_growth_rate' must be a number")


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "simulator"],  # python -m simulator
        [
            "-c",
            "import sys; from simulator.cli import main; sys.exit(main())",
        ],  # the console script
    ],
)
def test_output_piped_to_a_reader_that_stops_early_ends_without_traceback(command):
    """``... parameters | head -1``: the closed pipe ends the command quietly."""
    with subprocess.Popen(
        [sys.executable, *command, "parameters"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        process.stdout.close()  # before the command writes (it takes a second to start)
        stderr = process.stderr.read().decode()
        code = process.wait(timeout=120)
    assert code == 1  # its output was not all read
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr


def test_simulate_writes_every_variable(tmp_path):
    from conftest import require_shared

    teacup = require_shared("testmodels", "teacup", "teacup.mdl")
    out = tmp_path / "teacup.csv"
    assert main(["simulate", str(teacup), "--out", str(out)]) == 0
    frame = pd.read_csv(out, index_col=0)
    assert frame.index.name == "Time"
    assert {"Teacup Temperature", "Heat Loss to Room", "Room Temperature"} <= set(frame.columns)


def test_run_plot_writes_png(tmp_path):
    out = tmp_path / "r.png"
    assert main(["run", str(SCENARIOS_DIR / "suining-baseline.yaml"), "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "content, problem",
    [
        ("region: ningxia\nparameters: [\n", r"not valid YAML at line \d+, column \d+"),
        ("- just\n- a list\n", "malformed profile: it holds a list"),
        ("region: ningxia\nbase_year: 2017\n", "malformed profile: no 'fit_until', 'parameters'"),
    ],
    ids=["invalid-yaml", "not-a-mapping", "missing-keys"],
)
def test_corrupt_profile_gets_one_line_and_exit_2(content, problem, tmp_path, monkeypatch, capsys):
    """A scenario whose profile file is corrupt on disk: one line naming the file, exit code 2."""
    import simulator.data.profile

    (tmp_path / "ningxia.yaml").write_text(content, encoding="utf-8")
    monkeypatch.setattr(simulator.data.profile, "PROFILES_DIR", tmp_path)
    code = main(["run", str(SCENARIOS_DIR / "ningxia-baseline.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert re.match(
        rf"error: {re.escape(str(tmp_path / 'ningxia.yaml'))}: {problem}.*;"
        " expected a calibration profile",
        err,
    ), err


def test_corrupt_profile_path_in_a_scenario_exits_2_without_traceback(tmp_path):
    """The same through ``python -m simulator``, with the scenario naming a profile file."""
    profile = tmp_path / "broken.yaml"
    profile.write_text("region: ningxia\nparameters: {a: [\n", encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"name: s\nregion: ningxia\nprofile: {profile}\nstart_year: 2017\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "run", str(scenario)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"error: {profile}: not valid YAML at line"), result.stderr


def test_unknown_profile_is_refused_before_the_run(tmp_path, capsys):
    """A misspelt ``profile:`` is a one-line error from loading the scenario, with the choices."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: s\nregion: ningxia\nprofile: ningxai\n", encoding="utf-8")
    assert main(["run", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(
        f"error: {scenario}: unknown profile 'ningxai'; did you mean 'ningxia'? (valid: ['yibin'"
    ), err


def _onset_file(tmp_path):
    """The incubator-onset scenario (tests/test_time_step_advice.py) with a 2035 target."""
    from test_time_step_advice import incubator_onset

    data = incubator_onset().to_dict()
    data["targets"] = [
        {"indicator": "high_tech_enterprises", "year": 2035, "value": 6000, "bound": "at_least"}
    ]
    path = tmp_path / "onset.yaml"
    path.write_text(Scenario.from_dict(data).to_yaml(), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("command", ["run", "targets"])
def test_a_run_that_does_not_converge_warns_with_the_time_step_to_use(tmp_path, capsys, command):
    """The table still comes out on stdout; stderr says which time step converges."""
    assert main([command, _onset_file(tmp_path)]) == 0
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("warning: ") for line in lines), err
    assert lines[0].startswith("warning: 数值精度：步长 0.0625 减半使高新技术企业")
    assert "set time_step: 0.015625" in lines[1]
    assert lines[2].endswith("or rerun with --time-step 0.015625")
    assert "Traceback" not in err and out.strip()


def test_the_advised_time_step_or_skipping_the_check_gives_no_warning(tmp_path, capsys):
    scenario = _onset_file(tmp_path)
    assert main(["run", scenario, "--time-step", "0.015625"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["run", scenario, "--no-time-step-check"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["run", str(SCENARIOS_DIR / "ningxia-plan.yaml")]) == 0  # converges
    assert capsys.readouterr().err == ""


def test_a_time_step_that_is_not_one_over_n_is_a_one_line_error(capsys):
    assert main(["run", str(SCENARIOS_DIR / "ningxia-plan.yaml"), "--time-step", "0.3"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("error: time_step 0.3 must be 1/n of a year") and len(err.splitlines()) == 1
    )


def test_the_time_step_check_is_kept_with_the_results(tmp_path, capsys):
    """The .meta.json says whether the run converged, and where it would."""
    out = tmp_path / "onset.csv"
    assert main(["run", _onset_file(tmp_path), "--out", str(out)]) == 0
    check = json.loads((tmp_path / "onset.csv.meta.json").read_text(encoding="utf-8"))[
        "time_step_check"
    ]
    assert check["converged"] is False and check["converged_at"] == 0.015625
    assert check["worst_indicator"] == "high_tech_enterprises" and check["relative_change"] > 0.01
    plan = tmp_path / "plan.csv"
    assert main(["run", str(SCENARIOS_DIR / "ningxia-plan.yaml"), "--out", str(plan)]) == 0
    check = json.loads((tmp_path / "plan.csv.meta.json").read_text(encoding="utf-8"))[
        "time_step_check"
    ]
    assert check["converged"] is True and check["converged_at"] is None
    assert 0 < check["relative_change"] < check["tolerance"] == 0.01
    skipped = tmp_path / "skipped.csv"
    assert (
        main(
            [
                "run",
                str(SCENARIOS_DIR / "ningxia-plan.yaml"),
                "--out",
                str(skipped),
                "--no-time-step-check",
            ]
        )
        == 0
    )
    assert "time_step_check" not in json.loads(
        (tmp_path / "skipped.csv.meta.json").read_text(encoding="utf-8")
    )


def test_run_checks_the_time_step_with_one_extra_run(monkeypatch, capsys):
    """The check reuses the run just made: only the half-time-step run is added."""
    from simulator import validation

    calls = []
    real = validation.key_indicator_run
    monkeypatch.setattr(
        validation,
        "key_indicator_run",
        lambda sc, dt, *a, **k: calls.append(dt) or real(sc, dt, *a, **k),
    )
    assert main(["run", str(SCENARIOS_DIR / "ningxia-plan.yaml")]) == 0
    assert calls == [0.03125]


def test_run_takes_a_shipped_scenario_by_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the name is not a path relative to the working folder
    out = tmp_path / "r.csv"
    assert main(["run", "ningxia-baseline", "--out", str(out), "--no-time-step-check"]) == 0
    assert pd.read_csv(out, comment="#")["gdp"].iloc[0] == pytest.approx(3453.93)


def test_an_unknown_scenario_name_gets_a_did_you_mean_and_exit_2(capsys):
    assert main(["run", "ningxia-basline"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(
        "error: no scenario file or shipped scenario named 'ningxia-basline';"
        " did you mean 'ningxia-baseline'"
    ), err


@pytest.mark.parametrize("command", [["-m", "simulator", "calibrate"], ["-m", "calibration"]])
def test_calibrate_runs_from_either_package_with_one_line_errors(command):
    result = subprocess.run(
        [sys.executable, *command, "--starts", "1"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 2
    assert result.stderr == "error: give one REGION or --all\n"


def test_calibrate_without_the_calibration_package_says_what_is_missing(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "calibration.cli", None)  # import fails as if absent
    assert main(["calibrate", "yibin", "--all"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the calibrate command needs the calibration package"), err


def test_run_ensemble_writes_quantiles_in_long_form(tmp_path, capsys):
    """``run --ensemble N --seed S --out`` (issue #18): year, indicator, quantile, value."""
    scenario = str(SCENARIOS_DIR / "suining-plan.yaml")
    out, again = tmp_path / "q.csv", tmp_path / "again.csv"
    for path in (out, again):
        argv = ["run", scenario, "--ensemble", "40", "--seed", "7", "--out", str(path),
                "--no-time-step-check"]
        assert main(argv) == 0
    table = read_results(out).frame.reset_index()
    assert list(table.columns) == ["year", "indicator", "quantile", "value"]
    assert sorted(table["quantile"].unique()) == [0.05, 0.25, 0.5, 0.75, 0.95]
    assert set(KEY) <= set(table["indicator"])
    assert table["year"].min() == 2018 and table["year"].max() == 2035
    # five quantiles per indicator and year, rising with the level
    wide = table.pivot_table(index=["indicator", "year"], columns="quantile", values="value")
    assert wide.notna().all().all() and (wide.diff(axis=1).iloc[:, 1:] >= -1e-12).all().all()
    # the band is a band: members differ, so the 5% and 95% quantiles of R&D differ by 2035
    rd = wide.loc[("rd_expenditure", 2035)]
    assert rd[0.95] > rd[0.05]
    # the same seed gives the same numbers; the provenance names the draws
    pd.testing.assert_frame_equal(read_results(again).frame, read_results(out).frame)
    meta = read_results(out).metadata
    assert meta["ensemble"]["n"] == 40 and meta["ensemble"]["seed"] == 7
    assert meta["ensemble"]["quantiles"] == [0.05, 0.25, 0.5, 0.75, 0.95]


def test_run_ensemble_quantiles_match_the_members(capsys):
    """The long table holds the quantiles of the ensemble's own runs (known answer)."""
    from simulator.ensemble import run_ensemble

    scenario = load_scenario(SCENARIOS_DIR / "yibin-baseline.yaml")
    ensemble = run_ensemble(scenario, 21, 3, indicators=["gdp"])
    long = ensemble.quantiles_long((0.0, 0.5, 1.0))
    last = long[long["year"] == ensemble.years[-1]].set_index("quantile")["value"]
    runs = ensemble.values["gdp"][:, -1]
    assert last[0.0] == runs.min() and last[1.0] == runs.max()
    assert last[0.5] == sorted(runs)[10]  # 21 members: the 11th is the median


def test_warnings_of_a_command_are_one_line_without_library_deprecations(capsys):
    """PySD's warnings (and chardet's deprecation line) end as at most one line (#22)."""
    import argparse
    import warnings

    from simulator.cli import run_command

    def command(args):
        warnings.warn("chardet.universaldetector is deprecated", DeprecationWarning)
        warnings.warn("PySD: first thing", UserWarning)
        warnings.warn("PySD:   first\n thing", UserWarning)  # the same, differently spaced
        warnings.warn("PySD: second thing", UserWarning)
        return 0

    assert run_command(argparse.Namespace(func=command)) == 0
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["warning: PySD: first thing | PySD: second thing"]
