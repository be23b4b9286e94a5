"""Injected faults (#22), run by ``make faults`` only (the ``faults`` marker is deselected by
default in pyproject's pytest addopts; tests/test_fault_target.py checks that).

- kill -9 of a sweep early, mid-way and late (all chunks written, the analysis running), on
  the in-process and the process-pool backends, then ``--resume``: the results equal those of
  an uninterrupted run, and no worker outlives its parent;
- two concurrent ``--resume`` runs: one finishes, the other is kept out in one line (or
  finds nothing left to do), and the results are still identical;
- a full disk (a 2 MiB tmpfs when root may mount one, else RLIMIT_FSIZE) during ``run --out``,
  ``targets --out``, ``simulate --out`` and a sweep: one line, exit 2, no partial file left.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT, SCENARIOS_DIR

from simulator.sweep import load_results
from simulator.sweep.store import MANIFEST, TEMP_MARK, chunk_path

pytestmark = pytest.mark.faults
psutil = pytest.importorskip("psutil")

N_RUNS = 24
SPEC = {
    "name": "faults",
    "base": str(SCENARIOS_DIR / "ningxia-plan.yaml"),
    "design": {"method": "latin_hypercube", "n": N_RUNS, "seed": 11},
    "vary": {"post_subsidy_rate": {"min": 0, "max": 0.1, "year": 2022},
             "new_sci_tech_loans": {"min": 5, "max": 40, "year": 2022}},
    "indicators": ["tech_contract_turnover", "rd_expenditure", "high_tech_enterprises",
                   "high_tech_enterprises_newly_certified"],
}
#: Chunks present when the sweep is killed: early, mid-way, and late (every chunk written,
#: so the kill lands in the analysis or the final manifest write).
KILL_AT = {"early": 1, "mid": N_RUNS // 2, "late": N_RUNS}
BACKENDS = {"in-process": "1", "pool": "2"}
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}


def _sweep_argv(spec: Path, out: Path, workers: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "simulator", "sweep", str(spec), "--out", str(out),
            "--workers", workers, "--chunk-size", "1", "--engine", "pysd", *extra]


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=900, **kwargs)


def _frames(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    design, results, _ = load_results(out)
    return design, results


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "faults.yaml"
    path.write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(spec_file, tmp_path_factory):
    """The uninterrupted sweep (in-process), which every resumed one must equal."""
    out = tmp_path_factory.mktemp("reference") / "out"
    done = _run(_sweep_argv(spec_file, out, "1"))
    assert done.returncode == 0, done.stderr
    return _frames(out)


def _chunks(out: Path) -> int:
    return sum(chunk_path(out, i).exists() for i in range(N_RUNS))


def _kill_when(proc: subprocess.Popen, out: Path, chunks: int) -> list:
    """kill -9 the sweep once ``chunks`` chunk files exist; return its children then."""
    deadline = time.monotonic() + 600
    children: list = []
    while _chunks(out) < chunks:
        assert proc.poll() is None, f"the sweep ended before {chunks} chunks"
        assert time.monotonic() < deadline, f"fewer than {chunks} chunks after 600 s"
        children = psutil.Process(proc.pid).children(recursive=True) or children
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.fail("the sweep finished before it could be killed")
    children = psutil.Process(proc.pid).children(recursive=True) or children
    os.kill(proc.pid, signal.SIGKILL)  # the parent only, as a user's kill -9 would
    proc.wait()
    return children


def _assert_no_orphans(children: list) -> None:
    _, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, f"orphans after kill -9: {[p.cmdline()[:4] for p in alive]}"


def _assert_no_temp_files(out: Path) -> None:
    assert not [p.name for p in out.rglob("*") if f".{TEMP_MARK}" in p.name]


@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize("when", list(KILL_AT))
def test_kill_9_then_resume_gives_the_uninterrupted_results(spec_file, reference, tmp_path,
                                                            backend, when):
    out = tmp_path / "out"
    workers = BACKENDS[backend]
    proc = subprocess.Popen(_sweep_argv(spec_file, out, workers), cwd=ROOT, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = _kill_when(proc, out, KILL_AT[when])
    if backend == "pool":
        assert children, "the pool sweep had no worker processes"
    _assert_no_orphans(children)
    assert (out / MANIFEST).is_file()
    done = _run(_sweep_argv(spec_file, out, workers, "--resume"))
    assert done.returncode == 0, done.stderr
    _assert_no_temp_files(out)
    design, results = _frames(out)
    pd.testing.assert_frame_equal(design, reference[0])
    pd.testing.assert_frame_equal(results, reference[1])
    assert len(results) == len(reference[1])  # nothing lost, nothing duplicated


def test_two_concurrent_resumes_corrupt_nothing(spec_file, reference, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(_sweep_argv(spec_file, out, "1"), cwd=ROOT, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _kill_when(proc, out, 2)
    argv = _sweep_argv(spec_file, out, "1", "--resume")
    first, second = (subprocess.Popen(argv, cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(2))
    outcomes = [(p.returncode, err) for p in (first, second)
                for _, err in [p.communicate(timeout=900)]]
    codes = sorted(code for code, _ in outcomes)
    assert codes in ([0, 0], [0, 2]), outcomes
    for code, err in outcomes:
        if code == 2:  # kept out by the lock, in one line
            lines = err.strip().splitlines()
            assert len(lines) == 1 and "is writing" in lines[0], err
    _assert_no_temp_files(out)
    design, results = _frames(out)
    pd.testing.assert_frame_equal(design, reference[0])
    pd.testing.assert_frame_equal(results, reference[1])


# --- a full disk ---------------------------------------------------------------------------

FREE_BYTES = 4096


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a nearly full 2 MiB tmpfs, and how to run a command there.

    Without the right to mount (not root, or in a container that forbids it), the command
    runs under RLIMIT_FSIZE instead: a write past the limit fails with EFBIG as a full disk
    fails with ENOSPC (Python ignores SIGXFSZ, so the write raises OSError).
    """
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
    ).returncode == 0
    limit = None
    if mounted:
        filler = mount / "filler"
        with open(filler, "wb") as handle:  # fill it up, then give back FREE_BYTES
            try:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            except OSError:
                pass
        os.truncate(filler, filler.stat().st_size - FREE_BYTES)
    else:
        limit = FREE_BYTES

    def run(argv: list[str]) -> subprocess.CompletedProcess:
        def cap():  # in the child only
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        return subprocess.run([sys.executable, "-m", "simulator", *argv], cwd=ROOT, env=ENV,
                              capture_output=True, text=True, timeout=900,
                              preexec_fn=cap if limit else None)

    yield mount, run
    if mounted:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _assert_one_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


@pytest.mark.parametrize("argv, name", [
    (["run", "suining-plan", "--no-time-step-check", "--out"], "results.csv"),
    (["run", "suining-plan", "--no-time-step-check", "--out"], "results.parquet"),
    (["targets", "suining-plan", "--no-time-step-check", "--out"], "targets.csv"),
    (["simulate", str(ROOT / "simulator" / "models" / "regional_innovation.mdl"), "--out"],
     "simulated.csv"),
])
def test_a_full_disk_is_one_line_and_leaves_no_partial_file(full_disk, argv, name):
    mount, run = full_disk
    before = sorted(p.name for p in mount.iterdir())
    line = _assert_one_line(run([*argv, str(mount / name)]))
    assert "No space left" in line or "too large" in line, line
    assert sorted(p.name for p in mount.iterdir()) == before  # no partial or temp file


def test_a_sweep_on_a_full_disk_is_one_line_and_leaves_no_temp_file(full_disk, spec_file):
    mount, run = full_disk
    out = mount / "sweep"
    argv = ["sweep", str(spec_file), "--out", str(out), "--workers", "1", "--engine", "batch"]
    line = _assert_one_line(run(argv))
    assert "No space left" in line or "too large" in line, line
    if out.exists():
        _assert_no_temp_files(out)


# --- a 10^7-run sweep in bounded memory ----------------------------------------------------

def test_a_ten_million_run_sweep_starts_under_a_3_gib_cap(tmp_path):
    """The design of 10^7 runs is written and chunks run under RLIMIT_AS = 3 GiB.

    Building every run's overrides before the first chunk took 6.7 GiB (VmHWM); the
    tasks are now built chunk by chunk, and the pool keeps a window of them in flight.
    """
    spec = {**SPEC, "name": "ten-million",
            "design": {"method": "monte_carlo", "n": 10_000_000, "seed": 3}, "chunk_size": 1000}
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    out = tmp_path / "out"
    cap = 3 << 30  # address space: 2.1 GiB at its peak (VmPeak), of which 0.67 GiB resident

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    argv = [sys.executable, "-m", "simulator", "sweep", str(path), "--out", str(out),
            "--workers", "1", "--engine", "batch"]
    proc = subprocess.Popen(argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, preexec_fn=limit)
    deadline = time.monotonic() + 600
    while len(list((out / "chunks").glob("chunk-*.parquet"))) < 3:
        if proc.poll() is not None:
            pytest.fail(f"the sweep stopped: {proc.communicate()[1][-500:]}")
        assert time.monotonic() < deadline, "no 3 chunks after 600 s"
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert (out / "design.parquet").is_file() and (out / MANIFEST).is_file()
