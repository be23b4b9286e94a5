"""Run every Vensim model of the SDXorg test-models suite on both engines.

Each ``.mdl`` is run with PySD and with the batch engine and compared with
the output Vensim wrote beside it (``output.tab`` or ``output.csv``), at
rtol = atol = 1e-5 as in PySD's own integration suite (the canonical files
print about six significant digits). Each run ends in one of:

``reproduces``
    The run matches Vensim's output.
``refused``
    The batch engine refused the model at compile time, naming the
    construct (``engine="auto"`` then runs PySD).
``mismatch``
    The run completed but differs from Vensim's output: for the batch engine
    this is a silent wrong answer, the defect the suite exists to find.
``error``
    The engine could not translate, initialise or run the model.
``no reference``
    The run completed, but the folder holds no Vensim output to compare.
``stochastic``
    The run completed, but the model calls RANDOM functions: Vensim's
    generator cannot be reproduced (PySD's draws differ from Vensim's too,
    and the batch engine's from both), so the values are not compared.
    The batch engine's draws are checked against their distributions in
    ``tests/test_batch_random.py`` instead.
"""

from __future__ import annotations

import dataclasses
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from simulator.engine.dispatch import ENGINES as _ALL_ENGINES

STATUSES = ("reproduces", "refused", "mismatch", "error", "no reference", "stochastic")
#: The engines compared: every engine a user can name, but not "auto" (a choice between them).
ENGINES = tuple(engine for engine in _ALL_ENGINES if engine != "auto")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one engine did with one model."""

    model: str
    engine: str
    status: str
    detail: str
    seconds: float


def find_models(root: str | os.PathLike) -> list[Path]:
    """Return every ``.mdl`` file under ``root``, sorted by path.

    Raises
    ------
    FileNotFoundError
        If ``root`` is not a folder or holds no ``.mdl`` file.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"test-models folder not found: '{root}'")
    models = sorted(root.rglob("*.mdl"))
    if not models:
        raise FileNotFoundError(f"no .mdl file under '{root}'")
    return models


def reference_output(model: Path) -> Path | None:
    """Return the Vensim output beside a model, or None when there is none."""
    for name in ("output.tab", "output.csv"):
        if (model.parent / name).is_file():
            return model.parent / name
    return None


def run_model(model: Path, engine: str, root: Path) -> Outcome:
    """Run one model on one engine and classify the result (never raises)."""
    from simulator.engine.batch import UnsupportedConstructError
    from simulator.engine.simulate import simulate_file
    from simulator.engine.translation import one_line
    from simulator.engine.vensim_output import compare_to_reference, read_vensim_output

    name = str(model.relative_to(root))
    start = time.perf_counter()

    def outcome(status: str, detail: str = "") -> Outcome:
        return Outcome(name, engine, status, detail, time.perf_counter() - start)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run = simulate_file(model, engine=engine)
    except UnsupportedConstructError as error:
        return outcome("refused", str(error))
    except Exception as error:  # noqa: BLE001 - every failure is a row of the table
        return outcome("error", one_line(error))
    reference = reference_output(model)
    if reference is None:
        return outcome("no reference")
    if _stochastic(model):
        return outcome("stochastic", "RANDOM functions: not compared value for value")
    try:
        expected = read_vensim_output(reference)
    except Exception as error:  # noqa: BLE001
        return outcome("error", f"cannot read {reference.name}: {one_line(error)}")
    problems = compare_to_reference(run, expected)
    if problems and any(p.startswith("time index differs") for p in problems):
        # Some canonical files print Time rounded to six digits (SIR).
        problems = compare_to_reference(run, expected, align_time_index=True)
    return outcome("mismatch", problems[0]) if problems else outcome("reproduces")


def _stochastic(model: Path) -> bool:
    """Tell whether a model calls RANDOM functions (as the batch compiler finds them)."""
    from simulator.engine.batch import compile_model

    try:
        return compile_model(model).stochastic
    except Exception:  # noqa: BLE001 - a model the batch engine refuses is judged as it is
        return False


def _run_job(job):
    return run_model(*job)


def run_suite(root: str | os.PathLike, workers: int | None = None) -> list[Outcome]:
    """Run every model under ``root`` on both engines, in a process pool.

    Parameters
    ----------
    root : str or os.PathLike
        A checkout of github.com/SDXorg/test-models (or any folder of
        ``.mdl`` files with Vensim output beside them).
    workers : int, optional
        Processes to use; default the number of CPUs.

    Returns
    -------
    list of Outcome
        One per model and engine, sorted by model then engine.
    """
    root = Path(root).resolve()
    jobs = [(model, engine, root) for model in find_models(root) for engine in ENGINES]
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
        outcomes = list(pool.map(_run_job, jobs, chunksize=1))
    return sorted(outcomes, key=lambda o: (o.model, ENGINES.index(o.engine)))


def summary(outcomes: list[Outcome]) -> dict[str, dict[str, int]]:
    """Count outcomes by engine and status: ``{engine: {status: count}}``."""
    counts = {engine: dict.fromkeys(STATUSES, 0) for engine in ENGINES}
    for outcome in outcomes:
        counts[outcome.engine][outcome.status] += 1
    return counts


def silent_mismatches(outcomes: list[Outcome]) -> list[Outcome]:
    """Return batch-engine mismatches on models that PySD reproduces.

    These are the wrong answers given without a warning; the goal is none.
    """
    pysd_ok = {o.model for o in outcomes if o.engine == "pysd" and o.status == "reproduces"}
    return [
        o for o in outcomes
        if o.engine == "batch" and o.status == "mismatch" and o.model in pysd_ok
    ]


def markdown_table(outcomes: list[Outcome], source: str) -> str:
    """Render the outcomes as a Markdown page: counts, then one row per model."""
    counts = summary(outcomes)
    models = sorted({o.model for o in outcomes})
    lines = [
        "# Conformance: the SDXorg test-models suite on both engines",
        "",
        f"Generated by `make conformance` from {source}. rtol = atol = 1e-5 against",
        "Vensim's own output beside each model. Do not edit by hand.",
        "",
        "| engine | " + " | ".join(STATUSES) + " |",
        "|---|" + "---|" * len(STATUSES),
    ]
    for engine in ENGINES:
        lines.append(
            f"| {engine} | " + " | ".join(str(counts[engine][s]) for s in STATUSES) + " |"
        )
    lines += [
        "",
        f"Batch-engine mismatches on models PySD reproduces (silent wrong answers): "
        f"{len(silent_mismatches(outcomes))} of {len(models)} models.",
        "",
        "| model | PySD | batch | batch detail |",
        "|---|---|---|---|",
    ]
    by_key = {(o.model, o.engine): o for o in outcomes}
    for model in models:
        pysd, batch = by_key[(model, "pysd")], by_key[(model, "batch")]
        detail = batch.detail or (pysd.detail if batch.status == "error" else "")
        detail = detail.replace("|", "\\|")[:160]
        lines.append(f"| `{model}` | {pysd.status} | {batch.status} | {detail} |")
    return "\n".join(lines) + "\n"
