"""Shared test fixtures, paths and hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
TESTS_DATA_DIR = Path(__file__).resolve().parent / "data"
#: ``../shared`` beside the repository (reference material; absent on a user's clone).
SHARED_DIR = ROOT.parent / "shared"
SCENARIOS_DIR = ROOT / "simulator" / "scenarios"
CORE_MODEL = ROOT / "simulator" / "models" / "regional_innovation.mdl"

# "ci": fits CI's time budget with >= 100 examples per property;
# "thorough": `make test-thorough`; "dev": quick local iteration.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,  # random draws: a failure prints the blob that replays it (@reproduce_failure)
)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def require_shared(*parts: str) -> Path:
    """Return a path under ``../shared`` or skip the test with the reason."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"reference material not found at {path} (../shared is absent on a user's clone)"
        )
    return path


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Keep PySD translations of the test session in one temporary cache."""
    monkeypatch.setenv("INNOVATION_DYNAMICS_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
