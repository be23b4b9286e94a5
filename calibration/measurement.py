"""Measurement model of the fits (issue #18 point 3): how a documented figure relates to the model.

A figure ``y`` of series ``s`` in year ``t`` is modelled as

    ln y = ln x_s(t) + d(t) + b_s [third-party rows only] + error,

with ``x_s`` the model's quantity and the error as before (MAP: fixed 5%/10%; MCMC: estimated
per series). Two kinds of term:

- **definitional breaks** ``d`` (:data:`BREAKS`): a figure counted on another definition than
  the model's quantity (a high-tech list cut before the year's last certification batch; a GDP
  vintage before a census revision; enterprise-only contract turnover). A break derived from
  sourced figures is a *stated* offset (fixed); one that cannot be sourced is a marked
  assumption with a range, estimated in the likelihood under the prior ``N(offset, sd^2)``.
  A break applies to the one documented figure it names (indicator, year and value), so
  synthetic data and users' own figures are never shifted by it.
- **third-party factor** ``b_s``: a per-series log bias of the rows whose source is flagged as
  third-party (weight below 1, ``shared/data/README.md``), estimated under ``N(0,``
  :data:`THIRD_PARTY_SD` ``^2)``: a reprint may carry another vintage or a transcription
  error, so its level is not taken at face value; its lower weight still widens its error.

Stocks and flows of the same series (high-tech enterprises and those newly certified each
year) are fitted jointly already: both are observations of one model run, in one likelihood.

A documented start value taken from a figure with a stated break is put on the model's
definition (``value / exp(offset)``), so that the base year matches the later figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Prior sd of a third-party series' log bias [-]: reprints of official figures differ by a
#: few percent (another vintage: Ningxia's 2017 GDP moved 7.4% at the census revision, see
#: BREAKS). assumption: 90% range +-8%.
THIRD_PARTY_SD = 0.05
#: Half-width of an estimated term's bounds, in prior sds (a truncation that never binds).
BOUND_SDS = 6.0

#: Sichuan's valid list cut after the first 2022 batch against the year-end list [ln]:
#: Chengdu 9856 (2022-12, observations.csv line 8) vs 13146 - 1636 = 11510 (see BREAKS).
CUTOFF_2022 = math.log(9856 / (13146 - 1636))


@dataclass(frozen=True)
class Break:
    """A documented figure on another definition than the model's: ``ln(figure / model)``."""

    name: str
    region: str
    indicator: str
    year: int
    value: float  # the documented figure it applies to (model units)
    offset: float  # ln(figure / model quantity)
    sd: float  # 0: stated (fixed); > 0: estimated, prior N(offset, sd^2)
    status: str  # "derived" (from sourced figures) or "assumption"
    source: str  # address
    quote: str
    reason: str


BREAKS: tuple[Break, ...] = (
    Break(
        "offset:chengdu_hte_2022_cutoff", "chengdu", "high_tech_enterprises", 2022, 9856.0,
        CUTOFF_2022, 0.0, "derived",
        "475js.com/detail.php?cate=112&id=10590",
        "有效國家高新技術企業達到13146家,比2022年增長家1636家(四川省2023年度有效国家高新技术企业名单)",
        "9856 is the valid count as of 2022-12 after Sichuan's first 2022 batch (observations.csv"
        " line 8); the 2022 year-end valid list held 13146 - 1636 = 11510, so the figure is"
        " ln(9856/11510) = -0.155 below the year-end stock the model tracks",
    ),
    Break(
        "offset:yibin_hte_2022_cutoff", "yibin", "high_tech_enterprises", 2022, 234.0,
        CUTOFF_2022, 0.10, "assumption",
        "dzb.51grb.com/xpaper/news/124/426/2673-1.shtml",
        "截至目前,全省有效高新技术企业数量…已达到12379家(2022-12,第一批认定后)",
        "Yibin's derived 234 (1.89% x 12379, calibration/specs/yibin.yaml) is on the same list"
        " as Chengdu's 9856, cut after the first 2022 batch; Yibin's share of the later batches"
        " is not published, so Chengdu's derived -0.155 is the prior centre, sd 0.10",
    ),
    Break(
        "offset:ningxia_gdp_2017_vintage", "ningxia", "gdp", 2017, 3453.93,
        math.log(1.22 / 1.13), 0.0, "derived",
        "blog.bobobk.com/financial/2023/09-06/10073230.html",
        "全社会研发(R&D)经费投入从38.94亿元增长到70.44亿元…R&D投入强度从1.22%增长到1.56%"
        "(2017→2021;经济普查修订后口径)",
        "3453.93 is the preliminary 2017 GDP (初步核算); the first-published intensity 1.13%"
        " (observations.csv line 78) is 38.94/3453.93, the census-revised one 1.22% with the"
        " same R&D, so revised GDP = 38.94/1.22% = 3192 and the preliminary figure is"
        " ln(1.22/1.13) = +0.077 above the revised basis of the later figures",
    ),
    Break(
        "offset:yibin_gdp_2018_vintage", "yibin", "gdp", 2018, 2026.37,
        0.0, 0.05, "assumption",
        "sc.chinadaily.com.cn/a/201901/24/WS5c4963c2a31010568bdc64d8.html",
        "2018年,宜宾GDP首次突破两千亿元,达到2026.37亿元",
        "published 2019-01, before the fourth economic census revised 2018 GDP; Yibin's revised"
        " figure is not in the data, so the offset is estimated: prior 0, sd 0.05 (90% range"
        " +-8%, as wide as Ningxia's derived 2017 revision of -7.4%)",
    ),
    Break(
        "offset:suining_contracts_enterprise_only", "suining", "tech_contract_turnover", 2021,
        5.24, math.log(0.895), 0.15, "assumption",
        "keji.paoku.com.cn/keji/2020/0821/59248.html",
        "企业法人继续保持技术交易主体地位,输出技术合同94243项,成交额占全国技术合同成交总额的89.5%",
        "Suining's 5.24亿元 is 企业技术合同交易登记额 (observations.csv line 180): if it counts"
        " enterprises' contracts only, it is a share of all registered turnover; centred on the"
        " national enterprise share 89.5% (2020 H1), sd 0.15 (90% range 70%-114%: whether"
        " 企业 restricts the count is not stated)",
    ),
)

#: Definitional differences documented but not applied, and why (for the report).
NOT_APPLIED = (
    ("登记 vs 输出 vs 吸纳 technology contracts",
     "no figure of the fits is a 吸纳 (absorbed) or 输出 (sold) total: the Ningxia"
     " tech_contract_absorbed row that shared/data/README.md names is in neither"
     " baselines.csv nor observations.csv; the in-sample Suining figure and the hold-out's"
     " Ningxia turnover are 登记 (registered), the model's definition. The gap can be large:"
     " Anhui 2022 H1 吸纳 428.4亿元 vs 输出 321.8亿元 (z7x5u8.firk.cn/zixun/20013.html:"
     " '吸纳技术合同8024项,成交额428.4亿元'; '全省输出技术合同8512项,成交额321.8亿元')"),
    ("Ningxia high-tech enterprises 2018-07-03 (94, a mid-year count)",
     "kept at weight 0: a mid-year count misses the year's certifications and the"
     " offset to the year-end stock is not documented"),
    ("Chengdu GDP 2015-2018 (third-party, pre-census vintage)",
     "before Chengdu's base year 2019: not fitted"),
)


@dataclass
class Term:
    """An estimated measurement term (fitting space = its value, a log shift)."""

    name: str
    mean: float
    sd: float
    rows: np.ndarray  # bool mask over the observations
    status: str
    source: str

    @property
    def lower(self) -> float:
        """Lower bound (fitting space)."""
        return self.mean - BOUND_SDS * self.sd

    @property
    def upper(self) -> float:
        """Upper bound (fitting space)."""
        return self.mean + BOUND_SDS * self.sd


def _matches(brk: Break, obs: pd.DataFrame) -> np.ndarray:
    return ((obs["indicator"] == brk.indicator).to_numpy()
            & (obs["year"].astype(int) == brk.year).to_numpy()
            & np.isclose(obs["value"].astype(float), brk.value, rtol=1e-6, atol=0))


class MeasurementModel:
    """Stated log offsets and estimated terms for a region's fitting observations."""

    def __init__(self, region: str, obs: pd.DataFrame):
        self.region = region
        n = len(obs)
        self.fixed = np.zeros(n)
        self.terms: list[Term] = []
        self.applied: list[Break] = []
        for brk in BREAKS:
            if brk.region != region:
                continue
            rows = _matches(brk, obs)
            if not rows.any():
                continue
            self.applied.append(brk)
            if brk.sd > 0:
                self.terms.append(Term(brk.name, brk.offset, brk.sd, rows, brk.status,
                                       brk.source))
            else:
                self.fixed[rows] += brk.offset
        weight = obs["weight"].astype(float).to_numpy() if n else np.zeros(0)
        # documented rows only (line > 0): a derived row's lower weight is not a third party
        line = obs["line"].astype(int).to_numpy() if n else np.zeros(0, dtype=int)
        third = (weight > 0) & (weight < 1) & (line > 0)
        for indicator in sorted(set(obs["indicator"][third])):
            rows = third & (obs["indicator"] == indicator).to_numpy()
            self.terms.append(Term(f"bias:{indicator}:third_party", 0.0, THIRD_PARTY_SD, rows,
                                   "assumption", "shared/data/README.md (third-party flag)"))
        self.design = (np.column_stack([t.rows for t in self.terms]).astype(float)
                       if self.terms else np.zeros((n, 0)))

    def shift(self, m: np.ndarray) -> np.ndarray:
        """Log shift of every observation for each row of ``m`` (shape ``(k, q)``)."""
        m = np.atleast_2d(m)
        return self.fixed[None, :] + m @ self.design.T


def start_value_offset(region: str, indicator: str, year: int, value: float) -> float:
    """Stated log offset of a documented start value's figure (0 when none applies)."""
    for brk in BREAKS:
        if (brk.region == region and brk.indicator == indicator and brk.year == year
                and brk.sd == 0 and math.isclose(value, brk.value, rel_tol=1e-6)):
            return brk.offset
    return 0.0


def stated_offset(region: str, indicator: str, year: int, value: float) -> float:
    """Log offset (stated, or an assumption's prior centre) of a documented figure."""
    for brk in BREAKS:
        if (brk.region == region and brk.indicator == indicator and brk.year == year
                and math.isclose(value, brk.value, rel_tol=1e-6)):
            return brk.offset
    return 0.0


def breaks_table() -> pd.DataFrame:
    """Every break, applied or not, with its source (for the report)."""
    rows = [{"name": b.name, "region": b.region, "indicator": b.indicator, "year": b.year,
             "figure": b.value, "offset": b.offset, "sd": b.sd,
             "kind": "stated" if b.sd == 0 else "estimated", "status": b.status,
             "source": b.source, "quote": b.quote, "reason": b.reason} for b in BREAKS]
    return pd.DataFrame(rows)
