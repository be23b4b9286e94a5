"""Run many CLI cases in one process, as ``python -m simulator`` would run each (#22 harness).

``python run_cases.py CASES.json LIMIT_BYTES`` caps the address space at LIMIT_BYTES, then for
each case (``argv``, an ``app`` call, ``timeout``, ``forbid_run``, ``umask``) prints one JSON line:
its exit code, what it wrote on the real file descriptors 1 and 2 (so that a C library's or
PySD's output counts too), and the seconds it took. A case that runs past its timeout, or
that reaches the engine when ``forbid_run`` says it must be refused before any run, is
reported as such instead of its exit code. Used by tests/test_issue22_findings.py; one
process saves the 1-3 s start of each of the ~60 cases.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import tempfile
import time
import traceback


class Stop(BaseException):
    """Ends a case from outside (a timeout, a forbidden run); not an Exception, so no
    ``except Exception`` of the code under test can swallow it."""


FORBID = {"on": False}


def _guard_engine() -> None:
    """Make every run of a model raise Stop while FORBID is on (the one dispatcher)."""
    import simulator.engine.dispatch as dispatch

    def guarded(original):
        def call(*args, **kwargs):
            if FORBID["on"]:
                raise Stop("the engine ran: the input was not refused before the run")
            return original(*args, **kwargs)
        return call

    dispatch.run_cases = guarded(dispatch.run_cases)
    dispatch.map_chunks = guarded(dispatch.map_chunks)


def _app_call(spec: dict) -> int:
    """Call the package function an app page calls on an upload; 2 if it raised what the page
    catches (the page then shows str(error) in one st.error box), else let it propagate."""
    data = open(spec["file"], "rb").read()
    if spec["app"] == "scenario_upload":  # app/pages/share.py
        from simulator.errors import ScenarioError, UnknownNameError
        from simulator.scenario import scenario_from_yaml

        caught = (ScenarioError, UnknownNameError, TypeError, ValueError)
        call = lambda: scenario_from_yaml(data, source="upload.yaml")  # noqa: E731
    else:  # "observations_upload": app/pages/data_sources.py
        from simulator.data.observations import load_observations_upload

        caught = (ValueError, OSError)
        call = lambda: load_observations_upload(data, "mine.csv")  # noqa: E731
    try:
        call()
    except caught as error:
        message = str(error.args[0]) if error.args else str(error)  # app/widgets.error_box
        print(f"error: {message}", file=sys.stderr)
        return 2
    return 0


def _run(case: dict) -> int:
    if case.get("app"):
        return _app_call(case)
    from simulator.cli import main

    try:
        return main(case["argv"])
    except SystemExit as stop:  # argparse
        return stop.code if isinstance(stop.code, int) else 1


def _one(case: dict) -> dict:
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    saved = os.dup(1), os.dup(2)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    FORBID["on"] = bool(case.get("forbid_run"))
    mask = os.umask(case["umask"]) if case.get("umask") is not None else None
    signal.alarm(int(case.get("timeout", 60)))
    start = time.monotonic()
    try:
        code: object = _run(case)
    except Stop as stop:
        code = f"stopped: {stop}"
    except BaseException:  # a traceback is a finding: report it as the CLI would show it
        traceback.print_exc()
        code = "traceback"
    finally:
        signal.alarm(0)
        FORBID["on"] = False
        if mask is not None:
            os.umask(mask)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
    texts = []
    for handle in (out, err):
        handle.seek(0)
        texts.append(handle.read().decode("utf-8", "replace"))
        handle.close()
    return {"id": case["id"], "code": code, "stdout": texts[0][-2000:], "stderr": texts[1][-4000:],
            "seconds": round(time.monotonic() - start, 2)}


def main() -> None:
    cases = json.load(open(sys.argv[1], encoding="utf-8"))
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def timeout(signum, frame):
        raise Stop("timed out")

    signal.signal(signal.SIGALRM, timeout)
    _guard_engine()
    report = os.fdopen(os.dup(1), "w", encoding="utf-8")
    for case in cases:
        report.write(json.dumps(_one(case)) + "\n")
        report.flush()


if __name__ == "__main__":
    main()
