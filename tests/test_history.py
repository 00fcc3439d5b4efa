"""Edit history and the public corrections log.

Curators edit in the admin as a browser does: these tests submit the admin's own form
(every field as the page rendered it), changing only what a curator would.
"""

import html
from html.parser import HTMLParser

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import (
    PersonFactory,
    PledgeFactory,
    SpeakerFactory,
    StatementFactory,
    published_update,
)
from tracker.models import Correction, Pledge, Statement, Status

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The name/value pairs a browser would submit from the admin's change form."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea, self._in_form = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form or "name" not in a and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[a["name"]] = a.get("value", "on")
            else:
                self.data[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            if "multiple" not in a:  # a browser sends nothing for an empty multiple choice
                self.data.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            if self.data.get(self._select):
                existing = self.data[self._select]
                self.data[self._select] = [
                    *(existing if isinstance(existing, list) else [existing]),
                    a.get("value", ""),
                ]
            else:
                self.data[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.data[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def admin_form(client, url):
    parser = _FormFields()
    parser.feed(client.get(url).content.decode())
    data = parser.data
    for name, value in list(data.items()):  # a textarea's first newline is not its value
        if isinstance(value, str) and value.startswith("\n"):
            data[name] = value[1:]
    return data


def change_url(obj):
    return reverse(f"admin:tracker_{obj._meta.model_name}_change", args=[obj.pk])


def edit(client, obj, **changes):
    url = change_url(obj)
    data = admin_form(client, url)
    data.update(changes)
    return client.post(url, data)


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def pledge():
    return PledgeFactory(title="Open a consulate in Ulaanbaatar", slug="consulate")


# History -----------------------------------------------------------------------------------


def test_every_edit_is_recorded_with_who_when_and_the_diff(curator_client, curator, pledge):
    response = edit(
        curator_client,
        pledge,
        title="Open a consulate-general in Ulaanbaatar",
        description="A new summary.",
        public_reason="The statement says consulate-general.",
    )
    assert response.status_code == 302
    newest, first = pledge.history.all()[:2]
    assert (newest.history_user, newest.history_type) == (curator, "~")
    assert newest.history_change_reason == "The statement says consulate-general."
    delta = newest.diff_against(first)
    assert {c.field: (c.old, c.new) for c in delta.changes} == {
        "title": ("Open a consulate in Ulaanbaatar", "Open a consulate-general in Ulaanbaatar"),
        "description": ("", "A new summary."),
    }


def test_history_of_speakers_counterparts_and_topics_is_kept(curator_client, curator):
    person = PersonFactory(name="Cho Hyun")
    edit(curator_client, person, name="Cho Hyun (조현)")
    assert [h.name for h in person.history.all()] == ["Cho Hyun (조현)", "Cho Hyun"]
    assert person.history.first().history_user == curator
    speaker = SpeakerFactory()
    speaker.office = "Foreign Minister"
    speaker.save()
    assert speaker.history.count() == 2


def test_curators_see_the_diff_in_the_admin_history(curator_client, pledge):
    edit(curator_client, pledge, title="A better title", public_reason="Clearer.")
    response = curator_client.get(reverse("admin:tracker_pledge_history", args=[pledge.pk]))
    page = text(response)
    assert response.status_code == 200
    assert "A better title" in page and "Open a consulate in Ulaanbaatar" in page
    assert "Clearer." in page and "curator" in page


def test_a_curator_reverts_from_the_history_with_a_public_reason(curator_client, pledge):
    edit(curator_client, pledge, title="A wrong title", public_reason="Shorter.")
    original = pledge.history.earliest()
    url = reverse("admin:tracker_pledge_simple_history", args=[pledge.pk, original.history_id])
    data = admin_form(curator_client, url)
    assert data["title"] == "Open a consulate in Ulaanbaatar"

    refused = curator_client.post(url, data)  # a revert changes the published record too
    assert refused.status_code == 200
    assert "give the public reason" in text(refused)
    pledge.refresh_from_db()
    assert pledge.title == "A wrong title"

    data["public_reason"] = "Reverted: the shorter title lost the city."
    assert curator_client.post(url, data).status_code == 302
    pledge.refresh_from_db()
    assert pledge.title == "Open a consulate in Ulaanbaatar"
    assert Correction.objects.first().changes == {
        "Title": ["A wrong title", "Open a consulate in Ulaanbaatar"]
    }


def test_editors_have_no_admin_history(editor_client, pledge):
    response = editor_client.get(reverse("admin:tracker_pledge_history", args=[pledge.pk]))
    assert response.status_code == 302 and "/en/admin/login/" in response["Location"]


# The public reason -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [("title", "Another title"), ("target_precision", "year"), ("target_date", "2027-01-01")],
)
def test_a_published_change_needs_a_public_reason(curator_client, pledge, field, value):
    changes = {field: value}
    if field == "target_precision":
        changes["target_date"] = "2027-01-01"
    response = edit(curator_client, pledge, **changes)
    assert response.status_code == 200
    assert "give the public reason for the correction" in text(response)
    assert Pledge.objects.get(pk=pledge.pk).title == "Open a consulate in Ulaanbaatar"
    assert pledge.history.count() == 1 and not Correction.objects.exists()


def test_a_correction_in_the_korean_admin_asks_in_korean_and_is_logged_in_english(
    curator_client, pledge
):
    """The curator reads which fields need a reason in their own language; the public log
    keeps the record's labels, whatever language the admin was in."""
    with translation.override("ko"):
        url = change_url(pledge)
    assert url.startswith("/ko/admin/")
    data = admin_form(curator_client, url)
    data["title"] = "Open a consulate-general in Ulaanbaatar"
    refused = curator_client.post(url, data)
    assert "공개된 기록을 바꾸는 수정입니다(제목)." in text(refused)
    assert not Correction.objects.exists()
    data["public_reason"] = "외교부 공지는 총영사관이라고 밝혔습니다."
    assert curator_client.post(url, data).status_code == 302
    correction = Correction.objects.get()
    assert correction.changes == {
        "Title": ["Open a consulate in Ulaanbaatar", "Open a consulate-general in Ulaanbaatar"]
    }


def test_a_typo_fix_on_a_draft_needs_no_reason(curator_client):
    draft = PledgeFactory(title="Open a consulat", is_published=False)
    response = edit(curator_client, draft, title="Open a consulate")
    assert response.status_code == 302
    assert Pledge.objects.get(pk=draft.pk).title == "Open a consulate"
    assert not Correction.objects.exists()


def test_a_pledge_in_a_draft_statement_needs_no_reason(curator_client):
    pledge = PledgeFactory(statement=StatementFactory(is_published=False))
    assert edit(curator_client, pledge, title="Fixed").status_code == 302
    assert not Correction.objects.exists()


def test_a_description_change_needs_no_reason(curator_client, pledge):
    assert edit(curator_client, pledge, description="Our summary.").status_code == 302
    assert not Correction.objects.exists()


def test_a_statement_date_change_needs_a_reason_and_is_logged(curator_client, curator, pledge):
    statement = pledge.statement
    refused = edit(curator_client, statement, date="2025-09-02")
    assert refused.status_code == 200 and "give the public reason" in text(refused)
    assert Statement.objects.get(pk=statement.pk).date.day == 1

    done = edit(curator_client, statement, date="2025-09-02", public_reason="The page is dated 2.")
    assert done.status_code == 302
    correction = Correction.objects.get()
    assert (correction.statement, correction.author) == (statement, curator)
    assert correction.changes == {"Date": ["2025-09-01", "2025-09-02"]}


def test_changing_a_published_statements_speakers_needs_a_reason(curator_client):
    speaker = SpeakerFactory(office="Minister of Foreign Affairs")
    statement = speaker.statement
    prefix = "speaker_set-0-office"
    refused = edit(curator_client, statement, **{prefix: "Vice Minister"})
    assert refused.status_code == 200 and "give the public reason" in text(refused)
    done = edit(
        curator_client,
        statement,
        **{prefix: "Vice Minister", "public_reason": "The readout names the vice minister."},
    )
    assert done.status_code == 302
    assert list(Correction.objects.values_list("changes", flat=True)) == [
        {
            "Speakers": [
                f"{speaker.person}, Minister of Foreign Affairs",
                f"{speaker.person}, Vice Minister",
            ]
        }
    ]


def test_an_inline_quote_change_on_the_statement_form_needs_a_reason(curator_client):
    statement = StatementFactory(
        text="Opening.\n\nWe will build a bridge by next year.\n\nAnd we will open a consulate."
    )
    pledge = PledgeFactory(statement=statement, quote="We will build a bridge by next year.")
    new_quote = "And we will open a consulate."
    refused = edit(curator_client, statement, **{"pledges-0-quote": new_quote})
    assert refused.status_code == 200 and "give the public reason" in text(refused)
    assert Pledge.objects.get(pk=pledge.pk).quote != new_quote
    done = edit(
        curator_client,
        statement,
        **{"pledges-0-quote": new_quote, "public_reason": "We quoted the wrong sentence."},
    )
    assert done.status_code == 302
    assert Correction.objects.get().pledge == pledge


# Where the public sees corrections -----------------------------------------------------------


def test_a_correction_shows_on_the_pledge_page_corrections_page_and_feed(
    client, curator_client, pledge
):
    edit(
        curator_client,
        pledge,
        title="Open a consulate-general in Ulaanbaatar",
        public_reason="The ministry's notice says consulate-general.",
    )
    correction = Correction.objects.get()
    made = timezone.localtime(correction.created_at)
    day = f"{made.day} {made:%B %Y}"

    page = text(client.get("/en/pledges/consulate/"))
    assert "The ministry's notice says consulate-general." in page
    assert f"correction-{correction.pk}" in page and day in page
    assert "Open a consulate in Ulaanbaatar" in page  # what it said before

    listing = text(client.get(reverse("correction_list")))
    assert "The ministry's notice says consulate-general." in listing
    assert 'href="/en/pledges/consulate/"' in listing

    response = client.get(reverse("correction_feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    [entry] = feed.entries
    assert entry.link.endswith(f"/en/pledges/consulate/#correction-{correction.pk}")
    assert "consulate-general" in entry.title
    assert "The ministry's notice says consulate-general." in html.unescape(entry.summary)


def test_a_statements_correction_is_in_the_feed_with_no_pledge_to_name(
    client, curator_client, pledge
):
    edit(
        curator_client,
        pledge.statement,
        date="2025-09-02",
        public_reason="The page is dated the 2nd.",
    )
    response = client.get(reverse("correction_feed"))
    assert response.status_code == 200
    [entry] = feedparser.parse(response.content).entries
    assert "Date" in html.unescape(entry.summary) and "2025-09-02" in entry.summary
    assert "author" not in entry


def test_corrections_to_hidden_records_stay_hidden(client, curator, pledge):
    Correction.record(pledge, {"Title": ["A", "B"]}, reason="HIDDEN REASON", author=curator)
    Pledge.objects.filter(pk=pledge.pk).update(is_published=False)
    assert "HIDDEN REASON" not in text(client.get(reverse("correction_list")))
    assert "HIDDEN REASON" not in text(client.get(reverse("correction_feed")))


def test_a_correction_needs_a_reason_in_the_model_too(curator, pledge):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        Correction.record(pledge, {"Title": ["A", "B"]}, reason="  ", author=curator)


def test_corrections_page_runs_a_fixed_number_of_queries(
    client, curator, django_assert_max_num_queries
):
    for i in range(30):
        subject = PledgeFactory() if i % 2 else StatementFactory()
        Correction.record(subject, {"Title": ["a", "b"]}, reason=f"Reason {i}", author=curator)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("correction_list"))
    assert response.status_code == 200 and "Reason 29" in text(response)


# Corrections to the status history ------------------------------------------------------------


def test_a_curator_withdraws_a_published_update_with_a_public_reason(
    client, curator_client, curator, editor, pledge
):
    first = published_update(
        pledge,
        status=Status.IN_PROGRESS,
        as_of=timezone.localdate(),
        public_note="Lease signed.",
        author=editor,
    )
    wrong = published_update(
        pledge,
        status=Status.ACHIEVED,
        as_of=timezone.localdate(),
        public_note="WRONG: opened.",
        author=editor,
    )
    url = reverse("staff:withdraw_update", args=[wrong.pk])
    refused = curator_client.post(url, {"reason": ""})
    assert refused.status_code == 422 and "This field is required" in text(refused)

    response = curator_client.post(url, {"reason": "The opening was postponed; we erred."})
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert (pledge.status, pledge.latest_update) == (Status.IN_PROGRESS, first)
    page = text(client.get(pledge.get_absolute_url()))
    assert "WRONG: opened." not in page.split('id="corrections"')[0]  # gone from the timeline
    assert "The opening was postponed; we erred." in page
    assert "The opening was postponed; we erred." in text(client.get("/en/corrections/feed/"))
    assert "WRONG" not in text(client.get("/en/feed/"))

    again = curator_client.post(url, {"reason": "Twice."})
    assert again.status_code == 409


def test_editors_cannot_withdraw(editor_client, editor, pledge):
    update = published_update(
        pledge,
        status=Status.IN_PROGRESS,
        as_of=timezone.localdate(),
        public_note="Begun.",
        author=editor,
    )
    url = reverse("staff:withdraw_update", args=[update.pk])
    assert editor_client.post(url, {"reason": "No."}).status_code == 403
    pledge.refresh_from_db()
    assert pledge.status == Status.IN_PROGRESS
