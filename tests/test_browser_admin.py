"""A curator adds a statement with its pledge in the admin, through a real browser."""

import pytest

from tests.factories import CounterpartFactory, UserFactory
from tracker.models import Pledge, Statement

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEXT = (
    "Thank you for coming.\n\n"
    "With ASEAN, we will advance the Korea–ASEAN Solidarity Initiative.\n\n"
    "Thank you."
)


def log_in(page, live_server):
    UserFactory(username="curator", groups=["Curators"], is_staff=True)
    page.goto(f"{live_server.url}/en/admin/login/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", "correct horse battery staple")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/en/admin/")


def fill_statement(page, quote):
    page.fill("#id_title", "Asan keynote")
    page.select_option("#id_kind", "speech")
    page.fill("#id_date", "2025-09-01")
    page.fill("#id_text", TEXT)
    page.click("#pledges-group .add-row a")
    page.fill("#id_pledges-0-quote", quote)
    page.fill("#id_pledges-0-title", "Advance the Korea–ASEAN Solidarity Initiative")
    # The counterparts field is an autocomplete: type, then pick the match.
    page.click("#pledges-0 .field-counterparts .select2-selection")
    page.keyboard.type("ASEAN")
    page.locator(".select2-results__option", has_text="ASEAN").first.click()


def test_curator_adds_a_statement_with_a_pledge(page, live_server):
    CounterpartFactory(name="ASEAN", kind="grouping")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/en/admin/tracker/statement/add/")
    fill_statement(page, "With ASEAN, we will advance the Korea–ASEAN Solidarity Initiative.")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    pledge = Pledge.objects.get()
    assert pledge.statement == Statement.objects.get(title="Asan keynote")
    assert list(pledge.counterparts.values_list("name", flat=True)) == ["ASEAN"]


def test_a_misquote_is_shown_on_the_form_and_nothing_is_saved(page, live_server):
    CounterpartFactory(name="ASEAN", kind="grouping")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/en/admin/tracker/statement/add/")
    fill_statement(page, "With ASEAN, we will advance the Korea-ASEAN Solidarity Initiative.")
    page.click("input[name=_save]")
    error = page.locator("#pledges-0 .errorlist")
    error.wait_for()
    assert "word for word" in error.inner_text()
    # What the curator typed is still there to correct.
    assert (
        page.input_value("#id_pledges-0-title") == "Advance the Korea–ASEAN Solidarity Initiative"
    )
    assert not Statement.objects.exists()
