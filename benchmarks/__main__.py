"""Run every ``benchmarks/bench_*.py`` in turn: ``python -m benchmarks``.

Each module's ``main(argv)`` is called with no arguments (its defaults).
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def main() -> None:
    """Import each ``bench_*.py`` of this folder and call its ``main([])``."""
    root = Path(__file__).resolve().parent
    sys.path.insert(0, str(root.parent))
    for path in sorted(root.glob("bench_*.py")):
        print(f"\n== {path.name}", flush=True)
        start = time.perf_counter()
        importlib.import_module(f"benchmarks.{path.stem}").main([])
        print(f"== {path.name}: {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
