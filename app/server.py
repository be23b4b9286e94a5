"""Start the app with ``streamlit run`` on a free local port (browser tests and the benchmark).

Not used by the app itself: tests/app/test_browser*.py and benchmarks/bench_browser.py
serve the app from the source tree with it, the way ``make app`` does.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Seconds to wait for the health endpoint (a first start translates the model).
SERVER_TIMEOUT = 120
#: Chromium switches for a headless run that calls no Google service of its own.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(log_path: Path, flags: Sequence[str] = ()) -> Iterator[str]:
    """Run ``streamlit run app.py`` on 127.0.0.1 and yield its URL; stop it on exit.

    ``flags`` are further ``streamlit run`` options; the rest comes from
    ``.streamlit/config.toml``, as for ``make app``.

    Raises
    ------
    RuntimeError
        If the server does not answer its health check in time (the log's end attached).
    """
    port = free_port()
    log = open(log_path, "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.fileWatcherType", "none", *flags],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = Path(log_path).read_text(errors="replace")[-2000:]
                raise RuntimeError(f"streamlit did not start: {tail}")
            time.sleep(0.5)
        yield url
    finally:
        stop(server)
        log.close()


def stop(process: subprocess.Popen) -> None:
    """End a process this module's caller started: terminate, then kill after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
