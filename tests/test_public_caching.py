"""Conditional GET: unchanged pages cost one query and a 304; a write shows at once."""

import datetime

import pytest
from django.utils import timezone

from tests.public_record import body, data_urls, public_urls
from tracker.models import Status

pytestmark = pytest.mark.django_db


def all_urls(record):
    return public_urls(record) + data_urls(record)


def test_every_public_response_carries_validators_and_revalidates(client, record):
    for url in all_urls(record):
        response = client.get(url)
        assert response["ETag"].startswith('"'), url
        assert response["Last-Modified"], url
        cache_control = response["Cache-Control"]
        assert "public" in cache_control and "max-age=0" in cache_control, url
        assert "must-revalidate" in cache_control, url
        assert "HX-Request" in response["Vary"], url


def test_a_conditional_get_of_an_unchanged_page_is_a_304_for_one_query(
    client, record, django_assert_max_num_queries
):
    for url in all_urls(record):
        etag = client.get(url)["ETag"]
        with django_assert_max_num_queries(1):
            response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 304, url
        assert response["ETag"] == etag
        assert "HX-Request" in response["Vary"]
        assert "must-revalidate" in response["Cache-Control"]


def test_if_modified_since_alone_also_gets_a_304(client, record):
    last_modified = client.get("/en/pledges/")["Last-Modified"]
    response = client.get("/en/pledges/", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304


def test_a_new_status_update_changes_every_etag_and_shows_at_once(client, record):
    url = f"/en/pledges/{record.centre.slug}/"
    before = {u: client.get(u)["ETag"] for u in all_urls(record)}
    record.centre.record_update(
        status=Status.IN_PROGRESS,
        as_of=timezone.localdate(),
        public_note="The centre's lease was signed.",
        author=None,
    )
    for u, etag in before.items():
        response = client.get(u, headers={"If-None-Match": etag})
        assert response.status_code == 200, u
        assert response["ETag"] != etag, u
    assert "The centre&#x27;s lease was signed." in body(client.get(url))


def test_the_htmx_fragment_and_the_page_have_different_etags(client, record):
    page = client.get("/en/pledges/")
    fragment = client.get("/en/pledges/", headers={"HX-Request": "true"})
    assert page["ETag"] != fragment["ETag"]
    # A history restore is the full page, so it shares the page's tag.
    restore = client.get(
        "/en/pledges/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert restore["ETag"] == page["ETag"]


def test_the_etag_changes_with_the_day_because_overdue_does(client, record, monkeypatch):
    today = client.get("/en/")["ETag"]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr("tracker.caching.timezone.localdate", lambda: tomorrow)
    response = client.get("/en/", headers={"If-None-Match": today})
    assert response.status_code == 200 and response["ETag"] != today
