"""``python -m conformance TEST_MODELS [--out docs/conformance.md]``: run the suite.

Exits 1 when the batch engine gives a silent wrong answer (a mismatch on a
model PySD reproduces), 2 on bad input, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.suite import markdown_table, run_suite, silent_mismatches, summary


def main(argv=None) -> int:
    """Run the suite, write the table, print the counts."""
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__)
    parser.add_argument("test_models", help="a checkout of github.com/SDXorg/test-models")
    parser.add_argument("--out", default="docs/conformance.md", help="Markdown table to write")
    parser.add_argument("--source", default=None, help="how the table names the suite")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: CPUs)")
    args = parser.parse_args(argv)
    try:
        outcomes = run_suite(args.test_models, workers=args.workers)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from simulator.results import atomic_write_text

    atomic_write_text(Path(args.out), markdown_table(outcomes, args.source or args.test_models))
    for engine, counts in summary(outcomes).items():
        print(engine, ", ".join(f"{status} {n}" for status, n in counts.items()))
    wrong = silent_mismatches(outcomes)
    for outcome in wrong:
        print(f"silent mismatch: {outcome.model}: {outcome.detail}", file=sys.stderr)
    print(f"wrote {args.out}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
