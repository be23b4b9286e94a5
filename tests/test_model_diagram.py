"""The core model's stock-and-flow diagram is generated from its equations (issue #17, point 7)."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import ROOT

from simulator import model_diagram as md
from simulator.paths import CORE_MODEL

TEACUP = ROOT.parent / "shared" / "testmodels" / "teacup" / "teacup.mdl"


@pytest.fixture(scope="module")
def structure():
    return md.read_structure(CORE_MODEL)


@pytest.fixture(scope="module")
def views():
    return {v.name: v for v in md.read_views(CORE_MODEL.read_text(encoding="utf-8"))}


def test_the_shipped_diagram_is_the_generated_one(capsys):
    assert md.main(["--check"]) == 0, "run python -m simulator.model_diagram"
    assert "matches the equations" in capsys.readouterr().out


def test_check_fails_when_the_sketch_is_stale(tmp_path):
    stale = tmp_path / "model.mdl"
    text = CORE_MODEL.read_text(encoding="utf-8")
    stale.write_text(md.with_sketch(text, md.SKETCH_END), encoding="utf-8")
    assert md.main([str(stale), "--check"]) == 1
    assert md.main([str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == text  # regenerated: the same file again


def test_a_bad_path_is_one_line_and_exit_2(tmp_path, capsys):
    assert md.main([str(tmp_path / "missing.mdl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a Vensim .mdl file" in err


def test_one_view_per_group_and_every_variable_drawn_once(structure, views):
    assert list(views) + ["Control"] == list(structure.groups)  # time controls: no view
    for group, members in list(structure.groups.items())[:-1]:
        drawn = [o[0] for o in views[group].objects.values()
                 if o[1] in ("stock", "flow", "variable")]
        assert sorted(drawn) == sorted(members), group
    every = [m for members in structure.groups.values() for m in members]
    assert len(every) == len(set(every)) == len(structure.causes)


def test_stocks_are_boxes_and_each_flow_has_one_valve(structure, views):
    kinds = {}
    for view in views.values():
        for name, kind, _, _ in view.objects.values():
            if kind != "shadow" and name:
                kinds[name] = kind
    flows = {f for inflows, outflows in structure.stocks.values() for f in inflows + outflows}
    assert {s for s in structure.stocks} == {n for n, k in kinds.items() if k == "stock"}
    assert flows == {n for n, k in kinds.items() if k == "flow"}
    valves = sum(k == "valve" for v in views.values() for _, k, _, _ in v.objects.values())
    assert valves == len(flows)
    assert structure.stocks["Incubated firms"] == (
        ["Incubator admissions"], ["Incubator graduations", "Incubator failures"])


def test_every_link_of_a_view_is_drawn(structure, views):
    """Each cause of a variable is an arrow or a pipe into it, from itself or its shadow."""
    for group, members in list(structure.groups.items())[:-1]:
        view = views[group]
        ids = {o[0]: i for i, o in view.objects.items() if o[0]}
        ends = {(view.objects[a][0], view.objects[b][0]) for a, b, _ in view.links}
        valve_of = {}  # a flow's pipes start at its valve, which sits just above its name
        for a, b, kind in view.links:
            if kind == "pipe":
                valve_of.setdefault(a, set()).add(view.objects[b][0])
        for effect in members:
            for cause in structure.causes[effect]:
                piped = effect in structure.stocks and cause in (
                    structure.stocks[effect][0] + structure.stocks[effect][1])
                assert cause in ids, (group, cause)
                assert (cause, effect) in ends or piped, (group, cause, effect)


def test_pysd_splits_the_views_into_one_module_per_sector(tmp_path, structure):
    pysd = pytest.importorskip("pysd")
    copy = tmp_path / CORE_MODEL.name
    shutil.copy(CORE_MODEL, copy)
    pysd.read_vensim(str(copy), split_views=True)  # warnings are errors here: none expected
    modules = json.loads((tmp_path / "modules_regional_innovation" / "_modules.json").read_text())
    expected = {g.lower().replace(" ", "_"): len(m) for g, m in structure.groups.items()
                if g != "Control"}
    assert {name: len(variables) for name, variables in modules.items()} == expected


def test_teacup_sketch_reads_as_vensim_drew_it():
    """Known answer: the teacup's Vensim sketch (one stock, one flow to a cloud, three links)."""
    view, = md.read_views(TEACUP.read_text(encoding="utf-8"))
    kinds = sorted((name, kind) for name, kind, _, _ in view.objects.values())
    assert kinds == [("", "cloud"), ("", "valve"), ("Characteristic Time", "variable"),
                     ("Heat Loss to Room", "flow"), ("Room Temperature", "variable"),
                     ("Teacup Temperature", "stock")]
    assert sorted(k for _, _, k in view.links) == ["arrow"] * 3 + ["pipe"] * 2


def test_the_equations_and_settings_are_kept(tmp_path):
    text = CORE_MODEL.read_text(encoding="utf-8")
    new = md.with_sketch(text, md.sketch(CORE_MODEL))
    assert new.split(md.SKETCH_MARK)[0] == text.split(md.SKETCH_MARK)[0]
    assert new.rsplit(md.SKETCH_END, 1)[1] == text.rsplit(md.SKETCH_END, 1)[1]


def test_each_view_draws_and_an_unknown_view_is_named(views):
    import matplotlib

    matplotlib.use("Agg")
    from simulator.app_logic import figure_png

    assert md.view_names(CORE_MODEL) == list(views)
    png = figure_png(md.view_figure(CORE_MODEL, "Tech transfer"))
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    with pytest.raises(ValueError, match="no view 'Tech transfr'.*did you mean 'Tech transfer'"):
        md.view_figure(CORE_MODEL, "Tech transfr")


def test_arrows_carry_the_measured_link_polarity(views):
    """Vensim's polarity field (43 '+', 45 '-') holds each arrow's measured sign."""
    signs = {}
    for view in views.values():
        for (a, b), sign in view.signs.items():
            signs[(view.objects[a][0], view.objects[b][0])] = sign
    # a stock drives its first-order drain up; a higher cost of R&D lowers desired R&D
    assert signs[("RD capital", "RD capital depreciation")] == "+"
    assert signs[("User cost effect on RD", "Desired business RD")] == "+"
    assert signs[("RD user cost", "User cost effect on RD")] == "−"
    assert set(signs.values()) == {"+", "−"} and len(signs) > 100
