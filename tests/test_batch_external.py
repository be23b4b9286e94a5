"""GET XLS/DIRECT CONSTANTS, DATA and LOOKUPS in the batch engine, against PySD."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine.batch import UnsupportedConstructError, compile_model
from simulator.engine.simulate import simulate_file

openpyxl = pytest.importorskip("openpyxl")

MODEL = """{UTF-8}
Region: North, South ~~|
Rate = GET DIRECT CONSTANTS('inputs.xlsx', 'Sheet1', 'B1') ~~|
Shares[Region] = GET DIRECT CONSTANTS('inputs.xlsx', 'Sheet1', 'B2') ~~|
Demand := GET DIRECT DATA('inputs.xlsx', 'Sheet1', '3', 'B4') ~~|
Held[Region]:HOLD BACKWARD::= GET DIRECT DATA('inputs.xlsx', 'Sheet1', '3', 'B5') ~~|
Effect(GET DIRECT LOOKUPS('inputs.xlsx', 'Sheet1', '3', 'B7')) ~~|
Out[Region] = Shares[Region] * Demand * Effect(Time) + Held[Region] * Rate ~~|
Stock[Region] = INTEG(Out[Region], 0) ~~|
INITIAL TIME = 0 ~~|
FINAL TIME = 4 ~~|
TIME STEP = 0.5 ~~|
SAVEPER = 0.5 ~~|
"""


def _workbook(path, rate=0.5):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    rows = [
        ["rate", rate],
        ["shares", 0.25, 0.75],
        ["time", 0, 1, 2, 4],
        ["demand", 10, 12, 11, 20],
        ["held north", 1, 2, 3, 4],
        ["held south", 5, 6, 7, 8],
        ["effect", 1, 1.5, 2, 1],
    ]
    for row in rows:
        sheet.append(row)
    book.save(path)


@pytest.fixture
def model_path(tmp_path):
    path = tmp_path / "external.mdl"
    path.write_text(MODEL, encoding="utf-8")
    _workbook(tmp_path / "inputs.xlsx")
    return path


def test_external_values_match_pysd(model_path):
    batch = simulate_file(model_path, engine="batch")
    pysd = simulate_file(model_path, engine="pysd")
    assert list(batch.columns) == list(pysd.columns)
    np.testing.assert_allclose(batch.to_numpy(float), pysd.to_numpy(float), rtol=1e-12)
    assert batch.loc[1.5, "Demand"] == pytest.approx(11.5)  # interpolated
    assert batch.loc[1.5, "Held[South]"] == 6  # held backward
    assert batch.loc[0, "Shares[South]"] == 0.75


def test_a_changed_data_file_is_read_again(model_path):
    assert compile_model(model_path).run(return_columns=["Rate"])["Rate"][0, 0] == 0.5
    _workbook(model_path.parent / "inputs.xlsx", rate=2.0)
    assert compile_model(model_path).run(return_columns=["Rate"])["Rate"][0, 0] == 2.0


def test_a_missing_file_is_refused_by_name(model_path):
    (model_path.parent / "inputs.xlsx").unlink()
    with pytest.raises(UnsupportedConstructError, match="'Effect' uses an external file that "
                       "cannot be read beside the model"):
        compile_model(model_path)
