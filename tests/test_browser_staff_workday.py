"""Issue 12 in a real Chromium: the editor's everyday path through the staff workspace.

Each of the seven problems editors met has a test here that failed before its fix:
the lost first click, the three-row cap on evidence, the double request on Enter, the
jump on save, the public layout on a staff 403, misaligned fields after an error, and
the wrapping evidence legend. Screenshots of each state go to /tmp/shots/staff.
"""

import re

import pytest

from tests import test_browser_staff
from tests.test_browser_staff import allow_http_errors, log_in, open_form, row, shoot
from tracker.models import Pledge, Status, StatusUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = test_browser_staff.world  # the same pledges and editors as the other staff tests


def worklist_requests(page):
    """Every request for the worklist's results that the page sends from now on."""
    sent = []
    page.on(
        "request",
        lambda request: (
            request.resource_type in {"xhr", "fetch"}
            and re.search(r"/en/staff/(\?|$)", request.url)
            and sent.append(request.url)
        ),
    )
    return sent


def top(locator):
    """Where the element sits in the document (not the viewport: focus may scroll it)."""
    return locator.evaluate("element => element.getBoundingClientRect().top + window.scrollY")


def test_first_click_on_update_after_typing_a_search_opens_the_form(page, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    log_in(page, live_server)
    sent = worklist_requests(page)
    page.get_by_label("Search").press_sequentially("consulate", delay=40)
    expect(page.locator("tbody.pledge")).to_have_count(1)  # the search has answered
    # The editor moves the mouse to the row and clicks once: no Enter, no Tab.
    row(page, consulate).get_by_role("link", name=re.compile("^Update")).click()
    form = row(page, consulate).locator("form.update-form")
    expect(form).to_be_visible()
    page.wait_for_timeout(800)  # nothing arrives later to take the form away
    expect(form).to_be_visible()
    assert len(sent) == 1, sent


def test_enter_in_the_search_sends_one_request(page, live_server, world):
    from playwright.sync_api import expect

    log_in(page, live_server)
    sent = worklist_requests(page)
    aborted = []
    page.on("requestfailed", lambda request: aborted.append(request.url))
    page.get_by_label("Search").press_sequentially("hydrogen", delay=20)
    page.keyboard.press("Enter")
    expect(page.locator("tbody.pledge")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=hydrogen"))
    page.wait_for_timeout(900)  # past the typing delay: nothing else goes out
    assert len(sent) == 1, sent
    assert not aborted


def test_a_fourth_evidence_link_with_javascript(page, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    log_in(page, live_server)
    form = open_form(page, consulate)
    form.get_by_label("Public note in English").fill("Lease signed; four sources.")
    form.get_by_label("New status").select_option(label="In progress")
    add = form.get_by_role("button", name="Add another link")
    add.click()
    expect(form.get_by_label("Link 4")).to_be_focused()
    for n in range(1, 5):
        form.get_by_label(f"Link {n}").fill(f"https://example.org/source-{n}")
        form.get_by_label(f"Title {n}").fill(f"Source {n}")
    # No cap below ten: keep adding.
    for _ in range(6):
        add.click()
    expect(form.get_by_label("Link 10")).to_be_visible()
    shoot(page, "evidence-ten-rows")
    form.get_by_role("button", name="Save update").click()
    expect(row(page, consulate).locator(".saved")).to_be_visible()
    update = StatusUpdate.objects.get(pledge=consulate)
    assert [e.title for e in update.evidence.order_by("order")] == [
        "Source 1",
        "Source 2",
        "Source 3",
        "Source 4",
    ]


def test_a_fourth_evidence_link_without_javascript(browser, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server, path=f"/en/staff/pledges/{consulate.pk}/update/")
        page.get_by_label("Public note in English").fill("Assessed with four sources.")
        page.get_by_label("New status").select_option(label="Not started")
        for n in range(1, 4):
            page.get_by_label(f"Link {n}").fill(f"https://example.org/source-{n}")
            page.get_by_label(f"Title {n}").fill(f"Source {n}")
        page.get_by_role("button", name="Add another link").click()
        expect(page.get_by_label("Link 4")).to_be_visible()
        # Nothing typed was lost, nothing saved, and no error shown for the empty row.
        expect(page.get_by_label("Public note in English")).to_have_value(
            "Assessed with four sources."
        )
        expect(page.get_by_label("Title 3")).to_have_value("Source 3")
        expect(page.locator(".errorlist")).to_have_count(0)
        assert not StatusUpdate.objects.filter(pledge=consulate).exists()
        shoot(page, "nojs-fourth-link")
        page.get_by_label("Link 4").fill("https://example.org/source-4")
        page.get_by_label("Title 4").fill("Source 4")
        page.get_by_role("button", name="Save update").click()
        expect(page.locator("#messages")).to_contain_text("is now Not started")
        update = StatusUpdate.objects.get(pledge=consulate)
        assert update.evidence.count() == 4
    finally:
        context.close()


def test_saving_does_not_move_the_page(page, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    log_in(page, live_server)
    form = open_form(page, consulate)
    the_row = row(page, consulate).locator(".pledge-row")
    before = top(the_row)
    form.get_by_label("New status").select_option(label="In progress")
    form.get_by_label("Public note in English").fill("The lease was signed.")
    form.get_by_role("button", name="Save update").click()
    expect(page.locator("#messages")).to_contain_text("is now In progress")
    expect(page.locator("#messages")).to_be_in_viewport()
    assert top(the_row) == before
    shoot(page, "saved")


def test_a_readers_403_is_in_the_staff_layout(page, live_server, world):
    from playwright.sync_api import expect

    from tests.factories import UserFactory

    UserFactory(username="reader", groups=["Readers"])
    consulate = world["consulate"]
    log_in(page, live_server, username="reader")
    response = page.goto(f"{live_server.url}/en/staff/pledges/{consulate.pk}/update/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Worklist")).to_be_visible()
    expect(nav.get_by_role("button", name="Log out reader")).to_be_visible()
    back = page.get_by_role("main").get_by_role("link", name="Back to the worklist")
    expect(back).to_be_visible()
    shoot(page, "403")
    allow_http_errors(page, 403)


def test_an_error_does_not_misalign_the_fields(page, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    log_in(page, live_server)
    form = open_form(page, consulate)
    form.get_by_label("As of").fill("2099-01-01")
    form.get_by_label("Link 2").fill("javascript:alert(1)")
    form.get_by_label("Title 2").fill("Looks harmless")
    form.get_by_role("button", name="Save update").click()
    form = row(page, consulate).locator("form.update-form")
    expect(form).to_contain_text("must start with http:// or https://")
    expect(form).to_contain_text("The as-of date cannot be in the future.")
    assert top(form.get_by_label("Link 2")) == top(form.get_by_label("Title 2"))
    assert top(form.get_by_label("New status")) == top(form.get_by_label("As of"))
    shoot(page, "error-aligned")
    allow_http_errors(page, 422)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_evidence_legend_fits_on_one_line(page, live_server, world, width):
    consulate = world["consulate"]
    log_in(page, live_server, path=f"/en/staff/pledges/{consulate.pk}/")
    page.set_viewport_size({"width": width, "height": 900})
    legend = page.locator("fieldset.evidence legend")
    height, line = legend.evaluate(
        "el => [el.getBoundingClientRect().height, parseFloat(getComputedStyle(el).lineHeight)]"
    )
    assert height < 1.5 * line, (height, line)
    assert consulate.status == Status.NOT_YET_RATED


# What editors also expect ------------------------------------------------------------------


def test_keyboard_only_reach_a_row_update_save_and_move_on(page, live_server, world):
    from playwright.sync_api import expect

    consulate, hydrogen = world["consulate"], world["hydrogen"]
    log_in(page, live_server, path="/en/staff/?sort=title")
    expect(page.locator("#keyboard-hint")).to_contain_text("Ctrl+Enter saves")
    shoot(page, "worklist")
    page.keyboard.press("j")
    expect(row(page, hydrogen).locator(".pledge-row")).to_be_focused()  # titles: J, O, S...
    page.keyboard.press("j")
    expect(row(page, consulate).locator(".pledge-row")).to_be_focused()
    page.keyboard.press("k")
    expect(row(page, hydrogen).locator(".pledge-row")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(row(page, consulate).locator(".pledge-row")).to_be_focused()
    page.keyboard.press("Enter")
    form = row(page, consulate).locator("form.update-form")
    expect(form.get_by_label("New status")).to_be_focused()
    page.keyboard.press("ArrowDown")  # Not yet rated -> Not started
    expect(form.get_by_label("New status")).to_have_value("not_started")
    while not form.get_by_label("Public note in English").evaluate(
        "el => el === document.activeElement"
    ):
        page.keyboard.press("Tab")  # through the date's parts
    page.keyboard.type("Assessed: nothing begun yet.")
    shoot(page, "keyboard-form")
    page.keyboard.press("Control+Enter")
    expect(row(page, consulate).locator(".badge--not_started")).to_be_visible()
    expect(row(page, consulate).locator(".pledge-row")).to_be_focused()
    page.keyboard.press("j")
    expect(page.locator("tbody.pledge").nth(2).locator(".pledge-row")).to_be_focused()
    assert Pledge.objects.get(pk=consulate.pk).status == Status.NOT_STARTED


def test_filters_are_remembered_across_sessions_with_a_way_back(browser, page, live_server, world):
    from playwright.sync_api import expect

    log_in(page, live_server)
    page.get_by_label("Counterpart").select_option(label="Japan")
    expect(page).to_have_url(re.compile(r"/en/staff/\?counterpart=japan$"))

    other = browser.new_context()  # a new session: log in again elsewhere
    try:
        later = other.new_page()
        log_in(later, live_server)
        expect(later).to_have_url(re.compile(r"/en/staff/\?counterpart=japan$"))
        expect(later.locator("tbody.pledge")).to_have_count(4)
        expect(later.get_by_label("Counterpart")).to_have_value("japan")
        later.get_by_role("link", name="Clear filters").click()
        expect(later).to_have_url(re.compile(r"/en/staff/$"))
        expect(later.locator("tbody.pledge")).to_have_count(5)
        later.goto(live_server.url + "/en/staff/")
        expect(later.locator("tbody.pledge")).to_have_count(5)
    finally:
        other.close()


def test_my_day_counts_open_the_filtered_worklist(page, live_server, world):
    from playwright.sync_api import expect

    log_in(page, live_server)
    my_day = page.get_by_role("navigation", name="My day")
    expect(my_day).to_contain_text("1 overdue")
    expect(my_day).to_contain_text("1 update I recorded this week")
    shoot(page, "my-day")
    my_day.get_by_role("link", name=re.compile("overdue")).click()
    expect(page).to_have_url(re.compile(r"/en/staff/\?overdue=on$"))
    expect(page.locator("tbody.pledge")).to_have_count(1)
    expect(row(page, world["consulate"])).to_be_visible()
    expect(page.get_by_label("Overdue")).to_be_checked()


def tick_and_open_bulk(page, pledges):
    for pledge in pledges:
        row(page, pledge).get_by_role("checkbox").check()
    page.get_by_role("button", name="Record one update for the selected pledges").click()
    page.wait_for_url(re.compile(r"/en/staff/bulk/\?"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_bulk_status_with_one_conflicting_pledge(browser, live_server, world, javascript):
    from playwright.sync_api import expect

    from tests.factories import UserFactory, published_update

    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        log_in(page, live_server, path="/en/staff/?counterpart=japan")
        rounds = list(Pledge.objects.filter(title__startswith="Scholarships").order_by("title"))
        tick_and_open_bulk(page, [world["hydrogen"], *rounds])
        expect(page.locator("h1")).to_have_text("One update for 4 pledges")
        page.get_by_label("New status").select_option(label="Achieved")
        page.get_by_label("Public note in English").fill("All settled by the joint declaration.")
        page.get_by_label("Link 1").fill("https://example.org/declaration")
        page.get_by_label("Title 1").fill("Joint declaration")
        shoot(page, f"bulk-{'js' if javascript else 'nojs'}")

        # Meanwhile another editor updates one of them.
        published_update(
            rounds[1],
            status=Status.STALLED,
            as_of=rounds[1].statement.date,
            public_note="Budget cut.",
            author=UserFactory(username="editor2", groups=["Editors"]),
        )
        page.get_by_role("button", name="Save update for 4 pledges").click()
        expect(page.locator(".bulk-saved")).to_contain_text("Saved for 3 pledges")
        expect(page.locator(".conflict")).to_contain_text("Budget cut.")
        expect(page.get_by_label("Public note in English")).to_have_value(
            "All settled by the joint declaration."
        )
        expect(page.locator("h1")).to_have_text("One update for 1 pledge")
        shoot(page, f"bulk-conflict-{'js' if javascript else 'nojs'}")
        statuses = dict(Pledge.objects.values_list("title", "status"))
        assert statuses["Scholarships round 1"] == Status.STALLED
        assert statuses["Scholarships round 0"] == statuses["Scholarships round 2"]
        # Achieved needs a second person: the three are proposed, not yet public.
        assert statuses["Joint hydrogen fund with Japan"] == Status.IN_PROGRESS
        assert StatusUpdate.objects.awaiting_review().count() == 3

        page.get_by_role("button", name="Save update for 1 pledge").click()
        page.wait_for_url(re.compile(r"/en/staff/\?counterpart=japan$"))
        expect(page.locator("#messages")).to_contain_text("Proposed: 1 pledge as Achieved")
        assert StatusUpdate.objects.awaiting_review().count() == 4
        errors = [e for e in errors if "status of 409" not in e]
        assert not errors
    finally:
        context.close()
