"""A bad model file is one line naming the problem, on both engines, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

BAD = Path(__file__).parent / "bad_models"

#: model -> (PySD's message, the batch engine's message), as regular expressions.
CASES = {
    "empty.mdl": ("is empty", "is empty"),
    "utf16.mdl": ("is UTF-16 text; save it as UTF-8",) * 2,
    "binary.mdl": ("text encoding cannot be detected",) * 2,
    "unclosed.mdl": (r"ParseError: Rule .* \(line \d+, column \d+\)",) * 2,
    "deep.mdl": ("expressions nested too deeply",) * 2,
    "undefined.mdl": ("the model refers to 'y', which it does not define",
                      "reference to the unknown name 'y'"),
    "circular.mdl": (r"circular definition \(each defined in terms of the next\): x -> y -> x",
                     r"algebraic loop \(simultaneous equations\): x -> y -> x"),
    "unknownfn.mdl": ("variable 'x' uses the function FOOBAR, which PySD does not implement",
                      "uses the function FOOBAR"),
    "divzero.mdl": ("division by zero during the run .* in variable 'x'",
                    "arithmetic fault .*'x' is inf at Time=0.0"),
}


@pytest.mark.parametrize("engine", ["pysd", "batch"])
@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_model_is_one_line_and_exit_2(tmp_path, name, engine):
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "simulate", str(BAD / name), "--engine", engine,
         "--out", str(tmp_path / "out.csv")],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    expected = CASES[name][0 if engine == "pysd" else 1]
    assert re.search(expected, lines[0]), lines[0]
    assert not (tmp_path / "out.csv").exists()
