"""Hierarchical pooling (issue #18 point 2): a known-answer test against an exact posterior.

Normal-normal model: region r measures x_r with y_r ~ N(x_r, v_r); stage 1 used the prior
N(0, 2^2); the hierarchy is x_r ~ N(mu, tau^2), mu ~ N(0, 2^2), tau ~ HalfNormal(2), with
bounds so wide that truncation does not matter. The exact posterior of (mu, tau) is
proportional to p(mu) p(tau) prod_r N(y_r; mu, v_r + tau^2), integrated here on a grid; a
region's pooled value has the conditional mean (y_r / v_r + mu / tau^2) / (1 / v_r + 1 / tau^2)
and a region without data has the population's predictive, mean E[mu].
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from calibration.pooling import Hyper, Stage1, check_options, sample_pooled, summary

Y = np.array([-3.0, 0.5, 1.0, 1.5])
V = np.array([4.0, 0.25, 0.16, 1.0])
PRIOR_SD = 2.0
BOUND = 50.0
#: Monte Carlo tolerance of a posterior mean, in standard errors (exact sd / sqrt(ESS)).
N_SE = 4
#: Effective sample size a summary needs (Vehtari et al. 2021 recommend > 400).
MIN_ESS = 400
TOL = 0.12  # a shift that counts as "moved" (several standard errors at ESS >= 400)


def _stage1(seed: int = 1) -> list[Stage1]:
    rng = np.random.default_rng(seed)
    out = []
    for r, (y, v) in enumerate(zip(Y, V)):
        precision = 1 / v + 1 / PRIOR_SD**2
        draws = rng.normal(y / v / precision, precision**-0.5, size=4000)
        out.append(Stage1(f"r{r}", pd.DataFrame({"a": draws, "own": rng.normal(size=4000)}),
                          {"a": (0.0, PRIOR_SD)}))
    out.append(Stage1("nodata", pd.DataFrame({"own": rng.normal(size=4000)}), {}))
    return out


def _exact():
    mu = np.linspace(-8, 8, 801)[:, None]
    tau = np.linspace(1e-3, 10, 1000)[None, :]
    log_p = stats.norm.logpdf(mu, 0, PRIOR_SD) + stats.halfnorm.logpdf(tau, scale=PRIOR_SD)
    for y, v in zip(Y, V):
        log_p = log_p + stats.norm.logpdf(y, mu, np.sqrt(v + tau**2))
    p = np.exp(log_p - log_p.max())
    p /= p.sum()
    x0 = (Y[0] / V[0] + mu / tau**2) / (1 / V[0] + 1 / tau**2)
    x0_var = 1 / (1 / V[0] + 1 / tau**2)
    out = {}
    for name, mean, second in (("mu", mu, mu**2), ("tau", tau, tau**2),
                               ("x0", x0, x0**2 + x0_var)):
        m = float((p * mean).sum())
        out[name], out[name + "_sd"] = m, float(np.sqrt((p * second).sum() - m**2))
    return out


HYPER = [Hyper("a", 0.0, PRIOR_SD, -BOUND, BOUND)]


@pytest.fixture(scope="module")
def pooled():
    return sample_pooled(_stage1(), HYPER, iterations=4_000, burn=500, chains=4, seed=7)


def test_matches_the_exact_hierarchical_posterior(pooled):
    exact = _exact()
    ess = summary(pooled).set_index("name")["ess_bulk"]
    sampled = {"mu": (pooled.mu.mean(), "mu:a"), "tau": (pooled.tau.mean(), "tau:a"),
               "x0": (pooled.regions["r0"]["a"].mean(), "r0:a")}
    for name, (mean, column) in sampled.items():
        tol = N_SE * exact[name + "_sd"] / np.sqrt(ess[column])
        assert mean == pytest.approx(exact[name], abs=tol), name
    # a region without data gets the population's predictive: mean E[mu], wider than mu
    nodata = pooled.regions["nodata"]["a"]
    assert nodata.mean() == pytest.approx(exact["mu"], abs=2 * TOL)
    assert nodata.std() > pooled.mu.std()


def test_pooling_moves_a_noisy_region_towards_the_population(pooled):
    # the check above can fail: region 0's own (stage-1) mean is far from the pooled one
    own = _stage1()[0].draws["a"].mean()
    assert abs(own - _exact()["x0"]) > 3 * TOL
    assert pooled.regions["r0"]["a"].mean() > own + 2 * TOL


def test_own_parameters_keep_their_stage1_rows(pooled):
    stage1 = _stage1()
    for s in stage1:
        frame = pooled.regions[s.region]
        assert frame["own"].isin(s.draws["own"]).all()
    # a region with no pooled data mixes over its whole stage-1 sample
    assert pooled.diagnostics["nodata"]["distinct_stage1_draws"] > 3000


def test_converges_and_reports_diagnostics(pooled):
    table = summary(pooled).set_index("name")
    assert table.loc[["mu:a", "tau:a", "r0:a"], "r_hat"].max() < 1.02
    assert table.loc[["mu:a", "tau:a", "r0:a"], "ess_bulk"].min() > MIN_ESS


def test_same_seed_same_draws():
    a = sample_pooled(_stage1(), HYPER, iterations=300, burn=100, chains=2, seed=3)
    b = sample_pooled(_stage1(), HYPER, iterations=300, burn=100, chains=2, seed=3)
    np.testing.assert_array_equal(a.mu, b.mu)
    pd.testing.assert_frame_equal(a.regions["r1"], b.regions["r1"])


@pytest.mark.parametrize("options, word", [
    ((10, 0, 4), "--iterations"), ((1000, 1000, 4), "--burn"), ((1000, 10, 1), "--chains"),
])
def test_bad_options_are_refused_in_one_line(options, word):
    with pytest.raises(ValueError, match=word) as error:
        check_options(*options)
    assert "\n" not in str(error.value)


def test_an_ensemble_draws_the_packaged_pooled_posterior():
    """Hechuan fits only GDP: with source 'pooled' its application rate comes from the pool."""
    from calibration.pooled_fit import pooled_path
    from simulator import paths
    from simulator.ensemble import draw_parameters
    from simulator.scenario import Scenario
    from simulator.yaml_input import read_yaml

    data = read_yaml(paths.SCENARIOS_DIR / "hechuan-baseline.yaml", "scenario file")
    data["uncertainty"] = {"source": "pooled"}
    draws, _, notes = draw_parameters(Scenario.from_dict(data), 50, 3)
    rates = np.array([d["hte_application_rate"] for d in draws])
    packaged = pd.read_csv(pooled_path("hechuan"), comment="#")["hte_application_rate"]
    assert np.isin(rates, packaged.to_numpy()).all() and len(set(rates)) > 10
    assert ((rates >= 0) & (rates <= 0.5)).all()  # the catalogue range
    assert any("pooled" in note for note in notes)
    data["uncertainty"] = {"source": "auto"}
    unpooled, _, _ = draw_parameters(Scenario.from_dict(data), 50, 3)
    assert "hte_application_rate" not in unpooled[0]  # fixed at its assumed value otherwise
