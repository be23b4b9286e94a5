"""`make test` leaves the injected-fault tests to `make faults` (#22)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def _collect(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    return done.stdout


def test_make_test_deselects_the_fault_tests_and_make_faults_selects_them():
    default = _collect("tests/faults")  # the repository's addopts, as `make test` runs
    assert "test_faults.py::" not in default, default
    assert "deselected" in default, default
    faults = _collect("-m", "faults", "tests/faults")  # as `make faults` runs
    assert "test_faults.py::test_kill_9_then_resume" in faults, faults
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-m faults tests/faults" in makefile
