"""Issue 16's security review: each finding, as the request that found it.

Every test here failed before its fix. The NUL-byte ones fail only on PostgreSQL, which
refuses NUL in text (SQLite stores it), so CI's PostgreSQL pass is the one that guards them.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PledgeFactory, StatementFactory
from tests.public_record import body, data_urls, public_urls
from tests.test_staff import form_data
from tracker.models import NOTE_LIMIT, Pledge, Status, StatusUpdate
from tracker.templatetags.tracker_tags import highlight

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge():
    return PledgeFactory()


# The five 500s -----------------------------------------------------------------------------


def test_an_overlong_login_username_is_a_form_error_not_a_500(client):
    response = client.post(reverse("login"), {"username": "u" * 300, "password": "wrong"})
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()


def test_a_next_that_looks_like_a_view_name_is_ignored(editor_client, pledge):
    data = form_data(pledge) | {"next": "overview"}
    response = editor_client.post(reverse("staff:record_update", args=[pledge.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:pledge_detail", args=[pledge.pk])
    pledge.refresh_from_db()
    assert pledge.status == Status.IN_PROGRESS


def test_a_stale_form_with_a_decimal_version_gets_the_conflict(editor_client, pledge, editor):
    pledge.record_update(
        status=Status.NOT_STARTED, as_of=timezone.localdate(), public_note="x", author=editor
    )
    data = form_data(pledge, version="0.0")
    response = editor_client.post(
        reverse("staff:record_update", args=[pledge.pk]), data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 409
    assert "someone else updated" in response.content.decode()
    assert Pledge.objects.get(pk=pledge.pk).version == 1


@pytest.mark.parametrize(
    "url",
    [
        "/en/staff/?statement=%00",
        "/en/pledges/?q=%00",
        "/en/pledges/?topic=%00",
        "/en/admin/tracker/statement/?kind__exact=%00",
        "/en/admin/tracker/statusupdate/?status__exact=%00",
        "/en/admin/tracker/pledge/?status__exact=%00",
    ],
)
def test_a_nul_byte_in_the_query_string_is_a_400(curator_client, url):
    response = curator_client.get(url)
    assert response.status_code == 400


# Authenticated responses -------------------------------------------------------------------


def test_a_signed_in_readers_public_pages_are_private_and_untagged(editor_client, record):
    anonymous = Client()
    for url in public_urls(record) + data_urls(record):
        response = editor_client.get(url)
        assert response.status_code == 200, url
        cache_control = response["Cache-Control"]
        assert "private" in cache_control and "public" not in cache_control, url
        assert "Cookie" in response["Vary"], url
        assert "ETag" not in response, url
        public = anonymous.get(url)
        assert "Cookie" in public["Vary"], url
        assert public["ETag"], url


def test_an_editors_flash_message_never_gets_a_public_cache_header(editor_client, record):
    pledge = record.aid
    editor_client.post(reverse("staff:record_update", args=[pledge.pk]), form_data(pledge))
    response = editor_client.get(pledge.get_absolute_url())
    assert "is now In progress" in body(response)
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


# Absolute URLs come from the configured origin -----------------------------------------------


ORIGIN = "https://pledges.example"


def test_absolute_urls_come_from_the_configured_origin_never_the_host(client, record, settings):
    settings.TRACKER_ORIGIN = ORIGIN
    hostile = {"HTTP_HOST": "127.0.0.1:1337"}
    pledge_page = body(client.get(f"/en/pledges/{record.aid.slug}/", **hostile))
    assert f'<link rel="canonical" href="{ORIGIN}/en/pledges/{record.aid.slug}/">' in pledge_page
    assert f'content="{ORIGIN}/en/pledges/{record.aid.slug}/"' in pledge_page
    statement_page = body(client.get(f"/en/statements/{record.forum.slug}/", **hostile))
    assert f'href="{ORIGIN}/en/statements/{record.forum.slug}/"' in statement_page
    for url in data_urls(record):
        text = body(client.get(url, **hostile))
        assert "1337" not in text, url
        assert ORIGIN in text, url


def test_the_json_next_link_uses_the_origin(client, settings):
    settings.TRACKER_ORIGIN = ORIGIN
    PledgeFactory.create_batch(101)
    data = client.get("/api/pledges.json", HTTP_HOST="127.0.0.1:1337").json()
    assert data["next"] == f"{ORIGIN}/api/pledges.json?page=2"


# Login throttling behind a proxy ------------------------------------------------------------


def login(client, username, password, forwarded_for):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.2",  # the proxy: every client arrives from it
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.fixture
def behind_proxy(settings):
    settings.TRACKER_TRUSTED_PROXIES = 1


def test_a_stranger_cannot_lock_a_staff_member_out_for_everyone(client, editor, behind_proxy):
    for _ in range(settings_limit()):
        assert login(client, "editor", "wrong", "203.0.113.9").status_code in (200, 429)
    assert login(client, "editor", "wrong", "203.0.113.9").status_code == 429
    ok = login(Client(), "editor", "correct horse battery staple", "198.51.100.7")
    assert ok.status_code == 302


def test_spraying_many_usernames_from_one_address_is_locked(client, editor, behind_proxy):
    for n in range(settings_limit()):
        login(client, f"staff{n}", "wrong", "203.0.113.9")
    locked = login(client, "editor", "correct horse battery staple", "203.0.113.9")
    assert locked.status_code == 429


def test_a_forged_forwarded_for_does_not_escape_the_lock(client, editor, behind_proxy):
    # The proxy appends the address it saw; whatever the client wrote comes before it.
    for n in range(settings_limit()):
        login(client, f"staff{n}", "wrong", f"192.0.2.{n}, 203.0.113.9")
    locked = login(client, "editor", "correct horse battery staple", "192.0.2.99, 203.0.113.9")
    assert locked.status_code == 429


def settings_limit():
    from django.conf import settings

    return settings.AXES_FAILURE_LIMIT


# Highlighting ---------------------------------------------------------------------------


def test_a_one_letter_quote_is_refused(db):
    pledge = PledgeFactory.build(statement=StatementFactory(), quote="e", title="Short")
    with pytest.raises(ValidationError) as error:
        pledge.full_clean()
    assert "cannot be a pledge" in str(error.value.message_dict["quote"])


def test_a_quote_that_occurs_thousands_of_times_is_highlighted_everywhere_once():
    text = "\n\n".join(["We will build a bridge and a road. " * 20] * 100)
    html = highlight(text, [("a road", "/p/", "road", "")])
    assert html.count('<mark id="road"') == 1
    assert html.count("<mark") == 2000
    assert html.count("<p>") == 100


# Backfilled events --------------------------------------------------------------------------


def backfill(editor):
    """An event of October 2025 recorded, then an older one of March 2024 found and added."""
    pledge = PledgeFactory()
    pledge.record_update(
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 10, 1),
        public_note="The 2025 step.",
        author=editor,
    )
    older = pledge.record_update(
        status=Status.NOT_STARTED,
        as_of=datetime.date(2024, 3, 1),
        public_note="The 2024 step, found later.",
        author=editor,
    )
    return pledge, older


def test_a_backfilled_update_does_not_become_current(editor):
    pledge, older = backfill(editor)
    pledge.refresh_from_db()
    assert pledge.status == Status.IN_PROGRESS
    assert pledge.latest_update.as_of == datetime.date(2025, 10, 1)
    assert pledge.version == 2
    assert older.previous_status == Status.NOT_YET_RATED  # what stood before March 2024


def test_the_timeline_is_in_order_of_the_events(client, editor):
    pledge, _ = backfill(editor)
    html = body(client.get(pledge.get_absolute_url()))
    assert html.index("The 2025 step.") < html.index("The 2024 step, found later.")


def test_refreshing_status_from_history_also_takes_the_latest_event(editor):
    pledge, _ = backfill(editor)
    Pledge.objects.filter(pk=pledge.pk).update(status=Status.BROKEN)
    Pledge.objects.filter(pk=pledge.pk).refresh_status()
    assert Pledge.objects.get(pk=pledge.pk).status == Status.IN_PROGRESS


def test_about_says_what_becomes_current_when_an_event_is_backfilled(client, db):
    html = body(client.get("/en/about/"))
    assert 'id="backfill"' in html
    assert "does not become the current status" in html


# Length limits ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["public_note", "internal_note"])
def test_an_overlong_note_is_a_422_with_the_text_kept(editor_client, pledge, field):
    note = "Long. " * (NOTE_LIMIT // 6 + 1)
    data = form_data(pledge) | {f"p{pledge.pk}-{field}": note}
    response = editor_client.post(
        reverse("staff:record_update", args=[pledge.pk]), data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f"at most {NOTE_LIMIT:,} characters, and this has {len(note.strip())}" in html
    assert note.strip() in html  # kept for the editor to shorten
    assert not StatusUpdate.objects.filter(pledge=pledge).exists()


def test_record_update_refuses_an_overlong_note_from_any_caller(pledge, editor):
    with pytest.raises(ValidationError):
        pledge.record_update(
            status=Status.IN_PROGRESS,
            as_of=timezone.localdate(),
            public_note="x" * (NOTE_LIMIT + 1),
            author=editor,
        )
    assert not StatusUpdate.objects.exists()


def test_the_admin_refuses_an_overlong_pledge_description(curator_client, pledge):
    url = reverse("admin:tracker_pledge_change", args=[pledge.pk])
    form = curator_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {
        "statement": pledge.statement.pk,
        "description": "x" * (NOTE_LIMIT + 1),
        "counterparts": [],
        "topics": [],
        "restatements-TOTAL_FORMS": 0,
        "restatements-INITIAL_FORMS": 0,
        "updates-TOTAL_FORMS": 0,
        "updates-INITIAL_FORMS": 0,
    }
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert "at most 5000 characters" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.description == ""


# Unknown query parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, target",
    [
        ("/en/?utm_source=x", "/en/"),
        ("/en/pledges/?status=achieved&utm=1&page=2", "/en/pledges/?status=achieved&page=2"),
        ("/api/pledges.json?cb=123", "/api/pledges.json"),
        ("/en/feed/?x=1", "/en/feed/"),
        ("/en/statements/?page=2&fbclid=abc", "/en/statements/?page=2"),
    ],
)
def test_unknown_parameters_are_redirected_away(client, record, url, target):
    response = client.get(url)
    assert response.status_code == 301
    assert response["Location"] == target


def test_a_flood_of_cache_busters_adds_nothing_to_the_cache(client, record):
    from django.core.cache import cache

    def entries():  # local memory (SQLite pass) or Redis (.ci/run's PostgreSQL pass)
        backend = cache._cache
        if hasattr(backend, "get_client"):
            return backend.get_client(None).dbsize()
        return len(backend)

    client.get("/en/")
    before = entries()
    for n in range(50):
        assert client.get(f"/en/?utm={n}").status_code == 301
    assert entries() == before
