"""The server-side page cache: repeat visits cost one query, and a write shows at once."""

import time

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import PledgeFactory
from tracker import caching
from tracker.models import Revision, Status

pytestmark = pytest.mark.django_db


def test_a_repeat_visit_is_served_from_the_cache(client, django_assert_num_queries):
    pledge = PledgeFactory(title="Host the APEC summit")
    first = client.get(pledge.get_absolute_url())
    assert "Host the APEC summit" in first.content.decode()
    # Only the revision and the pledge's own version, to know the page is current.
    with django_assert_num_queries(2):
        again = client.get(pledge.get_absolute_url())
    assert again.content == first.content


def test_a_new_status_update_is_visible_at_once(client, editor):
    pledge = PledgeFactory()
    assert "Talks resumed in Geneva" not in client.get(pledge.get_absolute_url()).content.decode()
    assert "Talks resumed in Geneva" not in client.get("/en/").content.decode()
    pledge.record_update(
        status=Status.IN_PROGRESS,
        as_of=timezone.localdate(),
        public_note="Talks resumed in Geneva.",
        author=editor,
    )
    assert "Talks resumed in Geneva" in client.get(pledge.get_absolute_url()).content.decode()
    assert "In progress" in client.get("/en/").content.decode()


def test_unpublishing_removes_the_page_at_once(client):
    pledge = PledgeFactory()
    assert client.get(pledge.get_absolute_url()).status_code == 200
    pledge.is_published = False
    pledge.save()
    assert client.get(pledge.get_absolute_url()).status_code == 404


def test_signed_in_staff_are_not_served_cached_pages(client, editor, django_assert_max_num_queries):
    pledge = PledgeFactory()
    client.get(pledge.get_absolute_url())
    client.force_login(editor)
    with django_assert_max_num_queries(50) as ctx:
        client.get(pledge.get_absolute_url())
    assert len(ctx.captured_queries) > 1


def test_the_fragment_and_the_page_are_cached_apart(client):
    PledgeFactory(title="Open a dialogue")
    page = client.get("/en/pledges/")
    fragment = client.get("/en/pledges/", headers={"HX-Request": "true"})
    assert b"<html" in page.content
    assert b"<html" not in fragment.content
    assert b"Open a dialogue" in fragment.content


def test_pages_outside_the_public_site_never_touch_the_cache(client, django_assert_num_queries):
    # A 404 and the log-in page are served without reading the revision: when the
    # database is down they still answer (see tracker.errors for the 503).
    with django_assert_num_queries(0):
        assert client.get("/no-such-page/").status_code == 404
        assert client.get("/en/accounts/login/").status_code == 200


def test_feeds_are_cached_too(client, django_assert_num_queries):
    PledgeFactory()
    first = client.get("/en/feed/")
    with django_assert_num_queries(1):
        assert client.get("/en/feed/").content == first.content


def test_a_csrf_failure_gets_the_sites_own_page(client):
    client = type(client)(enforce_csrf_checks=True)
    response = client.post("/en/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_with_the_memo_a_write_elsewhere_shows_once_the_memo_expires(
    settings, client, monkeypatch, django_assert_num_queries
):
    """Another worker's write (or one through a pooler that drops NOTIFY) is seen here
    within TRACKER_REVISION_MEMO_SECONDS, never later."""
    settings.TRACKER_REVISION_MEMO_SECONDS = 1
    now = [1000.0]
    monkeypatch.setattr("tracker.caching.time.monotonic", lambda: now[0])
    pledge = PledgeFactory(title="Open the consulate")
    url = "/en/pledges/"
    client.get(url)
    with django_assert_num_queries(0):  # the revision remembered, the page cached
        assert b"Open the consulate" in client.get(url).content

    # Another process writes: this one hears nothing of it (no signal, no NOTIFY).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tracker_pledge SET title = 'Consulate opened' WHERE id = %s", [pledge.pk]
        )
        cursor.execute(
            "UPDATE tracker_revision SET number = number + 1, broad = broad + 1 WHERE id = 1"
        )
    now[0] += 0.9
    assert b"Open the consulate" in client.get(url).content  # stale, within the lifetime
    now[0] += 0.2
    assert b"Consulate opened" in client.get(url).content


def test_with_the_memo_a_write_in_this_process_shows_at_once(settings, client, editor):
    settings.TRACKER_REVISION_MEMO_SECONDS = 60
    pledge = PledgeFactory()
    client.get(pledge.get_absolute_url())
    pledge.record_update(
        status=Status.IN_PROGRESS,
        as_of=timezone.localdate(),
        public_note="Talks resumed in Geneva.",
        author=editor,
    )
    assert "Talks resumed in Geneva" in client.get(pledge.get_absolute_url()).content.decode()


def test_a_database_outage_on_a_public_page_is_a_503_with_the_security_policy(client, monkeypatch):
    from django.db import OperationalError

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(Revision, "current", unreachable)
    client.raise_request_exception = False
    response = client.get("/en/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "connection refused" not in response.content.decode()


@pytest.fixture
def someone_is_rendering(monkeypatch):
    """Every page's new version is being rendered by another request right now."""
    monkeypatch.setattr(caching.cache, "add", lambda *args, **kwargs: False)


def test_while_another_request_renders_a_page_afresh_readers_get_the_copy_before(
    settings, client, monkeypatch
):
    settings.TRACKER_STALE_SECONDS = 2
    PledgeFactory(title="Open a dialogue")
    assert b"Open a dialogue" in client.get("/en/pledges/").content
    PledgeFactory(title="Host a summit")
    monkeypatch.setattr(caching.cache, "add", lambda *args, **kwargs: False)  # as in the fixture
    stale = client.get("/en/pledges/")
    assert b"Open a dialogue" in stale.content and b"Host a summit" not in stale.content
    # Never a copy older than the bound: past it, a reader renders the page themself.
    rendered_at = time.time()
    monkeypatch.setattr(caching.time, "time", lambda: rendered_at + 2.5)
    assert b"Host a summit" in client.get("/en/pledges/").content


def test_with_no_stale_seconds_every_reader_renders_the_new_version(
    settings, client, someone_is_rendering
):
    settings.TRACKER_STALE_SECONDS = 0
    client.get("/en/pledges/")
    PledgeFactory(title="Host a summit")
    assert b"Host a summit" in client.get("/en/pledges/").content


def test_signed_in_staff_never_get_a_stale_page(settings, client, editor, someone_is_rendering):
    settings.TRACKER_STALE_SECONDS = 60
    pledge = PledgeFactory()
    client.get("/en/pledges/")
    client.get(pledge.get_absolute_url())
    client.force_login(editor)
    pledge.record_update(
        status=Status.IN_PROGRESS,
        as_of=timezone.localdate(),
        public_note="Talks resumed in Geneva.",
        author=editor,
    )
    assert "Talks resumed in Geneva" in client.get(pledge.get_absolute_url()).content.decode()
    assert "In progress" in client.get("/en/pledges/").content.decode()
