"""Atomic writes: a reader sees the old file or the whole new one."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulator.engine.translation import file_sha256
from simulator.results import (
    TEMP_MARK,
    Results,
    atomic_target,
    atomic_write_parquet,
    atomic_write_text,
    check_output_path,
    read_results,
)


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


def test_results_and_provenance_are_one_file(tmp_path):
    frame = pd.DataFrame({"gdp": [1.0, 2.0]}, index=pd.Index([2020, 2021], name="year"))
    results = Results(frame, {"gdp": "亿元"}, {"model_sha256": "ab" * 32, "seed": 7})
    for name in ("r.csv", "r.parquet"):
        path = results.write(tmp_path / name)
        back = read_results(path)
        pd.testing.assert_frame_equal(back.frame, frame, check_dtype=False)
        assert back.units == {"gdp": "亿元"} and back.metadata["seed"] == 7
        sidecar = json.loads((tmp_path / f"{name}.meta.json").read_text(encoding="utf-8"))
        assert sidecar["results_sha256"] == file_sha256(path)


def test_a_plain_csv_is_not_taken_for_a_results_file(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("year,gdp\n2020,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a results file: no provenance line"):
        read_results(path)


def test_files_honour_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.csv", "x")
        assert stat.S_IMODE((tmp_path / "a.csv").stat().st_mode) == 0o644
        os.umask(0o077)
        atomic_write_text(tmp_path / "b.csv", "x")
        assert stat.S_IMODE((tmp_path / "b.csv").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_temporaries_of_dead_writers_are_removed_and_others_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".out.csv.{TEMP_MARK}{int(dead.stdout)}-abc"
    live = tmp_path / f".out.csv.{TEMP_MARK}{os.getpid()}-def"
    users = tmp_path / ".out.csv.backup"  # the user's own file: never touched
    for path in (stale, live, users):
        path.write_text("x", encoding="utf-8")
    atomic_write_text(tmp_path / "out.csv", "new")
    assert not stale.exists() and live.exists() and users.exists()


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda d: (d / "file").write_text("x") and d / "file" / "out.csv",
         "is a file, not a folder"),
        (lambda d: (d / "dir.csv").mkdir() or d / "dir.csv", "is a directory; give a file name"),
        (lambda d: d / "out.txt", "must end in .csv or .parquet, got '.txt'"),
    ],
)
def test_an_output_path_that_cannot_be_written_is_refused_before_work(tmp_path, make, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        check_output_path(make(tmp_path))


def test_run_refuses_a_bad_out_before_running(tmp_path, capsys, monkeypatch):
    from simulator import runner
    from simulator.cli import main

    (tmp_path / "file").write_text("x")
    monkeypatch.setattr(runner, "run_scenario", lambda *a, **k: pytest.fail("ran the model"))
    code = main(["run", "ningxia-baseline", "--out", str(tmp_path / "file" / "r.csv")])
    assert code == 2
    assert "is a file, not a folder" in capsys.readouterr().err
