"""A reader in a real browser: opens an evidence link's archived copy, then follows the
pledge by email, confirms, and unsubscribes. Set SHOTS_DIR to keep screenshots."""

import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import expect

from tests.factories import EvidenceFactory, PledgeFactory, StatusUpdateFactory
from tracker import vault

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name):
    if shots := os.environ.get("SHOTS_DIR"):
        os.makedirs(shots, exist_ok=True)
        page.screenshot(path=f"{shots}/{name}.png", full_page=True)


def assert_accessible(page):
    violations = [
        f"{v['id']}: {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not violations


def test_a_reader_reads_the_archived_copy_then_follows_confirms_and_unsubscribes(
    page, live_server, web, settings
):
    settings.TRACKER_ORIGIN = live_server.url
    pledge = PledgeFactory(title="Open the bridge")
    update = StatusUpdateFactory(pledge=pledge, public_note="Construction began.")
    vault.check(EvidenceFactory(update=update, url=web.url("/page"), title="Joint statement"))
    page.set_viewport_size({"width": 1100, "height": 900})

    page.goto(live_server.url + pledge.get_absolute_url())
    text = page.get_by_text("The two ministers opened the bridge on 1 October.")
    expect(text).to_be_hidden()
    page.get_by_text("Archived copy, fetched").click()
    expect(text).to_be_visible()
    expect(page.get_by_role("link", name="The web archive’s copy from that date")).to_be_visible()
    assert_accessible(page)
    shoot(page, "pledge-archived-evidence")

    page.get_by_role("link", name="Follow by email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow this pledge by email")
    page.get_by_label("Your email address").fill("reader@example.org")
    assert_accessible(page)
    shoot(page, "follow-form")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    shoot(page, "follow-sent")

    confirm_url = re.search(r"http://\S+/follow/confirm/\S+/", mail.outbox[0].body).group()
    page.goto(confirm_url)
    assert_accessible(page)
    shoot(page, "follow-confirm")
    page.get_by_role("button", name="Yes, follow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are following “Open the bridge”")
    shoot(page, "follow-confirmed")

    unsubscribe_url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    page.goto(unsubscribe_url)
    shoot(page, "unsubscribe")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have unsubscribed")
    assert_accessible(page)
    shoot(page, "unsubscribed")
