"""Korean and English in a real browser: the first visit follows the browser's language, the
switcher keeps the page and its filters, and Korean pages pass axe and fit a phone.

Set SHOTS_DIR (e.g. /tmp/shots) to save a screenshot of every Korean page type to look at
(named ko-…).
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.public_record import build_record, public_urls
from tests.test_browser_public import WIDTHS, page_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def record(live_server):
    return build_record()


def korean_urls(record):
    return [url.replace("/en/", "/ko/", 1) for url in public_urls(record)]


@pytest.mark.parametrize("locale, language", [("ko-KR", "ko"), ("en-GB", "en")])
def test_a_first_visit_opens_the_site_in_the_browsers_language(
    browser, live_server, record, locale, language
):
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(live_server.url + "/pledges/")
    assert urlsplit(page.url).path == f"/{language}/pledges/"
    assert page.locator("html").get_attribute("lang") == language
    context.close()


def test_the_switcher_opens_the_same_page_in_the_other_language_keeping_the_filters(
    page, live_server, record
):
    page.goto(live_server.url + "/ko/pledges/")
    expect(page.locator(".site-name")).to_have_text("한국 외교 공약 추적")
    page.select_option("#id_status", "achieved")  # htmx narrows the list and the address
    expect(page.locator(".pledge-item")).to_have_count(1)
    assert page.url.endswith("/ko/pledges/?status=achieved")

    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/pledges/?status=achieved")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator(".site-name")).to_have_text("Korea Pledge Tracker")
    expect(page.locator("#id_status")).to_have_value("achieved")
    expect(page.locator(".pledge-item")).to_have_count(1)

    page.get_by_role("link", name="한국어").click()
    page.wait_for_url("**/ko/pledges/?status=achieved")
    assert page.locator("html").get_attribute("lang") == "ko"


def test_the_switcher_works_without_javascript(browser, live_server, record):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/pledges/{record.aid.slug}/")
    page.get_by_role("link", name="한국어").click()
    page.wait_for_url(f"**/ko/pledges/{record.aid.slug}/")
    expect(page.locator("main")).to_contain_text("2025년 9월 1일")
    context.close()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_korean_pages_pass_axe_and_fit_the_width(page, live_server, record, width):
    problems = page_problems(page, live_server, korean_urls(record), width, language="ko")
    assert not problems, problems
