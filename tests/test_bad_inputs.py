"""Every case of tests/bad_inputs/cases.yaml exits 2 with one line naming the problem (#22)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simulator.cli import main

BAD = Path(__file__).parent / "bad_inputs"
CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[" ".join(c["argv"])[-60:] for c in CASES])
def test_a_bad_input_is_one_line_and_exit_2(case, capsys):
    argv = [arg.replace("{dir}", str(BAD)) for arg in case["argv"]]
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert case["expect"] in lines[0], lines[0]
