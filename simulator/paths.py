"""Where the package's files are: the one module that knows the layout.

Everything the simulator reads at run time ships inside the package (and so
in the wheel): the core model, the scenario files, the documented
observations and the fitted profiles. What it writes (translation caches,
calibration reports) goes outside the source tree, under
:func:`cache_root` or :func:`reports_root`, unless a caller names a folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from simulator.errors import did_you_mean

#: The installed (or checked-out) ``simulator`` package folder.
PACKAGE_DIR = Path(__file__).resolve().parent

#: Vensim models shipped with the package.
MODELS_DIR = PACKAGE_DIR / "models"
#: The project's core model.
CORE_MODEL = MODELS_DIR / "regional_innovation.mdl"

#: Scenario files: ``<region>-baseline.yaml``, ``<region>-plan.yaml``; ``sweeps/`` specs.
SCENARIOS_DIR = PACKAGE_DIR / "scenarios"
SWEEPS_DIR = SCENARIOS_DIR / "sweeps"

#: Documented figures (``observations.csv``, ``holdout.csv``; see its README.md).
DATA_DIR = PACKAGE_DIR / "data"
OBSERVATIONS_CSV = DATA_DIR / "observations.csv"
HOLDOUT_CSV = DATA_DIR / "holdout.csv"
#: Fitted region profiles, ``<region>.yaml``, written by ``python -m simulator calibrate``.
PROFILES_DIR = DATA_DIR / "profiles"
POSTERIORS_DIR = DATA_DIR / "posteriors"  # MCMC draws per region (calibration --method mcmc)

#: Environment variable that overrides the cache root.
CACHE_ENV_VAR = "INNOVATION_DYNAMICS_CACHE"
#: Environment variable that overrides where generated reports go.
REPORTS_ENV_VAR = "INNOVATION_DYNAMICS_REPORTS"


def cache_root() -> Path:
    """Root of the on-disk caches (model translations).

    Returns
    -------
    pathlib.Path
        ``$INNOVATION_DYNAMICS_CACHE`` when set and non-empty, otherwise
        ``~/.cache/innovation-dynamics``.
    """
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "innovation-dynamics"


def reports_root() -> Path:
    """Default folder of generated reports (calibration fits), outside the source tree.

    Returns
    -------
    pathlib.Path
        ``$INNOVATION_DYNAMICS_REPORTS`` when set and non-empty, otherwise
        ``~/.local/share/innovation-dynamics/reports``.
    """
    env = os.environ.get(REPORTS_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "innovation-dynamics" / "reports"


def profile_file(region: str) -> Path:
    """Path of a region's shipped profile (it need not exist)."""
    return PROFILES_DIR / f"{region}.yaml"


def scenario_file(name: str) -> Path:
    """Path of a shipped scenario file, e.g. ``scenario_file("ningxia-plan")``."""
    return SCENARIOS_DIR / f"{name}.yaml"


def shipped_scenarios() -> list[str]:
    """Return the names of the shipped scenarios, e.g. ``["chengdu-baseline", ...]``."""
    return sorted(path.stem for path in SCENARIOS_DIR.glob("*.yaml"))


def find_scenario(name_or_path: str | os.PathLike) -> Path:
    """Resolve a shipped scenario's name (``"yibin-plan"``) or a scenario file's path.

    An existing file, or anything that looks like a path (a ``.yaml`` or
    ``.yml`` suffix, a folder separator), is returned as a path (a missing
    file is left to the loader to report); otherwise the name must be one of
    :func:`shipped_scenarios`.

    Raises
    ------
    FileNotFoundError
        For a name that is neither a file nor a shipped scenario, with a
        "did you mean" and the shipped names.
    """
    path = Path(name_or_path)
    text = os.fspath(name_or_path)
    if path.is_file() or path.suffix in (".yaml", ".yml") or os.sep in text or "/" in text:
        return path
    shipped = scenario_file(text)
    if shipped.is_file():
        return shipped
    names = shipped_scenarios()
    raise FileNotFoundError(
        f"no scenario file or shipped scenario named {text!r}{did_you_mean(text, names)}"
        f" (shipped: {', '.join(names)})"
    )
