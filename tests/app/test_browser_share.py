"""Real-browser checks of #20's privacy and share points (Playwright on the system Chromium).

- The page, used as a planner uses Explore, requests nothing from a host that is not
  this machine: the server runs on ``.streamlit/config.toml`` alone, as ``make app`` does.
- A link copied from the address bar, opened in a fresh browser, shows the same levers.
- The brief downloads as a PDF.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from test_browser import chromium  # noqa: F401 - fixture

from app.server import CHROMIUM_FLAGS, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright = pytest.importorskip("playwright.sync_api")
TIMEOUT_MS = 120_000
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
#: Schemes that never reach a network (inline data, page-made blobs).
LOCAL_SCHEMES = {"data", "blob", "about", "chrome-extension"}


@pytest.fixture
def config_only_url(tmp_path):
    """The app served with the repository's config only (no usage-statistics flag)."""
    with serve(tmp_path / "streamlit.log") as url:
        yield url


@pytest.fixture
def browser(chromium):  # noqa: F811 - the fixture imported above
    """A Playwright browser on the system Chromium (no browser download)."""
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_FLAGS))
        yield launched
        launched.close()


def _page(browser, url: str):
    page = browser.new_context(viewport={"width": 1400, "height": 1700}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.get_by_text("高新技术企业").first.wait_for()
    _settle(page)
    return page


def _settle(page) -> None:
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached")


def _lever(page, label: str):
    return page.locator('[data-testid="stSlider"]').filter(has_text=label)


def _move(page, label: str, presses: int = 5) -> None:
    _lever(page, label).get_by_role("slider").focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    _settle(page)


def _value(page, label: str) -> str:
    return _lever(page, label).locator('[data-testid="stSliderThumbValue"]').inner_text()


def _outside(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in LOCAL_SCHEMES and parts.hostname not in LOCAL_HOSTS


def test_the_page_requests_nothing_outside_this_machine(browser, config_only_url):
    requests: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1700})
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("websocket", lambda socket: requests.append(socket.url))
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(config_only_url)
    page.get_by_text("高新技术企业").first.wait_for()
    _settle(page)
    _move(page, "孵化器在孵容量")
    page.get_by_role("link", name="不确定性 Uncertainty").click()
    page.get_by_text("达成概率").first.wait_for()
    _settle(page)
    page.get_by_role("link", name="情景探索 Explore").click()
    _settle(page)
    page.wait_for_timeout(3000)  # late beacons (metrics, fonts) would arrive by now
    assert any(urlsplit(u).scheme in ("ws", "wss") for u in requests), "websocket recorded"
    assert len(requests) > 10, requests
    outside = sorted({u for u in requests if _outside(u)})
    assert not outside, f"requests to hosts outside this machine: {outside}"


def test_a_copied_link_opens_the_same_levers_in_a_fresh_browser(browser, config_only_url):
    page = _page(browser, config_only_url)
    _move(page, "孵化器在孵容量", presses=7)
    moved = _value(page, "孵化器在孵容量")
    link = page.url
    assert "incubator_capacity=" in link, link
    fresh = _page(browser, link)  # a new context: no session, no cookies
    assert _value(fresh, "孵化器在孵容量") == moved
    assert fresh.get_by_text("ningxia-baseline-custom").first.is_visible()


def test_the_brief_downloads_as_a_pdf(browser, config_only_url, tmp_path):
    page = _page(browser, config_only_url)
    page.get_by_role("link", name="保存与分享 Save and share").click()
    _settle(page)
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="下载情景简报 PDF").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.endswith("-brief-zh.pdf") and path.read_bytes().startswith(b"%PDF")


def test_a_link_with_a_levers_own_timing_reopens_it_in_the_browser(browser, config_only_url):
    """A link with a lever's start year and ramp opens them in the timing inputs, and the
    address the page writes back holds them again (#20 point 6: the exact scenario)."""
    base = config_only_url.split("?")[0].rstrip("/")
    timing = "incubator_capacity.start=2028&incubator_capacity.ramp=4"
    page = _page(browser, f"{base}/?region=suining&preset=plan&year=2024"
                          f"&incubator_capacity=2000&{timing}")
    assert _value(page, "孵化器在孵容量") == "2000"
    page.get_by_text("各杠杆起始年与过渡期").click()
    start = page.get_by_label("孵化器在孵容量 · 起始年")
    assert start.input_value() == "2028"
    ramps = page.get_by_label("过渡期(年)")
    assert "4" in [ramps.nth(i).input_value() for i in range(ramps.count())]
    _settle(page)
    assert timing in page.url, page.url
