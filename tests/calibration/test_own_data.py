"""A user's own figures refit a region, kept apart from the packaged data (#18 point 9)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
from test_observations import GOOD_ROW, write_rows

from calibration.own_data import merged_observations, refit_with_own_figures
from simulator.data.observations import (
    FIT_END_YEAR,
    OBSERVATIONS_CSV,
    ObservationError,
    load_observations,
    load_user_observations,
)
from simulator.data.profile import profile_path

SUINING_HTE = {**GOOD_ROW, "region": "Suining", "indicator": "high_tech_enterprises",
               "year": "2023", "value": "300", "unit": "家",
               "source": "example.gov.cn/suining-2023", "source_quote": "高新技术企业300家"}


def _digest(*paths) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


def test_a_user_file_may_hold_outcomes_after_the_fit_window(tmp_path):
    """The packaged file refuses a 2023 outcome (hold-out); a user's file keeps it, apart."""
    path = write_rows(tmp_path / "mine.csv", [SUINING_HTE])
    with pytest.raises(ObservationError, match="after FIT_END_YEAR"):
        load_observations(path)
    user = load_user_observations(path)
    assert list(user["origin"]) == ["user"] and int(user["year"].iloc[0]) > FIT_END_YEAR


def test_a_user_file_is_checked_line_by_line(tmp_path):
    path = write_rows(tmp_path / "mine.csv", [SUINING_HTE, {**SUINING_HTE, "unit": "个人"}])
    with pytest.raises(ObservationError, match=r"mine.csv, line 3: unit '个人'"):
        load_user_observations(path)


def test_a_user_figure_replaces_the_packaged_figure_of_its_year(tmp_path):
    packaged = load_observations(kinds="outcome")
    row = packaged[(packaged["region"] == "Suining") & (packaged["weight"] > 0)].iloc[0]
    mine = {**SUINING_HTE, "indicator": row["indicator"], "year": str(row["year"]),
            "value": str(row["value"] * 2), "unit": row["unit"]}
    user = load_user_observations(write_rows(tmp_path / "mine.csv", [mine]))
    merged = merged_observations("suining", user)
    same = merged[(merged["year"] == row["year"]) & (merged["value"] == row["value_model"] * 2)]
    assert len(same) == 1, "the user's figure is in"
    assert not ((merged["year"] == row["year"]) & (merged["value"] == row["value_model"])).any()


def test_a_refit_moves_toward_the_users_figure_and_changes_no_packaged_file(tmp_path):
    """Known direction: a 2023 count above both fits pulls the refit's 2023 value up to it."""
    before = _digest(OBSERVATIONS_CSV, profile_path("suining"))
    path = write_rows(tmp_path / "mine.csv", [SUINING_HTE])
    refit = refit_with_own_figures("suining", load_user_observations(path), source=path)
    point = refit.points.iloc[0]
    assert point["value"] == 300.0 and point["packaged_fit"] < 300.0
    assert point["packaged_fit"] < point["refit"] < 300.0
    assert abs(point["refit_error_pct"]) < abs(point["packaged_error_pct"])
    assert refit.profile.fit_until == 2023
    assert refit.profile.provenance["own_figures_sha256"] == _digest(path)[0]
    assert _digest(OBSERVATIONS_CSV, profile_path("suining")) == before


def test_the_cli_refits_into_the_report_folder_only(tmp_path):
    before = _digest(OBSERVATIONS_CSV, profile_path("suining"))
    path = write_rows(tmp_path / "mine.csv", [SUINING_HTE])
    done = subprocess.run([sys.executable, "-m", "calibration", "suining", "--observations",
                           str(path), "--report", str(tmp_path / "rep")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "rep" / "suining-own"
    assert {p.name for p in folder.iterdir()} >= {"profile.yaml", "own-fit.md", "points.csv",
                                                  "parameters.csv"}
    assert "| high_tech_enterprises | 2023 | 300 |" in (folder / "own-fit.md").read_text()
    assert _digest(OBSERVATIONS_CSV, profile_path("suining")) == before


@pytest.mark.parametrize("extra, message", [
    (["--all"], "one REGION to its figures' last year"),
    (["--method", "mcmc"], "--observations applies to --method map only"),
])
def test_the_cli_refuses_what_a_refit_cannot_mean(tmp_path, extra, message):
    path = write_rows(tmp_path / "mine.csv", [SUINING_HTE])
    region = [] if extra == ["--all"] else ["suining"]
    done = subprocess.run([sys.executable, "-m", "calibration", *region, "--observations",
                           str(path), *extra], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_file_without_the_region_is_refused_by_name(tmp_path):
    user = load_user_observations(write_rows(tmp_path / "mine.csv", [SUINING_HTE]))
    with pytest.raises(ValueError, match="no outcome row for yibin .regions in the file: Suining"):
        merged_observations("yibin", user)
