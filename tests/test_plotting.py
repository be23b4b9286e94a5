"""Tests for simulator.plotting: CJK font registration and small-multiple charts."""

import importlib.util
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure

from simulator import plotting
from simulator.plotting import plot_series, use_cjk_font

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HTE = "high_tech_enterprises"


@pytest.fixture(autouse=True)
def _isolated_rc():
    """Restore matplotlib's rcParams after each test."""
    with matplotlib.rc_context():
        yield


def _results():
    """Illustrative results frame (not a model run)."""
    years = pd.Index(range(2017, 2026), name="year")
    return pd.DataFrame({HTE: np.linspace(95, 900, len(years)),
                         "rd_expenditure": np.linspace(38.9, 120.0, len(years))}, index=years)


def _observed():
    """Illustrative observed points for one region, one with weight 0."""
    return pd.DataFrame({
        "region": "Ningxia", "indicator": [HTE, HTE, HTE, "rd_expenditure"],
        "year": [2017, 2018, 2021, 2019], "value_model": [95.0, 94.0, 356.0, 54.5],
        "bound": "equal", "weight": [1.0, 0.0, 1.0, 1.0],
    })


def _families_in(path):
    """Families the font manager knows in one file (a .ttc collection holds several)."""
    return {entry.name for entry in font_manager.fontManager.ttflist if Path(entry.fname) == path}


def test_use_cjk_font_prefers_the_mplfonts_file():
    """The font comes from the mplfonts package and becomes the default."""
    family = use_cjk_font()
    assert family == "Noto Sans CJK SC"
    path = Path(font_manager.findfont(font_manager.FontProperties(family=family),
                                      fallback_to_default=False))
    mplfonts_dir = Path(importlib.util.find_spec("mplfonts").origin).parent
    # The mplfonts file is registered; matplotlib may still resolve the family to a
    # system copy of the same font (fonts-noto-cjk ships "Noto Sans CJK SC" too).
    registered = [Path(entry.fname) for entry in font_manager.fontManager.ttflist
                  if Path(entry.fname).name == plotting.MPLFONTS_FONT_FILE]
    assert any(mplfonts_dir in p.parents for p in registered)
    assert family in _families_in(path)
    assert matplotlib.rcParams["font.sans-serif"][0] == family
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_chinese_renders_without_missing_glyph_warnings(tmp_path):
    """Fails if matplotlib warns 'Glyph ... missing from font(s)', i.e. no CJK glyphs."""
    labels = {HTE: ("高新技术企业", "High-tech enterprises"),
              "rd_expenditure": ("研发经费", "R&D expenditure")}
    targets = pd.DataFrame({"indicator": [HTE], "year": [2025], "value": [700.0],
                            "bound": ["at_least"]})
    out = tmp_path / "series.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot_series(_results(), labels=labels, units={HTE: "家", "rd_expenditure": "亿元"},
                          observed=_observed(), targets=targets, title="宁夏 Ningxia")
        fig.savefig(out, dpi=100)
    assert out.read_bytes()[:8] == PNG_SIGNATURE
    assert isinstance(fig, Figure)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["高新技术企业\nHigh-tech enterprises",
                                                  "研发经费\nR&D expenditure"]
    title_font = font_manager.findfont(visible[0].title.get_fontproperties(),
                                       fallback_to_default=False)
    assert "Noto Sans CJK SC" in _families_in(Path(title_font))


def test_missing_glyph_warning_is_detectable(tmp_path):
    """Control: the same text in a Latin-only font does warn, so the test above can fail."""
    fig = Figure()
    fig.text(0.1, 0.5, "高新技术企业", fontfamily="DejaVu Sans")
    with pytest.warns(UserWarning, match=r"Glyph \d+ .* missing from font"):
        fig.savefig(tmp_path / "boxes.png")


def test_observed_points_skip_weight_zero_and_floors_are_separate():
    """Weight-0 points are skipped; floors get their own marker."""
    fig = plot_series(_results(), indicators=[HTE], observed=_observed(),
                      targets=pd.DataFrame({"indicator": [HTE], "year": [2025],
                                            "value": [700.0], "bound": ["at_least"]}))
    ax = fig.axes[0]
    offsets = {c.get_label(): c.get_offsets().tolist() for c in ax.collections}
    assert offsets["观测 observed"] == [[2017.0, 95.0], [2021.0, 356.0]]  # 2018 (weight 0) left out
    assert offsets["目标 target (≥)"] == [[2025.0, 700.0]]
    assert len(fig.axes) == 1


def test_grid_hides_unused_panels():
    """Panels beyond the number of indicators are hidden."""
    frame = pd.DataFrame({f"x{i}": [1.0, 2.0] for i in range(4)},
                         index=pd.Index([2020, 2021], name="year"))
    fig = plot_series(frame, ncols=3)
    assert len(fig.axes) == 6
    assert sum(ax.get_visible() for ax in fig.axes) == 4


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"indicators": ["high_tech_enterprise"]}, KeyError,
         "No indicator named 'high_tech_enterprise'.*did you mean 'high_tech_enterprises'"),
        ({"ncols": 0}, ValueError, "ncols must be at least 1, got 0"),
        ({"observed": pd.DataFrame({"indicator": [HTE], "year": [2020]})}, ValueError,
         r"observed lacks columns \['value'\]"),
        ({"observed": pd.DataFrame({"region": ["A", "B"], "indicator": [HTE, HTE],
                                    "year": [2020, 2021], "value": [1.0, 2.0]})},
         ValueError, r"observed has several regions \['A', 'B'\]"),
    ],
)
def test_plot_series_bad_input(kwargs, error, pattern):
    """Bad indicators, ncols or point frames raise named errors."""
    with pytest.raises(error, match=pattern):
        plot_series(_results(), **kwargs)


def test_plot_series_empty_results():
    """An empty results frame is refused."""
    with pytest.raises(ValueError, match="results is empty"):
        plot_series(pd.DataFrame())


def test_falls_back_to_a_system_font(monkeypatch):
    """Without the mplfonts file, a known system family is used (SimHei here)."""
    simhei = Path(importlib.util.find_spec("mplfonts").origin).parent / "fonts" / "SimHei.ttf"
    if not simhei.is_file():
        pytest.skip("mplfonts ships no SimHei.ttf in this version")
    font_manager.fontManager.addfont(str(simhei))  # stands in for an installed system font
    monkeypatch.setattr(plotting, "_mplfonts_font_file", lambda: None)
    monkeypatch.setattr(plotting, "SYSTEM_CJK_FAMILIES", ("No Such Font", "SimHei"))
    assert use_cjk_font(set_default=False) == "SimHei"


def test_no_cjk_font_raises_clear_error(monkeypatch):
    """Without any CJK font the error says how to install one."""
    monkeypatch.setattr(plotting, "_mplfonts_font_file", lambda: None)
    monkeypatch.setattr(plotting, "SYSTEM_CJK_FAMILIES", ("No Such Font",))
    with pytest.raises(FileNotFoundError, match=r"No CJK font found.*pip install mplfonts"):
        use_cjk_font()
