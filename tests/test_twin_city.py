"""The twin-city model (issue #21): generated from the core model, decoupled parity,
conservation of the flows between regions, PySD parity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.runner import run_scenario
from simulator.twin_city.coupling import STRENGTHS
from simulator.twin_city.generate import (
    TWIN_MODEL,
    generate,
    region_constants,
    scalar_constants,
)
from simulator.twin_city.mdl_text import CONTROLS, canonical, parse
from simulator.twin_city.regions import REGIONS, START_YEAR, baseline, single_region_scenario
from simulator.twin_city.run import check_strengths, run_twin, twin_model

N = len(REGIONS)
RTOL, ATOL = 1e-10, 1e-12  # as tests/properties/test_batch_parity.py

twin_model().batch_model()  # translate before hypothesis draws (translation uses random)


def test_shipped_model_is_generated_from_the_core_model():
    assert TWIN_MODEL.read_text(encoding="utf-8") == generate(), (
        "run python -m simulator.twin_city.generate")


def test_every_core_variable_is_subscripted_by_region(tmp_path):
    """No list of variables: one added to the core model comes out subscripted."""
    from simulator.paths import CORE_MODEL

    text = CORE_MODEL.read_text(encoding="utf-8")
    extra = ("Twice RD capital=\n\tRD capital * 2\n\t~\t亿元\n\t~\tA new variable.\n\t|\n\n"
             "Twin test constant=\n\t7\n\t~\tDmnl\n\t~\t\n\t|\n\n"
             "Twin test table(\n\t[(0,0)-(10,10)],(0,0),(10,5))\n\t~\tDmnl\n\t~\t\n\t|\n\n"
             "Twin test read=\n\tTwin test table(Twin test constant)\n\t~\tDmnl\n\t~\t\n\t|\n\n")
    marker = "********************************************************\n\t.Control"
    core = tmp_path / "core.mdl"
    core.write_text(text.replace(marker, extra + marker, 1), encoding="utf-8")
    generated = generate(core)
    assert "Twice RD capital[Region]=\n\tRD capital[Region] * 2\n" in generated
    assert "Twin test constant[Region]=\n\t7\n" in generated
    assert "Twin test table[Region]([(0,0)-(10,10)],(0,0),(10,5))" in generated
    assert "Twin test read[Region]=\n\tTwin test table[Region](Twin test constant[Region])" \
        in generated
    twin_copy = tmp_path / "twin.mdl"
    twin_copy.write_text(generated, encoding="utf-8")
    from simulator.engine.batch import compile_model

    out = compile_model(twin_copy).run(return_columns=["Twin test read"], final_time=2020)
    np.testing.assert_allclose(out["Twin test read"], 3.5)  # 7 on a 0-10 -> 0-5 line
    _, core_blocks = parse(text)
    twin = {b.key: b for b in parse(TWIN_MODEL.read_text(encoding="utf-8"))[1] if b.name}
    # the DELAY FIXED delays stay scalars (PySD needs one delay), unsubscripted in the file
    shared = scalar_constants(core_blocks, region_constants())
    assert shared == {"hte certificate validity", "revocation bar"}
    for key in shared:
        assert key in twin
    for block in core_blocks:
        if block.name and block.key not in set(CONTROLS) | shared:
            assert canonical(block.name + "[Region]") in twin, block.name


def test_decoupled_circle_reproduces_each_region_alone():
    """All strengths 0: each region continues its own baseline run from its base year (Yibin
    2016, Ningxia 2017, Suining 2018) over the circle's years, to 1e-9."""
    circle = run_twin()
    for region in REGIONS:
        scenario = (single_region_scenario(region) if region == "chongqing_core"
                    else baseline(region))  # Chongqing's core: no profile, its own values
        alone = run_scenario(scenario, engine="batch").frame.loc[START_YEAR:]
        together = circle.frames[region][alone.columns]
        assert list(together.index) == list(alone.index)
        np.testing.assert_allclose(together.to_numpy(), alone.to_numpy(), rtol=1e-9, atol=0,
                                   err_msg=region)


def _matrix(draw, high):
    values = draw(st.lists(st.floats(0, high), min_size=N * N, max_size=N * N))
    matrix = np.array(values).reshape(N, N)
    np.fill_diagonal(matrix, 0.0)
    return matrix


@st.composite
def strengths(draw):
    out = {}
    for name, (dims, _, (_, high)) in STRENGTHS.items():
        out[name] = (_matrix(draw, high) if dims == 2
                     else np.array(draw(st.lists(st.floats(0, high), min_size=N, max_size=N))))
    return out


@settings(max_examples=30)  # 0.3 s a run; the machine is shared (tests/conftest.py: ci = 100)
@given(strengths())
def test_flows_between_regions_are_conserved_at_every_step(strength):
    """Contracts sold = contracts bought and firms out = firms in, over the circle, each step."""
    run = run_twin(strength, saveper=0.0625)
    total = {name: sum(f[name].to_numpy() for f in run.frames.values())
             for name in run.frames["yibin"].columns}
    scale = max(1.0, total["tech_contracts_sold_to_circle"].max())
    np.testing.assert_allclose(total["tech_contracts_sold_to_circle"],
                               total["tech_contracts_absorbed"], rtol=0, atol=1e-12 * scale)
    for kind in ("smes", "htes"):
        out, into = total[f"{kind}_moved_out"], total[f"{kind}_moved_in"]
        np.testing.assert_allclose(out, into, rtol=0, atol=1e-12 * max(1.0, out.max()))
    # the matrix the sums come from: a seller's row is what it sells
    sold = run.contracts.sum(axis=2)
    np.testing.assert_allclose(sold[-1], [f["tech_contracts_sold_to_circle"].iloc[-1]
                                          for f in run.frames.values()], rtol=1e-12)
    assert np.all(run.contracts >= 0)
    for f in run.frames.values():
        sold = f["tech_contracts_sold_to_circle"]
        assert sold.le(f["tech_contract_turnover"] * (1 + 1e-12)).all()


def test_couplings_move_the_regions():
    """Each channel changes what it should (so the conservation test is not about zeros)."""
    base = run_twin()
    i, j = REGIONS.index("chengdu"), REGIONS.index("suining")
    one = np.zeros((N, N))
    one[i, j] = 0.01
    trade = run_twin({"contract_trade_share": one * 10})
    assert trade.frames["suining"]["tech_contracts_absorbed"].iloc[-1] > 0
    capital = [run.frames["suining"]["rd_capital"].iloc[-1] for run in (trade, base)]
    assert capital[0] > capital[1]
    np.testing.assert_array_equal(trade.frames["yibin"].to_numpy(), base.frames["yibin"].to_numpy())
    moved = run_twin({"hte_relocation_rate": one})
    assert (moved.frames["suining"]["high_tech_enterprises"].iloc[-1]
            > base.frames["suining"]["high_tech_enterprises"].iloc[-1])
    assert (moved.frames["chengdu"]["high_tech_enterprises"].iloc[-1]
            < base.frames["chengdu"]["high_tech_enterprises"].iloc[-1])
    tie = run_twin({"collaboration_tie": one.T})  # suining draws on chengdu's R&D capital
    assert tie.frames["suining"]["transferable_results"].iloc[-1] > \
        base.frames["suining"]["transferable_results"].iloc[-1]
    labs = run_twin({"joint_platform_construction": one * 100})
    assert labs.frames["chengdu"]["shared_joint_platforms"].iloc[-1] > 0
    assert labs.frames["suining"]["shared_joint_platforms"].iloc[-1] == pytest.approx(
        labs.frames["chengdu"]["shared_joint_platforms"].iloc[-1])


@pytest.mark.parametrize("coupled", [False, True], ids=["decoupled", "coupled"])
def test_pysd_runs_the_twin_model_and_the_batch_engine_matches(coupled):
    """PySD is the reference: same file, same constants (levers at their file values)."""
    strength = {}
    if coupled:
        rng = np.random.default_rng(20261204)
        strength = {name: (_fixed_matrix(rng, high) if dims == 2 else rng.uniform(0, high, N))
                    for name, (dims, _, (_, high)) in STRENGTHS.items()}
    pysd = run_twin(strength, engine="pysd")
    batch = run_twin(strength, lever_paths_on=False)
    for region in REGIONS:
        np.testing.assert_allclose(batch.frames[region].to_numpy(),
                                   pysd.frames[region].to_numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=region)
    np.testing.assert_allclose(batch.contracts, pysd.contracts, rtol=RTOL, atol=ATOL)


def _fixed_matrix(rng, high):
    matrix = rng.uniform(0, high, (N, N))
    np.fill_diagonal(matrix, 0.0)
    return matrix


@pytest.mark.parametrize("strength, message", [
    ({"trade": 0}, "unknown coupling strength 'trade' \\(valid: "),
    ({"collaboration_tie": np.zeros(3)}, "must have shape \\(6, 6\\)"),
    ({"collaboration_tie": np.eye(N) * 0.01}, "does not trade with itself"),
    ({"sme_relocation_rate": np.full((N, N), 0.5)}, "must lie in \\[0.0, 0.02\\]"),
])
def test_bad_strengths_are_refused_in_one_line(strength, message):
    with pytest.raises(ValueError, match=message) as error:
        check_strengths(strength)
    assert "\n" not in str(error.value)


def test_pysd_refuses_strengths_that_vary_by_case_in_one_line():
    with pytest.raises(ValueError, match="use engine='batch'") as error:
        run_twin({"collaboration_tie": np.zeros((2, N, N))}, engine="pysd")
    assert "\n" not in str(error.value)
