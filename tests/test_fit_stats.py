"""Known-answer tests for simulator.fit_stats (hand-computed examples)."""

import math

import numpy as np
import pandas as pd
import pytest

from simulator.data.observations import load_observations, observed_series
from simulator.fit_stats import fit_table, mape, r_squared, rmspe, theil_decomposition

# Tolerance: the examples are exact in real arithmetic; 1e-12 allows for
# floating-point rounding of a handful of operations on numbers of order 1-100.
TOL = 1e-12


def test_mape_rmspe_hand_computed():
    """MAPE and RMSPE of a three-point example worked by hand."""
    # relative errors +0.10, -0.05, -0.20
    s, a = [110.0, 95.0, 100.0], [100.0, 100.0, 125.0]
    assert mape(s, a) == pytest.approx(100 * (0.10 + 0.05 + 0.20) / 3, abs=TOL)
    assert rmspe(s, a) == pytest.approx(100 * math.sqrt((0.01 + 0.0025 + 0.04) / 3), abs=TOL)


def test_theil_hand_computed_bias_and_variance():
    """S = 2A splits the error into bias and unequal variation only."""
    # S = 2A: errors 1, 2, 3 -> MSE = 14/3; mean gap 2 -> UM = 4 / (14/3) = 6/7;
    # sd_S - sd_A = sqrt(8/3) - sqrt(2/3) = sqrt(2/3) -> US = (2/3) / (14/3) = 1/7; r = 1 -> UC = 0.
    # U = sqrt(14/3) / (sqrt(56/3) + sqrt(14/3)) = 1/3.
    u, um, us, uc = theil_decomposition([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])
    assert (u, um, us, uc) == pytest.approx((1 / 3, 6 / 7, 1 / 7, 0.0), abs=TOL)
    assert mape([2.0, 4.0, 6.0], [1.0, 2.0, 3.0]) == pytest.approx(100.0, abs=TOL)


def test_theil_hand_computed_pure_covariation():
    """A reversed series puts all the error in U_C."""
    # Reversed series: equal means and spreads, r = -1 -> all error is UC.
    # MSE = (4 + 0 + 4) / 3 = 8/3; U = sqrt(8/3) / (2 sqrt(14/3)) = sqrt(1/7).
    u, um, us, uc = theil_decomposition([3.0, 2.0, 1.0], [1.0, 2.0, 3.0])
    assert (u, um, us, uc) == pytest.approx((math.sqrt(1 / 7), 0.0, 0.0, 1.0), abs=TOL)
    assert r_squared([3.0, 2.0, 1.0], [1.0, 2.0, 3.0]) == pytest.approx(1.0, abs=TOL)


def test_theil_constant_simulation():
    """A constant simulation has no covariation term."""
    # sd_S = 0 -> UC = 0; MSE = (16 + 9 + 4) / 3 = 29/3; UM = 9 / (29/3) = 27/29; US = (2/3)/(29/3).
    u, um, us, uc = theil_decomposition([5.0, 5.0, 5.0], [1.0, 2.0, 3.0])
    assert (um, us, uc) == pytest.approx((27 / 29, 2 / 29, 0.0), abs=TOL)
    assert math.isnan(r_squared([5.0, 5.0, 5.0], [1.0, 2.0, 3.0]))


def test_pure_bias_gives_um_one():
    """A constant offset is all bias: U_M = 1."""
    a = np.array([1.0, 4.0, 2.0, 8.0, 5.0])
    _, um, us, uc = theil_decomposition(a + 5.0, a)
    assert (um, us, uc) == pytest.approx((1.0, 0.0, 0.0), abs=TOL)
    assert r_squared(a + 5.0, a) == pytest.approx(1.0, abs=TOL)  # r² is blind to bias


def test_perfect_fit_gives_zero_error():
    """Identical series give zero error and nothing to decompose."""
    a = [3.0, 5.0, 4.0, 9.0]
    assert mape(a, a) == 0.0
    assert rmspe(a, a) == 0.0
    u, um, us, uc = theil_decomposition(a, a)
    assert u == 0.0
    assert all(math.isnan(x) for x in (um, us, uc))  # nothing to decompose
    assert r_squared(a, a) == pytest.approx(1.0, abs=TOL)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_shares_sum_to_one_and_rebuild_mse(seed):
    """U_M + U_S + U_C = 1 and the three terms rebuild the MSE."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(1, 100, size=12)
    s = 0.8 * a + rng.normal(0, 10, size=12) + 7
    _, um, us, uc = theil_decomposition(s, a)
    assert um + us + uc == pytest.approx(1.0, abs=TOL)
    assert min(um, us, uc) >= 0.0
    mse = np.mean((s - a) ** 2)
    r = np.corrcoef(s, a)[0, 1]
    sd_s, sd_a = s.std(), a.std()
    rebuilt = (s.mean() - a.mean()) ** 2 + (sd_s - sd_a) ** 2 + 2 * (1 - r) * sd_s * sd_a
    assert rebuilt == pytest.approx(mse, rel=1e-10)
    assert um == pytest.approx((s.mean() - a.mean()) ** 2 / mse, rel=1e-10)
    assert r_squared(s, a) == pytest.approx(r**2, rel=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mape_rmspe_match_their_formulas(seed):
    """MAPE and RMSPE (one shared body) equal their definitions, negative observed values too."""
    rng = np.random.default_rng(seed)
    a = rng.lognormal(size=15) * rng.choice([-1.0, 1.0], size=15)
    s = a * (1 + rng.normal(0, 0.5, size=15))
    relative = (s - a) / np.abs(a)
    assert mape(s, a) == 100 * np.mean(np.abs(relative))
    assert rmspe(s, a) == 100 * np.sqrt(np.mean(relative**2))
    assert rmspe(s, a) >= mape(s, a)


@pytest.mark.parametrize("func", [mape, rmspe])
def test_mape_and_rmspe_refuse_the_same_input(func):
    """Both percentage errors check their input alike."""
    with pytest.raises(ValueError, match=r"observed is zero at positions \[1\]"):
        func([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="simulated has 1 values but observed has 2"):
        func([1.0], [1.0, 2.0])


@pytest.mark.parametrize(
    ("func", "s", "a", "pattern"),
    [
        (mape, [1.0, 2.0], [1.0], "simulated has 2 values but observed has 1"),
        (rmspe, [], [], "empty"),
        (mape, [1.0, float("nan")], [1.0, 2.0],
         r"simulated has non-finite values at positions \[1\]"),
        (theil_decomposition, [1.0, 2.0], [1.0, float("inf")], "observed has non-finite"),
        (mape, [1.0, 2.0], [0.0, 2.0], r"observed is zero at positions \[0\]"),
        (r_squared, [1.0], [2.0], "at least 2 pairs, got 1"),
    ],
)
def test_bad_input(func, s, a, pattern):
    """Mismatched, empty, non-finite or zero inputs are refused by name."""
    with pytest.raises(ValueError, match=pattern):
        func(s, a)


# --- fit_table -----------------------------------------------------------------

@pytest.fixture(scope="module")
def obs():
    """Load the packaged observations once per module."""
    return load_observations()


def test_fit_table_scaled_simulation(obs):
    """A simulation 10% above the observations gives MAPE = RMSPE = 10%."""
    ri = observed_series(obs, "Ningxia", "rd_intensity")  # 6 points, 1.13 superseded
    hte = observed_series(obs, "Ningxia", "high_tech_enterprises")  # 2017, 2019-2022
    years = range(2014, 2023)
    sim = pd.DataFrame({
        "rd_intensity": [1.1 * ri.get(y, 1.0) for y in years],
        "high_tech_enterprises": [hte.get(y, 100.0) for y in years],
        "gdp": [1.0] * len(years),
    }, index=pd.Index(years, name="year"))
    table = fit_table(sim, obs, region="Ningxia").set_index("indicator")
    row = table.loc["rd_intensity"]
    assert row["n"] == 6
    assert row["mape"] == pytest.approx(10.0, abs=1e-9)
    assert row["rmspe"] == pytest.approx(10.0, abs=1e-9)
    assert row["um"] + row["us"] + row["uc"] == pytest.approx(1.0, abs=TOL)
    assert row["uc"] == pytest.approx(0.0, abs=TOL)  # proportional: r = 1
    assert table.loc["high_tech_enterprises", "n"] == 5  # 2017, 2019, 2020, 2021, 2022
    assert table.loc["high_tech_enterprises", "mape"] == 0.0
    # Ningxia GDP: 2017, 2020, 2021, 2022 observed
    assert table.loc["gdp", "n"] == 4
    assert set(table["region"]) == {"Ningxia"}


def test_fit_table_thresholds_and_long_input(obs):
    """MAPE needs n >= 2 and Theil n >= 3; long input works."""
    sim = pd.DataFrame({
        "region": ["Hechuan", "Hechuan", "Yibin"],
        "indicator": ["gdp", "gdp", "rd_intensity"],
        "year": [2019, 2022, 2017],
        "value": [900.0, 1000.0, 1.0],
    })
    table = fit_table(sim, obs).set_index(["region", "indicator"])
    two = table.loc[("Hechuan", "gdp")]
    assert two["n"] == 2 and not math.isnan(two["mape"]) and math.isnan(two["um"])
    one = table.loc[("Yibin", "rd_intensity")]
    assert one["n"] == 1 and math.isnan(one["mape"])


def test_fit_table_errors(obs):
    """A wide frame without region, and duplicate observations, are refused."""
    wide = pd.DataFrame({"gdp": [1.0]}, index=pd.Index([2020], name="year"))
    with pytest.raises(ValueError, match="region=..."):
        fit_table(wide, obs)
    doubled = obs.copy()
    doubled.loc[doubled.indicator == "rd_intensity", "weight"] = 1.0
    sim = pd.DataFrame({"rd_intensity": [1.0]}, index=pd.Index([2017], name="year"))
    with pytest.raises(ValueError, match=r"Several rows for \['Ningxia', 'rd_intensity', 2017\]"):
        fit_table(sim, doubled, region="Ningxia")


def test_fit_table_matches_whole_years_of_a_finer_time_grid(obs):
    """Only whole years of a quarterly run are matched."""
    times = np.arange(2017.0, 2022.01, 0.25)
    sim = pd.DataFrame({"rd_intensity": np.where(times == 2019.0, 1.45, 99.0)},
                       index=pd.Index(times, name="year"))
    sim.loc[[2017.0, 2020.0, 2021.0], "rd_intensity"] = [1.22, 1.51, 1.56]
    table = fit_table(sim, obs, region="Ningxia").set_index("indicator")
    assert table.loc["rd_intensity", "n"] == 4
    assert table.loc["rd_intensity", "mape"] == 0.0
