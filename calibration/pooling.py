"""Hierarchical pooling of behavioural parameters across the five regions (issue #18 point 2).

Shared behavioural parameters :data:`POOLED` (certification application and pass rates, the
growth of firms' R&D propensity) are given a population distribution: region ``r``'s value is

    x_rk ~ TruncNormal(mu_k, tau_k^2) on the parameter's catalogue range,
    mu_k ~ TruncNormal(default_k, s_k^2),  tau_k ~ HalfNormal(s_k),  s_k = range_k / 4,

so that a region whose data say little (Hechuan fits only GDP) borrows strength from the
regions that measure the parameter, and data-rich regions are pulled towards the population
only as far as their data allow. ``s_k`` is the MAP fit's prior sd (the catalogue range / 4,
from ``shared/research/model-evidence.md``); taking it as the scale of the regional spread
is an assumption (the spread between studies bounds the spread between regions).

Method: the two-stage approach of Lunn et al. (2013) [1]_. Stage 1 is each region's own MCMC
(:mod:`calibration.mcmc`, draws in ``simulator/data/posteriors/<region>.csv``) under the
independent priors ``pi_r``. Stage 2 is a Gibbs sampler over the hyperparameters and one
stage-1 draw per region: a region's draw is updated by an independence Metropolis-Hastings
step whose proposal is its stage-1 posterior, so that the acceptance ratio is
``prod_k TN(x_rk; mu_k, tau_k) / pi_rk(x_rk)``, and no model run is needed. A region whose
spec does not fit a pooled parameter has no data on it in stage 1: its value is drawn from the
population. ``(mu_k, ln tau_k)`` move by adaptive random-walk Metropolis. Several chains give
R-hat and ESS (arviz); the number of distinct stage-1 draws a region visits shows how far
pooling moved it (few distinct draws: the stage-1 sample is too small for the pooled posterior).

Not pooled: ``tech_sme_birth_rate`` (firms per year: a count that scales with the region's
size, not a shared behaviour; pooling it needs a size-normalised rate the model lacks) and the
start values and GDP growth (properties of each region, not behaviours).

``python -m calibration.pooled_fit [--iterations 20000] [--burn 5000] [--chains 4] [--seed S]
[--report DIR] [--no-save]`` writes ``simulator/data/posteriors/pooled/<region>.csv``
(ensembles draw them with ``uncertainty: {source: pooled}``) and ``pooled.md``.

References
----------
.. [1] Lunn, D., Barrett, J., Sweeting, M., Thompson, S. (2013). Fully Bayesian hierarchical
   modelling in two stages, with application to meta-analysis. JRSS C 62(4):551-572.
   doi:10.1111/rssc.12007
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

#: Behavioural parameters shared across regions (catalogue names).
POOLED = ("hte_application_rate", "hte_renewal_pass_rate", "first_certification_pass_rate",
          "rd_propensity_growth")
#: Independence proposals per region and iteration (cheap: no model run).
PROPOSALS_PER_ITERATION = 4
#: Random-walk steps of the hyperparameters per iteration.
HYPER_STEPS = 2
#: Limits of the sampler's options, so that a typo cannot start a day-long run.
MAX_ITERATIONS, MAX_CHAINS = 1_000_000, 64
#: Target acceptance of the hyperparameters' random walk during burn-in [-].
TARGET_ACCEPTANCE = 0.35


@dataclass
class Hyper:
    """Population distribution of one pooled parameter (values, not a fitting space)."""

    name: str
    mean: float  # hyperprior of mu
    sd: float  # hyperprior sd of mu, and the half-normal scale of tau
    lower: float
    upper: float


@dataclass
class Stage1:
    """A region's own posterior draws and, per pooled parameter it fits, its stage-1 prior."""

    region: str
    draws: pd.DataFrame  # one row per draw: fitted parameters and sigma:<series>
    prior: dict[str, tuple[float, float]]  # pooled name -> (mean, sd) of the Gaussian prior


@dataclass
class Pooled:
    """Stage-2 draws: hyperparameters and each region's parameter sets."""

    hypers: list[Hyper]
    mu: np.ndarray  # (chains, kept, K)
    tau: np.ndarray  # (chains, kept, K)
    regions: dict[str, pd.DataFrame]  # region -> draws (chain-major), pooled columns included
    diagnostics: dict[str, dict]  # region -> acceptance, distinct stage-1 draws
    settings: dict


def check_options(iterations: int, burn: int, chains: int) -> None:
    """Refuse bad sampler options in one line (``ValueError``)."""
    if not 100 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"--iterations {iterations!r} is not valid: it must be from 100 to"
                         f" {MAX_ITERATIONS}")
    if not 0 <= burn < iterations:
        raise ValueError(f"--burn {burn!r} is not valid: it must be from 0 to iterations - 1"
                         f" ({iterations - 1})")
    if not 2 <= chains <= MAX_CHAINS:
        raise ValueError(f"--chains {chains!r} is not valid: it must be from 2 to {MAX_CHAINS}"
                         " (R-hat needs two)")


def log_truncnorm(x, mu, tau, lower, upper):
    """Log density of a normal truncated to ``[lower, upper]`` (broadcasting)."""
    a, b = (lower - mu) / tau, (upper - mu) / tau
    mass = np.maximum(special.ndtr(b) - special.ndtr(a), 1e-300)
    z = (x - mu) / tau
    inside = (x >= lower) & (x <= upper)
    return np.where(inside, -0.5 * z * z - np.log(tau) - 0.5 * math.log(2 * math.pi)
                    - np.log(mass), -np.inf)


def sample_pooled(stage1: list[Stage1], hypers: list[Hyper], *, iterations: int = 20_000,
                  burn: int = 5_000, chains: int = 4, seed: int = 20261204) -> Pooled:
    """Run the stage-2 Gibbs sampler (see module docstring); no model runs."""
    check_options(iterations, burn, chains)
    rng = np.random.default_rng(seed)
    names = [h.name for h in hypers]
    K, C = len(hypers), chains
    lower = np.array([h.lower for h in hypers])
    upper = np.array([h.upper for h in hypers])
    m0 = np.array([h.mean for h in hypers])
    s0 = np.array([h.sd for h in hypers])
    # per region: the pooled columns its draws carry (informed) and the rest (from the population)
    informed = [[k for k, n in enumerate(names) if n in s.prior] for s in stage1]
    values = [s.draws[[names[k] for k in inf]].to_numpy(float) for s, inf in zip(stage1, informed)]
    prior_lp = [
        sum(stats.norm.logpdf(v[:, j], *s.prior[names[k]]) for j, k in enumerate(inf))
        if inf else np.zeros(len(s.draws))
        for s, v, inf in zip(stage1, values, informed)
    ]
    R = len(stage1)
    x = np.empty((C, R, K))  # each chain's current regional values
    index = np.zeros((C, R), dtype=int)
    mu = np.clip(rng.normal(m0, 0.5 * s0, size=(C, K)), lower, upper)
    log_tau = np.log(rng.uniform(0.2, 1.0, size=(C, K)) * s0)

    def draw_population(r: int) -> None:  # inverse CDF: scipy's truncnorm.rvs is 50x slower
        tau = np.exp(log_tau)
        fa, fb = special.ndtr((lower - mu) / tau), special.ndtr((upper - mu) / tau)
        u = fa + rng.uniform(size=(C, K)) * (fb - fa)
        x[:, r, :] = np.clip(mu + tau * special.ndtri(np.clip(u, 1e-300, 1 - 1e-16)),
                             lower, upper)

    for r in range(R):
        draw_population(r)
        index[:, r] = rng.integers(len(stage1[r].draws), size=C)
        x[:, r, informed[r]] = values[r][index[:, r]]

    def region_log_weight(r: int, rows: np.ndarray) -> np.ndarray:
        inf = informed[r]
        tau = np.exp(log_tau[:, inf])
        return (log_truncnorm(values[r][rows], mu[:, inf], tau, lower[inf], upper[inf])
                .sum(axis=1) - prior_lp[r][rows])

    # Regions without data on a parameter are left out of its hyper update (collapsed Gibbs:
    # their values are integrated out, then drawn from the population), which avoids the
    # slow mixing of tau that alternating with data-free values causes.
    has_data = np.zeros((R, K), dtype=bool)
    for r, inf in enumerate(informed):
        has_data[r, inf] = True

    def hyper_log_target(m: np.ndarray, lt: np.ndarray) -> np.ndarray:
        tau = np.exp(lt)
        lp = log_truncnorm(m, m0, s0, lower, upper)  # mu's hyperprior
        lp = lp - 0.5 * (tau / s0) ** 2 + lt  # half-normal tau, Jacobian of ln tau
        regional = log_truncnorm(x, m[:, None, :], tau[:, None, :], lower, upper)
        return lp + np.where(has_data, regional, 0.0).sum(axis=1)

    n_data = has_data.sum(axis=0)  # regions whose data inform each parameter

    def conditional_mu(lt: np.ndarray, draw: bool = False, at: np.ndarray | None = None):
        """Draw mu from its Gaussian conditional given tau and x (or take ``at``).

        The conditional is untruncated; returns the value and its log density.
        """
        tau2 = np.exp(2 * lt)
        total = np.where(has_data, x, 0.0).sum(axis=1)
        precision = 1 / s0**2 + n_data / tau2
        mean = (m0 / s0**2 + total / tau2) / precision
        sd = precision ** -0.5
        value = mean + sd * rng.normal(size=mean.shape) if draw else at
        return value, stats.norm.logpdf(value, mean, sd)

    step = np.full((C, K), 0.5)  # of ln tau
    kept = iterations - burn
    out_mu, out_tau = np.empty((C, kept, K)), np.empty((C, kept, K))
    out_index = np.empty((C, kept, R), dtype=int)
    out_x = np.empty((C, kept, R, K))
    accepted = np.zeros(R)
    hyper_accept = np.zeros((C, K))
    for it in range(iterations):
        for r in range(R):
            if informed[r]:
                current = region_log_weight(r, index[:, r])
                for _ in range(PROPOSALS_PER_ITERATION):
                    proposal = rng.integers(len(stage1[r].draws), size=C)
                    new = region_log_weight(r, proposal)
                    take = np.log(rng.uniform(size=C)) < new - current
                    index[take, r] = proposal[take]
                    current = np.where(take, new, current)
                    accepted[r] += take.mean() / PROPOSALS_PER_ITERATION * (it >= burn)
                x[:, r, informed[r]] = values[r][index[:, r]]
            else:  # no pooled parameter in its draws: its own posterior, unchanged by pooling
                index[:, r] = rng.integers(len(stage1[r].draws), size=C)
        # hyperparameters, each k independently given x: ln tau by random walk and mu, with
        # it, from its Gaussian conditional given tau (truncation corrected by the MH ratio),
        # so that tau moves along its marginal instead of crawling down the (mu, tau) funnel
        for _ in range(HYPER_STEPS):
            lt_new = log_tau + step * rng.normal(size=(C, K))
            m_new, log_q_new = conditional_mu(lt_new, draw=True)
            _, log_q_old = conditional_mu(log_tau, at=mu)
            gain = (hyper_log_target(m_new, lt_new) - log_q_new
                    - hyper_log_target(mu, log_tau) + log_q_old)
            take = np.log(rng.uniform(size=(C, K))) < gain
            mu, log_tau = np.where(take, m_new, mu), np.where(take, lt_new, log_tau)
            if it < burn:  # adapt the step towards the target acceptance, then freeze it
                step *= np.exp((take - TARGET_ACCEPTANCE) * 0.05)
            else:
                hyper_accept += take / HYPER_STEPS
        for r in range(R):  # data-free values: the population's, given the new (mu, tau)
            if len(informed[r]) < K:
                keep = x[:, r, informed[r]].copy()
                draw_population(r)
                x[:, r, informed[r]] = keep
        if it >= burn:
            j = it - burn
            out_mu[:, j], out_tau[:, j] = mu, np.exp(log_tau)
            out_index[:, j], out_x[:, j] = index, x
    regions, diagnostics = {}, {}
    for r, s in enumerate(stage1):
        frame = s.draws.iloc[out_index[:, :, r].ravel()].reset_index(drop=True)
        for k, n in enumerate(names):
            frame[n] = out_x[:, :, r, k].ravel()
        regions[s.region] = frame
        diagnostics[s.region] = {
            "informed": [names[k] for k in informed[r]],
            "acceptance": float(accepted[r] / kept) if informed[r] else math.nan,
            "distinct_stage1_draws": int(len(np.unique(out_index[:, :, r]))),
            "stage1_draws": len(s.draws),
        }
    settings = {"iterations": iterations, "burn": burn, "chains": chains, "seed": seed,
                "hyper_acceptance": float(hyper_accept.mean() / kept)}
    return Pooled(hypers, out_mu, out_tau, regions, diagnostics, settings)


def summary(pooled: Pooled) -> pd.DataFrame:
    """Summarise mu, tau and each region's value: quantiles, R-hat, ESS (arviz)."""
    import arviz as az

    series = {}
    for k, h in enumerate(pooled.hypers):
        series[f"mu:{h.name}"] = pooled.mu[..., k]
        series[f"tau:{h.name}"] = pooled.tau[..., k]
        for region, frame in pooled.regions.items():
            series[f"{region}:{h.name}"] = frame[h.name].to_numpy().reshape(pooled.mu.shape[:2])
    data = az.convert_to_dataset(series)
    r_hat, ess = az.rhat(data), az.ess(data, method="bulk")
    rows = []
    for name, v in series.items():
        q05, q50, q95 = np.quantile(v, [0.05, 0.5, 0.95])
        rows.append({"name": name, "mean": v.mean(), "sd": v.std(ddof=1), "q05": q05,
                     "q50": q50, "q95": q95, "r_hat": float(r_hat[name]),
                     "ess_bulk": float(ess[name])})
    return pd.DataFrame(rows)
