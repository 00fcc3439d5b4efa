"""The staff workspace: access, the worklist, recording updates, conflicts, the pledge page."""

import datetime
import html
import os
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    CounterpartFactory,
    PledgeFactory,
    StatementFactory,
    TopicFactory,
    UserFactory,
    published_update,
)
from tracker.models import Evidence, Pledge, Status, StatusUpdate

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def pledge(db):
    return PledgeFactory(
        title="Open a consulate in Ulaanbaatar",
        counterparts=[CounterpartFactory(name="Mongolia")],
        target_date=datetime.date(2020, 6, 1),
        target_precision="month",
    )


def update_url(pledge):
    return reverse("staff:record_update", args=[pledge.pk])


def form_data(pledge, version=None, evidence=(), **fields):
    """The POST an editor's browser sends for the update form."""
    p = f"p{pledge.pk}"
    data = {
        f"{p}-status": Status.IN_PROGRESS,
        f"{p}-as_of": timezone.localdate().isoformat(),
        f"{p}-public_note": "The ministry has signed the lease.",
        f"{p}-internal_note": "",
        f"{p}-version": pledge.version if version is None else version,
        f"{p}-evidence-TOTAL_FORMS": max(3, len(evidence)),
        f"{p}-evidence-INITIAL_FORMS": 0,
        f"{p}-evidence-MIN_NUM_FORMS": 0,
        f"{p}-evidence-MAX_NUM_FORMS": 20,
    }
    for i, (url, title) in enumerate(evidence):
        data[f"{p}-evidence-{i}-url"] = url
        data[f"{p}-evidence-{i}-title"] = title
    data.update({f"{p}-{name}": value for name, value in fields.items()})
    return data


def text(response):
    return html.unescape(response.content.decode())


# Access ------------------------------------------------------------------------------------


STAFF_GETS = ["staff:worklist", "staff:pledge_detail", "staff:history", "staff:record_update"]


@pytest.mark.parametrize("name", STAFF_GETS)
def test_anonymous_is_sent_to_login(client, pledge, name):
    url = reverse(name) if name == "staff:worklist" else reverse(name, args=[pledge.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_anonymous_htmx_request_redirects_the_whole_window(client):
    response = client.get(
        reverse("staff:worklist"), HTTP_HX_CURRENT_URL="http://testserver/en/staff/?q=x", **HX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/en/accounts/login/?next=/en/staff/%3Fq%3Dx"


def test_user_without_a_staff_group_is_forbidden(client):
    client.force_login(UserFactory(username="stranger"))
    assert client.get(reverse("staff:worklist")).status_code == 403


def test_reader_sees_the_worklist_but_no_update_buttons(reader_client, pledge):
    response = reader_client.get(reverse("staff:worklist"))
    assert response.status_code == 200
    assert pledge.title in text(response)
    assert update_url(pledge) not in text(response)


def test_reader_cannot_open_the_update_form(reader_client, pledge):
    assert reader_client.get(update_url(pledge)).status_code == 403
    assert reader_client.get(update_url(pledge), **HX).status_code == 403


def test_reader_post_is_refused_and_saves_nothing(reader_client, pledge):
    response = reader_client.post(update_url(pledge), form_data(pledge), **HX)
    assert response.status_code == 403
    assert not StatusUpdate.objects.exists()
    pledge.refresh_from_db()
    assert (pledge.status, pledge.version) == (Status.NOT_YET_RATED, 0)


def test_anonymous_post_is_redirected_and_saves_nothing(client, pledge):
    response = client.post(update_url(pledge), form_data(pledge))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not StatusUpdate.objects.exists()


def test_post_without_csrf_token_is_refused(editor, pledge):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    response = strict.post(update_url(pledge), form_data(pledge), **HX)
    assert response.status_code == 403
    assert not StatusUpdate.objects.exists()


def test_htmx_requests_carry_the_csrf_token_from_the_body(editor, pledge):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    page = strict.get(reverse("staff:worklist"))
    token = str(page.context["csrf_token"])
    assert f'hx-headers=\'{{"x-csrftoken": "{token}"}}\'' in page.content.decode()
    response = strict.post(update_url(pledge), form_data(pledge), HTTP_X_CSRFTOKEN=token, **HX)
    assert response.status_code == 200
    assert StatusUpdate.objects.count() == 1


def test_curator_can_record_an_update(curator_client, pledge):
    response = curator_client.post(update_url(pledge), form_data(pledge), **HX)
    assert response.status_code == 200
    pledge.refresh_from_db()
    assert pledge.status == Status.IN_PROGRESS


def test_staff_pages_are_private_and_vary_on_htmx(editor_client, pledge):
    for url in [reverse("staff:worklist"), reverse("staff:pledge_detail", args=[pledge.pk])]:
        response = editor_client.get(url)
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_worklist_accepts_only_get(editor_client, method):
    assert getattr(editor_client, method)(reverse("staff:worklist")).status_code == 405


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_record_update_accepts_only_get_and_post(editor_client, pledge, method):
    assert getattr(editor_client, method)(update_url(pledge)).status_code == 405


def test_pledge_page_history_and_row_accept_only_get(editor_client, pledge):
    for name in ["staff:pledge_detail", "staff:history", "staff:pledge_row"]:
        assert editor_client.post(reverse(name, args=[pledge.pk])).status_code == 405


def test_unknown_pledge_is_404(editor_client):
    assert editor_client.get(reverse("staff:pledge_detail", args=[999])).status_code == 404
    assert editor_client.post(reverse("staff:record_update", args=[999])).status_code == 404


# Login -------------------------------------------------------------------------------------


def test_login_page_uses_the_site_look(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = text(response)
    assert "Korea Pledge Tracker" in page
    assert "tracker/site.css" in page
    assert "Staff log in" in page


def test_login_takes_an_editor_to_the_worklist(client, editor):
    response = client.post(
        reverse("login"), {"username": "editor", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:worklist")


def test_wrong_password_shows_the_error_in_place(client, editor):
    response = client.post(reverse("login"), {"username": "editor", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in text(response)


def test_repeated_failures_lock_the_account_with_our_page(client, editor, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": "editor", "password": "nope"})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in text(response)
    assert "Korea Pledge Tracker" in text(response)


def test_logout_is_a_post(editor_client):
    response = editor_client.post(reverse("logout"))
    assert response.status_code == 302
    assert editor_client.get(reverse("staff:worklist")).status_code == 302


# The worklist ------------------------------------------------------------------------------


def test_worklist_shows_what_staff_need_on_each_row(editor_client, editor, pledge):
    published_update(
        pledge,
        status=Status.STALLED,
        as_of=datetime.date(2025, 10, 2),
        public_note="Lease talks stopped.",
        author=editor,
    )
    response = editor_client.get(reverse("staff:worklist"))
    page = text(response)
    assert response.status_code == 200
    assert "Open a consulate in Ulaanbaatar" in page
    assert 'badge badge--stalled">Stalled' in page
    assert "Mongolia" in page
    assert pledge.statement.title in page and "1 September 2025" in page
    assert "June 2020" in page
    assert "badge--overdue" in page
    assert "2 Oct 2025" in page and "by editor" in page


def test_htmx_filter_request_gets_only_the_results(editor_client, pledge):
    response = editor_client.get(reverse("staff:worklist"), {"q": "consulate"}, **HX)
    page = text(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="worklist-results"')
    assert "<html" not in page and 'role="search"' not in page
    assert pledge.title in page


def test_history_restore_gets_the_full_page(editor_client, pledge):
    response = editor_client.get(
        reverse("staff:worklist"),
        {"q": "consulate"},
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
        **HX,
    )
    assert "<html" in text(response) and 'role="search"' in text(response)


def test_without_htmx_the_filter_form_renders_the_full_page(editor_client, pledge):
    response = editor_client.get(reverse("staff:worklist"), {"status": "not_yet_rated"})
    page = text(response)
    assert "<html" in page
    assert '<option value="not_yet_rated" selected>' in page
    assert pledge.title in page


@pytest.fixture
def varied(editor):
    """Pledges that differ in each filtered property."""
    today = timezone.localdate()
    korea_japan = StatementFactory(title="Korea-Japan summit", slug="korea-japan-summit")
    japan = CounterpartFactory(name="Japan")
    energy = TopicFactory(name="Energy")
    overdue = PledgeFactory(
        title="Overdue bridge",
        target_date=today - datetime.timedelta(days=3),
        target_precision="day",
    )
    achieved_late = PledgeFactory(
        title="Achieved late", target_date=datetime.date(2020, 1, 1), target_precision="day"
    )
    published_update(
        achieved_late, status=Status.ACHIEVED, as_of=today, public_note="Done.", author=editor
    )
    in_japan = PledgeFactory(
        title="Japan hydrogen", statement=korea_japan, counterparts=[japan], topics=[energy]
    )
    in_japan.record_update(
        status=Status.IN_PROGRESS, as_of=today, public_note="Begun.", author=editor
    )
    quiet = PledgeFactory(title="Quiet pledge")
    quiet.record_update(status=Status.IN_PROGRESS, as_of=today, public_note="Begun.", author=editor)
    long_ago = timezone.now() - datetime.timedelta(days=120)
    StatusUpdate.objects.filter(pk=quiet.latest_update_id).update(created_at=long_ago)
    never = PledgeFactory(title="Never touched")
    Pledge.objects.filter(pk=never.pk).update(created_at=long_ago)
    return locals()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "in_progress"}, {"Japan hydrogen", "Quiet pledge"}),
        ({"counterpart": "japan"}, {"Japan hydrogen"}),
        ({"topic": "energy"}, {"Japan hydrogen"}),
        ({"statement": "korea-japan-summit"}, {"Japan hydrogen"}),
        ({"overdue": "on"}, {"Overdue bridge"}),
        ({"quiet": "on"}, {"Quiet pledge", "Never touched"}),
        ({"unrated": "on"}, {"Overdue bridge", "Never touched"}),
        ({"q": "hydrogen"}, {"Japan hydrogen"}),
        ({"q": "nothing like this"}, set()),
        ({"status": "in_progress", "topic": "energy"}, {"Japan hydrogen"}),
    ],
)
def test_filters(editor_client, varied, params, expected):
    response = editor_client.get(reverse("staff:worklist"), params, **HX)
    shown = {pledge.title for pledge in response.context["page_obj"]}
    assert shown == expected


def test_no_match_says_so_and_offers_to_clear(editor_client, varied):
    response = editor_client.get(reverse("staff:worklist"), {"q": "zebra"}, **HX)
    assert "No pledges match these filters." in text(response)
    assert "Clear all filters" in text(response)


def test_empty_worklist_says_there_are_no_pledges(editor_client):
    response = editor_client.get(reverse("staff:worklist"))
    assert "No pledges yet." in text(response)


def test_a_statement_outside_the_recent_list_can_still_be_filtered(editor_client):
    old = StatementFactory(
        title="An old speech", slug="an-old-speech", date=datetime.date(1999, 1, 1)
    )
    PledgeFactory(title="Old pledge", statement=old)
    for _ in range(55):
        StatementFactory()
    response = editor_client.get(reverse("staff:worklist"), {"statement": "an-old-speech"})
    assert [p.title for p in response.context["page_obj"]] == ["Old pledge"]
    assert '<option value="an-old-speech" selected>An old speech</option>' in text(response)


def test_an_unknown_filter_value_is_shown_and_ignored(editor_client, varied):
    response = editor_client.get(reverse("staff:worklist"), {"counterpart": "atlantis"})
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert response.context["page_obj"].paginator.count == 5


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("title", "Achieved late"),
        ("target", "Achieved late"),
        ("-updated", "Japan hydrogen"),
        ("updated", "Overdue bridge"),
        ("status", "Overdue bridge"),
    ],
)
def test_sorting(editor_client, varied, sort, first):
    response = editor_client.get(reverse("staff:worklist"), {"sort": sort})
    assert next(iter(response.context["page_obj"])).title == first


def test_an_unknown_sort_falls_back_to_the_default(editor_client, varied):
    response = editor_client.get(reverse("staff:worklist"), {"sort": "password; drop table"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 5


def test_pagination_of_fifty_never_fails_on_odd_page_numbers(editor_client):
    PledgeFactory.create_batch(51)
    page2 = editor_client.get(reverse("staff:worklist"), {"page": "2"}, **HX)
    assert len(page2.context["page_obj"]) == 1
    assert "page 2 of 2" in text(page2)
    for odd in ["999999999999", "-1", "abc", ""]:
        response = editor_client.get(reverse("staff:worklist"), {"page": odd})
        assert response.status_code == 200


def test_pagination_links_keep_the_filters(editor_client):
    PledgeFactory.create_batch(51)
    response = editor_client.get(reverse("staff:worklist"), {"status": "not_yet_rated"})
    assert "?status=not_yet_rated&amp;page=2" in response.content.decode()


# Recording an update -----------------------------------------------------------------------


def test_htmx_opens_the_form_inline_with_the_pledge_version(editor_client, editor, pledge):
    pledge.record_update(
        status=Status.NOT_STARTED,
        as_of=datetime.date(2025, 1, 1),
        public_note="Assessed.",
        author=editor,
    )
    response = editor_client.get(update_url(pledge), **HX)
    page = text(response)
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<tbody id="pledge-{pledge.pk}"')
    assert f'name="p{pledge.pk}-version" value="1"' in page
    assert f'value="{timezone.localdate().isoformat()}"' in page
    assert 'hx-post="' + update_url(pledge) + '"' in page
    assert "data-cancel" in page


def test_without_htmx_the_update_link_opens_the_pledge_page_with_the_form(editor_client, pledge):
    response = editor_client.get(update_url(pledge), {"next": "/en/staff/?status=stalled"})
    page = text(response)
    assert "<html" in page and "Record an update" in page
    assert 'name="next" value="/en/staff/?status=stalled"' in page
    assert "hx-post" not in page


def test_it_records_an_evidenced_update_and_swaps_the_row(editor_client, editor, pledge):
    data = form_data(
        pledge,
        internal_note="Confirmed by phone with the desk officer.",
        evidence=[("https://mofa.go.kr/lease", "Lease signed"), ("http://example.org/b", "Photo")],
    )
    response = editor_client.post(update_url(pledge), data, **HX)
    page = text(response)
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<tbody id="pledge-{pledge.pk}"')
    assert 'badge badge--in_progress">In progress' in page
    assert "✓ Saved" in page and "data-focus" in page
    assert 'hx-swap-oob="innerHTML:#messages"' in page
    assert "is now In progress" in page
    assert "<form" not in page

    pledge.refresh_from_db()
    update = pledge.latest_update
    assert (pledge.status, pledge.version) == (Status.IN_PROGRESS, 1)
    assert update.author == editor
    assert update.previous_status == Status.NOT_YET_RATED
    assert update.internal_note == "Confirmed by phone with the desk officer."
    assert list(update.evidence.values_list("url", "title")) == [
        ("https://mofa.go.kr/lease", "Lease signed"),
        ("http://example.org/b", "Photo"),
    ]


def test_without_htmx_it_redirects_back_with_a_message(editor_client, pledge):
    data = form_data(pledge, next="/en/staff/?status=not_yet_rated")
    data["next"] = "/en/staff/?status=not_yet_rated"
    response = editor_client.post(update_url(pledge), data, follow=True)
    assert response.redirect_chain == [("/en/staff/?status=not_yet_rated", 302)]
    assert "is now In progress" in text(response)
    assert StatusUpdate.objects.count() == 1


def test_an_unsafe_next_is_ignored(editor_client, pledge):
    data = form_data(pledge)
    data["next"] = "https://evil.example/"
    response = editor_client.post(update_url(pledge), data)
    assert response["Location"] == reverse("staff:pledge_detail", args=[pledge.pk])


def test_same_status_needs_no_note(editor_client, pledge):
    data = form_data(pledge, status=Status.NOT_YET_RATED, public_note="")
    assert editor_client.post(update_url(pledge), data, **HX).status_code == 200
    assert StatusUpdate.objects.count() == 1


BAD_INPUTS = [
    ({"as_of": "2999-01-01"}, (), "The as-of date cannot be in the future."),
    ({"as_of": "yesterday"}, (), "Enter a valid date."),
    ({"public_note": "   "}, (), "explain why in a public note"),
    ({"status": "finished"}, (), "Select a valid choice."),
    ({}, [("javascript:alert(1)", "Click me")], "must start with http:// or https://"),
    ({}, [("ftp://example.org/file", "A file")], "must start with http:// or https://"),
    ({}, [("https://example.org/a", "")], "Give this link a title."),
    ({}, [("", "A title without its link")], "Add the link for this title, or clear it."),
    ({}, [("https://example.org/a", "T" * 301)], "at most 300 characters"),
]


@pytest.mark.parametrize(("fields", "evidence", "message"), BAD_INPUTS)
def test_bad_input_is_refused_in_place_keeping_every_character(
    editor_client, pledge, fields, evidence, message
):
    typed_note = "  Line one <b>&amp; 'quoted'\n\n  한국어 — the whole text, kept.  " + "x" * 5000
    fields = {"internal_note": typed_note, **fields}
    data = form_data(pledge, evidence=evidence, **fields)
    response = editor_client.post(update_url(pledge), data, **HX)
    page = text(response)
    assert response.status_code == 422
    assert message in page
    assert "Nothing was saved." in page
    assert page.lstrip().startswith(f'<tbody id="pledge-{pledge.pk}"')
    assert 'hx-swap-oob="innerHTML:#messages"' in page
    for value in data.values():
        assert str(value) in page
    assert not StatusUpdate.objects.exists() and not Evidence.objects.exists()
    pledge.refresh_from_db()
    assert pledge.version == 0


def test_without_htmx_bad_input_re_renders_the_pledge_page(editor_client, pledge):
    data = form_data(pledge, as_of="2999-01-01", public_note="Kept note")
    response = editor_client.post(update_url(pledge), data)
    assert response.status_code == 422
    page = text(response)
    assert "<html" in page and "The as-of date cannot be in the future." in page
    assert 'class="message message--error">Not saved: please fix' in page
    assert "Kept note" in page
    assert not StatusUpdate.objects.exists()


def test_a_tampered_version_is_refused(editor_client, pledge):
    response = editor_client.post(update_url(pledge), form_data(pledge, version="abc"), **HX)
    assert response.status_code == 422
    assert not StatusUpdate.objects.exists()


# Two editors at once -----------------------------------------------------------------------


def second_editor_client():
    other = Client()
    other.force_login(UserFactory(username="editor2", groups=["Editors"]))
    return other


def test_a_stale_form_is_refused_with_the_newer_update_and_the_text_kept(editor_client, pledge):
    other = second_editor_client()
    # Both open the form on version 0.
    mine = editor_client.get(update_url(pledge), **HX)
    theirs = other.get(update_url(pledge), **HX)
    assert 'value="0"' in text(mine) and 'value="0"' in text(theirs)

    first = form_data(pledge, status=Status.IN_PROGRESS, public_note="Budget frozen in March.")
    assert other.post(update_url(pledge), first, **HX).status_code == 200

    my_text = "Ground broken on 3 May; see the embassy's photos."
    mine = form_data(
        pledge,
        version=0,
        public_note=my_text,
        internal_note="Call back Kim.",
        evidence=[("https://example.org/photos", "Embassy photos")],
    )
    response = editor_client.post(update_url(pledge), mine, **HX)
    page = text(response)
    assert response.status_code == 409
    assert "Someone else updated this pledge" in page
    assert 'badge badge--in_progress">In progress' in page
    assert "Budget frozen in March." in page and "editor2" in page
    assert my_text in page and "Call back Kim." in page
    assert "https://example.org/photos" in page and "Embassy photos" in page
    assert f'name="p{pledge.pk}-version" value="1"' in page
    assert StatusUpdate.objects.count() == 1
    pledge.refresh_from_db()
    assert (pledge.status, pledge.version) == (Status.IN_PROGRESS, 1)

    # Re-submitting on purpose records it after theirs: nothing is lost.
    mine[f"p{pledge.pk}-version"] = 1
    assert editor_client.post(update_url(pledge), mine, **HX).status_code == 200
    pledge.refresh_from_db()
    assert pledge.version == 2
    assert list(pledge.updates.values_list("public_note", flat=True)) == [
        my_text,
        "Budget frozen in March.",
    ]


def test_without_htmx_a_stale_form_shows_the_conflict_on_the_pledge_page(editor_client, pledge):
    other = second_editor_client()
    other.post(update_url(pledge), form_data(pledge, public_note="Theirs"))
    response = editor_client.post(
        update_url(pledge), form_data(pledge, version=0, public_note="Mine")
    )
    assert response.status_code == 409
    page = text(response)
    assert "<html" in page and "Someone else updated this pledge" in page
    assert "Mine" in page and "Theirs" in page
    assert StatusUpdate.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL's row locks and real concurrent connections",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_submits_on_postgres_record_exactly_one(transactional_db):
    """Two editors press Save at the same instant, many times: one wins, one gets 409."""
    pledge = PledgeFactory()
    clients = []
    for name in ["editor", "editor2"]:
        client = Client()
        client.force_login(UserFactory(username=name, groups=["Editors"]))
        clients.append(client)

    for round_ in range(8):
        version = Pledge.objects.get(pk=pledge.pk).version
        barrier = threading.Barrier(2)
        statuses = []

        def submit(client, note, version=version, barrier=barrier, statuses=statuses):
            try:
                barrier.wait()
                data = form_data(pledge, version=version, public_note=note)
                statuses.append(client.post(update_url(pledge), data, **HX).status_code)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=submit, args=(client, f"round {round_} by {i}"))
            for i, client in enumerate(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 409]
        assert StatusUpdate.objects.filter(pledge=pledge).count() == round_ + 1
        assert Pledge.objects.get(pk=pledge.pk).version == version + 1


# The staff pledge page ---------------------------------------------------------------------


@pytest.fixture
def long_history(editor, pledge):
    for day in range(1, 13):
        pledge.record_update(
            status=Status.IN_PROGRESS if day % 2 else Status.STALLED,
            as_of=datetime.date(2025, 1, day),
            public_note=f"Public step {day}",
            internal_note=f"Internal step {day}",
            evidence=[(f"https://example.org/{day}", f"Source {day}")],
            author=editor,
        )
    return pledge


def test_pledge_page_shows_the_history_newest_first_with_internal_notes(
    reader_client, long_history
):
    response = reader_client.get(reverse("staff:pledge_detail", args=[long_history.pk]))
    page = text(response)
    assert response.status_code == 200
    assert page.index("Public step 12") < page.index("Public step 11")
    assert "Internal step 12" in page and "Source 12" in page
    assert "Public step 2" not in page
    assert "Load older updates" in page
    assert "Record an update" not in page  # a reader looks, and changes nothing


def test_load_more_appends_the_next_page(editor_client, long_history):
    url = reverse("staff:history", args=[long_history.pk])
    response = editor_client.get(url, {"page": 2}, **HX)
    page = text(response)
    assert page.lstrip().startswith('<li class="history__item"')
    assert "Public step 2" in page and "Internal step 1" in page
    assert "Public step 3" not in page and "Load older updates" not in page
    assert "<html" not in page


def test_history_without_htmx_is_the_whole_page(editor_client, long_history):
    url = reverse("staff:history", args=[long_history.pk])
    page = text(editor_client.get(url, {"page": 2}))
    assert "<html" in page and "Public step 2" in page and "Back to the newest updates" in page
    assert editor_client.get(url, {"page": "9999"}).status_code == 200


def test_pledge_page_by_slug_redirects_to_the_id(editor_client, pledge):
    response = editor_client.get(f"/en/staff/pledges/{pledge.slug}/")
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:pledge_detail", args=[pledge.pk])


def test_pledge_page_for_an_editor_has_the_form(editor_client, pledge):
    page = text(editor_client.get(reverse("staff:pledge_detail", args=[pledge.pk])))
    assert "Record an update" in page and "No updates recorded yet." in page


def test_cancel_puts_the_row_back(editor_client, pledge):
    url = reverse("staff:pledge_row", args=[pledge.pk])
    response = editor_client.get(url, **HX)
    page = text(response)
    assert page.lstrip().startswith(f'<tbody id="pledge-{pledge.pk}"')
    assert "<form" not in page and "data-focus" in page
    assert editor_client.get(url).status_code == 302


def test_an_update_with_no_staff_account_says_so_instead_of_unknown(editor_client, record):
    """Follow-up loaded from the research fixture has no author: the worklist says where it
    came from rather than "by unknown"."""
    record.dialogue.record_update(
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 1, 1),
        public_note="Under way.",
        author=None,
    )
    page = editor_client.get("/en/staff/?reset", follow=True).content.decode()
    assert "by no staff account (loaded research)" in page
    assert "by unknown" not in page
