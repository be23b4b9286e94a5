"""Tests for simulator.data.observations: packaged data, unit conversion, validation errors."""

import csv
from pathlib import Path

import pytest

from simulator.data.observations import (
    COLUMNS,
    FIT_END_YEAR,
    HOLDOUT_CSV,
    INDICATORS,
    OBSERVATIONS_CSV,
    REGIONS,
    ObservationError,
    load_holdout,
    load_observations,
    observed_series,
)

SHARED_BASELINES = Path(__file__).resolve().parents[3] / "shared" / "data" / "baselines.csv"

GOOD_ROW = {
    "region": "Ningxia", "indicator": "rd_expenditure", "year": "2014",
    "value": "238580.4", "unit": "万元", "kind": "outcome", "bound": "equal",
    "source": "example.org/page", "source_quote": "原文", "weight": "1.0", "note": "",
}


def write_rows(path, rows, header=COLUMNS):
    """Write a CSV with the given header and rows; return its path."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row[c] for c in header])
    return path


# --- the packaged files ---------------------------------------------------

def test_packaged_observations_load():
    """The packaged file loads completely, every region present."""
    obs = load_observations()
    assert len(obs) == 172 + 18  # shared baselines + the rows added for #18 (data README)
    assert set(obs["region"]) == set(REGIONS)
    assert obs["value_model"].notna().all()


def test_packaged_outcomes_stop_at_fit_end_year():
    """Fitting outcomes end in FIT_END_YEAR."""
    obs = load_observations(kinds="outcome")
    assert obs["year"].max() == FIT_END_YEAR


def test_packaged_holdout_is_later_outcomes_with_sources():
    """Hold-out rows are later outcomes with sources and quotes."""
    hold = load_holdout()
    assert len(hold) == 12 + 3  # 3 added for #18 (data README)
    assert (hold["year"] > FIT_END_YEAR).all()
    assert (hold["kind"] == "outcome").all()
    assert not hold["source"].str.contains("://").any()  # addresses without scheme
    assert hold["source_quote"].str.len().min() > 10


def test_holdout_does_not_repeat_a_fitting_figure():
    """No hold-out figure duplicates a fitting figure."""
    obs = load_observations()
    hold = load_holdout()
    keys = set(zip(obs["region"], obs["indicator"], obs["year"], obs["kind"]))
    assert not any(k in keys for k in zip(hold["region"], hold["indicator"],
                                          hold["year"], hold["kind"]))


@pytest.mark.skipif(not SHARED_BASELINES.is_file(), reason="shared/ reference data not present")
def test_values_units_sources_match_shared_baselines():
    """The project's copy keeps every published value, unit, source and quote unchanged.

    The shared rows come first, in order; rows found later for this project
    follow them, each marked in its note and sourced like the others.
    """
    with open(SHARED_BASELINES, encoding="utf-8") as handle:
        shared = list(csv.DictReader(handle))
    with open(OBSERVATIONS_CSV, encoding="utf-8") as handle:
        ours = list(csv.DictReader(handle))
    assert len(ours) > len(shared)
    for a, b in zip(ours, shared):
        for column in ("region", "indicator", "year", "value", "unit", "kind",
                       "source", "source_quote"):
            assert a[column] == b[column], (column, a, b)
    for row in ours[len(shared):]:
        assert row["note"].startswith("added for issue #18"), row
        assert row["source"] and "://" not in row["source"] and len(row["source_quote"]) > 10, row


@pytest.mark.parametrize(
    ("region", "indicator", "year", "kind", "expected", "unit_model"),
    [
        ("Ningxia", "rd_expenditure", 2014, "outcome", 23.85804, "亿元"),  # 万元 / 1e4
        ("Chengdu", "gdp", 2020, "outcome", 17700.0, "亿元"),  # 1.77 万亿元 * 1e4
        ("Sichuan", "high_tech_enterprises", 2022, "context", 14500.0, "家"),  # 1.45 万家
        ("Suining", "high_tech_enterprises", 2022, "outcome", 169.0, "家"),
        ("China", "rd_intensity", 2022, "context", 2.54, "%"),
    ],
)
def test_unit_conversion(region, indicator, year, kind, expected, unit_model):
    """Published units are converted to the model's unit."""
    obs = load_observations()
    row = obs[(obs.region == region) & (obs.indicator == indicator)
              & (obs.year == year) & (obs.kind == kind)]
    assert len(row) == 1
    assert row["value_model"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert row["unit_model"].iloc[0] == unit_model


def test_revision_preferred_and_third_party_down_weighted():
    """Revisions win; third-party figures weigh 0.3."""
    obs = load_observations()
    nx = obs[(obs.region == "Ningxia") & (obs.indicator == "rd_intensity") & (obs.year == 2017)]
    weights = dict(zip(nx["value"], nx["weight"]))
    assert weights == {1.13: 0.0, 1.22: 1.0}
    assert "superseded by revision" in nx.loc[nx.value == 1.13, "note"].iloc[0]
    flagged = obs["source_quote"].str.contains("第三方|非官方")
    assert (obs.loc[flagged, "weight"] == 0.3).all() and flagged.sum() == 6
    assert (obs.loc[~flagged, "weight"].isin([0.0, 1.0])).all()


def test_filters_kinds_and_until():
    """Filter by kinds and until; a bad kind is named."""
    obs = load_observations(kinds=["outcome", "context"], until=2019)
    assert set(obs["kind"]) == {"outcome", "context"}
    assert obs["year"].max() == 2019
    with pytest.raises(ValueError, match=r"unknown kind 'outcomes'; did you mean 'outcome'"):
        load_observations(kinds="outcomes")


def test_observed_series_uses_revision_and_skips_floors():
    """observed_series keeps revisions and drops floors."""
    obs = load_observations()
    series = observed_series(obs, "Ningxia", "rd_intensity")
    assert series.loc[2017] == 1.22 and series.loc[2020] == 1.51
    assert list(series.index) == sorted(series.index)
    chengdu = observed_series(obs, "Chengdu", "high_tech_industry_revenue")
    # 2019 is a floor (突破9470亿元); 2020 has the exact 11064.85亿元, whose
    # floor (突破1万亿元) is kept with weight 0 and so never returned
    assert chengdu.to_dict() == {2020: 11064.85}
    floors = observed_series(obs, "Chengdu", "high_tech_industry_revenue", include_floors=True)
    assert floors.to_dict() == {2019: 9470.0, 2020: 11064.85}


def test_observed_series_unknown_names():
    """Unknown region or indicator suggests the close name."""
    obs = load_observations()
    with pytest.raises(KeyError, match="did you mean 'Ningxia'"):
        observed_series(obs, "Ningxai", "rd_intensity")
    with pytest.raises(KeyError, match="did you mean 'rd_intensity'"):
        observed_series(obs, "Ningxia", "rd_intensty")


def test_observed_series_refuses_duplicates():
    """Two weighted figures for one year are refused."""
    obs = load_observations()
    obs.loc[(obs.region == "Ningxia") & (obs.indicator == "rd_intensity"), "weight"] = 1.0
    with pytest.raises(ValueError, match=r"several weighted figures for years \[2017, 2020\]"):
        observed_series(obs, "Ningxia", "rd_intensity")


def test_every_indicator_has_a_known_unit_category():
    """Every indicator maps to a defined unit category."""
    from simulator.data.observations import UNIT_CATEGORIES
    assert set(INDICATORS.values()) <= set(UNIT_CATEGORIES)


# --- validation errors: file, line, problem, valid choices -------------------

@pytest.mark.parametrize(
    ("column", "bad", "pattern"),
    [
        ("region", "Ningxai", r"unknown region 'Ningxai'; did you mean 'Ningxia'\?.*'Yibin'"),
        ("indicator", "rd_expenditur",
         r"unknown indicator 'rd_expenditur'; did you mean 'rd_expenditure'"),
        ("kind", "forecast", r"unknown kind 'forecast' \(valid: \["),
        ("bound", "at least", r"unknown bound 'at least'; did you mean 'at_least'"),
        ("unit", "万家", r"unit '万家' cannot be converted to '亿元'.*Valid units: \["),
        ("year", "2014.5", r"year '2014.5' is not an integer"),
        ("year", "1989", r"year 1989 is outside the valid range 1990-2050"),
        ("value", "nan", r"value 'nan' is not finite"),
        ("value", "约20", r"value '约20' is not a number"),
        ("weight", "1.5", r"weight 1.5 is outside the valid range \[0, 1\]"),
        ("source_quote", " ", r"source_quote is empty"),
    ],
)
def test_malformed_row_names_file_line_problem(tmp_path, column, bad, pattern):
    """Each malformed field is reported with file, line and choices."""
    rows = [dict(GOOD_ROW), dict(GOOD_ROW, year="2015"), dict(GOOD_ROW, year="2016")]
    rows[2][column] = bad
    path = write_rows(tmp_path / "obs.csv", rows)
    with pytest.raises(ObservationError, match=pattern) as info:
        load_observations(path)
    assert str(info.value).startswith(f"{path}, line 4: ")  # header = line 1
    assert isinstance(info.value, ValueError)


def test_line_number_counts_physical_lines(tmp_path):
    """A quote spanning two lines shifts the following rows, as an editor shows them."""
    rows = [dict(GOOD_ROW, source_quote="第一行\n第二行"), dict(GOOD_ROW, year="2015", region="X")]
    path = write_rows(tmp_path / "obs.csv", rows)
    with pytest.raises(ObservationError, match=r", line 4: unknown region 'X'"):
        load_observations(path)


def test_bad_header(tmp_path):
    """A wrong header is reported on line 1 with the missing columns."""
    header = [c for c in COLUMNS if c != "weight"]
    path = write_rows(tmp_path / "obs.csv", [], header=header)
    with pytest.raises(ObservationError, match=r"line 1: header .*missing \['weight'\]"):
        load_observations(path)


def test_wrong_field_count(tmp_path):
    """A short row is reported with the expected field count."""
    path = tmp_path / "obs.csv"
    path.write_text(",".join(COLUMNS) + "\nNingxia,gdp,2020\n", encoding="utf-8")
    with pytest.raises(ObservationError, match=r"line 2: expected 11 fields .* found 3"):
        load_observations(path)


def test_empty_file_and_missing_file(tmp_path):
    """An empty file and a missing file raise clear errors."""
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ObservationError, match="line 1: file is empty"):
        load_observations(empty)
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_observations(tmp_path / "nope.csv")


def test_conflicting_weighted_figures(tmp_path):
    """Two weighted figures for one key are refused unless one has weight 0."""
    rows = [dict(GOOD_ROW), dict(GOOD_ROW, value="240000")]
    path = write_rows(tmp_path / "obs.csv", rows)
    pattern = r"line 3: .*already has a weighted figure on line 2"
    with pytest.raises(ObservationError, match=pattern):
        load_observations(path)
    rows[0]["weight"] = "0"  # superseded: allowed
    assert len(load_observations(write_rows(path, rows))) == 2


def test_late_outcome_refused_for_fitting_and_early_one_for_holdout(tmp_path):
    """Fitting and hold-out years do not overlap."""
    late = write_rows(tmp_path / "late.csv", [dict(GOOD_ROW, year=str(FIT_END_YEAR + 1))])
    with pytest.raises(ObservationError, match="line 2: outcome year 2023 is after"):
        load_observations(late)
    assert len(load_holdout(late)) == 1
    early = write_rows(tmp_path / "early.csv", [dict(GOOD_ROW)])
    with pytest.raises(ObservationError, match="line 2: year 2014 is within the fitting period"):
        load_holdout(early)
    target = write_rows(tmp_path / "target.csv", [dict(GOOD_ROW, year="2024", kind="target")])
    with pytest.raises(ObservationError, match="kind 'target' is not valid in a hold-out"):
        load_holdout(target)


def test_packaged_paths_exist():
    """Both packaged files exist."""
    assert OBSERVATIONS_CSV.is_file() and HOLDOUT_CSV.is_file()
