"""The conformance runner classifies each engine's run of a model correctly."""

import shutil
from pathlib import Path

import pytest

from conformance.suite import markdown_table, run_suite, silent_mismatches, summary

TESTMODELS = Path(__file__).resolve().parents[2] / "shared" / "testmodels"


@pytest.fixture
def suite(tmp_path):
    """Three models: one both engines reproduce, one wrong reference, one subscripted."""
    if not (TESTMODELS / "teacup").is_dir():
        pytest.skip(f"reference test models not found at {TESTMODELS}")
    for folder in ("teacup", "wrong"):
        (tmp_path / folder).mkdir()
        for name in ("teacup.mdl", "output.csv"):
            shutil.copy(TESTMODELS / "teacup" / name, tmp_path / folder / name)
    reference = tmp_path / "wrong" / "output.csv"
    header, first, *rest = reference.read_text().splitlines()
    cells = first.split(",")
    cells[-1] = str(float(cells[-1]) + 1.0)  # Vensim "said" something else at t0
    reference.write_text("\n".join([header, ",".join(cells), *rest]) + "\n")
    (tmp_path / "subscripted").mkdir()
    (tmp_path / "subscripted" / "sub.mdl").write_text(
        "{UTF-8}\nregion : north, south ~~|\nx[region] = 1, 2 ~~|\n"
        "y[region] = VECTOR SORT ORDER(x[region], 1) ~~|\n"
        "INITIAL TIME = 0 ~~|\nFINAL TIME = 1 ~~|\nTIME STEP = 1 ~~|\nSAVEPER = 1 ~~|\n"
    )
    return tmp_path


def test_each_outcome_is_classified(suite):
    outcomes = {(o.model.split("/")[0], o.engine): o for o in run_suite(suite, workers=1)}
    assert outcomes[("teacup", "pysd")].status == "reproduces"
    assert outcomes[("teacup", "batch")].status == "reproduces"
    assert outcomes[("wrong", "pysd")].status == "mismatch"
    assert outcomes[("wrong", "batch")].status == "mismatch"
    assert outcomes[("subscripted", "batch")].status == "refused"
    assert "VECTOR SORT ORDER" in outcomes[("subscripted", "batch")].detail
    assert outcomes[("subscripted", "pysd")].status == "no reference"


def test_a_batch_mismatch_counts_as_silent_only_where_pysd_reproduces(suite):
    outcomes = run_suite(suite, workers=1)
    assert silent_mismatches(outcomes) == []  # PySD is wrong on "wrong" too
    counts = summary(outcomes)
    assert counts["batch"]["refused"] == 1 and counts["pysd"]["mismatch"] == 1
    table = markdown_table(outcomes, "test")
    assert "| `subscripted/sub.mdl` | no reference | refused |" in table


def test_a_missing_folder_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="test-models folder not found"):
        run_suite(tmp_path / "absent")
