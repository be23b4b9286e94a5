"""A sweep folder is the sweep's alone: refused when it holds other things, locked
while written, its manifest checked field by field, its design rebuilt when lost, and
its pool workers gone when the sweep is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml
from conftest import ROOT, SCENARIOS_DIR

from simulator.errors import ScenarioError
from simulator.sweep import load_results, run_sweep, spec_from_dict
from simulator.sweep.store import DESIGN, MANIFEST, chunk_path, writer_lock

SPEC = {
    "name": "small",
    "base": str(SCENARIOS_DIR / "ningxia-plan.yaml"),
    "design": {"method": "latin_hypercube", "n": 6, "seed": 5},
    "vary": {"post_subsidy_rate": {"min": 0, "max": 0.1, "year": 2022}},
    "indicators": ["tech_contract_turnover", "high_tech_enterprises_newly_certified",
                   "rd_expenditure"],
    # the plan's 2022 targets when the tests were written, stated so that a plan rewrite
    # does not change them
    "targets": [
        {"indicator": "tech_contract_turnover", "year": 2022, "value": 30, "bound": "at_least"},
        {"indicator": "high_tech_enterprises_newly_certified", "year": 2022, "value": 50,
         "bound": "at_least"},
        {"indicator": "rd_expenditure", "year": 2022, "value": 76.0752, "bound": "equal"},
    ],
}


def sweep(out, **kwargs):
    """Run the small sweep in-process on the batch engine."""
    return run_sweep(spec_from_dict(SPEC), out, workers=1, chunk_size=2, progress=False,
                     **kwargs)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweeps") / "done"
    sweep(out)
    return out, load_results(out)


def test_a_folder_with_other_files_is_refused(tmp_path):
    (tmp_path / "thesis.docx").write_text("mine", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"holds other files \(thesis.docx\) and no sweep"):
        sweep(tmp_path)
    with pytest.raises(ScenarioError, match="holds other files"):
        sweep(tmp_path, resume=True)
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.docx"]


def test_an_out_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("x", encoding="utf-8")
    with pytest.raises(ScenarioError, match="sweep --out '.*out' is a file; give a folder"):
        sweep(tmp_path / "out")


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ([], "a JSON object is expected, found list"),
        ({"format": 1}, "field 'name' must be a JSON str, found missing"),
        ("n_chunks two", "field 'n_chunks' must be a whole number, found 'two'"),
        ("n_chunks 7", "n_chunks 7 does not match design_size 6 / chunk_size 2"),
    ],
)
def test_a_bad_manifest_is_named_field_by_field(finished, tmp_path, manifest, problem):
    out, _ = finished
    copy = tmp_path / "copy"
    copy.mkdir()
    good = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    if isinstance(manifest, str):
        field, value = manifest.split()
        good[field] = int(value) if value.isdigit() else value
        manifest = good
    (copy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ScenarioError, match=problem):
        sweep(copy, resume=True)


def test_resume_rebuilds_a_lost_design(finished, tmp_path):
    out, (design, results, _) = finished
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in (MANIFEST, DESIGN):
        (copy / name).write_bytes((out / name).read_bytes())
    (copy / DESIGN).unlink()
    summary = sweep(copy, resume=True)
    assert summary["chunks_run"] == 3
    again = load_results(copy)
    pd.testing.assert_frame_equal(again[0], design, check_exact=True)
    pd.testing.assert_frame_equal(again[1], results, check_exact=True)


def test_a_second_writer_is_kept_out(finished):
    out, _ = finished
    with writer_lock(out):
        with pytest.raises(ScenarioError, match=r"another process \(pid \d+\) is writing"):
            sweep(out, resume=True)
    assert sweep(out, resume=True)["chunks_run"] == 0  # the lock is released


def test_kill_9_of_a_pool_sweep_leaves_no_worker_behind(tmp_path):
    psutil = pytest.importorskip("psutil")
    spec = {**SPEC, "design": {"method": "latin_hypercube", "n": 400, "seed": 5}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "sweep", str(path), "--out", str(out),
         "--workers", "2", "--chunk-size", "1", "--engine", "pysd"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while not chunk_path(out, 0).exists():
        assert proc.poll() is None, "the sweep ended before its first chunk"
        assert time.monotonic() < deadline, "no chunk after 180 s"
        time.sleep(0.05)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert children, "the pool sweep has no worker processes"
    os.kill(proc.pid, signal.SIGKILL)  # the parent only, as a user's kill -9 would
    proc.wait()
    _, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, f"orphans after kill -9: {[p.cmdline()[:3] for p in alive]}"


def test_a_sweep_too_large_to_analyse_in_memory_skips_the_analysis(tmp_path, monkeypatch, capsys):
    """Over MAX_ANALYSIS_CELLS result values the sweep is written and the analysis skipped."""
    import simulator.sweep.command as command
    from simulator.cli import main

    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(SPEC, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(command, "MAX_ANALYSIS_CELLS", 6 * 3 * 19 - 1)  # runs x indicators x years
    argv = ["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1",
            "--engine", "batch"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "analysis skipped: 342 result values are over the 341" in printed
    assert len(load_results(tmp_path / "out")[1]) == 6 * 19
