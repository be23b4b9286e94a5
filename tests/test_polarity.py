"""Link and loop polarity measured on the equations (issue #17, point 7): known answers.

A logistic population has three loops whose polarity every SD text gives (Sterman 2000,
Business Dynamics, ch. 8-9): births reinforce, deaths balance, crowding balances.
"""

from __future__ import annotations

import pytest

from simulator.app_logic.structure import causal_graph, link_polarity, loops_table, simple_cycles
from simulator.engine.model import load_model
from simulator.engine.polarity import link_polarities, loop_polarity

POPULATION = """{UTF-8}
population = INTEG(births - deaths, 100)
\t~\tpeople
\t~\t|
births = population * birth rate
\t~\tpeople/Year
\t~\t|
deaths = population / lifetime
\t~\tpeople/Year
\t~\t|
birth rate = base birth rate * (1 - population / capacity)
\t~\t1/Year
\t~\tcrowding
\t|
base birth rate = 0.3
\t~\t1/Year
\t~\t|
lifetime = 20
\t~\tYear
\t~\t|
capacity = 1000
\t~\tpeople
\t~\t|
capped births = MIN(births, birth cap)
\t~\tpeople/Year
\t~\tthe cap never binds: the link from births is positive, from the cap 0
\t|
birth cap = 1e9
\t~\tpeople/Year
\t~\t|
seasonal = births * SIN(Time)
\t~\tpeople/Year
\t~\tits sign follows the season
\t|
smoothed births = SMOOTH(births, smoothing time)
\t~\tpeople/Year
\t~\t|
smoothing time = 2
\t~\tYear
\t~\t|
INITIAL TIME = 0
\t~\tYear
\t~\t|
FINAL TIME = 10
\t~\tYear
\t~\t|
TIME STEP = 0.25
\t~\tYear
\t~\t|
SAVEPER = TIME STEP
\t~\tYear
\t~\t|
"""


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    path = tmp_path_factory.mktemp("polarity") / "population.mdl"
    path.write_text(POPULATION, encoding="utf-8")
    model = load_model(path)
    graph = causal_graph(model)
    return graph, link_polarities(model, graph)


@pytest.mark.parametrize("cause, effect, sign", [
    ("births", "population", "+"),
    ("deaths", "population", "−"),
    ("population", "births", "+"),
    ("population", "deaths", "+"),
    ("lifetime", "deaths", "−"),
    ("population", "birth_rate", "−"),
    ("capacity", "birth_rate", "+"),
    ("births", "capped_births", "+"),
    ("births", "seasonal", "±"),
    ("births", "smoothed_births", "+"),
    ("smoothing_time", "smoothed_births", "±"),
])
def test_each_link_has_the_sign_its_equation_gives(population, cause, effect, sign):
    _, links = population
    assert links[(cause, effect)] == sign


def test_a_cap_that_never_binds_is_an_inactive_link(population):
    _, links = population
    assert links[("birth_cap", "capped_births")] == "0"


def test_births_reinforce_and_deaths_and_crowding_balance(population):
    graph, links = population
    polarity = {tuple(loop): loop_polarity(loop, links) for loop in simple_cycles(graph)}
    assert polarity == {
        ("births", "population"): "R",
        ("deaths", "population"): "B",
        ("birth_rate", "births", "population"): "B",
    }


def test_a_loop_through_an_inactive_or_mixed_link_is_not_given_a_polarity():
    links = {("a", "b"): "+", ("b", "a"): "0", ("c", "d"): "±", ("d", "c"): "−"}
    assert loop_polarity(["a", "b"], links) == "0"
    assert loop_polarity(["c", "d"], links) == "?"


def test_the_core_models_stock_outflows_balance_and_its_loops_table_is_complete():
    model = load_model()
    graph = causal_graph(model)
    links = link_polarity(graph, model)
    # a first-order drain of a stock is a balancing loop
    for stock, outflow in (("rd_capital", "rd_capital_depreciation"),
                           ("innovation_platforms", "platform_delistings"),
                           ("programme_talents", "talent_departures")):
        assert links[(outflow, stock)] == "−" and links[(stock, outflow)] == "+"
        assert loop_polarity([stock, outflow], links) == "B"
    loops = simple_cycles(graph, 8)
    table = loops_table(loops, links, {})
    assert len(table) == len(loops)
    assert set(table["polarity"]) <= {"R", "B", "?", "0"}
    assert {"R", "B"} <= set(table["polarity"])
