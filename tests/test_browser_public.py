"""What only a browser shows on the public site: accessibility, layout, htmx, no outside requests.

Set SHOTS_DIR (e.g. /tmp/shots) to also save a screenshot of every page type at desktop and
phone widths, to look at.
"""

import os
import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import PledgeFactory
from tests.public_record import build_record, public_urls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1280, "phone": 360}


@pytest.fixture
def record(live_server):
    return build_record()


def shot_name(url):
    return re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"


def serious_violations(page):
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def page_problems(page, live_server, urls, width, language=None):
    """{url: problems} of each page at this width: serious axe violations, a page wider
    than the window, or (when `language` is given) another <html lang>. With SHOTS_DIR set,
    each page is also saved as a screenshot to look at."""
    page.set_viewport_size({"width": width, "height": 900})
    problems = {}
    shots = os.environ.get("SHOTS_DIR")
    for url in urls:
        page.goto(live_server.url + url)
        found = serious_violations(page)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        if overflow > width:
            found.append(f"page is {overflow}px wide at {width}px")
        if language and (lang := page.locator("html").get_attribute("lang")) != language:
            found.append(f"<html lang={lang!r}>")
        if found:
            problems[url] = found
        if shots:
            os.makedirs(shots, exist_ok=True)
            path = os.path.join(shots, f"{shot_name(url)}-{width}.png")
            page.screenshot(path=path, full_page=True)
    return problems


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_page_type_passes_axe_fits_the_width_and_stays_on_the_site(
    page, live_server, record, width
):
    origin = urlsplit(live_server.url).netloc
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    problems = page_problems(page, live_server, public_urls(record), width)
    assert not problems, problems
    outside = [u for u in requests if urlsplit(u).netloc != origin and not u.startswith("data:")]
    assert not outside, outside


def test_the_filter_narrows_the_list_without_a_reload_and_updates_the_url(
    page, live_server, record
):
    page.goto(live_server.url + "/en/pledges/")
    page.evaluate("window.notReloaded = true")
    assert page.locator(".pledge-item").count() == 5

    page.select_option("#id_status", "achieved")
    expect(page.locator(".pledge-item")).to_have_count(1)
    assert page.evaluate("window.notReloaded") is True
    assert page.url == live_server.url + "/en/pledges/?status=achieved"  # empty filters dropped
    expect(page.locator("#results-status")).to_have_text("1 pledge found")

    page.fill("#id_q", "nothing matches this")
    expect(page.locator(".pledge-item")).to_have_count(0)
    assert "q=nothing%20matches%20this" in page.url
    assert page.evaluate("window.notReloaded") is True

    page.go_back()
    expect(page.locator(".pledge-item")).to_have_count(1)
    assert page.url.endswith("/en/pledges/?status=achieved")


def test_the_overdue_checkbox_toggles_both_ways(page, live_server, record):
    page.goto(live_server.url + "/en/pledges/")
    page.check("#id_overdue")
    expect(page.locator(".pledge-item")).to_have_count(1)
    page.uncheck("#id_overdue")
    expect(page.locator(".pledge-item")).to_have_count(5)


def test_pages_of_results_load_in_place(page, live_server, record):
    for _ in range(30):
        PledgeFactory(counterparts=[record.japan])
    page.goto(live_server.url + "/en/pledges/?counterpart=japan")
    page.evaluate("window.notReloaded = true")
    page.click("a[rel=next]")
    expect(page.locator(".pagination")).to_contain_text("Page 2 of 2")
    assert page.url.endswith("/en/pledges/?counterpart=japan&page=2")
    assert page.evaluate("window.notReloaded") is True
    assert page.locator(".pledge-item").count() == 7


def test_the_filter_works_without_javascript(browser, live_server, record):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/en/pledges/")
    page.select_option("#id_counterpart", "japan")
    page.click("button[type=submit]")
    page.wait_for_url("**/en/pledges/?*counterpart=japan*")
    assert page.locator(".pledge-item").count() == 2
    context.close()


def test_two_clicks_from_the_dashboard_reach_the_sentence_and_its_evidence(
    page, live_server, record
):
    page.goto(live_server.url + "/en/")
    page.click(f"#recent-heading ~ ol a[href^='/en/pledges/{record.aid.slug}/']")
    assert page.locator("figure.source-quote mark").text_content() == record.aid.quote
    assert page.locator(".latest-update a", has_text="Annual ODA report").is_visible()
    page.click("text=Read it in the full statement")
    mark = page.locator(f"mark#{record.aid.slug}")
    assert page.url.endswith(f"#{record.aid.slug}")
    assert mark.is_visible() and mark.evaluate("el => el.matches(':target')")


def test_the_skip_link_appears_on_focus_and_moves_to_the_content(page, live_server, record):
    page.goto(live_server.url + "/en/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_printing_leaves_out_navigation_and_filters(page, live_server, record):
    page.goto(live_server.url + "/en/pledges/")
    page.emulate_media(media="print")
    assert not page.locator("form.filters").is_visible()
    assert not page.locator(".site-header nav").is_visible()
    assert page.locator(".pledge-item").first.is_visible()
