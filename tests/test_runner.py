"""One runner, two engines: the batch engine reproduces PySD on the core model."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIOS_DIR

from simulator.engine.dispatch import resolve_engine
from simulator.errors import UnknownNameError
from simulator.runner import run_scenario, run_variants
from simulator.scenario import load_scenario

#: Both engines do the same float operations in the same order up to NumPy's
#: vectorised kernels, so they agree to ~1e-15; 1e-10 leaves room for that only.
RTOL = 1e-10


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIOS_DIR / "ningxia-baseline.yaml")


def test_engines_agree_on_a_scenario(scenario):
    pysd = run_scenario(scenario, engine="pysd").frame
    batch = run_scenario(scenario, engine="batch").frame
    assert list(pysd.index) == list(batch.index)
    np.testing.assert_allclose(batch.to_numpy(), pysd.to_numpy(), rtol=RTOL, atol=1e-12)


def test_engines_agree_on_variants_with_lever_paths(scenario):
    variants = [
        {},
        {"post_subsidy_rate": 0.08, "rd_depreciation_rate": 0.3},
        {"incubator_capacity": {"type": "step", "year": 2020, "after": 1500}},
        {"new_sci_tech_loans": {
            "type": "ramp", "start_year": 2019, "end_year": 2025, "from": 0, "to": 50
        }},
        {"talent_programme_intake": {"type": "yearly", "values": {2019: 100, 2021: 10}}},
    ]
    years_p, pysd = run_variants(scenario, variants, engine="pysd")
    years_b, batch = run_variants(scenario, variants, engine="batch")
    assert (years_p == years_b).all()
    for name in pysd:
        np.testing.assert_allclose(batch[name], pysd[name], rtol=RTOL, atol=1e-12, err_msg=name)
    # the variants really differ from the base
    assert batch["rd_expenditure"][1, -1] != batch["rd_expenditure"][0, -1]
    assert batch["incubated_firms"][2, -1] > batch["incubated_firms"][0, -1]


def test_auto_uses_the_batch_engine(scenario):
    assert run_scenario(scenario).metadata["engine"] == "batch"


def test_bad_variants_and_engines(scenario):
    with pytest.raises(UnknownNameError, match="did you mean 'post_subsidy_rate'"):
        run_variants(scenario, [{"post_subsidy_rat": 0.1}])
    with pytest.raises(ValueError, match="out of range"):
        run_variants(scenario, [{"post_subsidy_rate": 0.9}])
    with pytest.raises(ValueError, match="variants is empty"):
        run_variants(scenario, [])
    with pytest.raises(ValueError, match="'fast' is not a valid engine"):
        run_scenario(scenario, engine="fast")
    with pytest.raises(UnknownNameError, match="unknown indicator 'gpd'"):
        run_scenario(scenario, indicators=["gpd"])


def test_batch_refused_for_a_model_it_cannot_compile(tmp_path):
    from simulator.engine.model import load_model

    path = tmp_path / "subscripted.mdl"
    path.write_text(
        "{UTF-8}\nRegion: north, south\n\t~\t\n\t~\t\n\t|\n\n"
        "Population[Region]=\n\t1, 2\n\t~\tpeople\n\t~\t\n\t|\n\n"
        # subscripts compile now; VECTOR SORT ORDER is still refused
        "Order[Region]=\n\tVECTOR SORT ORDER(Population[Region], 1)\n\t~\t\n\t~\t\n\t|\n\n"
        "FINAL TIME = 10\n\t~\tYear\n\t~\t\n\t|\n\nINITIAL TIME = 0\n\t~\tYear\n\t~\t\n\t|\n\n"
        "SAVEPER = 1\n\t~\tYear\n\t~\t\n\t|\n\nTIME STEP = 1\n\t~\tYear\n\t~\t\n\t|\n\n",
        encoding="utf-8",
    )
    model = load_model(path)
    assert resolve_engine("auto", model) == "pysd"
    with pytest.raises(ValueError, match="batch engine cannot run subscripted.mdl"):
        resolve_engine("batch", model)
