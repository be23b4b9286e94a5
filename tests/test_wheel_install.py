"""The wheel carries everything the simulator reads, and runs away from the source tree.

A wheel is built from a copy of the sources (so the build leaves nothing in the
work tree) with the running environment's setuptools (no build isolation, so
no download), and installed without dependencies into a fresh virtual
environment. That environment sees the installed dependencies (PySD, NumPy,
...) through a ``.pth`` line naming this environment's site-packages: a path
line is only appended to ``sys.path``, so the ``.pth`` files in that folder,
among them the editable install's finder of this repository, are not run. The
commands then run from an empty temporary folder, and check that they used
the installed copy, not the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

#: About 15 s (a build, a venv, four commands from a cold cache): part of ``make test``.
pytestmark = pytest.mark.slow

#: What a wheel is built from (pyproject.toml's readme and license files included).
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "simulator", "calibration")
PACKAGES = ("simulator", "calibration")


def _package_data(package: str) -> list[str]:
    """Return the package's non-Python files, as paths inside the wheel."""
    root = ROOT / package
    return sorted(
        path.relative_to(ROOT).as_posix() for path in root.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc")
        and "__pycache__" not in path.parts
    )


def _run(
    command: list[str], cwd: Path, env: dict, timeout: float = 300
) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, (
        f"{command} exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the wheel, install it into a fresh venv; return the wheel, its python and an env."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_NO_INDEX"] = "1"  # nothing is downloaded
    env["INNOVATION_DYNAMICS_CACHE"] = str(base / "cache")  # a cold start: the model is translated
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--quiet", "-w", str(dist), str(source)], cwd=base, env=env)
    (wheel,) = dist.glob("innovation_dynamics-*.whl")

    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base, env=env)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--quiet", str(wheel)], cwd=base, env=env)
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                     cwd=base, env=env).stdout.strip())
    folders = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "dependencies.pth").write_text("".join(f"{f}\n" for f in folders), encoding="utf-8")
    work = base / "elsewhere"
    work.mkdir()
    return wheel, python, venv, work, env


def test_the_wheel_carries_every_data_file_of_the_packages(installed):
    wheel = installed[0]
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [name for package in PACKAGES for name in _package_data(package)]
    assert "simulator/models/regional_innovation.mdl" in expected  # the listing works
    missing = [name for name in expected if name not in names]
    assert not missing, f"files not in {wheel.name} (see [tool.setuptools.package-data]): {missing}"


def test_the_installed_packages_are_the_wheels_and_find_their_data(installed):
    _, python, venv, work, env = installed
    script = (
        "import json, calibration, simulator\n"
        "from simulator import paths\n"
        "from simulator.data.observations import load_observations\n"
        "from simulator.data.profile import load_profile\n"
        "from calibration.fitting import load_region_spec\n"
        "print(json.dumps({'simulator': simulator.__file__, 'calibration': calibration.__file__,\n"
        "    'model': paths.CORE_MODEL.is_file(), 'scenarios': paths.shipped_scenarios(),\n"
        "    'observations': len(load_observations()), 'profile': load_profile('yibin').region,\n"
        "    'spec': load_region_spec('yibin').region}))\n"
    )
    info = json.loads(_run([str(python), "-c", script], cwd=work, env=env).stdout)
    for package in PACKAGES:
        assert Path(info[package]).resolve().is_relative_to(venv.resolve()), info
    assert info["model"] and "yibin-plan" in info["scenarios"], info
    assert info["observations"] > 0 and info["profile"] == "yibin" == info["spec"], info


def test_the_installed_command_runs_a_shipped_scenario_by_name(installed):
    _, python, _, work, env = installed
    out = work / "yibin-plan.csv"
    _run([str(python), "-m", "simulator", "run", "yibin-plan", "--no-time-step-check",
          "--out", str(out)], cwd=work, env=env)
    import pandas as pd

    frame = pd.read_csv(out, comment="#")  # the first line is the provenance
    assert {"year", "gdp", "rd_expenditure", "rd_intensity", "high_tech_enterprises"} <= set(
        frame.columns
    )
    assert frame["year"].iloc[0] < frame["year"].iloc[-1] and frame["gdp"].gt(0).all()


def test_the_installed_command_lists_the_levers(installed):
    _, python, _, work, env = installed
    levers = json.loads(_run([str(python), "-m", "simulator", "levers", "--json"], cwd=work,
                             env=env).stdout)
    from simulator import catalogue

    assert [lever["name"] for lever in levers] == list(catalogue.levers())
    assert all({"name", "unit", "default", "min", "max"} <= set(lever) for lever in levers)
