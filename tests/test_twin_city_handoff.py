"""Each region of the twin-city circle from its own base year (issue #21): the hand-over."""

import numpy as np
import pytest

from simulator.runner import run_scenario
from simulator.twin_city import handoff
from simulator.twin_city.mdl_text import parse
from simulator.twin_city.regions import REGIONS, START_YEAR, baseline

HEAD = "{UTF-8}\n"


def _blocks(equations: str):
    return parse(HEAD + equations)[1]


def test_what_cannot_be_handed_over_is_refused_by_name():
    with pytest.raises(ValueError, match="Smoothed: SMOOTH cannot be handed over"):
        handoff.plan_of_blocks(_blocks("Smoothed=\n\tSMOOTH(x, 2)\n\t~\t~\t|\n"))
    with pytest.raises(ValueError, match="a DELAY FIXED is handed over only as the whole"):
        handoff.plan_of_blocks(_blocks("Late=\n\t2 * DELAY FIXED(x, 3, 0)\n\t~\t~\t|\n"))


def test_equations_are_rewritten_to_continue_each_regions_run():
    rewrite = handoff.rewrite_equation
    assert rewrite("Stock[Region]", "INTEG (\n\tIn[Region] - Out[Region],\n\t\tInit[Region])") \
        == "INTEG (\n\tIn[Region] - Out[Region],\n\t\tStock[Region] at circle start[Region])"
    assert rewrite("G", "B * EXP(g * (Time - INITIAL TIME))") == \
        "B * EXP(g * (Time - Region start year[Region]))"
    assert rewrite("F", "XIDZ(H, INITIAL(H + p * q), 1)") == "XIDZ(H, F initial value[Region], 1)"
    delayed = rewrite("D", "DELAY FIXED(x, V, x0)")
    assert delayed.startswith("DELAY FIXED(x, V, 0) + ")
    assert "IF THEN ELSE(Time < INITIAL TIME + V, D handed over[Region], 0)" in delayed


def test_yibin_hands_over_its_own_2019_state_not_its_2016_values():
    constants, paths = handoff.baseline_state()
    i = REGIONS.index("yibin")
    alone = run_scenario(baseline("yibin"), engine="batch").frame
    assert baseline("yibin").start_year == 2016
    handed = constants["High tech enterprises at circle start"][0, i]
    assert handed == pytest.approx(alone.loc[START_YEAR, "high_tech_enterprises"], rel=1e-12)
    assert handed != pytest.approx(alone.loc[2016, "high_tech_enterprises"], rel=1e-3)
    assert constants[handoff.START_YEAR_NAME][0].tolist() == [
        baseline(r).start_year for r in REGIONS]
    grid = np.arange(START_YEAR, 2030.0001, 0.0625)
    full = handoff.paths_on(grid, paths)["Certificates due to expire handed over"]
    assert full.shape == (1, len(grid), len(REGIONS))
    assert (full[0, :48] > 0).all()  # the certificates of the years before 2019 expire
    assert not full[0, 48:].any()  # after one certificate validity the pipeline is the twin's
