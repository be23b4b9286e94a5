"""Atomic writes: a reader sees the old file or the whole new one."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulator.results import atomic_target, atomic_write_parquet, atomic_write_text


def test_text_is_written_whole(tmp_path):
    target = tmp_path / "sub" / "out.csv"
    atomic_write_text(target, "a,b\n1,2\n")
    assert target.read_text(encoding="utf-8") == "a,b\n1,2\n"
    assert [p.name for p in target.parent.iterdir()] == ["out.csv"]


def test_an_error_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="interrupted"):
        with atomic_target(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_parquet_round_trips(tmp_path):
    target = tmp_path / "chunk.parquet"
    atomic_write_parquet(target, pa.table({"run": [0, 1], "value": [1.5, 2.5]}))
    assert pq.read_table(target).to_pydict() == {"run": [0, 1], "value": [1.5, 2.5]}
