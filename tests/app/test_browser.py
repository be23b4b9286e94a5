"""Real-browser test: headless Chromium opens the running app.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1, loads the page in
Debian's ``chromium`` (installed by ``.ci/run``), checks the rendered page
text, and saves the DOM and a screenshot under the test's ``tmp_path``. Skips,
with the reason printed, where Chromium is absent (a user's machine).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.request

import pytest

from app.server import CHROMIUM_FLAGS, serve, stop

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def _chromium() -> str | None:
    return next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)


@pytest.fixture
def chromium() -> str:
    """Path of the headless browser, or skip with the reason printed."""
    path = _chromium()
    if path is None:
        reason = (
            f"no headless browser found (looked for {list(CHROMIUM_NAMES)});"
            " apt-get install chromium"
        )
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture
def app_url(tmp_path):
    """Serve the app with ``streamlit run`` in a subprocess; stop it in teardown."""
    try:
        with serve(tmp_path / "streamlit.log", ["--browser.gatherUsageStats", "false"]) as url:
            yield url
    except RuntimeError as error:
        pytest.fail(str(error))


class DevTools:
    """A minimal Chrome DevTools Protocol client over ``websockets`` (a Streamlit dependency).

    ``--dump-dom`` with ``--virtual-time-budget`` does not wait for Streamlit's
    websocket messages (virtual time runs on while the page waits for the
    server), so the page is read through the protocol instead, polling the
    rendered text in real time.
    """

    def __init__(self, socket):
        self._socket = socket
        self._id = 0

    def call(self, method: str, **params) -> dict:
        """Send one command and return its result."""
        self._id += 1
        self._socket.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=60))
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str):
        """Value of a JavaScript expression in the page."""
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)[
            "result"
        ].get("value")


@pytest.fixture
def browser(chromium, app_url, tmp_path):
    """Headless Chromium showing the app; yields a DevTools client; stopped in teardown."""
    profile = tmp_path / "chromium-profile"
    process = subprocess.Popen(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--window-size=1400,1700",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            app_url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.is_file() or not port_file.read_text().strip():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("chromium did not open its DevTools port")
            time.sleep(0.2)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.loads(response.read())
        page = next(t for t in targets if t.get("type") == "page")
        from websockets.sync.client import connect

        with connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as socket:
            yield DevTools(socket)
    finally:
        stop(process)


def _wait_for_text(browser: DevTools, needle: str, timeout: float = 120.0) -> str:
    """Poll the page's rendered text until it contains ``needle`` and the script run ended."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = browser.evaluate("document.body ? document.body.innerText : ''") or ""
        running = browser.evaluate("!!document.querySelector('[data-testid=\"stStatusWidget\"]')")
        if needle in text and not running:
            return text
        time.sleep(0.5)
    pytest.fail(f"{needle!r} not rendered within {timeout:g} s; page text: {text[:1500]!r}")


def test_browser_renders_the_explore_page(browser, tmp_path):
    """Browser renders the explore page."""
    text = _wait_for_text(browser, "高新技术企业")
    # indicator names (metric labels and chart titles) in the default language, Chinese
    assert "地区生产总值" in text and "技术合同成交额" in text
    assert "Traceback" not in text
    time.sleep(2)  # let the charts finish drawing before the screenshot
    html = browser.evaluate("document.documentElement.outerHTML")
    (tmp_path / "explore.html").write_text(html, encoding="utf-8")
    charts = browser.evaluate(
        "document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]').length"
    )
    assert charts >= 7, f"expected a chart per key indicator, found {charts}"

    shot = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
    screenshot = tmp_path / "explore.png"
    screenshot.write_bytes(shot)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 20_000
    print(f"screenshot: {screenshot}")


@pytest.mark.parametrize(
    "path, needle, selector",
    [
        ("model_structure", "反馈回路", '[data-testid="stGraphVizChart"] svg'),
        ("uncertainty", "达成概率", '[data-testid="stVegaLiteChart"]'),
        ("compare", "目标年份差异表", '[data-testid="stVegaLiteChart"]'),
        ("data_sources", "有据可查的数据", '[data-testid="stDataFrame"]'),
        ("share", "下载情景 YAML", '[data-testid="stDownloadButton"]'),
    ],
)
def test_browser_renders_other_pages(browser, app_url, tmp_path, path, needle, selector):
    """Browser renders other pages."""
    browser.call("Page.navigate", url=f"{app_url}/{path}")
    text = _wait_for_text(browser, needle)
    assert "Traceback" not in text
    time.sleep(2)
    count = browser.evaluate(f"document.querySelectorAll('{selector}').length")
    assert count >= 1, f"nothing matches {selector} on /{path}"
    shot = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
    (tmp_path / f"{path}.png").write_bytes(shot)
    print(f"screenshot: {tmp_path / f'{path}.png'}")
