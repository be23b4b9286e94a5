"""Tests of ``simulator.app_logic``: what the pages compute, without Streamlit."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS_DIR

from simulator import app_logic, catalogue
from simulator.catalogue import CatalogueEntry
from simulator.errors import ScenarioError
from simulator.scenario import Scenario, Target, load_scenario


def _entry(default=10.0, low=0.0, high=1000.0, unit="家") -> CatalogueEntry:
    return CatalogueEntry(
        name="x",
        vensim_name="X",
        unit=unit,
        vensim_unit=unit,
        default=default,
        min=low,
        max=high,
        label_zh="甲",
        label_en="X",
        group="talent",
    )


@pytest.fixture(scope="module")
def ningxia() -> Scenario:
    """Ningxia's baseline scenario."""
    return load_scenario(SCENARIOS_DIR / "ningxia-baseline.yaml")


# ----------------------------------------------------------------- sliders
@pytest.mark.parametrize(
    "width, expected",
    [(2400.0, 50.0), (2000.0, 20.0), (0.2, 0.002), (80.0, 1.0), (3.0, 0.05), (7.0, 0.1)],
)
def test_nice_step_known_values(width, expected):
    """Nice step known values."""
    assert app_logic.nice_step(width) == pytest.approx(expected)


def test_doctests_of_the_app_modules():
    """Doctests of the app modules."""
    import doctest

    from simulator import i18n, levers
    from simulator.app_logic import scenarios, structure, tables, terms

    for module in (scenarios, tables, structure, terms, i18n, levers):
        assert doctest.testmod(module).failed == 0


def test_nice_step_rejects_zero_width():
    """Nice step rejects zero width."""
    with pytest.raises(ValueError, match="width must be positive"):
        app_logic.nice_step(0.0)


def test_slider_spans_the_whole_valid_range_not_four_times_the_preset():
    """Issue #20.9: the slider stopped at 4x the preset; the model allows more."""
    spec = app_logic.slider_spec(_entry(), preset=50.0)
    assert (spec.low, spec.high, spec.value) == (0.0, 1000.0, 50.0)
    assert spec.step == 2.0, "the step stays fine near the preset (about 100 to 4x it)"


def test_slider_keeps_the_valid_low_end():
    spec = app_logic.slider_spec(_entry(low=1.0, high=120.0), preset=50.0)
    assert spec.low == 1.0 and spec.high == 120.0


def test_an_open_range_stops_at_the_span_with_the_model_default_when_the_preset_is_zero():
    assert app_logic.slider_spec(_entry(default=3.0, high=None), preset=0.0).high == pytest.approx(
        12.0
    )
    assert app_logic.slider_spec(_entry(default=0.0, high=0.2), preset=0.0).high == pytest.approx(
        0.2
    )
    assert app_logic.slider_spec(_entry(default=0.0, high=None), preset=0.0).high == pytest.approx(
        1.0
    )


@pytest.mark.parametrize("preset", [0.0, 0.013, 1.0, 7.3, 600.0, 999.0, 1000.0])
def test_slider_always_contains_the_preset_and_stays_valid(preset):
    """Slider always contains the preset and stays valid."""
    spec = app_logic.slider_spec(_entry(unit="亿元/Year"), preset=preset)
    assert 0.0 <= spec.low <= preset <= spec.high == 1000.0
    assert spec.step > 0 and not spec.integer and spec.scale == 1.0


def test_count_levers_step_by_whole_numbers_and_rates_show_as_percent():
    """Issue #20.9: 0.5 institutions, and rates shown as Dmnl."""
    levers = catalogue.levers()
    suining = load_scenario(SCENARIOS_DIR / "suining-plan.yaml")
    specs = app_logic.slider_specs(suining)
    for name in ("tech_transfer_institutions", "talent_programme_intake", "incubator_capacity",
                 "innovation_platform_construction"):
        spec = specs[name]
        assert spec.integer and spec.step >= 1 and spec.step == int(spec.step), spec
        assert all(isinstance(v, int) for v in spec.bounds().values())
    post = specs["post_subsidy_rate"]
    assert (post.low, post.high) == (levers["post_subsidy_rate"].min, 0.2), "the model's 0.2"
    assert post.bounds()["max_value"] == 20.0 and post.shown(post.value) == 2.0
    assert post.stored(5.0) == 0.05 and post.stored(post.shown(0.013)) == 0.013
    assert not specs["new_sci_tech_loans"].integer


def test_a_fractional_count_in_the_preset_keeps_a_fractional_step():
    spec = app_logic.slider_spec(_entry(), preset=2.5)
    assert not spec.integer and spec.shown(spec.value) == 2.5


def test_slider_specs_start_at_the_preset_value_in_the_end_year(ningxia):
    """Slider specs start at the preset value in the end year."""
    specs = app_logic.slider_specs(ningxia)
    assert set(specs) == set(catalogue.levers())
    # the preset steps the super deduction from 0.75 to 1.0 in 2023: the slider shows 1.0
    assert specs["super_deduction_rate"].value == 1.0
    assert specs["incubator_capacity"].value == 600.0
    assert specs["incubator_capacity"].high == catalogue.levers()["incubator_capacity"].max


def test_levers_by_group_covers_every_lever_once():
    """Levers by group covers every lever once."""
    grouped = app_logic.levers_by_group()
    names = [e.name for entries in grouped.values() for e in entries]
    assert sorted(names) == sorted(catalogue.levers())
    assert all(e.group == g for g, entries in grouped.items() for e in entries)


# ------------------------------------------------------------ apply levers
def test_unmoved_sliders_give_the_preset_back(ningxia):
    """Unmoved sliders give the preset back."""
    values = {n: s.value for n, s in app_logic.slider_specs(ningxia).items()}
    scenario = ningxia.with_levers(values, 2026)
    assert scenario == ningxia
    assert scenario.to_yaml() == ningxia.to_yaml()


def test_unmoved_sliders_do_not_validate_the_preset_again(ningxia, monkeypatch):
    calls = []
    monkeypatch.setattr(Scenario, "from_dict", classmethod(lambda cls, *a: calls.append(a)))
    values = {n: s.value for n, s in app_logic.slider_specs(ningxia).items()}
    assert ningxia.with_levers(values, 2026) is ningxia and calls == []


def test_moved_constant_lever_becomes_a_step_in_the_policy_year(ningxia):
    """Moved constant lever becomes a step in the policy year."""
    scenario = ningxia.with_levers({"incubator_capacity": 900.0}, 2026)
    path = scenario.levers["incubator_capacity"]
    assert path.values_on(np.array([2025.75, 2026.0, 2035.0])).tolist() == [600.0, 900.0, 900.0]
    assert scenario.name == "ningxia-baseline-custom"
    assert scenario.to_yaml() != ningxia.to_yaml()


def test_moved_step_lever_keeps_the_preset_path_before_the_policy_year(ningxia):
    """Moved step lever keeps the preset path before the policy year."""
    scenario = ningxia.with_levers({"super_deduction_rate": 1.5}, 2026)
    path = scenario.levers["super_deduction_rate"]
    assert path.values_on(np.array([2018.0, 2022.75, 2023.0, 2025.5, 2026.0, 2030.0])).tolist() == [
        0.75,
        0.75,
        1.0,
        1.0,
        1.5,
        1.5,
    ]


def test_apply_levers_rejects_a_policy_year_outside_the_horizon(ningxia):
    """Apply levers rejects a policy year outside the horizon."""
    with pytest.raises(ScenarioError, match="policy year 2017 must be after 2017"):
        ningxia.with_levers({}, 2017)


def test_apply_levers_names_an_unknown_lever(ningxia):
    """Apply levers names an unknown lever."""
    with pytest.raises(ScenarioError, match="did you mean 'incubator_capacity'"):
        ningxia.with_levers({"incubator_capacty": 1.0}, 2026)


def test_presets_and_their_errors():
    """Presets and their errors."""
    assert "baseline" in app_logic.available_presets("ningxia")
    assert app_logic.load_preset("yibin", "baseline").region == "yibin"
    with pytest.raises(ScenarioError, match="unknown region 'ningxa'; did you mean 'ningxia'"):
        app_logic.load_preset("ningxa", "baseline")
    with pytest.raises(ScenarioError, match="unknown preset 'best'"):
        app_logic.load_preset("ningxia", "best")


# ---------------------------------------------------------------- tables
def _frames():
    index = pd.Index([2025, 2030], name="year")
    return {
        "base": pd.DataFrame({"gdp": [100.0, 200.0]}, index=index),
        "plan": pd.DataFrame({"gdp": [110.0, 150.0]}, index=index),
    }


def test_comparison_table_known_differences():
    """Comparison table known differences."""
    table = app_logic.comparison_table(_frames(), ["gdp"], [2025, 2030])
    assert table["plan − base"].tolist() == [10.0, -50.0]
    assert table["plan − base %"].tolist() == pytest.approx([10.0, -25.0])
    assert table["base"].tolist() == [100.0, 200.0]


def test_comparison_table_errors():
    """Comparison table errors."""
    with pytest.raises(ValueError, match="at least two scenarios"):
        app_logic.comparison_table({"base": _frames()["base"]}, ["gdp"], [2025])
    with pytest.raises(ValueError, match="year 2040 is outside the run of 'base'"):
        app_logic.comparison_table(_frames(), ["gdp"], [2040])


def test_all_targets_puts_scenario_targets_first_and_drops_duplicates():
    """All targets puts scenario targets first and drops duplicates."""
    scenario = Scenario(targets=(Target("gdp", 2030, 5000.0, "at_least", "plan"),))
    documented = pd.DataFrame(
        {
            "indicator": ["gdp", "gdp", "not_a_model_indicator", "rd_intensity"],
            "year": [2030, 2025, 2025, 2025],
            "value_model": [4000.0, 3000.0, 1.0, 2.0],
            "bound": ["equal", "equal", "equal", "at_least"],
            "weight": [1.0, 0.0, 1.0, 1.0],
            "source": ["a", "b", "c", "d"],
        }
    )
    targets = app_logic.all_targets(scenario, documented)
    assert [(t.indicator, t.year, t.value) for t in targets] == [
        ("gdp", 2030, 5000.0),
        ("rd_intensity", 2025, 2.0),
    ]
    assert app_logic.targets_frame(targets)["bound"].tolist() == ["at_least", "at_least"]


def test_results_csv_has_units_and_reads_back():
    """Results csv has units and reads back."""
    frame = _frames()["base"]
    text = app_logic.results_csv(frame, {"gdp": "亿元"}).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "year,gdp" and lines[1] == "unit,亿元" and lines[2] == "2025,100.0"


def test_fmt_number_and_valid_name():
    """Fmt number and valid name."""
    assert app_logic.fmt_number(float("nan")) == "—"
    assert app_logic.fmt_number(-12345.6) == "-12,346"
    assert (
        app_logic.valid_name("my-plan_2")
        and not app_logic.valid_name("../etc")
        and not app_logic.valid_name("")
    )


def test_labels_follow_the_language():
    """Labels follow the language."""
    entry = catalogue.indicators()["high_tech_enterprises"]
    assert app_logic.entry_label(entry, "zh") == "高新技术企业"
    assert app_logic.entry_label(entry, "en") == "High-tech enterprises"
    assert (
        app_logic.group_label("talent", "zh") == "人才"
        and app_logic.group_label("talent", "en") == "Talent"
    )
    assert (
        app_logic.region_label("ningxia", "zh") == "宁夏"
        and app_logic.region_label(None, "en") == "—"
    )
    assert app_logic.pick("", "only English", "zh") == "only English"


def test_optional_module_absent_and_present():
    """Optional module absent and present."""
    assert app_logic.optional_module("simulator.no_such_module_here") is None
    assert app_logic.optional_module("simulator.catalogue") is catalogue


# -------------------------------------------------------- model structure
def test_simple_cycles_known_graph():
    """Simple cycles known graph."""
    # a -> b -> c -> a, a -> c -> a (graph maps node to its causes), d -> d
    graph = {"a": {"c"}, "b": {"a"}, "c": {"a", "b"}, "d": {"d"}}
    assert app_logic.simple_cycles(graph, 8) == [["d"], ["a", "c"], ["a", "b", "c"]]
    assert app_logic.simple_cycles(graph, 2) == [["d"], ["a", "c"]]
    with pytest.raises(ValueError, match="max_length must be at least 1"):
        app_logic.simple_cycles(graph, 0)


def test_simple_cycles_of_a_complete_graph_count():
    """Simple cycles of a complete graph count."""
    # K4 with both directions: cycles of length 2: 6, length 3: 8, length 4: 6
    nodes = "abcd"
    graph = {n: set(nodes) - {n} for n in nodes}
    cycles = app_logic.simple_cycles(graph, 4)
    assert [len(c) for c in cycles].count(2) == 6
    assert [len(c) for c in cycles].count(3) == 8
    assert [len(c) for c in cycles].count(4) == 6


def test_neighbourhood():
    """Neighbourhood."""
    graph = {"a": set(), "b": {"a"}, "c": {"b"}, "d": {"c"}}
    assert app_logic.neighbourhood(graph, "b", 1) == {"a", "b", "c"}
    assert app_logic.neighbourhood(graph, "a", 3) == {"a", "b", "c", "d"}
    with pytest.raises(KeyError, match="did you mean 'a'"):
        app_logic.neighbourhood({"a": set(), "ab": set()}, "aa", 1)


def test_causal_graph_reads_stock_flows_from_pysd_dependencies():
    """Causal graph reads stock flows from pysd dependencies."""
    graph = app_logic.causal_graph()
    # RD capital = INTEG(RD capital formation - RD capital depreciation, ...)
    assert graph["rd_capital"] == {"rd_capital_formation", "rd_capital_depreciation"}
    assert {"rd_expenditure", "rd_capital_step_factor"} <= graph["rd_capital_formation"]
    # depreciation = rate * capital: the balancing loop B1
    assert {"rd_capital", "rd_depreciation_rate"} <= graph["rd_capital_depreciation"]
    assert "time" not in set().union(*graph.values())
    loops = app_logic.simple_cycles(graph, 4)
    assert ["rd_capital", "rd_capital_depreciation"] in loops


def test_dot_source_marks_stocks_constants_and_focus():
    """Dot source marks stocks constants and focus."""
    graph = app_logic.causal_graph()
    nodes = app_logic.neighbourhood(graph, "rd_capital", 2)
    dot = app_logic.dot_source(graph, nodes, lang="zh", focus="rd_capital")
    # zh: the Chinese name only (catalogue.yaml), also for variables that are not indicators
    assert '"rd_capital" [label="R&D资本存量", shape=box' in dot
    assert '"rd_capital_formation" [label="R&D资本形成"' in dot
    assert "color=red" in dot and '"rd_capital_formation" -> "rd_capital";' in dot
    hidden = app_logic.dot_source(graph, nodes, lang="en", show_constants=False)
    assert '"rd_depreciation_rate"' not in hidden and '"rd_depreciation_rate"' in dot


def test_variables_table_has_equation_unit_and_source():
    """Variables table has equation unit and source."""
    table = app_logic.variables_table().set_index("py_name")
    row = table.loc["rd_capital"]
    assert (
        row["equation"].startswith("INTEG") and row["unit"] == "亿元" and row["kind"] == "Stateful"
    )
    assert (table["equation"] != "").all()
    assert math.isclose(float(table.loc["average_contract_value", "equation"]), 0.046)


def test_calibration_report_lists_existing_files(tmp_path):
    """Calibration report lists existing files."""
    folder = tmp_path / "yibin"
    folder.mkdir()
    (folder / "fit.md").write_text("# fit", encoding="utf-8")
    (folder / "fit.png").write_bytes(b"\x89PNG")
    assert set(app_logic.calibration_report("yibin", tmp_path)) == {"fit.md", "fit.png"}
    assert app_logic.calibration_report("chengdu", tmp_path) == {}


def test_fastest_engine_is_one_the_runner_accepts():
    """Fastest engine is one the runner accepts."""
    from simulator.engine.dispatch import ENGINES

    assert app_logic.fastest_engine() in ENGINES


def test_merge_targets_keeps_the_first_of_each_indicator_and_year():
    """Merge targets keeps the first of each indicator and year."""
    a = [Target("gdp", 2030, 1.0), Target("gdp", 2025, 2.0)]
    b = [Target("gdp", 2030, 9.0), Target("rd_intensity", 2030, 3.0)]
    merged = app_logic.merge_targets([a, b])
    assert [(t.indicator, t.year, t.value) for t in merged] == [
        ("gdp", 2030, 1.0),
        ("gdp", 2025, 2.0),
        ("rd_intensity", 2030, 3.0),
    ]


def test_scorecard_headers_name_every_shown_column():
    """Both scorecards (single run and ensemble) get a header for each column they show."""
    from simulator import targets

    headers = app_logic.scorecard_headers(lambda key: f"<{key}>", "label_zh")
    # the indicator is shown by its label; the ensemble page leaves out n and the gap
    not_shown = {"indicator", "label_en", "n", "gap_pct_q50"}
    for columns in (targets.TABLE_COLUMNS, targets.ENSEMBLE_COLUMNS):
        assert [c for c in columns if c not in not_shown and c not in headers] == []
    assert headers["label_zh"] == "<indicator>"


def test_validation_table_speaks_the_chosen_language():
    """Each battery label is split into its Chinese or English half, the detail chosen."""
    summary = pd.DataFrame(
        {"check": ["非负且有限 / finite and non-negative", "企业守恒 / firms conserved"],
         "ok": [True, False], "detail": ["all finite and non-negative", "largest residual 0.1"],
         "detail_zh": ["全部有限且非负", "最大残差 0.1"]},
        index=["signs", "conservation"])
    zh = app_logic.validation_table(summary, "zh")
    assert zh["check"].tolist() == ["非负且有限", "企业守恒"]
    assert zh["ok"].tolist() == [True, False]
    assert zh["detail"].tolist() == ["全部有限且非负", "最大残差 0.1"]
    en = app_logic.validation_table(summary, "en")
    assert en["check"].tolist() == ["finite and non-negative", "firms conserved"]
    assert en["detail"].tolist() == summary["detail"].tolist()
    with pytest.raises(ValueError, match="lang must be 'zh' or 'en', got 'fr'"):
        app_logic.validation_table(summary, "fr")


def test_a_lever_with_its_own_start_year_and_ramp(ningxia):
    """Issue #20 (time): per-lever start year and ramp, beside the page's policy year."""
    scenario = ningxia.with_levers({"incubator_capacity": 900.0, "new_sci_tech_loans": 9.0},
                                   2026, timing={"incubator_capacity": (2024, 4)})
    ramp = scenario.levers["incubator_capacity"]
    assert ramp.values_on(np.array([2023.0, 2024.0, 2026.0, 2028.0, 2030.0])).tolist() == [
        600.0, 600.0, 750.0, 900.0, 900.0]
    step = scenario.levers["new_sci_tech_loans"]
    assert step.kind == "step" and step.year == 2026, "a lever without timing takes the policy year"
    with pytest.raises(ScenarioError, match="start year 2040"):
        ningxia.with_levers({"incubator_capacity": 900.0}, 2026,
                            timing={"incubator_capacity": (2040, 0)})


def test_a_ramp_on_a_changing_base_keeps_the_base_before_it():
    from simulator.levers import LeverPath, ramp_path

    base = LeverPath("step", year=2022, before=3.0, after=30.0)
    path = ramp_path(base, 2025, 2, 40.0, start_year=2018, default=0.0)
    assert path.values_on(np.array([2020.0, 2023.0, 2025.0, 2026.0, 2027.0, 2030.0])).tolist() == [
        3.0, 30.0, 30.0, 35.0, 40.0, 40.0]
