"""Tests of ``simulator.app_logic.user_data``: a planner's own figures and targets."""

from __future__ import annotations

import doctest

import pandas as pd
import pytest

from simulator.app_logic import planning, user_data
from simulator.errors import ScenarioError
from simulator.scenario import Target


def test_doctests():
    assert doctest.testmod(user_data).failed == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (("high_tech_enterprise", 2024, 230, "x"), "did you mean 'high_tech_enterprises'"),
        (("high_tech_enterprises", 2024.5, 230, "x"), "whole year"),
        (("high_tech_enterprises", 1800, 230, "x"), "from 1990 to 2100"),
        (("high_tech_enterprises", 2024, -1, "x"), "must not be negative"),
        (("high_tech_enterprises", 2024, float("nan"), "x"), "value"),
        (("high_tech_enterprises", 2024, None, "x"), "value"),
        (("high_tech_enterprises", 2024, 230, "  "), "source is required"),
    ],
)
def test_bad_figures_are_refused_in_one_line(args, message):
    with pytest.raises((ScenarioError, TypeError, ValueError), match=message) as error:
        user_data.check_figure(*args)
    assert "\n" not in str(error.value)


def test_a_target_needs_a_known_bound():
    with pytest.raises(ScenarioError, match=r"bound 'above' is not one of \['at_least'"):
        user_data.check_target("gdp", 2030, 3000, "above")
    assert user_data.check_target("gdp", 2030, 3000, "at_least") == Target("gdp", 2030, 3000.0)


def test_a_figure_joins_the_outcomes_and_the_actuals_and_wins_its_year():
    actuals = planning.actuals_frame("suining")
    observed = actuals.rename(columns={"value": "value_model"}).assign(bound="equal", weight=1.0)
    mine = [user_data.check_figure("high_tech_enterprises", 2024, 230, "bulletin 2024"),
            user_data.check_figure("high_tech_enterprises", 2023, 210, "revised")]
    merged = user_data.with_actuals(actuals, mine)
    assert planning.latest_actuals(merged)["high_tech_enterprises"] == (2024, 230.0, False)
    assert planning.actual_in(merged, "high_tech_enterprises", 2023) == 210.0
    assert len(merged) == len(actuals) + 1, "the 2023 figure replaced, the 2024 one added"
    points = user_data.with_figures(observed, mine, "suining")
    hte = points[points["indicator"] == "high_tech_enterprises"]
    late = hte[hte["year"] >= 2023].sort_values("year")
    assert list(late["value_model"]) == [210.0, 230.0] and len(late) == 2
    assert user_data.with_figures(None, mine, "suining")["value_model"].tolist() == [230.0, 210.0]
    assert user_data.with_actuals(actuals, []) is actuals


def test_a_target_edit_replaces_the_same_indicator_and_year_and_others_are_added():
    targets = [Target("gdp", 2025, 2000.0), Target("rd_intensity", 2025, 1.5)]
    edits = [Target("gdp", 2025, 2100.0, "at_most"), Target("gdp", 2030, 2500.0)]
    out = user_data.with_targets(targets, edits)
    assert out == [Target("gdp", 2025, 2100.0, "at_most"), Target("rd_intensity", 2025, 1.5),
                   Target("gdp", 2030, 2500.0)]
    kept = user_data.add(edits, Target("gdp", 2030, 2600.0))
    assert kept == [Target("gdp", 2025, 2100.0, "at_most"), Target("gdp", 2030, 2600.0)]
    assert isinstance(user_data.with_figures(pd.DataFrame(), [], None), pd.DataFrame)
