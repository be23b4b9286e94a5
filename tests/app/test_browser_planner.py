"""Real-browser checks of issue #20 with Playwright on the system Chromium: the policy-year
trap and an uploaded scenario across a region change (what AppTest cannot click)."""

from __future__ import annotations

import pytest
from conftest import SCENARIOS_DIR
from test_browser import CHROMIUM_FLAGS, app_url, chromium  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright = pytest.importorskip("playwright.sync_api")
TIMEOUT_MS = 120_000


@pytest.fixture
def page(chromium, app_url):  # noqa: F811 - the fixtures imported above
    """A Playwright page on the running app (system Chromium, no download)."""
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_FLAGS))
        tab = browser.new_page(viewport={"width": 1400, "height": 1700})
        tab.set_default_timeout(TIMEOUT_MS)
        tab.goto(app_url)
        tab.get_by_text("高新技术企业").first.wait_for()
        yield tab
        browser.close()


def _settle(page) -> None:
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached")


def _pick_region(page, name: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=name).click()
    _settle(page)


def test_browser_policy_year_precedes_the_plan_targets(page):
    _pick_region(page, "遂宁")
    page.locator('[data-testid="stSidebar"]').get_by_text("规划", exact=True).click()
    _settle(page)
    page.get_by_text("suining-plan").first.wait_for()
    year = page.locator('[data-testid="stSidebar"] [data-testid="stSliderThumbValue"]').first
    assert int(year.inner_text().strip()) <= 2025, "the policy year comes after 2025"
    assert "晚于目标年份" not in page.inner_text("body")


def test_browser_an_upload_does_not_survive_a_region_change(page, tmp_path):
    text = (SCENARIOS_DIR / "suining-plan.yaml").read_text(encoding="utf-8")
    upload = tmp_path / "mine.yaml"
    upload.write_text(text.replace("name: suining-plan", "name: my-suining"), encoding="utf-8")
    page.get_by_role("link", name="保存与分享 Save and share").click()
    _settle(page)
    page.locator('input[type="file"]').set_input_files(str(upload))
    page.get_by_text("已载入情景 my-suining").wait_for()
    page.get_by_role("link", name="情景探索 Explore").click()
    _settle(page)
    page.get_by_text("遂宁 · my-suining").wait_for()
    _pick_region(page, "宜宾")
    page.get_by_text("宜宾 · yibin-baseline").wait_for()
    # the page reruns in parts: wait (with Playwright's retrying assertion) until it has
    # settled rather than read it once while the old region's elements may still show
    playwright.expect(page.locator("body")).not_to_contain_text("my-suining",
                                                                 timeout=TIMEOUT_MS)
