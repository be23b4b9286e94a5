"""``python -m simulator``."""

import os
import sys

from simulator.cli import main

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # the reader closed the pipe early (e.g. ``| head``): stop quietly, as
    # Unix tools do, instead of a traceback; Python would also fail flushing
    # stdout at exit, so point it at devnull first
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 1
sys.exit(code)
