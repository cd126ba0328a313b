from playwright.sync_api import expect
from .conftest import assert_no_exception, wait_until_done

def test_quality_tab_in_browser(page):
    page.goto(f"{page.app_url}/data")
    wait_until_done(page)
    page.get_by_role("tab", name="数据质量").click()
    page.wait_for_timeout(1500)
    wait_until_done(page)
    page.screenshot(path="/tmp/btest/quality1.png", full_page=True)
    open("/tmp/btest/text.txt", "w").write(page.locator("section.main, [data-testid=stMain]").first.inner_text())
