"""Every case of tests/bad_inputs/cases.yaml exits 2 with one line naming the problem (#22).

A case gives ``argv`` for ``python -m simulator``, the fragment ``expect`` its one
stderr line must hold, and optionally ``files`` to write first into the test's
temporary folder (see :func:`materialise`). Placeholders in argv and in text:
``{dir}`` this folder, ``{tmp}`` the temporary folder, ``{file}`` the first file
written, ``{scenarios}`` the shipped scenarios. Cases marked ``memory: true``
run in a subprocess whose address space is capped at :data:`MEMORY_LIMIT`, so
that a blow-up (an alias bomb expanded, a 10^9-row design) fails the test
instead of passing after eating the machine.
"""

from __future__ import annotations

import copy
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SCENARIOS_DIR

from simulator.cli import main

BAD = Path(__file__).parent / "bad_inputs"
CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))
#: Address space of a ``memory: true`` case (importing the package and PySD takes about 0.6 GiB).
MEMORY_LIMIT = 2 << 30
#: A valid scenario and sweep spec that ``scenario:`` and ``spec:`` files patch.
BASE_SCENARIO = SCENARIOS_DIR / "suining-baseline.yaml"
BASE_SPEC = {"name": "bad-input", "base": str(SCENARIOS_DIR / "suining-plan.yaml"),
             "design": {"method": "latin_hypercube", "n": 4, "seed": 1},
             "vary": {"post_subsidy_rate": {"min": 0, "max": 0.1, "year": 2022}}}
DELETE = "__delete__"


def _patch(base: dict, patch: dict, depth: int = 2) -> dict:
    """Merge ``patch`` into a copy of ``base``, ``depth`` levels deep (``levers: {x: 5}`` sets
    one lever; ``vary: {x: {min: 0}}`` replaces x's entry); other values, and an empty mapping,
    replace; DELETE drops the key."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value == DELETE:
            out.pop(key, None)
        elif depth > 1 and value and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _patch(out[key], value, depth - 1)
        else:
            out[key] = value
    return out


def _content(spec: object, fill) -> bytes:
    """The bytes of one file: text, or a mapping giving hex, a repeat, or a scenario/spec patch."""
    if isinstance(spec, str):
        return fill(spec).encode("utf-8")
    if "hex" in spec:
        return bytes.fromhex(spec["hex"])
    if "repeat" in spec:  # [head, unit, count, tail]: e.g. 20,000 nested brackets
        head, unit, count, tail = spec["repeat"]
        return (head + unit * count + tail).encode("utf-8")
    if "bomb" in spec:  # [levels, width]: a "billion laughs" document under 1 kB
        levels, width = spec["bomb"]
        lines = ['a0: &a0 ["lol"]'] + [
            f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]"
            for i in range(1, levels + 1)]
        return "\n".join(lines).encode("utf-8")
    if "scenario" in spec:
        base = yaml.safe_load(BASE_SCENARIO.read_text(encoding="utf-8"))
        return yaml.safe_dump(_patch(base, spec["scenario"]), allow_unicode=True).encode("utf-8")
    if "spec" in spec:
        return fill(yaml.safe_dump(_patch(BASE_SPEC, spec["spec"]), allow_unicode=True)).encode()
    text = fill(spec["text"])
    return text.encode(spec.get("encoding", "utf-8"))


def materialise(case: dict, tmp: Path) -> list[str]:
    """Write the case's files under ``tmp`` and return its argv with placeholders filled."""
    names = list(case.get("files", {}))
    first = str(tmp / names[0]) if names else ""

    def fill(text: str) -> str:
        return (text.replace("{dir}", str(BAD)).replace("{tmp}", str(tmp))
                .replace("{file}", first).replace("{scenarios}", str(SCENARIOS_DIR)))

    for name, spec in case.get("files", {}).items():
        path = tmp / name
        if isinstance(spec, dict) and spec.get("dir"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_content(spec, fill))
        if isinstance(spec, dict) and "mode" in spec:
            path.chmod(spec["mode"])
    for name, mode in case.get("chmod", {}).items():
        (tmp / name).chmod(mode)
    return [fill(arg) for arg in case["argv"]]


def _run_in_process(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's usage errors
        code = stop.code
    return code, capsys.readouterr().err


_LIMITED = (
    "import resource, runpy, sys\n"
    f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
    "sys.argv = ['simulator', *sys.argv[1:]]\n"
    "runpy.run_module('simulator', run_name='__main__')\n"
)


def _run_limited(argv: list[str]) -> tuple[int, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", _LIMITED, *argv], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)
    return done.returncode, done.stderr


def _id(case: dict) -> str:
    return case.get("id") or " ".join(case["argv"])[-60:]


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_a_bad_input_is_one_line_and_exit_2(case, tmp_path, capsys):
    argv = materialise(case, tmp_path)
    if case.get("memory"):
        code, err = _run_limited(argv)
    else:
        code, err = _run_in_process(argv, capsys)
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert case["expect"] in lines[0], lines[0]


def test_the_corpus_is_large_and_every_case_names_its_message():
    assert len(CASES) >= 170
    assert all(case.get("expect") for case in CASES)
    assert len({_id(c) for c in CASES}) == len(CASES)  # ids say which case failed
    assert sum(bool(c.get("memory")) for c in CASES) >= 10


def test_the_memory_cap_is_real():
    """A case that allocates past the cap dies in the capped subprocess (the cap is not a no-op)."""
    code = _LIMITED.replace("sys.argv = ", "bytearray(3 << 30)\nsys.argv = ")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode != 0 and "MemoryError" in done.stderr
    assert resource.RLIMIT_AS  # the platform has the limit the cases rely on
