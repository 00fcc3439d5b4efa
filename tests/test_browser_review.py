"""Two-key review in a real Chromium, with two editors in two browsers.

One proposes "Achieved" from the worklist; the public still sees the old status; the
other finds it through the navigation's count, reviews it beside the quote and approves
it; the public then sees it, marked as reviewed. Screenshots go to /tmp/shots/review.
"""

import datetime
import re

import pytest

from tests.factories import PledgeFactory, StatementFactory, UserFactory
from tests.test_browser_staff import SHOTS as STAFF_SHOTS
from tests.test_browser_staff import log_in, open_form, row
from tracker.models import ReviewState, StatusUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = STAFF_SHOTS.parent / "review"


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def consulate(transactional_db):
    UserFactory(username="editor", groups=["Editors"])
    UserFactory(username="editor2", groups=["Editors"])
    summit = StatementFactory(
        title="Address at the Korea-Mongolia summit",
        text="Opening words.\n\nWe will open a consulate in Ulaanbaatar by June 2024."
        "\n\nThank you.",
    )
    return PledgeFactory(
        title="Open a consulate in Ulaanbaatar",
        slug="consulate",
        statement=summit,
        quote="We will open a consulate in Ulaanbaatar by June 2024.",
        target_date=datetime.date(2024, 6, 1),
        target_precision="month",
    )


def test_two_editors_propose_review_and_publish(browser, page, live_server, consulate):
    from playwright.sync_api import expect

    # The first editor proposes "Achieved" inline in the worklist.
    log_in(page, live_server)
    form = open_form(page, consulate)
    form.get_by_label("New status").select_option(label="Achieved")
    form.get_by_label("As of").fill("2025-10-01")
    form.get_by_label("Public note in English").fill("The consulate opened its doors on 1 October.")
    form.get_by_label("Link 1").fill("https://www.mofa.go.kr/consulate-opening")
    form.get_by_label("Title 1").fill("Opening notice")
    form.get_by_role("button", name="Save update").click()
    expect(page.locator("#messages")).to_contain_text("goes public once another editor")
    expect(row(page, consulate).locator(".tag--proposed")).to_have_text(
        re.compile("Awaiting review")
    )
    expect(row(page, consulate).locator(".badge--not_yet_rated")).to_be_visible()

    # The public does not see it yet.
    public = browser.new_context().new_page()
    public.goto(live_server.url + "/en/pledges/consulate/")
    expect(public.locator(".status-line")).to_contain_text("Not yet rated")
    expect(public.locator("main")).not_to_contain_text("opened its doors")

    # Its author cannot approve it.
    row(page, consulate).locator(".tag--proposed").click()
    expect(page.locator("main")).to_contain_text("another editor or curator must review it")
    expect(page.get_by_role("button", name="Approve and publish")).to_have_count(0)

    # The second editor, in another browser, finds it from the navigation.
    second = browser.new_context().new_page()
    log_in(second, live_server, username="editor2")
    awaiting = second.get_by_role("link", name=re.compile("Awaiting review"))
    expect(awaiting.first).to_contain_text("1")
    awaiting.first.click()
    expect(second).to_have_url(re.compile(r"awaiting_review=on"))
    second.locator(f"#pledge-{consulate.pk} .tag--proposed").click()
    expect(second.locator("h1")).to_contain_text("Review an update")
    expect(second.locator(".review-pledge blockquote")).to_have_text(consulate.quote)
    expect(second.locator(".review-proposal")).to_contain_text("opened its doors")
    expect(second.get_by_role("link", name="Opening notice")).to_have_attribute(
        "href", "https://www.mofa.go.kr/consulate-opening"
    )
    shoot(second, "review-screen")

    second.get_by_label("Comment").fill("Checked against the ministry's notice.")
    second.get_by_role("button", name="Approve and publish").click()
    expect(second.locator("#messages")).to_contain_text("Approved")
    expect(second.locator(".nav-count")).to_have_text("0")

    update = StatusUpdate.objects.get()
    assert update.review_state == ReviewState.APPROVED
    assert update.reviewed_by.username == "editor2"

    public.reload()
    expect(public.locator(".status-line")).to_contain_text("Achieved")
    expect(public.locator(".review-line")).to_contain_text("reviewed by an editor on")
    expect(public.locator("main")).not_to_contain_text("editor2")
    shoot(public, "public-pledge")
