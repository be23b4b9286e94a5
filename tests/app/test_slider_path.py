"""How far a slider value travels on the Explore page, and how often a rerun validates.

The path is traced at run time: Streamlit's ``AppTest`` moves one lever slider
to a value nothing else uses, and a profile hook records every call of the
project's code (``app.py``, ``app/``, ``simulator/``) that receives the value
(the number itself, or an object holding it: a dict, a ``Scenario``, a
``LeverPath``, a NumPy array) or an object that an earlier such call
returned (the run's results frame, the long-form series). Walking back from
the key-indicator charts (``widgets.indicator_chart``) over the objects each
call received gives the calls the value went through to reach a chart, with
the calls inside them; their modules are the path. The batch engine
(``simulator/engine/batch/``, one generated program with its runtime) counts
as one module. Cache keys are text and are not followed.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

#: Modules a slider value may pass through on its way to its chart (issue #15).
MAX_MODULES = 8
#: A value of the incubator slider (0–2400 in steps of 50) no preset or default holds.
VALUE = 1850.0
LEVER = "incubator_capacity"
NUMBERS = (float, int, np.floating, np.integer)
#: Objects followed by value, never by identity (Python shares small ones).
ATOMS = (*NUMBERS, bool, str, bytes, type)
TIMEOUT = 120


def _shared(obj) -> bool:
    """Whether Python shares ``obj`` between unrelated owners: the empty tuple and frozenset."""
    return isinstance(obj, (tuple, frozenset)) and len(obj) == 0


def _module(filename: str) -> str | None:
    path = Path(filename)
    try:
        rel = path.resolve().relative_to(ROOT)
    except (ValueError, OSError):
        return None
    if rel.parts[0] not in ("app", "simulator", "app.py"):
        return None
    parts = list(rel.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    if parts[:3] == ["simulator", "engine", "batch"]:
        parts = parts[:3]  # the batch engine: one program and its runtime
    return ".".join(parts)


@dataclasses.dataclass
class _Call:
    module: str
    name: str
    parent: int | None
    inputs: set[int] = dataclasses.field(default_factory=set)
    tainted: bool = False


class _Tracer:
    """Profile hook that follows ``value`` through the project's calls."""

    def __init__(self, value: float):
        self.value = value
        self.calls: list[_Call] = []
        self.producer: dict[int, int] = {}  # id of a returned object -> the call that returned it
        self.keep: list[object] = []  # returned objects stay alive: their ids are not reused
        self.local = threading.local()
        self.modules: dict[object, str | None] = {}

    def carries(self, obj, depth: int, found: set[int]) -> bool:
        """Whether ``obj`` holds the value or a traced result; note the calls that made them."""
        if isinstance(obj, ATOMS) or obj is None:
            return isinstance(obj, NUMBERS) and not isinstance(obj, bool) and obj == self.value
        if _shared(obj):
            return False
        hit = False
        index = self.producer.get(id(obj))
        if index is not None:
            found.add(index)
            hit = True
        if isinstance(obj, np.ndarray):
            return hit or (obj.dtype.kind == "f" and obj.size < 1_000_000
                           and bool(np.any(obj == self.value)))
        if depth == 0 or isinstance(obj, (pd.DataFrame, pd.Series, type)):
            return hit
        if isinstance(obj, dict):
            items = list(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            items = list(obj)
        elif dataclasses.is_dataclass(obj):
            items = [getattr(obj, f.name, None) for f in dataclasses.fields(obj)]
        else:
            return hit
        for item in items[:1000]:
            hit = self.carries(item, depth - 1, found) or hit
        return hit

    def module_of(self, code) -> str | None:
        if code not in self.modules:
            self.modules[code] = _module(code.co_filename)
        return self.modules[code]

    def __call__(self, frame, event, arg):
        if event not in ("call", "return"):
            return
        module = self.module_of(frame.f_code)
        if module is None:
            return
        stack = self.local.__dict__.setdefault("stack", [])
        if event == "call":
            code = frame.f_code
            names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
            found: set[int] = set()
            tainted = any(self.carries(frame.f_locals.get(n), 4, found) for n in names)
            self.calls.append(
                _Call(module, code.co_qualname, stack[-1] if stack else None, found, tainted)
            )
            stack.append(len(self.calls) - 1)
            return
        if not stack:
            return
        index = stack.pop()
        call = self.calls[index]
        call.tainted = self.carries(arg, 2, set()) or call.tainted
        if not call.tainted or isinstance(arg, ATOMS) or arg is None:
            return
        if isinstance(arg, dict):
            children = list(arg.values())
        elif isinstance(arg, (tuple, list)):
            children = list(arg)
        elif dataclasses.is_dataclass(arg):
            children = [getattr(arg, f.name) for f in dataclasses.fields(arg)]
        else:
            children = []
        for obj in [arg, *children]:
            if not isinstance(obj, ATOMS) and obj is not None and not _shared(obj):
                self.keep.append(obj)
                self.producer[id(obj)] = index

    def path_to(self, module: str, name: str) -> list[_Call]:
        """Return the traced calls the value went through to the calls ``module.name``."""
        children: dict[int, list[int]] = {}
        for i, call in enumerate(self.calls):
            if call.parent is not None:
                children.setdefault(call.parent, []).append(i)
        todo = [i for i, c in enumerate(self.calls)
                if c.module == module and c.name == name and c.tainted]
        seen: set[int] = set()
        while todo:
            i = todo.pop()
            if i in seen:
                continue
            seen.add(i)
            todo.extend(j for j in children.get(i, []) if self.calls[j].tainted)
            todo.extend(self.calls[i].inputs)
        return [self.calls[i] for i in sorted(seen)]


def _explore() -> AppTest:
    """Open the Explore page with empty data caches (a cached run would hide the path)."""
    import streamlit as st

    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def slider_path() -> list[str]:
    """Return the modules one slider value goes through to a key-indicator chart (traced)."""
    at = _explore()
    slider = at.slider(key=f"_lever_{LEVER}")
    assert slider.min <= VALUE <= slider.max and VALUE != slider.value
    tracer = _Tracer(VALUE)
    threading.setprofile(tracer)
    sys.setprofile(tracer)
    try:
        slider.set_value(VALUE).run()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    assert not at.exception, at.exception
    path = tracer.path_to("app.widgets", "indicator_chart")
    names = {f"{c.module}.{c.name}" for c in path}
    # the trace is whole: from the slider's value in session state, through a run, to a chart
    assert {"app.state.lever_values", "simulator.runner.run_variants",
            "app.widgets.indicator_chart"} <= names, sorted(names)
    modules = {"app.pages.explore"} | {c.module for c in path}  # the page draws slider and chart
    print(f"a slider value reaches its chart through {len(modules)} modules: {sorted(modules)}")
    return sorted(modules)


def test_the_slider_path_stays_within_the_app_scenario_run_and_chart_modules(slider_path):
    assert slider_path == [
        "app.pages.explore",  # the slider, the chart on the page
        "app.state",  # kept slider values; the cached slider scenario and run
        "app.widgets",  # the indicator chart and its data (runs in long form, target points)
        "simulator.engine.batch",  # integration
        "simulator.engine.dispatch",  # run_cases: the one dispatcher
        # the lever path (step or ramp from the policy year, its values on the integration
        # grid) and the value checks every scenario value passes (check_keys, as_finite_number,
        # check_range), which Scenario.from_dict calls
        "simulator.levers",
        # run_with_band: the scenario and its 200 draws in one run_variants batch, reduced to
        # the run and its quantile band (#20); scenario to engine inputs; the run's provenance
        "simulator.runner",
        "simulator.scenario",  # Scenario.with_levers, then from_dict: the rerun's one validation
    ]


def test_a_slider_value_reaches_its_chart_through_at_most_8_modules(slider_path):
    assert len(slider_path) <= MAX_MODULES, slider_path


@pytest.fixture
def validations(monkeypatch):
    """Count scenario validations (``Scenario.from_dict``) from now on."""
    from simulator.scenario import Scenario

    counter = {"n": 0}
    validate = Scenario.from_dict.__func__

    def counting(cls, data, model=None):
        counter["n"] += 1
        return validate(cls, data, model)

    monkeypatch.setattr(Scenario, "from_dict", classmethod(counting))
    return counter


def test_a_rerun_validates_the_scenario_once(validations):
    at = _explore()
    validations["n"] = 0
    at.slider(key=f"_lever_{LEVER}").set_value(VALUE + 50).run()
    assert not at.exception, at.exception
    assert validations["n"] == 1, "moving a slider validates the slider scenario, once"
    validations["n"] = 0
    at.run()
    assert validations["n"] == 0, "a rerun with nothing changed reuses the validated scenario"
    for region in ("yibin", "ningxia"):
        validations["n"] = 0
        at.selectbox(key="_region").set_value(region).run()
        assert not at.exception, at.exception
        assert validations["n"] <= 1, f"switching to {region} validated {validations['n']} times"


def test_no_simulator_module_imports_streamlit():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "simulator").rglob("*.py")
        if "import streamlit" in path.read_text(encoding="utf-8")
        or "from streamlit" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
