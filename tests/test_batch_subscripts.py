"""Subscripts in the batch engine, each feature against PySD and hand-worked values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.engine.batch import UnsupportedConstructError, compile_model
from simulator.engine.simulate import simulate_file

CONTROLS = (
    "INITIAL TIME = 0 ~ Month ~|\nFINAL TIME = 4 ~ Month ~|\n"
    "TIME STEP = 1 ~ Month ~|\nSAVEPER = TIME STEP ~ Month ~|\n"
)


def _write(tmp_path, equations, name="sub.mdl"):
    path = tmp_path / name
    path.write_text("{UTF-8}\n" + equations + CONTROLS, encoding="utf-8")
    return path


def _same_as_pysd(path) -> pd.DataFrame:
    """Run both engines; assert the same columns and values; return the batch frame."""
    batch = simulate_file(path, engine="batch")
    pysd = simulate_file(path, engine="pysd")
    assert list(batch.columns) == list(pysd.columns)
    np.testing.assert_allclose(batch.index, pysd.index)
    np.testing.assert_allclose(batch.to_numpy(float), pysd.to_numpy(float), rtol=1e-12, atol=0)
    return batch


ONE_D = """
Region: North, South, East ~~|
Rate[Region] = 0.1, 0.2, 0.3 ~~|
Scale = 2 ~~|
Flow[Region] = Rate[Region] * Stock[Region] * Scale ~~|
Stock[Region] = INTEG(Flow[Region], 10) ~~|
North Share = Stock[North] / SUM(Stock[Region!]) ~~|
Biggest = VMAX(Stock[Region!]) ~~|
Smallest = VMIN(Rate[Region!]) ~~|
Product = PROD(Rate[Region!]) ~~|
Count = ELMCOUNT(Region) ~~|
Position[Region] = Region ~~|
"""


def test_one_dimension(tmp_path):
    """Element lists, elementwise equations, stocks, one element, reductions, ELMCOUNT."""
    frame = _same_as_pysd(_write(tmp_path, ONE_D))
    # Stock[r] grows by the factor 1 + 2*rate per month from 10
    months = np.arange(5)
    for region, rate in zip(("North", "South", "East"), (0.1, 0.2, 0.3)):
        np.testing.assert_allclose(frame[f"Stock[{region}]"], 10 * (1 + 2 * rate) ** months)
    total = sum(10 * (1 + 2 * r) ** months for r in (0.1, 0.2, 0.3))
    np.testing.assert_allclose(frame["North Share"], 10 * 1.2**months / total)
    np.testing.assert_allclose(frame["Biggest"], 10 * 1.6**months)
    assert frame["Smallest"].iloc[0] == pytest.approx(0.1)
    assert frame["Product"].iloc[0] == pytest.approx(0.006)
    assert frame["Count"].iloc[0] == 3
    assert list(frame.iloc[0][["Position[North]", "Position[South]", "Position[East]"]]) == [
        1, 2, 3
    ]


PER_ELEMENT = """
Region: North, South ~~|
Base = 5 ~~|
Demand[North] = Base ~~|
Demand[South] = Base * 2 + TIME ~~|
Supply[Region] = Demand[Region] - 1 ~~|
Backlog[North] = INTEG(Demand[North] - Supply[North], 0) ~~|
Backlog[South] = INTEG(Supply[South], 1) ~~|
"""


def test_equations_per_element(tmp_path):
    """Each element its own equation, stocks included (hand-worked: Backlog[South] sums)."""
    frame = _same_as_pysd(_write(tmp_path, PER_ELEMENT))
    np.testing.assert_allclose(frame["Demand[South]"], 10 + np.arange(5))
    np.testing.assert_allclose(frame["Backlog[North]"], np.arange(5))
    # 1, then + (9 + t) for t = 0, 1, 2, 3
    np.testing.assert_allclose(frame["Backlog[South]"], [1, 10, 20, 31, 43])


TWO_D = """
Region: North, South, East ~~|
Coastal: North, East ~~|
Product: Cars, Bikes ~~|
Sales[Region, Product] = 1, 2; 3, 4; 5, 6; ~~|
Price[Product] = 10, 20 ~~|
Tax[Region] = 0.1, 0.2, 0.3 ~~|
Revenue[Region, Product] = Sales[Region, Product] * Price[Product] * (1 + Tax[Region]) ~~|
By Product[Product] = SUM(Revenue[Region!, Product]) ~~|
Transposed[Product, Region] = Sales[Region, Product] ~~|
Coastal Sales[Coastal, Product] = Sales[Coastal, Product] * 10 ~~|
Adjusted[Region, Product] :EXCEPT: [South, Bikes] = Sales[Region, Product] ~~|
Adjusted[South, Bikes] = -Sales[South, Cars] ~~|
Mixed[Coastal] = Price[Cars] - 3 ~~|
Mixed[South] = Tax[South] ~~|
Cumulative[Region, Product] = INTEG(Revenue[Region, Product], 0) ~~|
"""


def test_two_dimensions_subranges_and_except(tmp_path):
    """n-D arrays, transposition, subranges, :EXCEPT: and definitions per subrange."""
    frame = _same_as_pysd(_write(tmp_path, TWO_D))
    first = frame.iloc[0]
    assert first["Revenue[South,Bikes]"] == pytest.approx(4 * 20 * 1.2)
    assert first["By Product[Cars]"] == pytest.approx(11 + 3 * 10 * 1.2 + 5 * 10 * 1.3)
    assert first["Transposed[Bikes,East]"] == 6
    assert first["Coastal Sales[East,Cars]"] == 50
    assert first["Adjusted[South,Bikes]"] == -3 and first["Adjusted[South,Cars]"] == 3
    assert [first["Mixed[North]"], first["Mixed[South]"], first["Mixed[East]"]] == [7, 0.2, 7]


MAPPING = """
Source: S1, S2 -> Target ~~|
Target: T1, T2 ~~|
Weight[Source] = 3, 4 ~~|
Moved[Target] = Weight[Source] * 2 ~~|
"""


def test_range_mapping(tmp_path):
    """A range mapped onto another (``->``) is read position by position."""
    frame = _same_as_pysd(_write(tmp_path, MAPPING))
    assert list(frame.iloc[0][["Moved[T1]", "Moved[T2]"]]) == [6, 8]


STATEFULS = """
Region: North, South ~~|
Input[Region] = 1, 2 ~~|
Ramp Input[Region] = Input[Region] * TIME ~~|
Smoothed[Region] = SMOOTH(Ramp Input[Region], 2) ~~|
Delayed[Region] = DELAY1(Ramp Input[Region], 2) ~~|
Third[Region] = DELAY3(Ramp Input[Region], 3) ~~|
Fixed[Region] = DELAY FIXED(Ramp Input[Region], 2, 0) ~~|
First[Region] = INITIAL(Ramp Input[Region] + 1) ~~|
"""


def test_subscripted_statefuls(tmp_path):
    """SMOOTH, DELAY1, DELAY3, DELAY FIXED and INITIAL on each element."""
    frame = _same_as_pysd(_write(tmp_path, STATEFULS))
    # DELAY FIXED by 2 months of t*input, initial 0
    np.testing.assert_allclose(frame["Fixed[South]"], [0, 0, 0, 2, 4])
    np.testing.assert_allclose(frame["First[South]"], 1)


LOOKUPS = """
Region: North, South ~~|
Kind: Small, Large ~~|
Curve[North]((0, 0), (10, 10)) ~~|
Curve[South]((0, 0), (10, 20)) ~~|
Grid[Region, Small]((0, 1), (10, 1)) ~~|
Grid[Region, Large]((0, 0), (10, -10)) ~~|
Input[Region] = 2, 4 ~~|
Each[Region] = Curve[Region](Input[Region] + TIME) ~~|
Crossed[Region, Kind] = Grid[Region, Kind](Input[Region]) ~~|
On Time[Region] = Curve[Region](TIME) ~~|
Inline[Region] = WITH LOOKUP(Input[Region], ((0, 0), (4, 8))) ~~|
"""


def test_subscripted_lookups_and_with_lookup(tmp_path):
    """A table per element, called on matching, broadcast and scalar arguments."""
    frame = _same_as_pysd(_write(tmp_path, LOOKUPS))
    first = frame.iloc[1]  # TIME = 1
    assert first["Each[North]"] == pytest.approx(3) and first["Each[South]"] == pytest.approx(10)
    assert first["Crossed[South,Large]"] == pytest.approx(-4)
    assert first["Crossed[North,Small]"] == pytest.approx(1)
    assert first["On Time[South]"] == pytest.approx(2)
    assert first["Inline[North]"] == pytest.approx(4) and first["Inline[South]"] == 8


def test_run_shapes_and_subscripted_parameters(tmp_path):
    """run() gives (N, n_saved, *dims); a subscripted constant takes dims or (N, *dims)."""
    model = compile_model(_write(tmp_path, ONE_D))
    out = model.run({"Rate": [[0.0, 0.0, 0.0], [0.1, 0.2, 0.3]]}, return_columns=["Stock"])
    assert out["Stock"].shape == (2, 5, 3)
    np.testing.assert_allclose(out["Stock"][0], 10)
    np.testing.assert_allclose(out["Stock"][1, :, 2], 10 * 1.6 ** np.arange(5))
    same = model.run({"Rate": [0.0, 0.0, 0.5]}, n=3, return_columns=["Stock"])["Stock"]
    assert same.shape == (3, 5, 3)
    np.testing.assert_allclose(same[:, -1], [[10, 10, 10 * 2**4]] * 3)
    scalar = model.run({"Rate": 0.0, "Scale": [1, 2]}, return_columns=["Stock", "Count"])
    np.testing.assert_allclose(scalar["Stock"], 10)
    assert scalar["Count"].shape == (2, 5)
    chunked = model.run_chunked({"Rate": np.linspace(0, 0.3, 12).reshape(4, 3)}, chunk_size=3)
    whole = model.run({"Rate": np.linspace(0, 0.3, 12).reshape(4, 3)})
    for name in whole:
        np.testing.assert_array_equal(chunked[name], whole[name])
    with pytest.raises(ValueError, match="must be a scalar, of shape \\(3,\\)"):
        model.run({"Rate": [1.0, 2.0]})


def test_unsupported_subscript_construct_is_refused(tmp_path):
    """A subscript construct the engine lacks is refused at compile time, by name."""
    path = _write(tmp_path, """
Region: North, South ~~|
Input[Region] = 1, 2 ~~|
Order[Region] = VECTOR SORT ORDER(Input[Region], 1) ~~|
""")
    with pytest.raises(UnsupportedConstructError, match="'Order' uses the function VECTOR SORT"):
        compile_model(path)
    from_file = _write(tmp_path, """
Region: GET XLS SUBSCRIPT('regions.xlsx', 'x', 'A1', 'A2', '') ~~|
Input[Region] = 1 ~~|
""", "from_file.mdl")
    with pytest.raises(UnsupportedConstructError, match="subscript ranges read from files"):
        compile_model(from_file)


@pytest.mark.filterwarnings("ignore:PySD. Dimension given by subscripts")  # South undefined
def test_nan_by_design_is_not_an_arithmetic_fault(tmp_path):
    """:NA: and cells no equation defines are NaN, as in PySD; 1/0 still is a fault."""
    path = _write(tmp_path, """
Region: North, South, East ~~|
Partial[North] = Time ~~|
Partial[East] = Time + 2 ~~|
Missing = IF THEN ELSE(Time > 2, :NA:, Time) ~~|
Reads Missing = Missing + 1 ~~|
""")
    frame = _same_as_pysd_nan(path)
    assert frame["Partial[South]"].isna().all()
    np.testing.assert_array_equal(frame["Reads Missing"].isna(), [False] * 3 + [True] * 2)
    assert compile_model(path).nan_by_design == {"Partial", "Missing", "Reads Missing"}
    fault = _write(tmp_path, "Fault = 1 / (Time - Time) ~~|\n", "fault.mdl")
    with pytest.raises(ValueError, match="arithmetic fault .*'Fault' is inf"):
        simulate_file(fault, engine="batch")


def _same_as_pysd_nan(path) -> pd.DataFrame:
    batch = simulate_file(path, engine="batch")
    pysd = simulate_file(path, engine="pysd")
    assert list(batch.columns) == list(pysd.columns)
    np.testing.assert_array_equal(batch.to_numpy(float), pysd.to_numpy(float))
    return batch


@pytest.mark.filterwarnings("ignore:PySD. Dimension given by subscripts")  # South has no table
def test_a_lookup_with_tables_for_some_elements(tmp_path):
    """A subscripted lookup defined for some elements runs where it is called, as in PySD."""
    path = _write(tmp_path, """
Region: North, South ~~|
Effect[North]((0, 1), (4, 5)) ~~|
Called[Region] = Effect[North](Time) ~~|
""")
    frame = _same_as_pysd(path)
    np.testing.assert_allclose(frame["Called[North]"], 1 + np.arange(5))


def test_a_time_path_per_element(tmp_path):
    """A subscripted constant given as (N, n_grid, *dims) is read at each step, per element."""
    model = compile_model(_write(tmp_path, ONE_D))
    grid = model.grid_times()
    # Rate[North] steps from 0 to 0.5 at month 2; South and East stay 0
    path = np.zeros((2, len(grid), 3))
    path[1, grid >= 2, 0] = 0.5
    out = model.run({"Rate": path}, return_columns=["Stock", "Flow"])
    np.testing.assert_allclose(out["Stock"][0], 10)
    # Euler: 10, 10, 10, then x2 per month (1 + 2 * 0.5)
    np.testing.assert_allclose(out["Stock"][1, :, 0], [10, 10, 10, 20, 40])
    np.testing.assert_allclose(out["Stock"][1, :, 1:], 10)
    np.testing.assert_allclose(out["Flow"][1, :, 0], [0, 0, 10, 20, 40])
    with pytest.raises(ValueError, match=r"\(N, n_grid=5, 3\)"):
        model.run({"Rate": np.zeros((2, 4, 3))})
