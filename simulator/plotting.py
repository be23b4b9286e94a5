"""Charts of simulated indicators with Chinese and English labels.

图表:模拟结果的小多图,中英文标题。

matplotlib ships no font with Chinese glyphs; without one every Chinese
character is drawn as an empty box and matplotlib warns "Glyph ... missing
from font(s)". :func:`use_cjk_font` registers Noto Sans CJK SC from the
``mplfonts`` wheel (a declared dependency, so no system package is needed),
and falls back to a CJK font installed on the system.

References
----------
.. [1] matplotlib, ``matplotlib.font_manager.FontManager.addfont``.
   https://matplotlib.org/stable/api/font_manager_api.html
.. [2] Noto Sans CJK, SIL Open Font License 1.1.
   https://github.com/notofonts/noto-cjk
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulator.errors import did_you_mean

__all__ = ["MPLFONTS_FONT_FILE", "SYSTEM_CJK_FAMILIES", "plot_series", "use_cjk_font"]

#: Font file looked for inside the installed ``mplfonts`` package.
MPLFONTS_FONT_FILE = "NotoSansCJKsc-Regular.otf"
#: System font families tried, in order, when ``mplfonts`` has no usable font.
SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Source Han Sans SC",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
)


def _mplfonts_font_file() -> Path | None:
    """Path of Noto Sans CJK SC inside the installed ``mplfonts`` package, if any."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        found = sorted(Path(location).rglob(MPLFONTS_FONT_FILE))
        if found:
            return found[0]
    return None


def _system_cjk_family() -> str | None:
    """First family of :data:`SYSTEM_CJK_FAMILIES` known to matplotlib's font manager."""
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((family for family in SYSTEM_CJK_FAMILIES if family in known), None)


def use_cjk_font(*, set_default: bool = True) -> str:
    """Register a font with Chinese glyphs and return its family name.

    Looks first for :data:`MPLFONTS_FONT_FILE` in the installed ``mplfonts``
    package and adds it with ``fontManager.addfont`` [1]_ (mplfonts' own
    command-line installer is not used); then for the system families in
    :data:`SYSTEM_CJK_FAMILIES`.

    Parameters
    ----------
    set_default : bool, default True
        Also make it matplotlib's default sans-serif font
        (``rcParams["font.sans-serif"]``) and draw minus signs as hyphens
        (``axes.unicode_minus = False``).

    Returns
    -------
    str
        Font family name, e.g. ``"Noto Sans CJK SC"``.

    Raises
    ------
    FileNotFoundError
        No CJK font is available; the message says how to install one.
    """
    path = _mplfonts_font_file()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
        family = font_manager.FontProperties(fname=str(path)).get_name()
    else:
        family = _system_cjk_family()
    if family is None:
        raise FileNotFoundError(
            f"No CJK font found: {MPLFONTS_FONT_FILE!r} is not inside an installed 'mplfonts' "
            f"package, and none of the system fonts {list(SYSTEM_CJK_FAMILIES)!r} is known to "
            "matplotlib. Install one: `pip install mplfonts` (a dependency of this package) "
            "or `apt-get install fonts-noto-cjk`."
        )
    if set_default:
        rc = matplotlib.rcParams
        rc["font.family"] = "sans-serif"
        rc["font.sans-serif"] = [family, *[f for f in rc["font.sans-serif"] if f != family]]
        rc["axes.unicode_minus"] = False
    return family


def _points(frame: pd.DataFrame | None, what: str) -> pd.DataFrame | None:
    """Normalise observed/target points to columns indicator, year, value, bound."""
    if frame is None:
        return None
    value = "value_model" if "value_model" in frame.columns else "value"
    missing = {"indicator", "year", value} - set(frame.columns)
    if missing:
        raise ValueError(f"{what} lacks columns {sorted(missing)!r}; it needs 'indicator', "
                         "'year' and 'value_model' (or 'value').")
    if "region" in frame.columns and frame["region"].nunique() > 1:
        raise ValueError(f"{what} has several regions {sorted(frame['region'].unique())!r}; "
                         "select one region first.")
    if "weight" in frame.columns:
        frame = frame[frame["weight"] > 0]  # superseded or excluded figures are not drawn
    bound = frame["bound"] if "bound" in frame.columns else "equal"
    return pd.DataFrame({"indicator": frame["indicator"], "year": frame["year"],
                         "value": frame[value], "bound": bound})


def plot_series(
    results: pd.DataFrame,
    *,
    indicators: Sequence[str] | None = None,
    labels: Mapping[str, tuple[str, str]] | None = None,
    units: Mapping[str, str] | None = None,
    observed: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    title: str | None = None,
    ncols: int = 3,
) -> Figure:
    """Draw one small panel per indicator: simulation, observations and targets.

    Parameters
    ----------
    results : pandas.DataFrame
        Index ``year`` [year], one numeric column per indicator, in the
        model's units (as ``simulator.results.Results.frame``).
    indicators : sequence of str, optional
        Columns to draw, in order. Default: all columns.
    labels : mapping of str to (str, str), optional
        ``indicator -> (Chinese label, English label)`` for panel titles,
        e.g. ``{"high_tech_enterprises": ("高新技术企业", "High-tech enterprises")}``.
        Default: the column name.
    units : mapping of str to str, optional
        ``indicator -> unit`` shown on the y axis (e.g. ``"亿元"``).
    observed, targets : pandas.DataFrame, optional
        Long frames with ``indicator``, ``year`` and ``value_model`` (or
        ``value``) for one region, e.g. from
        ``simulator.data.observations.load_observations``. Rows with weight 0
        are skipped; ``bound == "at_least"`` points are drawn as ▲ (a floor).
    title : str, optional
        Figure title.
    ncols : int, default 3
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot; save it with ``fig.savefig(path)``.

    Raises
    ------
    KeyError
        An indicator is not a column of ``results``.
    ValueError
        ``results`` is empty, ``ncols`` < 1, or ``observed``/``targets`` are malformed.
    FileNotFoundError
        No CJK font is available (see :func:`use_cjk_font`).
    """
    if results.empty:
        raise ValueError("results is empty; there is nothing to plot.")
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols!r}.")
    names = list(results.columns) if indicators is None else list(indicators)
    for name in names:
        if name not in results.columns:
            raise KeyError(f"No indicator named {name!r} in results"
                           f"{did_you_mean(name, results.columns)}"
                           f" (columns: {list(results.columns)!r})")
    labels, units = dict(labels or {}), dict(units or {})
    obs, tgt = _points(observed, "observed"), _points(targets, "targets")

    family = use_cjk_font(set_default=False)
    font = {"family": family}
    legend_font = font_manager.FontProperties(family=family, size=7)

    ncols = min(ncols, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig = Figure(figsize=(3.4 * ncols, 2.7 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        zh, en = labels.get(name, ("", name))
        ax.set_title(f"{zh}\n{en}" if zh else en, fontdict={**font, "fontsize": 9})
        ax.plot(results.index, results[name], color="C0", label="模拟 simulated")
        for points, color, marker, label in ((obs, "C3", "o", "观测 observed"),
                                             (tgt, "C2", "x", "目标 target")):
            if points is None:
                continue
            mine = points[points["indicator"] == name]
            floor = mine["bound"] == "at_least"
            if (~floor).any():
                ax.scatter(mine.loc[~floor, "year"], mine.loc[~floor, "value"], color=color,
                           marker=marker, s=18, zorder=3, label=label)
            if floor.any():
                ax.scatter(mine.loc[floor, "year"], mine.loc[floor, "value"], color=color,
                           marker="^", s=18, zorder=3, label=f"{label} (≥)")
        if name in units:
            ax.set_ylabel(units[name], fontdict=font)
        ax.tick_params(labelsize=7)
        # Years are whole numbers: no "2017.5" ticks.
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.legend(prop=legend_font, frameon=False)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontfamily=family)
    return fig
