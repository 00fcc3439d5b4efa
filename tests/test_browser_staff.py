"""The staff workspace in a real Chromium: what only a browser shows.

The htmx swaps really happening (and nothing else reloading), focus, the keyboard, the
back button, the same tasks without JavaScript, and no console errors.
Screenshots of each state go to /tmp/shots for people to look at (not to the repository).
"""

import datetime
import re
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import CounterpartFactory, PledgeFactory, StatementFactory, UserFactory
from tracker.models import Pledge, Status, StatusUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SHOTS = Path(tempfile.gettempdir()) / "shots" / "staff"
WIDTHS = {"desktop": 1280, "narrow": 390}


@pytest.fixture
def world(transactional_db):
    mongolia = CounterpartFactory(name="Mongolia")
    japan = CounterpartFactory(name="Japan")
    summit = StatementFactory(title="Address at the Korea-Mongolia summit")
    consulate = PledgeFactory(
        title="Open a consulate in Ulaanbaatar",
        statement=summit,
        counterparts=[mongolia],
        target_date=datetime.date(2024, 6, 1),
        target_precision="month",
    )
    hydrogen = PledgeFactory(title="Joint hydrogen fund with Japan", counterparts=[japan])
    editor = UserFactory(username="editor", groups=["Editors"])
    UserFactory(username="editor2", groups=["Editors"])
    hydrogen.record_update(
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 9, 3),
        public_note="Fund charter drafted.",
        author=editor,
    )
    for n in range(3):
        PledgeFactory(title=f"Scholarships round {n}", counterparts=[japan, mongolia])
    return {"consulate": consulate, "hydrogen": hydrogen}


def log_in(page, live_server, username="editor", path="/en/staff/", screenshot=False):
    page.goto(live_server.url + path)
    assert "/en/accounts/login/" in page.url
    if screenshot:
        shoot(page, "login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/en/accounts/login/" not in url)


def mark_page(page):
    """A marker that a full page load would wipe out."""
    page.evaluate("window.__noReload = true")


def not_reloaded(page):
    return page.evaluate("window.__noReload === true")


def allow_http_errors(page, *codes):
    """Chromium logs every 4xx response as a console error; these ones are the intended answer."""
    expected = tuple(f"status of {code}" for code in codes)
    page.console_errors[:] = [e for e in page.console_errors if not any(x in e for x in expected)]


def shoot(page, name):
    """The whole page at each width, and the screenful around the focused element."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        # caret="initial": hiding the caret would leave style="" on every input, which htmx
        # then copies while settling a swap: a CSP error no real visitor would cause.
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True, caret="initial")
        page.evaluate("document.activeElement && document.activeElement.scrollIntoView()")
        page.screenshot(path=str(SHOTS / f"{name}-{label}-focus.png"), caret="initial")
    page.set_viewport_size({"width": 1280, "height": 900})


def row(page, pledge):
    return page.locator(f"#pledge-{pledge.pk}")


def open_form(page, pledge):
    row(page, pledge).get_by_role("link", name=re.compile("^Update")).click()
    form = row(page, pledge).locator("form.update-form")
    form.wait_for()
    return form


def test_editor_logs_in_filters_and_records_an_evidenced_update(page, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    log_in(page, live_server, screenshot=True)
    expect(page.locator("h1")).to_have_text("Worklist")
    mark_page(page)
    filters = page.locator("form.worklist-filters")
    filters.evaluate("form => form.__original = true")

    # Filtering swaps only the results and pushes a bookmarkable URL.
    page.get_by_label("Counterpart").select_option(label="Mongolia")
    expect(page).to_have_url(re.compile(r"/en/staff/\?counterpart=mongolia$"))
    expect(page.locator("tbody.pledge")).to_have_count(4)
    assert filters.evaluate("form => form.__original === true")
    assert not_reloaded(page)

    # Open the form inline: focus goes to the first field.
    before = timezone.localdate()  # the server's today is Seoul's, not this machine's
    form = open_form(page, consulate)
    expect(form.get_by_label("New status")).to_be_focused()
    after = timezone.localdate()  # a different day only if Seoul's midnight fell between
    expect(form.get_by_label("As of")).to_have_value(
        re.compile(f"^({before.isoformat()}|{after.isoformat()})$")
    )
    form.get_by_label("New status").select_option(label="In progress")
    form.get_by_label("As of").fill("2025-10-01")
    form.get_by_label("Public note in English").fill(
        "The lease for the consulate building was signed."
    )
    form.get_by_label("Internal note (optional)").fill("Desk officer confirmed by phone.")
    form.get_by_label("Link 1").fill("https://www.mofa.go.kr/lease")
    form.get_by_label("Title 1").fill("Ministry press release")
    form.get_by_role("button", name="Save update").click()

    # The row changes in place, focus is on it and the message is announced.
    expect(row(page, consulate).locator(".badge--in_progress")).to_have_text("In progress")
    expect(row(page, consulate).locator("form")).to_have_count(0)
    expect(row(page, consulate).locator(".pledge-row")).to_be_focused()
    expect(page.locator("#messages")).to_contain_text("is now In progress as of 1 Oct 2025")
    assert page.locator("#messages").get_attribute("aria-live") == "polite"
    assert not_reloaded(page)
    assert "counterpart=mongolia" in page.url
    shoot(page, "success")

    consulate.refresh_from_db()
    assert consulate.status == Status.IN_PROGRESS
    assert list(consulate.latest_update.evidence.values_list("title", flat=True)) == [
        "Ministry press release"
    ]


def test_bad_input_is_shown_in_place_and_every_character_kept(page, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    log_in(page, live_server)
    mark_page(page)
    form = open_form(page, consulate)
    note = "Line one: 한국어 & <b>not bold</b>\n\nSecond paragraph, typed with care. " * 20
    form.get_by_label("New status").select_option(label="Achieved")
    form.get_by_label("As of").fill("2099-01-01")
    form.get_by_label("Internal note (optional)").fill(note)
    form.get_by_label("Link 1").fill("javascript:alert(1)")
    form.get_by_label("Title 1").fill("Looks harmless")
    form.get_by_label("Title 2").fill("A title whose link I forgot")
    form.get_by_role("button", name="Save update").click()

    form = row(page, consulate).locator("form.update-form")
    expect(form.locator(".form-problem")).to_be_focused()
    expect(form).to_contain_text("The as-of date cannot be in the future.")
    expect(form).to_contain_text("explain why in a public note")
    expect(form).to_contain_text("must start with http:// or https://")
    expect(form).to_contain_text("Add the link for this title, or clear it.")
    expect(page.locator("#messages")).to_contain_text("Not saved")
    expect(form.get_by_label("Internal note (optional)")).to_have_value(note)
    expect(form.get_by_label("Link 1")).to_have_value("javascript:alert(1)")
    expect(form.get_by_label("Title 2")).to_have_value("A title whose link I forgot")
    expect(form.get_by_label("New status")).to_have_value("achieved")
    assert not_reloaded(page)
    assert StatusUpdate.objects.count() == 1  # only the fixture's
    shoot(page, "error")
    allow_http_errors(page, 422)


def test_two_editors_conflict_and_nothing_is_lost(browser, page, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    other_context = browser.new_context()
    other = other_context.new_page()
    try:
        log_in(page, live_server)
        log_in(other, live_server, username="editor2")
        mine = open_form(page, consulate)
        theirs = open_form(other, consulate)

        theirs.get_by_label("New status").select_option(label="Not started")
        theirs.get_by_label("Public note in English").fill(
            "Budget frozen by the National Assembly."
        )
        theirs.get_by_role("button", name="Save update").click()
        expect(row(other, consulate).locator(".badge--not_started")).to_be_visible()

        my_note = "Ground broken on 3 May; see the embassy's photos."
        mine.get_by_label("New status").select_option(label="In progress")
        mine.get_by_label("Public note in English").fill(my_note)
        mine.get_by_role("button", name="Save update").click()

        conflict = row(page, consulate).locator(".conflict")
        expect(conflict).to_be_focused()
        expect(conflict).to_contain_text("Budget frozen by the National Assembly.")
        expect(conflict).to_contain_text("editor2")
        expect(row(page, consulate).locator(".pledge-row .badge--not_started")).to_be_visible()
        mine = row(page, consulate).locator("form.update-form")
        expect(mine.get_by_label("Public note in English")).to_have_value(my_note)
        expect(page.locator("#messages")).to_contain_text("someone else updated")
        shoot(page, "conflict")
        assert StatusUpdate.objects.filter(pledge=consulate).count() == 1

        # Re-submitting on purpose records it after theirs.
        mine.get_by_role("button", name="Save my update anyway").click()
        expect(row(page, consulate).locator(".pledge-row .badge--in_progress")).to_be_visible()
        notes = list(consulate.updates.values_list("public_note", flat=True))
        assert notes == [my_note, "Budget frozen by the National Assembly."]
        allow_http_errors(page, 409)
    finally:
        other_context.close()


def test_back_button_after_filtering(page, live_server, world):
    from playwright.sync_api import expect

    log_in(page, live_server)
    expect(page.locator("tbody.pledge")).to_have_count(5)
    page.get_by_label("Counterpart").select_option(label="Japan")
    expect(page).to_have_url(re.compile(r"/en/staff/\?counterpart=japan$"))
    expect(page.locator("tbody.pledge")).to_have_count(4)
    page.get_by_label("Status").select_option(label="In progress")
    expect(page).to_have_url(re.compile(r"/en/staff/\?status=in_progress&counterpart=japan$"))
    expect(page.locator("tbody.pledge")).to_have_count(1)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/en/staff/\?counterpart=japan$"))
    expect(page.locator("tbody.pledge")).to_have_count(4)
    expect(page.get_by_label("Status")).to_have_value("")
    expect(page.get_by_label("Counterpart")).to_have_value("japan")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/en/staff/$"))
    expect(page.locator("tbody.pledge")).to_have_count(5)
    expect(page.get_by_label("Counterpart")).to_have_value("")
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/en/staff/\?counterpart=japan$"))
    expect(page.locator("tbody.pledge")).to_have_count(4)
    expect(page.get_by_label("Counterpart")).to_have_value("japan")


def test_empty_results_and_escape_closes_the_form(page, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    log_in(page, live_server)
    form = open_form(page, consulate)
    form.get_by_label("Public note in English").fill("Half a thought")
    page.keyboard.press("Escape")
    expect(page.locator("#messages")).to_contain_text("Press Esc again")
    expect(form).to_be_visible()
    page.keyboard.press("Escape")
    expect(row(page, consulate).locator("form")).to_have_count(0)
    expect(page.locator("#messages")).to_be_empty()
    expect(row(page, consulate).get_by_role("link", name=re.compile("^Update"))).to_be_focused()

    page.get_by_label("Search").fill("zebra crossing")
    expect(page).to_have_url(re.compile(r"q=zebra"))
    expect(page.locator(".empty-state")).to_contain_text("No pledges match these filters.")
    shoot(page, "empty")


def test_history_loads_more_in_place(page, live_server, world):
    from playwright.sync_api import expect

    hydrogen = world["hydrogen"]
    editor = hydrogen.latest_update.author
    for day in range(1, 15):
        hydrogen.record_update(
            status=Status.IN_PROGRESS,
            as_of=datetime.date(2025, 10, day),
            public_note=f"Step {day}",
            internal_note=f"Internal {day}",
            author=editor,
        )
    log_in(page, live_server, path=f"/en/staff/pledges/{hydrogen.pk}/")
    mark_page(page)
    expect(page.locator(".history__item")).to_have_count(10)
    expect(page.locator(".internal-note").first).to_contain_text("Internal 14")
    page.get_by_role("link", name="Load older updates").click()
    expect(page.locator(".history__item")).to_have_count(15)
    expect(page.locator(".history__item").nth(10)).to_be_focused()
    expect(page.get_by_role("link", name="Load older updates")).to_have_count(0)
    assert not_reloaded(page)
    shoot(page, "pledge-page")


def test_without_javascript_the_same_tasks_work(browser, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server)
        page.get_by_label("Counterpart").select_option(label="Mongolia")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_url(re.compile(r"counterpart=mongolia"))
        expect(page.locator("tbody.pledge")).to_have_count(4)

        row(page, consulate).get_by_role("link", name=re.compile("^Update")).click()
        page.wait_for_url(re.compile(rf"/en/staff/pledges/{consulate.pk}/update/\?next="))
        page.get_by_label("New status").select_option(label="Not started")
        page.get_by_label("As of").fill("2099-12-31")
        page.get_by_label("Public note in English").fill("Assessed: nothing done yet.")
        page.get_by_role("button", name="Save update").click()
        expect(page.locator(".form-problem")).to_contain_text("Nothing was saved.")
        expect(page.get_by_label("Public note in English")).to_have_value(
            "Assessed: nothing done yet."
        )
        shoot(page, "nojs-error")

        page.get_by_label("As of").fill("2025-11-01")
        page.get_by_role("button", name="Save update").click()
        page.wait_for_url(re.compile(r"/en/staff/\?.*counterpart=mongolia"))
        expect(page.locator("#messages")).to_contain_text("is now Not started")
        expect(row(page, consulate).locator(".badge--not_started")).to_be_visible()
        assert Pledge.objects.get(pk=consulate.pk).status == Status.NOT_STARTED
    finally:
        context.close()


def test_a_double_click_saves_once(page, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    log_in(page, live_server)
    form = open_form(page, consulate)
    form.get_by_label("New status").select_option(label="Not started")
    form.get_by_label("Public note in English").fill("Assessed: nothing yet.")
    form.get_by_role("button", name="Save update").dblclick()
    expect(row(page, consulate).locator(".badge--not_started")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("is now Not started")
    page.wait_for_timeout(300)
    assert StatusUpdate.objects.filter(pledge=consulate).count() == 1
    expect(row(page, consulate).locator(".conflict")).to_have_count(0)
