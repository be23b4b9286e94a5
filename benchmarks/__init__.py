"""Speed benchmarks (``make bench`` runs every ``bench_*.py`` through ``python -m benchmarks``)."""
