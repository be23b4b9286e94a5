"""Session state and caches of the app: kept widget values, the rerun's scenario, cached runs.

Widgets keep their values across pages with Streamlit's documented pattern
for multipage apps: the value lives under a plain session-state key and is
copied into the widget's own key (``"_" + key``) before the widget is drawn,
and back in its ``on_change`` callback.

Pages pass :class:`~simulator.scenario.Scenario` objects. A rerun validates
at most one scenario, the one the sliders set (:func:`slider_scenario`);
presets, uploads and saved scenarios are validated once when they are read
and kept as objects. Caches are keyed by a scenario's YAML text
(:meth:`Scenario.to_yaml`); the scenario itself is passed
beside the key (a leading underscore: Streamlit does not hash it) and is
never parsed back from the text.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from simulator import app_logic, catalogue, report
from simulator.app_logic import bands, planning, share_link, user_data
from simulator.app_logic.error_text import error_line
from simulator.engine.model import load_model
from simulator.errors import ScenarioError, UnknownNameError
from simulator.i18n import t
from simulator.runner import run_scenario, run_with_band
from simulator.scenario import Scenario
from simulator.time_step_advice import check_time_step

DEFAULT_REGION = "ningxia"
#: Policy year without documented figures (see ``planning.default_policy_year``).
DEFAULT_POLICY_YEAR = planning.FALLBACK_POLICY_YEAR

#: Session-state keys (widget keys are these with a leading ``_``).
LANG, REGION, PRESET, POLICY_YEAR = "lang", "region", "preset", "policy_year"
UPLOADED, SAVED, LEVER_BASE = "uploaded_scenario", "saved", "lever_base"
POLICY_BASE = "policy_base"
#: The user's own documented figures and target edits, by region (this session only).
USER_FIGURES, USER_TARGETS = "user_figures", "user_targets"
LINK_READ = "link_read"


def lever_key(name: str) -> str:
    """Return the session-state key of a lever's slider value."""
    return f"lever_{name}"


# ------------------------------------------------------------------ caches
@st.cache_resource(show_spinner=False)
def model():
    """Return the translated core model, shared by all sessions (runs work on a copy)."""
    return load_model()


# Scenarios never change once built (frozen, and no code mutates one), so they are cached as
# resources: no copy a call, and the YAML text a scenario keeps (its cache key) comes along.
@st.cache_resource(show_spinner=False, max_entries=32)
def preset(region: str, name: str) -> Scenario:
    """Return a region's preset scenario, validated once per process."""
    scenario = app_logic.load_preset(region, name, model())
    scenario.to_yaml()  # kept on the object
    return scenario


@st.cache_resource(show_spinner=False, max_entries=512)
def _slider_scenario(
    base_key: str, values: tuple[tuple[str, float], ...], year: int, _base: Scenario,
    timing: tuple[tuple[str, tuple[int, int]], ...] = (),
) -> Scenario:
    return _base.with_levers(dict(values), year, model(), timing=dict(timing))


@st.cache_resource(show_spinner=False)
def indicator_entries() -> dict:
    """Return the catalogue's indicators, built once (each chart looked them up: 3 ms)."""
    return catalogue.indicators(model())


@st.cache_resource(show_spinner=False)
def _costs():
    from simulator.goal_seek.problem import load_costs

    return load_costs()  # the lever price list, read once (read a slider move: 25 ms)


@st.cache_data(show_spinner=False, max_entries=512)
def _run(key: str, _scenario: Scenario) -> tuple[pd.DataFrame, dict[str, str]]:
    results = run_scenario(_scenario, model=model())
    return results.frame, results.units


@st.cache_resource(show_spinner=False, max_entries=32)
def _draws(key: str, _scenario: Scenario) -> bands.Draws:
    return bands.scenario_draws(_scenario)


@st.cache_data(show_spinner=False, max_entries=256)
def _run_band(key: str, draws_key: str, _scenario: Scenario, _draws: bands.Draws):
    return run_with_band(_scenario, _draws.draws, model=model(),
                         engine=app_logic.fastest_engine())


def run_band(scenario: Scenario, base: Scenario) -> tuple[pd.DataFrame, dict, bands.Draws]:
    """Return a scenario's results frame, its 5-95 % bands and the draws (one batch, cached).

    The draws are ``base``'s (the preset's): sliders move levers, and the draws
    depend on the region, profile and uncertainty section only.
    """
    draws = _draws(base.to_yaml(), base)
    frame, band = _run_band(scenario.to_yaml(), base.to_yaml(), scenario, draws)
    return frame, band, draws


@st.cache_data(show_spinner=False, max_entries=512)
def _advice(key: str, _scenario: Scenario, _frame: pd.DataFrame | None = None):
    frame = _run(key, _scenario)[0] if _frame is None else _frame
    return check_time_step(_scenario, model=model(), coarse=frame)[1]


@st.cache_data(show_spinner=False, max_entries=64)
def _charts_png(key: str, _scenario: Scenario) -> bytes:
    from simulator.plotting import plot_series

    frame, units = _run(key, _scenario)
    observed, documented_targets = report.documented_points(_scenario.region)
    targets = app_logic.targets_frame(app_logic.all_targets(_scenario, documented_targets))
    entries = catalogue.indicators(model())
    names = list(catalogue.KEY_INDICATORS)
    figure = plot_series(
        frame,
        indicators=names,
        units=units,
        observed=observed,
        targets=targets,
        labels={n: (entries[n].label_zh, entries[n].label_en) for n in names},
        title=f"{_scenario.title_zh or _scenario.name} · {_scenario.name}",
    )
    return app_logic.figure_png(figure)


@st.cache_data(show_spinner=False)
def _documented(region: str | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    return report.documented_points(region) if region else (None, None)


@st.cache_data(show_spinner=False)
def _actuals(region: str | None) -> pd.DataFrame:
    return planning.actuals_frame(region)


def documented(region: str | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Return the documented outcomes (the user's figures added) and targets of a region."""
    observed, targets = _documented(region)
    return user_data.with_figures(observed, user_entries(USER_FIGURES, region), region), targets


def actuals(region: str | None) -> pd.DataFrame:
    """Return a region's documented outcomes with the hold-out years and the user's figures."""
    return user_data.with_actuals(_actuals(region), user_entries(USER_FIGURES, region))


def targets(scenario: Scenario) -> list:
    """Return a scenario's targets, the region's documented ones, then the user's edits."""
    documented_targets = _documented(scenario.region)[1]
    return user_data.with_targets(app_logic.all_targets(scenario, documented_targets),
                                  user_entries(USER_TARGETS, scenario.region))


def user_entries(kind: str, region: str | None) -> list:
    """Return the user's figures or target edits (:data:`USER_FIGURES`, ...) of a region."""
    return list(st.session_state.get(kind, {}).get(region, []))


def add_user_entry(kind: str, region: str, entry) -> None:
    """Keep a checked figure or target edit for this session (never written to a file)."""
    entries = st.session_state.setdefault(kind, {})
    entries[region] = user_data.add(entries.get(region, []), entry)


def last_data_year(region: str | None) -> int | None:
    """Return the region's last documented year (None without data)."""
    return planning.last_data_year(actuals(region))


@st.cache_data(show_spinner=False, max_entries=256)
def _fiscal_cost(key: str, base_key: str, first: int, last: int, _scenario: Scenario,
                 _baseline: Scenario, _frame: pd.DataFrame | None = None):
    from simulator.fiscal_cost import fiscal_cost as cost

    frame = _run(key, _scenario)[0] if _frame is None else _frame
    return cost(_scenario, frame, _baseline, _run(base_key, _baseline)[0],
                first, last, model=model(), costs=_costs())


def fiscal_cost(scenario: Scenario, baseline: Scenario, first: int, last: int,
                frame: pd.DataFrame | None = None):
    """Return the scenario's discounted fiscal cost against ``baseline`` (cached).

    ``frame`` is the scenario's results when the caller has them (:func:`run_band`).
    """
    return _fiscal_cost(scenario.to_yaml(), baseline.to_yaml(), first, last, scenario, baseline,
                        frame)


@st.cache_data(show_spinner=False, max_entries=16)
def _brief(key: str, base_key: str, year: int, _scenario: Scenario, _baseline: Scenario):
    from simulator.app_logic.brief import build_brief

    return build_brief(_scenario, _baseline, year, model=model())


@st.cache_data(show_spinner=False, max_entries=16)
def _brief_file(kind: str, lang: str, key: str, base_key: str, year: int, _scenario: Scenario,
                _baseline: Scenario) -> bytes:
    from simulator.app_logic.brief_pdf import brief_pdf
    from simulator.app_logic.workbook import results_workbook

    content = _brief(key, base_key, year, _scenario, _baseline)
    return brief_pdf(content, lang) if kind == "pdf" else results_workbook(content, lang)


def brief_file(kind: str, lang: str, scenario: Scenario, baseline: Scenario, year: int) -> bytes:
    """Return the scenario's brief as ``"pdf"`` or its ``"xlsx"`` workbook (cached)."""
    return _brief_file(kind, lang, scenario.to_yaml(), baseline.to_yaml(), year, scenario,
                       baseline)


def slider_scenario(
    base: Scenario, values: dict[str, float], year: int,
    timing: dict[str, tuple[int, int]] | None = None,
) -> Scenario:
    """Return the scenario the sliders set on ``base`` (validated on a cache miss only).

    ``timing`` gives levers their own (start year, ramp years) (:func:`lever_timing`).
    """
    return _slider_scenario(base.to_yaml(), tuple(sorted(values.items())), year, base,
                            tuple(sorted((timing or {}).items())))


def run(scenario: Scenario) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the results frame and units of a scenario (cached by its YAML text)."""
    return _run(scenario.to_yaml(), scenario)


def time_step_advice(scenario: Scenario, frame: pd.DataFrame | None = None):
    """Return the time-step advice of a scenario (None when it converges), cached.

    ``frame`` is the scenario's results when the caller has them (:func:`run_band`).
    """
    return _advice(scenario.to_yaml(), scenario, frame)


def charts_png(scenario: Scenario) -> bytes:
    """Draw the key indicators with history and targets as PNG (Chinese and English labels)."""
    return _charts_png(scenario.to_yaml(), scenario)


# ------------------------------------------------------------------- state
def lang() -> str:
    """Return the chosen language code."""
    return st.session_state.get(LANG, "zh")


def tr(key: str, **values) -> str:
    """Return an interface string in the chosen language."""
    return t(key, lang(), **values)


def error_text(error: Exception) -> str:
    """Return an error's one line in the chosen language (``app_logic.error_text``)."""
    return error_line(str(error.args[0]) if error.args else str(error), lang())


def kept(key: str, default) -> str:
    """Prepare a widget that keeps its value across pages; return the widget key."""
    if key not in st.session_state:
        st.session_state[key] = default
    st.session_state["_" + key] = st.session_state[key]
    return "_" + key


def store(key: str) -> None:
    """Copy a widget's value to its kept key (an ``on_change`` callback)."""
    st.session_state[key] = st.session_state["_" + key]


def region() -> str:
    """Return the chosen region."""
    return st.session_state.get(REGION, DEFAULT_REGION)


def presets() -> list[str]:
    """Return the preset choices: the shipped presets, and ``uploaded`` after an upload."""
    return list(app_logic.PRESETS) + (["uploaded"] if UPLOADED in st.session_state else [])


def change_region() -> None:
    """Keep the new region (an ``on_change`` callback); an upload of another region is dropped.

    An uploaded scenario belongs to its region: kept after a region change, the
    sidebar would name one region while the pages run the other.
    """
    store(REGION)
    uploaded = st.session_state.get(UPLOADED)
    if uploaded is not None and uploaded.region != region():
        del st.session_state[UPLOADED]
        if st.session_state.get(PRESET) == "uploaded":
            st.session_state[PRESET] = "baseline"


def base_scenario() -> Scenario:
    """Return the chosen preset (or uploaded) scenario; note when the plan is missing."""
    chosen = st.session_state.get(PRESET, "baseline")
    if chosen == "uploaded" and UPLOADED in st.session_state:
        return st.session_state[UPLOADED]
    if chosen not in app_logic.available_presets(region()):
        st.info(tr("plan_missing", region=region()))
        chosen = "baseline"
    return preset(region(), chosen)


def baseline(scenario: Scenario) -> Scenario | None:
    """Return the baseline preset of ``scenario``'s region (None without one)."""
    region = scenario.region
    if region and "baseline" in app_logic.available_presets(region):
        return preset(region, "baseline")
    return None


def upload(scenario: Scenario) -> None:
    """Make a validated uploaded scenario the current one (its region becomes the region)."""
    st.session_state[UPLOADED] = scenario
    st.session_state[PRESET] = "uploaded"
    if scenario.region:
        st.session_state[REGION] = scenario.region


def policy_year(base: Scenario) -> int:
    """Return the policy year, kept inside ``base``'s horizon.

    A new preset, upload or region starts at its default: the first year after
    the region's documented figures, never after an open target's year.
    """
    signature = (base.region, base.name, base.start_year, base.end_year)
    if st.session_state.get(POLICY_BASE) != signature or POLICY_YEAR not in st.session_state:
        st.session_state[POLICY_BASE] = signature
        st.session_state[POLICY_YEAR] = planning.default_policy_year(
            base, last_data_year(base.region)
        )
    year = int(st.session_state[POLICY_YEAR])
    year = min(max(year, base.start_year + 1), base.end_year)
    st.session_state[POLICY_YEAR] = year
    return year


def reset_levers(specs: dict[str, app_logic.SliderSpec]) -> None:
    """Put every lever slider back at the preset's value, its own start year and ramp cleared."""
    for name, spec in specs.items():
        st.session_state[lever_key(name)] = spec.value
        st.session_state.pop(start_key(name), None)
        st.session_state.pop(ramp_key(name), None)


def start_key(name: str) -> str:
    """Return the session-state key of a lever's own start year (None: the policy year)."""
    return f"start_{name}"


def ramp_key(name: str) -> str:
    """Return the session-state key of a lever's ramp [years] (0: at once)."""
    return f"ramp_{name}"


def lever_widgets(spec: app_logic.SliderSpec) -> tuple[str, str]:
    """Prepare a lever's slider and number entry (shown units); return their widget keys.

    The session keeps the model value under :func:`lever_key`; both widgets show
    it times ``spec.scale`` (a rate as %), and :func:`store_lever` writes either
    one back, so the two stay in step.
    """
    key = lever_key(spec.name)
    shown = spec.shown(float(st.session_state.setdefault(key, spec.value)))
    shown = min(max(shown, spec.shown(spec.low)), spec.shown(spec.high))
    st.session_state["_" + key] = st.session_state["_" + key + "_n"] = shown
    return "_" + key, "_" + key + "_n"


def store_lever(widget: str, spec: app_logic.SliderSpec) -> None:
    """Keep a lever widget's value in the model unit (an ``on_change`` callback)."""
    value = st.session_state[widget]
    if value is not None:
        st.session_state[lever_key(spec.name)] = spec.stored(float(value))


def lever_timing(names, policy_year: int) -> dict[str, tuple[int, int]]:
    """Return the levers given their own start year or a ramp: name -> (start year, ramp years)."""
    out = {}
    for name in names:
        start = st.session_state.get(start_key(name))
        ramp = int(st.session_state.get(ramp_key(name)) or 0)
        if start is not None or ramp:
            out[name] = (int(policy_year if start is None else start), ramp)
    return out


def lever_values(base: Scenario, specs: dict[str, app_logic.SliderSpec]) -> dict[str, float]:
    """Return the slider values of the levers; reset them when the preset changed."""
    signature = base.to_yaml()
    if st.session_state.get(LEVER_BASE) != signature:
        st.session_state[LEVER_BASE] = signature
        reset_levers(specs)
    return {
        name: float(st.session_state.get(lever_key(name), spec.value))
        for name, spec in specs.items()
    }


def scenarios() -> tuple[Scenario, Scenario]:
    """Return (preset scenario, scenario with the planner's lever values) of this rerun."""
    base = base_scenario()
    specs = app_logic.slider_specs(base, model())
    values, year = lever_values(base, specs), policy_year(base)
    return base, slider_scenario(base, values, year, lever_timing(specs, year))


def saved() -> dict[str, Scenario]:
    """Return the user's saved scenarios by name (this session)."""
    return st.session_state.setdefault(SAVED, {})


def saved_here() -> dict[str, Scenario]:
    """Return the saved scenarios of the chosen region (others are not compared with it)."""
    return {name: s for name, s in saved().items() if s.region == region()}


# -------------------------------------------------------------- shared link
def open_link() -> None:
    """Set the session from the URL's scenario once (a shared link); a bad link is one error."""
    if st.session_state.get(LINK_READ):
        return
    st.session_state[LINK_READ] = True
    try:
        link = share_link.decode_link(st.query_params.to_dict(), model())
    except (ScenarioError, UnknownNameError, TypeError, ValueError) as error:
        st.error(tr("link_error", error=error_text(error)))
        return
    if link is None:
        return
    base = link.scenario
    st.session_state[REGION] = link.region
    if link.preset == "uploaded":
        st.session_state[UPLOADED] = base
    st.session_state[PRESET] = link.preset
    st.session_state[LEVER_BASE] = base.to_yaml()  # the link's values are not reset
    for name, spec in app_logic.slider_specs(base, model()).items():
        st.session_state[lever_key(name)] = link.levers.get(name, spec.value)
        st.session_state[start_key(name)] = link.starts.get(name)  # None: the policy year
        st.session_state[ramp_key(name)] = link.ramps.get(name, 0)
    if link.year is not None:
        st.session_state[POLICY_BASE] = (base.region, base.name, base.start_year, base.end_year)
        st.session_state[POLICY_YEAR] = link.year


def link_params(base: Scenario) -> dict[str, str]:
    """Return the query parameters of the current scenario (what a shared link holds)."""
    specs = app_logic.slider_specs(base, model())
    chosen = st.session_state.get(PRESET, "baseline")
    if base is st.session_state.get(UPLOADED):
        chosen = "uploaded"
    elif chosen not in app_logic.available_presets(base.region):
        chosen = "baseline"  # as base_scenario() fell back
    starts = {n: st.session_state.get(start_key(n)) for n in specs}
    ramps = {n: int(st.session_state.get(ramp_key(n)) or 0) for n in specs}
    return share_link.encode_link(base, chosen, policy_year(base), lever_values(base, specs),
                                  model(), starts=starts, ramps=ramps)
