"""Every finding of issue #22, reproduced as the issue reports it (the verification harness).

Each finding of "Tracebacks or memory blow-ups", "Messages that do not name the problem" and
"Silently accepted" is a case below, keyed by the issue's own words. A CLI case runs as
``python -m simulator ARGV`` under an address-space cap (:data:`MEMORY_LIMIT`) and a timeout,
and must exit 2 with exactly one line on stderr that holds the fragment naming the problem,
and no traceback. Four cases run as ``python -m simulator`` in a process each
(``process="alone"``: the nesting that once overflowed the stack, PySD's warnings at a fresh
import); the others share two capped processes (tests/bad_inputs/run_cases.py calls
``simulator.cli.main`` as ``__main__`` does, captures the real file descriptors of each case
and gives each a timeout): ``process="memory"`` for the cases that blew up memory or ran for
minutes, one process for the rest. ``forbid_run`` cases must be refused before the engine
runs at all. App uploads go through the function each page calls on an upload and must raise
what the page catches (it then shows one ``st.error`` box).

The numbered "Data at risk" items 1-8 are the tests after the cases, each injecting the fault
the issue describes (a kill between two writes, a user's hidden files, a lost design, kill -9
of a pool, a umask, a kill during a write, a concurrent writer's temporary file).
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SCENARIOS_DIR

MEMORY_LIMIT = 2 << 30  # importing the package, PySD and the model takes about 0.6 GiB
RUNNER = ROOT / "tests" / "bad_inputs" / "run_cases.py"
BAD_MODELS = ROOT / "tests" / "bad_models"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}
HEADER = "region,indicator,year,value,unit,kind,bound,source,source_quote,weight,note\n"
ROW = "Suining,rd_expenditure,{year},10,亿元,outcome,equal,x,{quote},1.0,\n"
MDL_TAIL = "INITIAL TIME = 0 ~~|\nFINAL TIME = 2 ~~|\nTIME STEP = 1 ~~|\nSAVEPER = 1 ~~|\n"


def _bomb(levels: int, width: int = 10) -> str:
    lines = ['a0: &a0 ["lol"]'] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]"
                                   for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _spec(n: int, method: str = "latin_hypercube") -> str:
    return yaml.safe_dump({"name": "w", "base": str(SCENARIOS_DIR / "suining-plan.yaml"),
                           "design": {"method": method, "n": n, "seed": 1},
                           "vary": {"post_subsidy_rate": {"min": 0, "max": 0.1, "year": 2022}}})


#: Files the cases read, written into the module's temporary folder ({tmp}).
FILES: dict[str, str | bytes] = {
    "bomb9.yaml": _bomb(9), "bomb8.yaml": _bomb(8),
    "brackets.yaml": "x: " + "[" * 20000,
    "digits400.yaml": "name: x\nlevers:\n  incubator_capacity: 1" + "0" * 399 + "\n",
    "digits400_param.yaml": "name: x\nparameters:\n  base_year_st_appropriation: 9" + "9" * 399
                            + "\n",
    "ts30.yaml": f"name: x\ntime_step: {2.0 ** -30!r}\n",
    "ts20.yaml": f"name: x\ntime_step: {2.0 ** -20!r}\n",
    "n1e9.yaml": _spec(10**9), "n2e30.yaml": _spec(2**30, "sobol"), "n2e7.yaml": _spec(2 * 10**7),
    "small.yaml": _spec(4),
    "random.mdl": "The quick brown fox jumps over the lazy dog.\nNo equations here at all!\n",
    "noheader_unknownfn.mdl": "x = FOOBAR(1) ~~|\n" + MDL_TAIL,
    "a_file": "the user's file\n",
    "manifest_list/manifest.json": "[]",
    "lever_key_1.yaml": "name: x\nlevers:\n  1: 5\n",
    "lever_key_tilde.yaml": "name: x\nlevers:\n  ~: 5\n",
    "targets_5.yaml": "name: x\ntargets: 5\n",
    "dup.yaml": "name: x\nregion: suining\nname: y\n",
    "year99999.yaml": "name: x\nlevers:\n  incubator_capacity:"
                      " {type: yearly, values: {99999: 40}}\n",
    "step1e9.yaml": "name: x\nlevers:\n  incubator_capacity: {type: step, year: 1.0e+9,"
                    " after: 5}\n",
    "name_list.yaml": "name: [a, b]\n",
    "description_list.yaml": "name: x\ndescription: [a, b]\n",
    "unclosed.csv": HEADER + ROW.format(year=2019, quote='"open quote')
                    + ROW.format(year=2020, quote="q"),
    "huge_field.csv": HEADER + ROW.format(year=2019, quote="q" * 200_000),
    "latin1.csv": (HEADER + ROW.format(year=2019, quote="q")).encode("utf-8")
                  + b"Suining,rd_expenditure,2020,10,\xaf\xe9,outcome,equal,x,q,1.0,\n",
}


def case(id, finding, argv=None, expect="", *, process="main", forbid_run=False, timeout=60,
         app=None, file=None):
    """One finding of the issue: what it says, what to run, the fragment the one line holds."""
    return {"id": id, "finding": finding, "argv": argv, "expect": expect, "process": process,
            "forbid_run": forbid_run, "timeout": timeout, "app": app, "file": file}


M = str(BAD_MODELS)
CASES = [
    # --- Tracebacks or memory blow-ups from small inputs ---------------------------------
    case("bomb-9", "A YAML alias bomb under 1 kB (billion laughs): MemoryError",
         ["run", "{tmp}/bomb9.yaml"], "refused as an alias bomb", process="alone"),
    case("bomb-8", "An 8-level bomb is silently accepted and takes 864 MB",
         ["run", "{tmp}/bomb8.yaml"], "refused as an alias bomb", process="memory"),
    case("brackets", "20,000 nested brackets: RecursionError",
         ["run", "{tmp}/brackets.yaml"], "nested deeper than 100 levels", process="alone"),
    case("digits-400", "A 400-digit integer: OverflowError",
         ["run", "{tmp}/digits400.yaml"], "must be finite, got an integer of 400 digits"),
    case("digits-400-param", "A 400-digit integer: OverflowError",
         ["run", "{tmp}/digits400_param.yaml"], "must be finite, got an integer of 400 digits"),
    case("ts-2e-30", "time_step 2^-30: a 64 GiB allocation",
         ["run", "{tmp}/ts30.yaml"], "is out of range: valid 0.000976562 (2^-10) to 1",
         process="memory", forbid_run=True),
    case("ts-2e-20", "2^-20 is accepted and runs for minutes",
         ["run", "{tmp}/ts20.yaml"], "is out of range: valid 0.000976562 (2^-10) to 1",
         process="memory", forbid_run=True),
    case("ts-2e-30-flag", "time_step 2^-30: a 64 GiB allocation (as --time-step)",
         ["targets", "suining-plan", "--time-step", repr(2.0 ** -30)], "is out of range",
         process="memory", forbid_run=True),
    case("ensemble-1e9", "targets --ensemble 1000000000: MemoryError, after 6.5 GB",
         ["targets", "suining-plan", "--ensemble", "1000000000", "--seed", "1"],
         "between 1 and 100,000,000 members", process="memory", forbid_run=True),
    case("design-1e9", "Sweep designs with n = 10^9 ...: a 7-16 GiB allocation",
         ["sweep", "{tmp}/n1e9.yaml", "--out", "{tmp}/never1"],
         "is over the bound of 10,000,000 runs", process="memory", forbid_run=True),
    case("design-2e30", "Sweep designs with n = ... 2^30: a 7-16 GiB allocation",
         ["sweep", "{tmp}/n2e30.yaml", "--out", "{tmp}/never2"],
         "is over the bound of 10,000,000 runs", process="memory", forbid_run=True),
    case("design-2e7", "n = 2x10^7 is accepted: 6 GB to prepare, about 1.5 h to run",
         ["sweep", "{tmp}/n2e7.yaml", "--out", "{tmp}/never3"],
         "is over the bound of 10,000,000 runs", process="memory", forbid_run=True),
    *[case(f"check-{name}", f"check on an {name} .mdl: ParseError/RecursionError tracebacks",
           ["check", path], expect) for name, path, expect in [
        ("empty", f"{M}/empty.mdl", "is empty"),
        ("binary", f"{M}/binary.mdl", "text encoding cannot be detected"),
        ("UTF-16", f"{M}/utf16.mdl", "is UTF-16 text; save it as UTF-8"),
        ("random-text", "{tmp}/random.mdl", "ParseError"),
        ("unclosed", f"{M}/unclosed.mdl", "ParseError")]],
    *[case(f"simulate-{name}-{engine}", f"simulate of a model with {name}: {error} traceback",
           ["simulate", f"{M}/{model}", "--engine", engine, "--out", "{tmp}/sim.csv"], expect)
      for name, error, model, engine, expect in [
        ("an unknown function", "NotImplementedError", "unknownfn.mdl", "pysd",
         "variable 'x' uses the function FOOBAR, which PySD does not implement"),
        ("an unknown function", "NotImplementedError", "unknownfn.mdl", "auto",
         "uses the function FOOBAR"),
        ("a circular definition", "RecursionError", "circular.mdl", "pysd",
         "circular definition (each defined in terms of the next): x -> y -> x"),
        ("a circular definition", "RecursionError", "circular.mdl", "auto", "x -> y -> x"),
        ("a division by zero", "ZeroDivisionError", "divzero.mdl", "pysd",
         "division by zero during the run (ZeroDivisionError) in variable 'x'"),
        ("a division by zero", "ZeroDivisionError", "divzero.mdl", "auto", "'x'")]],
    case("out-parent-file", "--out whose parent is a file: FileExistsError, after the run",
         ["run", "suining-plan", "--out", "{tmp}/a_file/out.csv"],
         "'{tmp}/a_file' is a file, not a folder", forbid_run=True),
    case("optimise-out-parent-file", "--out whose parent is a file ... (optimise: after the run)",
         ["optimise", "suining-plan", "--out", "{tmp}/a_file/report", "--quiet"],
         "'{tmp}/a_file' is a file, not a folder", forbid_run=True),
    case("sweep-out-file", "A sweep --out that is a file: the same",
         ["sweep", "{tmp}/small.yaml", "--out", "{tmp}/a_file"],
         "sweep --out '{tmp}/a_file' is a file; give a folder", forbid_run=True),
    case("sweep-out-parent-file", "A sweep --out whose parent is a file: the same",
         ["sweep", "{tmp}/small.yaml", "--out", "{tmp}/a_file/o"],
         "'{tmp}/a_file' is a file, not a folder", forbid_run=True),
    case("manifest-list", "--resume with manifest.json []: AttributeError",
         ["sweep", "{tmp}/small.yaml", "--out", "{tmp}/manifest_list", "--resume"],
         "a JSON object is expected, found list", forbid_run=True),
    # "Disk full during run --out": test_a_full_disk_during_run_out_is_one_line below.
    *[case(f"app-{name}", f"App uploads: {error} reach the page", app=kind, file=f"{{tmp}}/{f}",
           expect=expect) for name, error, kind, f, expect in [
        ("bomb", "MemoryError", "scenario_upload", "bomb9.yaml", "refused as an alias bomb"),
        ("bomb-8", "MemoryError", "scenario_upload", "bomb8.yaml", "refused as an alias bomb"),
        ("brackets", "RecursionError", "scenario_upload", "brackets.yaml", "nested deeper"),
        ("digits", "OverflowError", "scenario_upload", "digits400.yaml", "integer of 400 digits"),
        ("digits-param", "OverflowError", "scenario_upload", "digits400_param.yaml",
         "integer of 400 digits"),
        ("ts-2e-30", "MemoryError", "scenario_upload", "ts30.yaml", "is out of range"),
        ("csv-huge-field", "_csv.Error", "observations_upload", "huge_field.csv",
         "mine.csv, line 2")]],
    # --- Messages that do not name the problem -------------------------------------------
    case("lever-key-1", "A lever key 1 ...: 'int' object is not iterable",
         ["run", "{tmp}/lever_key_1.yaml"], "the key 1 must be a name"),
    case("lever-key-tilde", "A lever key ~ ...: 'int' object is not iterable",
         ["run", "{tmp}/lever_key_tilde.yaml"], "the key None must be a name"),
    case("targets-5", "targets: 5: 'int' object is not iterable",
         ["run", "{tmp}/targets_5.yaml"], "targets must be a list"),
    case("seed-negative", "--seed -1: has nothing uncertain to draw",
         ["targets", "suining-plan", "--ensemble", "10", "--seed", "-1"],
         "--seed must be a whole number >= 0, got -1", forbid_run=True),
    case("seed-negative-run", "--seed -1: has nothing uncertain to draw (run)",
         ["run", "suining-plan", "--ensemble", "10", "--seed", "-1"],
         "--seed must be a whole number >= 0, got -1", forbid_run=True),
    case("manifest-n-chunks-two", 'A manifest n_chunks: "two": the sweep reports done, then fails',
         ["sweep", "{tmp}/small.yaml", "--out", "{tmp}/n_chunks_two", "--resume"],
         "field 'n_chunks' must be a whole number, found 'two'", forbid_run=True),
    case("pysd-encoding-warning", "Encoding warnings from PySD print two lines before the error",
         ["simulate", "{tmp}/noheader_unknownfn.mdl", "--engine", "pysd", "--out",
          "{tmp}/sim2.csv"], "uses the function FOOBAR", process="alone"),
    case("pysd-encoding-warning-check", "Encoding warnings from PySD ... (check)",
         ["check", "{tmp}/random.mdl"], "ParseError", process="alone"),
    # --- Silently accepted ----------------------------------------------------------------
    case("dup-key-cli", "Duplicate YAML keys: the last value wins, on the CLI",
         ["run", "{tmp}/dup.yaml"], "duplicate key 'name' at lines 1 and 3"),
    case("dup-key-app", "Duplicate YAML keys: the last value wins ... in the app",
         app="scenario_upload", file="{tmp}/dup.yaml",
         expect="duplicate key 'name' at lines 1 and 3"),
    case("year-99999", "Lever values for year 99999",
         ["run", "{tmp}/year99999.yaml"], "year 99999 is outside the valid window"),
    case("step-1e9", "a step in year 1e9",
         ["run", "{tmp}/step1e9.yaml"], "is outside the valid window"),
    case("name-list", "name ... given as lists", ["run", "{tmp}/name_list.yaml"],
         "name must be a text, got list"),
    case("description-list", "description given as lists",
         ["run", "{tmp}/description_list.yaml"], "description must be a text, got list"),
    case("calibrate-starts-0", "calibrate --starts 0 runs with 1 start",
         ["calibrate", "suining", "--starts", "0"], "--starts must be at least 1", forbid_run=True),
    case("check-undefined", "check of a model that uses an undefined variable reports 0 problems",
         ["check", f"{M}/undefined.mdl"], "the model refers to 'y', which it does not define"),
    case("csv-unclosed-quote", "An unclosed quote in an observations CSV swallows the next row",
         ["observations", "{tmp}/unclosed.csv"],
         "unclosed.csv, line 3: not valid CSV (unexpected end of data; the record starts on line"
         " 2)"),
    case("csv-huge-field", "A CSV field over 131,072 characters raises _csv.Error",
         ["observations", "{tmp}/huge_field.csv"], "huge_field.csv, line 2:"),
    case("csv-not-utf8", "a non-UTF-8 file a bare UnicodeDecodeError with no file or line",
         ["observations", "{tmp}/latin1.csv"], "latin1.csv, line 3: not UTF-8 text"),
    case("csv-not-utf8-app", "a non-UTF-8 file ... (the data page's upload)",
         app="observations_upload", file="{tmp}/latin1.csv", expect="mine.csv, line 3: not UTF-8"),
]


def _fill(value, tmp: Path):
    if isinstance(value, list):
        return [_fill(v, tmp) for v in value]
    return value.replace("{tmp}", str(tmp)) if isinstance(value, str) else value


def _limit_memory():  # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run_group(cases: list[dict], tmp: Path) -> dict[str, dict]:
    path = tmp / f"cases-{cases[0]['id']}.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    timeout = 60 + sum(c["timeout"] for c in cases)
    done = subprocess.run([sys.executable, str(RUNNER), str(path), str(MEMORY_LIMIT)],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)
    results = {}
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            results[record["id"]] = record
    for c in cases:  # the group died (e.g. killed at the memory cap) during or before this one
        results.setdefault(c["id"], {"code": f"not run: the group ended ({done.returncode})",
                                     "stderr": done.stderr[-3000:], "stdout": ""})
    return results


def _run_alone(case: dict) -> dict[str, dict]:
    """``python -m simulator ARGV`` in a process of its own, under the cap and a timeout."""
    try:
        done = subprocess.run([sys.executable, "-m", "simulator", *case["argv"]], cwd=ROOT,
                              env=ENV, capture_output=True, text=True, timeout=case["timeout"],
                              preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        return {case["id"]: {"code": "timed out", "stderr": "", "stdout": ""}}
    return {case["id"]: {"code": done.returncode, "stderr": done.stderr,
                         "stdout": done.stdout[-2000:]}}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, dict]:
    """Run every case once: the two shared groups and the ``alone`` ones, two at a time."""
    tmp = tmp_path_factory.mktemp("issue22")
    for name, content in FILES.items():
        target = tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.write_bytes if isinstance(content, bytes) else target.write_text)(content)
    (tmp / "n_chunks_two").mkdir()  # a real manifest's fields, with n_chunks as text
    manifest = _manifest_of_small_sweep(tmp)
    (tmp / "n_chunks_two" / "manifest.json").write_text(
        json.dumps({**manifest, "n_chunks": "two"}), encoding="utf-8")
    filled = [{**c, "argv": _fill(c["argv"], tmp), "file": _fill(c["file"], tmp),
               "expect": _fill(c["expect"], tmp)} for c in CASES]
    groups = [[c for c in filled if c["process"] == kind] for kind in ("main", "memory")]
    with ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(_run_group, group, tmp) for group in groups] + [
            pool.submit(_run_alone, c) for c in filled if c["process"] == "alone"]
        merged = {}
        for job in jobs:
            merged.update(job.result())
    return {c["id"]: {**merged[c["id"]], "expect": c["expect"]} for c in filled}


def _manifest_of_small_sweep(tmp: Path) -> dict:
    """The manifest a real sweep of small.yaml writes (built, not run: no engine call)."""
    from simulator.sweep import load_spec
    from simulator.sweep.design import make_design
    from simulator.sweep.run import build_manifest

    spec = load_spec(tmp / "small.yaml")
    return json.loads(json.dumps(build_manifest(spec, make_design(spec), 2, "batch"),
                                 default=str))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_each_finding_is_one_line_naming_the_problem_and_exit_2(results, case):
    got = results[case["id"]]
    err = got["stderr"]
    lines = err.strip().splitlines()
    context = f"{case['finding']}: code {got['code']!r}, stderr {err[-1500:]!r}"
    assert got["code"] == 2, context
    assert "Traceback" not in err, context
    assert len(lines) == 1, context
    assert lines[0].startswith("error: "), context
    assert got["expect"] in lines[0], context


def test_the_cases_cover_every_finding_of_the_issue():
    """Each bullet of the three lists is a case (by its words), so none is left unchecked."""
    findings = " | ".join(c["finding"] for c in CASES)
    for words in ("alias bomb", "8-level bomb", "20,000 nested brackets", "400-digit integer",
                  "2^-30", "2^-20", "--ensemble 1000000000", "n = 10^9", "2^30", "2x10^7",
                  "empty", "binary", "UTF-16", "random-text", "unclosed", "unknown function",
                  "circular definition", "division by zero", "parent is a file",
                  "A sweep --out that is a file", "manifest.json []", "App uploads",
                  "A lever key 1", "~", "targets: 5", "--seed -1", 'n_chunks: "two"',
                  "Encoding warnings", "Duplicate YAML keys", "in the app", "year 99999",
                  "year 1e9", "name", "description", "--starts 0", "undefined variable",
                  "unclosed quote", "131,072", "non-UTF-8"):
        assert words in findings, words


# --- Disk full during run --out (a "Tracebacks" finding: an OSError traceback) ----------------

def test_a_full_disk_during_run_out_is_one_line(tmp_path):
    """RLIMIT_FSIZE makes a write past 4 kB fail as a full disk does (EFBIG for ENOSPC)."""
    out = tmp_path / "results.csv"

    def cap():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        _limit_memory()

    done = subprocess.run([sys.executable, "-m", "simulator", "run", "suining-plan",
                           "--no-time-step-check", "--out", str(out)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=300, preexec_fn=cap)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and "too large" in lines[0], lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no partial file, no temporary


# --- Data at risk, items 1-8 ------------------------------------------------------------------

def _cli(argv: list[str], *, prelude: str = "", umask: int | None = None,
         wait: bool = True, timeout: int = 300):
    """``python -m simulator ARGV`` under the memory cap; ``prelude`` runs first (a fault)."""
    code = ("import sys, os, signal\n" + prelude +
            "\nfrom simulator.cli import main\nsys.exit(main(sys.argv[1:]))\n")

    def setup():
        _limit_memory()
        if umask is not None:
            os.umask(umask)

    argv = [sys.executable, "-c", code, *map(str, argv)]
    if not wait:
        return subprocess.Popen(argv, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, preexec_fn=setup)
    return subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=setup)


def _group(tmp: Path, *runs: list, **options) -> list[dict]:
    """Several CLI runs in one capped process (run_cases.py): their codes and stderr."""
    cases = [{"id": f"run-{i}", "argv": [str(a) for a in argv], "timeout": 240, **options}
             for i, argv in enumerate(runs)]
    got = _run_group(cases, tmp)
    return [got[c["id"]] for c in cases]


def _ok(done) -> None:
    assert done.returncode == 0, done.stderr[-2000:]


def _one_line(done, fragment: str) -> None:
    code, err = (done["code"], done["stderr"]) if isinstance(done, dict) else (
        done.returncode, done.stderr)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err[-2000:]
    assert fragment in lines[0] and "Traceback" not in err, lines[0]


#: Kill this process (as kill -9 would) at the moment the named write is about to happen.
KILL_AT_SIDECAR = """
import simulator.results as r
_write = r.atomic_write_text
def _kill_at_sidecar(path, text):
    if str(path).endswith('.meta.json'):
        os.kill(os.getpid(), signal.SIGKILL)
    return _write(path, text)
r.atomic_write_text = _kill_at_sidecar
"""
KILL_AT_RENAME = """
_replace = os.replace
def _kill_at_rename(src, dst):
    if '.idtmp-' in os.path.basename(str(src)):
        os.kill(os.getpid(), signal.SIGKILL)
    return _replace(src, dst)
os.replace = _kill_at_rename
"""
RUN = ["run", "suining-plan", "--no-time-step-check"]


def test_1_results_and_provenance_are_one_unit_when_killed_between_the_writes(tmp_path):
    """1. A kill between the two renames once left new results described by old provenance."""
    from simulator.results import file_sha256, read_results

    outs = [tmp_path / f"results{suffix}" for suffix in (".csv", ".parquet")]
    for got in _group(tmp_path, *[[*RUN, "--set", "incubator_capacity=111", "--out", out]
                                  for out in outs]):
        assert got["code"] == 0, got["stderr"]
    for out in outs:
        sidecar = out.with_name(out.name + ".meta.json")
        old = json.loads(sidecar.read_text("utf-8"))
        done = _cli([*RUN, "--set", "incubator_capacity=222", "--out", out],
                    prelude=KILL_AT_SIDECAR)
        assert done.returncode == -signal.SIGKILL  # killed after the data, before its .meta.json
        written = read_results(out)  # the provenance travels inside the file itself
        assert written.metadata["scenario"]["levers"]["incubator_capacity"] == 222
        # the .meta.json left behind describes the old run, and says so: its hash is not ours
        assert json.loads(sidecar.read_text("utf-8")) == old
        assert old["scenario"]["levers"]["incubator_capacity"] == 111
        assert old["results_sha256"] != file_sha256(out)
    assert not [p.name for p in tmp_path.iterdir() if ".idtmp-" in p.name]


def _small_sweep(out: Path, spec: Path, *extra, **kwargs):
    return _cli(["sweep", spec, "--out", out, "--workers", "1", "--chunk-size", "2",
                 "--engine", "batch", *extra], **kwargs)


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "small.yaml"
    path.write_text(_spec(4), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def finished(spec_file, tmp_path_factory):
    """A finished small sweep, written under umask 027 (item 6), and its results."""
    from simulator.sweep import load_results

    out = tmp_path_factory.mktemp("sweep") / "done"
    _ok(_small_sweep(out, spec_file, umask=0o027))
    return out, load_results(out)


def _copy_tree(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*")):
        if path.is_file():
            (target / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            (target / path.relative_to(source)).write_bytes(path.read_bytes())


USER_HIDDEN = [".thesis.parquet.backup", ".manifest.json.mine", "chunks/.chunk-000000.parquet.bak",
               "chunks/.notes.parquet.old"]


def test_2_a_sweep_never_deletes_the_users_hidden_files(finished, spec_file, tmp_path):
    """2. A sweep pointed at an existing folder deleted the user's .*.parquet.* files."""
    import pandas as pd

    from simulator.sweep import load_results

    out, (design, results, _) = finished
    resumed = tmp_path / "resumed"
    _copy_tree(out, resumed)
    (resumed / "chunks" / "chunk-000001.parquet").unlink()  # work for the resume to do
    for name in USER_HIDDEN:
        (resumed / name).write_text("mine", encoding="utf-8")
    _ok(_small_sweep(resumed, spec_file, "--resume"))
    assert all((resumed / name).read_text("utf-8") == "mine" for name in USER_HIDDEN)
    again = load_results(resumed)
    pd.testing.assert_frame_equal(again[1], results)
    # a folder holding only such files (no sweep) is refused, and they stay
    fresh = tmp_path / "fresh"
    for name in USER_HIDDEN:
        (fresh / name).parent.mkdir(parents=True, exist_ok=True)
        (fresh / name).write_text("mine", encoding="utf-8")
    _one_line(_small_sweep(fresh, spec_file), "holds other files")
    assert all((fresh / name).read_text("utf-8") == "mine" for name in USER_HIDDEN)


def test_3_a_folder_of_other_content_or_another_spec_is_refused(finished, tmp_path):
    """3. A folder with no manifest was silently overwritten by another spec."""
    out, _ = finished
    other = tmp_path / "other.yaml"
    other.write_text(_spec(6).replace("name: w", "name: other"), encoding="utf-8")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "results.parquet").write_text("the user's", encoding="utf-8")
    sweep = ["sweep", "--workers", "1", "--chunk-size", "2", "--engine", "batch", "--out"]
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    refused = _group(tmp_path, [*sweep, foreign, other], [*sweep, foreign, other, "--resume"],
                     [*sweep, out, other], [*sweep, out, other, "--resume"], forbid_run=True)
    for got, fragment in zip(refused, ["holds other files (results.parquet)"] * 2 + [
            "already holds a sweep; pass --resume", "holds a different sweep"]):
        _one_line(got, fragment)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert (foreign / "results.parquet").read_text("utf-8") == "the user's"


def test_4_resume_rebuilds_a_lost_design(finished, spec_file, tmp_path):
    """4. A lost design.parquet could never be finished by --resume."""
    import pandas as pd

    from simulator.sweep import load_results

    out, (design, results, _) = finished
    copy = tmp_path / "copy"
    _copy_tree(out, copy)
    (copy / "design.parquet").unlink()
    (copy / "chunks" / "chunk-000000.parquet").unlink()
    _ok(_small_sweep(copy, spec_file, "--resume"))
    again = load_results(copy)
    pd.testing.assert_frame_equal(again[0], design, check_exact=True)
    pd.testing.assert_frame_equal(again[1], results, check_exact=True)


def test_5_kill_9_of_a_pool_sweep_leaves_no_worker_or_tracker(tmp_path):
    """5. After kill -9 of a pool sweep its workers and resource tracker stayed alive."""
    psutil = pytest.importorskip("psutil")
    spec = tmp_path / "long.yaml"
    spec.write_text(_spec(3000), encoding="utf-8")
    out = tmp_path / "killed"
    proc = _cli(["sweep", spec, "--out", out, "--workers", "2", "--chunk-size", "1",
                 "--engine", "batch"], wait=False)
    deadline = time.monotonic() + 240
    while not (out / "chunks" / "chunk-000002.parquet").exists():
        assert proc.poll() is None, "the sweep ended before its third chunk"
        assert time.monotonic() < deadline, "no third chunk after 240 s"
        time.sleep(0.05)
    children = psutil.Process(proc.pid).children(recursive=True)
    assert len(children) >= 2, [c.cmdline()[:3] for c in children]  # workers (+ tracker)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    _, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, f"orphans after kill -9: {[p.cmdline()[:3] for p in alive]}"


def test_6_result_files_honour_the_umask(tmp_path):
    """6. Result files were always mode 0600, whatever the umask."""
    modes = {0o022: 0o644, 0o077: 0o600, 0o002: 0o664}
    cases = [{"id": f"umask-{umask:03o}", "umask": umask, "timeout": 240,
              "argv": [*RUN, "--out", str(tmp_path / f"results-{umask:03o}.csv")]}
             for umask in modes]
    got = _run_group(cases, tmp_path)
    for umask, mode in modes.items():
        assert got[f"umask-{umask:03o}"]["code"] == 0, got[f"umask-{umask:03o}"]["stderr"]
        out = tmp_path / f"results-{umask:03o}.csv"
        for path in (out, out.with_name(out.name + ".meta.json")):
            assert path.stat().st_mode & 0o777 == mode, (path.name, oct(path.stat().st_mode))


def test_6_sweep_files_honour_the_umask(finished):
    out, _ = finished
    files = [p for p in out.rglob("*") if p.is_file() and p.name != ".sweep.lock"]
    assert files and {p.stat().st_mode & 0o777 for p in files} == {0o640}


def test_7_run_cleans_the_temporary_a_kill_left(tmp_path):
    """7. run left hidden temp files behind after a kill."""
    out = tmp_path / "results.csv"
    (tmp_path / ".results.csv.backup").write_text("mine", encoding="utf-8")
    done = _cli([*RUN, "--out", out], prelude=KILL_AT_RENAME)
    assert done.returncode == -signal.SIGKILL
    left = [p.name for p in tmp_path.iterdir() if ".idtmp-" in p.name]
    assert left, "the kill left no temporary: the fault was not injected"
    _ok(_cli([*RUN, "--out", out]))
    assert not [p.name for p in tmp_path.iterdir() if ".idtmp-" in p.name]
    assert (tmp_path / ".results.csv.backup").read_text("utf-8") == "mine"
    assert out.is_file()


def test_8_a_resume_keeps_a_live_writers_temporary_and_the_lock_keeps_it_out(
        finished, spec_file, tmp_path):
    """8. A concurrent --resume could delete the other process's temp file (and make it exit 2)."""
    from simulator.sweep.store import writer_lock

    out, _ = finished
    copy = tmp_path / "copy"
    _copy_tree(out, copy)
    (copy / "chunks" / "chunk-000001.parquet").unlink()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    assert re.fullmatch(r"\d+", dead)
    try:
        theirs = copy / "chunks" / f".chunk-000001.parquet.idtmp-{live.pid}-abc123"
        stale = copy / "chunks" / f".chunk-000001.parquet.idtmp-{dead}-def456"
        for path in (theirs, stale):
            path.write_bytes(b"partial")
        with writer_lock(copy):  # another writer holds the folder: kept out in one line
            _one_line(_small_sweep(copy, spec_file, "--resume"), "is writing the sweep in")
        assert theirs.exists() and stale.exists()
        _ok(_small_sweep(copy, spec_file, "--resume"))
        assert theirs.read_bytes() == b"partial", "a live process's temporary was deleted"
        assert not stale.exists(), "a dead process's temporary was left"
    finally:
        live.kill()
        live.wait()


# --- Found while verifying (not in the issue's list) ------------------------------------------

def test_a_copy_of_a_translated_model_under_another_name_runs(tmp_path, monkeypatch):
    """The translation cache is keyed by content: a copy under another name once failed with
    "[Errno 39] Directory not empty" (its own translation renamed onto the first one's)."""
    from simulator.engine.simulate import run_pysd
    from simulator.engine.translation import load_pysd_model

    monkeypatch.setenv("INNOVATION_DYNAMICS_CACHE", str(tmp_path / "cache"))
    text = "{UTF-8}\nx = 2 * Time ~~|\n" + MDL_TAIL
    for name in ("first.mdl", "second_copy.mdl"):
        (tmp_path / name).write_text(text, encoding="utf-8")
        model = load_pysd_model(tmp_path / name)
        assert list(run_pysd(model)["x"]) == [0.0, 2.0, 4.0]
    assert len(list((tmp_path / "cache").glob("pysd-*/*/first.py"))) == 1


def test_a_model_whose_clock_would_not_fit_is_refused_before_the_run():
    """FINAL TIME 1e12 took 52 s and every byte under the cap (batch), and 1e-9 TIME STEP ran
    for hours on PySD: both engines check the clock before building it."""
    from simulator.engine.timegrid import MAX_STEPS, check_controls

    check_controls(2018, 2100, 2.0 ** -10, 1)  # the finest a scenario allows: 83,968 steps
    for settings, problem in [((0, 1e12, 1, 1), "over the bound of 1,000,000 steps"),
                              ((0, 10, 1e-9, 1), "1e+10 steps"),
                              ((0, 10, 0, 1), "TIME STEP must be positive"),
                              ((0, 10, 1, -1), "SAVEPER must be positive"),
                              ((0, float("nan"), 1, 1), "FINAL TIME must be a finite number"),
                              ((5, 1, 1, 1), "FINAL TIME 1 is before INITIAL TIME 5")]:
        with pytest.raises(ValueError, match=re.escape(problem)):
            check_controls(*settings)
    assert MAX_STEPS >= (2100 - 1950) * 2**10  # the longest scenario at its finest step
