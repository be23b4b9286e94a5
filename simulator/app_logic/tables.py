"""Tables and exports of the app: targets, comparisons, ensemble bands, CSV and PNG.

表格与导出:规划目标、情景比较表、集合模拟区间、CSV 与 PNG。
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from simulator import catalogue, paths
from simulator.scenario import Scenario, Target


def all_targets(scenario: Scenario, documented: pd.DataFrame | None = None) -> list[Target]:
    """Collect the scenario's targets and the region's documented targets, each once.

    Scenario targets come first; a documented target for the same indicator
    and year is dropped, as are documented rows with weight 0 and indicators
    the model does not report.

    Parameters
    ----------
    scenario : Scenario
    documented : pandas.DataFrame, optional
        Targets from :func:`simulator.report.documented_points` (columns
        ``indicator``, ``year``, ``value_model``, ``bound``, ``source``).

    Returns
    -------
    list of Target
    """
    indicators = catalogue.indicators()
    out = list(scenario.targets)
    seen = {(t.indicator, t.year) for t in out}
    if documented is not None:
        for row in documented.to_dict("records"):
            key = (row["indicator"], int(row["year"]))
            if row.get("weight", 1) > 0 and key[0] in indicators and key not in seen:
                seen.add(key)
                out.append(
                    Target(
                        indicator=key[0],
                        year=key[1],
                        value=float(row["value_model"]),
                        bound=str(row.get("bound") or "equal"),
                        source=str(row.get("source", "")),
                    )
                )
    return out


def merge_targets(lists: list[list[Target]]) -> list[Target]:
    """Targets of several scenarios, each (indicator, year) once, first occurrence kept."""
    seen, out = set(), []
    for targets in lists:
        for target in targets:
            if (target.indicator, target.year) not in seen:
                seen.add((target.indicator, target.year))
                out.append(target)
    return out


def targets_frame(targets: list[Target]) -> pd.DataFrame:
    """Targets as a frame (``indicator``, ``year``, ``value``, ``bound``, ``source``) for charts."""
    return pd.DataFrame(
        [
            {
                "indicator": t.indicator,
                "year": t.year,
                "value": t.value,
                "bound": t.bound,
                "source": t.source,
            }
            for t in targets
        ],
        columns=["indicator", "year", "value", "bound", "source"],
    )


def scorecard_headers(tr, label: str) -> dict[str, str]:
    """Column headers of the target scorecards (single run and ensemble).

    Parameters
    ----------
    tr : callable
        The page's translation function (key to text).
    label : str
        The label column shown as the indicator (``label_zh`` or ``label_en``).
    """
    return {
        label: tr("indicator"),
        "unit": tr("unit"),
        "year": tr("year"),
        "bound": tr("bound"),
        "target": tr("target"),
        "value": tr("simulated"),
        "gap": tr("gap"),
        "gap_pct": f"{tr('gap')} %",
        "met": tr("met"),
        "first_year_reached": tr("first_year"),
        "p_met": f"{tr('probability')} %",
        "value_q05": "5%",
        "value_q50": "50%",
        "value_q95": "95%",
        "first_year_reached_q50": tr("first_year"),
        "source": tr("source"),
    }


def comparison_table(
    frames: dict[str, pd.DataFrame],
    indicators: list[str],
    years: list[int],
) -> pd.DataFrame:
    """Tabulate several scenarios in chosen years, with differences from the first.

    Parameters
    ----------
    frames : dict of str to pandas.DataFrame
        Scenario name to its results frame (index year); the first is the reference.
    indicators : list of str
    years : list of int

    Returns
    -------
    pandas.DataFrame
        One row per indicator and year: a column per scenario, then for every
        other scenario ``<name> − <first>`` and ``<name> − <first> %``.

    Raises
    ------
    ValueError
        If fewer than two scenarios are given or a year is outside a run.
    """
    if len(frames) < 2:
        raise ValueError(f"comparing needs at least two scenarios, got {len(frames)}")
    names = list(frames)
    first = names[0]
    rows = []
    for indicator in indicators:
        for year in years:
            row: dict[str, object] = {"indicator": indicator, "year": int(year)}
            for name in names:
                if year not in frames[name].index:
                    raise ValueError(f"year {year} is outside the run of {name!r}")
                row[name] = float(frames[name].at[year, indicator])
            for name in names[1:]:
                diff = row[name] - row[first]
                row[f"{name} − {first}"] = diff
                row[f"{name} − {first} %"] = 100 * diff / row[first] if row[first] else math.nan
            rows.append(row)
    return pd.DataFrame(rows)


def fastest_engine() -> str:
    """Return the engine to ask for: ``"auto"`` (batch engine where it compiles) when offered."""
    from simulator.engine.dispatch import ENGINES

    return "auto" if "auto" in ENGINES else ENGINES[0]


#: Calibration reports written by ``python -m simulator calibrate`` (one folder per region).
REPORTS_DIR = paths.reports_root() / "calibration"


def calibration_report(region: str, reports_dir: Path = REPORTS_DIR) -> dict[str, Path]:
    """Files of a region's calibration report that exist: ``fit.md``, ``fit.png``, CSV tables.

    Returns
    -------
    dict of str to pathlib.Path
        File name to path; empty when there is no report for ``region``.
    """
    folder = Path(reports_dir) / region
    names = ("fit.md", "fit.png", "fit_statistics.csv", "fit_points.csv", "forecast.csv")
    return {name: folder / name for name in names if (folder / name).is_file()}


def ensemble_arrays(ensemble) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Return years and arrays ``(n_runs, n_years)`` of a ``simulator.ensemble.Ensemble``."""
    return np.asarray(ensemble.years), {name: np.asarray(v) for name, v in ensemble.values.items()}


def results_csv(frame: pd.DataFrame, units: dict[str, str]) -> bytes:
    """Encode results as UTF-8 CSV with a BOM (spreadsheets then read Chinese), units in row 2."""
    table = frame.reset_index()
    unit_row = pd.DataFrame([{"year": "unit", **{c: units.get(c, "") for c in frame.columns}}])
    return ("\ufeff" + pd.concat([unit_row, table.astype(object)]).to_csv(index=False)).encode(
        "utf-8"
    )


def figure_png(figure) -> bytes:
    """PNG bytes of a matplotlib figure; the figure is closed (pyplot keeps it otherwise)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def validation_table(summary: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Return the validation battery's summary for display in one language.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`simulator.battery.validate_scenario` (columns ``check``,
        a "中文 / English" label, ``ok``, ``detail`` in English and
        ``detail_zh``).
    lang : {"zh", "en"}

    Returns
    -------
    pandas.DataFrame
        Columns ``check`` (the label in ``lang``), ``ok``, ``detail``; one row
        per check, in the battery's order.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    from simulator.app_logic.model_text import equation_label

    side = 0 if lang == "zh" else 1
    details = summary["detail_zh" if lang == "zh" else "detail"]
    return pd.DataFrame({
        "check": [label.split(" / ")[side] for label in summary["check"]],
        "ok": summary["ok"].astype(bool).to_numpy(),
        # the Chinese details name model variables by their Chinese names too
        "detail": [equation_label(str(d), lang) for d in details],
    })
