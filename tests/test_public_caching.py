"""Conditional GET: unchanged pages cost a query or two and a 304; a write shows at once on
every page that shows what it changed, and leaves the others cached."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.public_record import body, data_urls, public_urls
from tracker import caching, tasks
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


def one_pledge_urls(pledge):
    """The pages about one pledge alone: they change with its own writes, not others'."""
    slug = pledge.slug
    return [
        f"/en/pledges/{slug}/",
        f"/pledges/{slug}/badge.svg",
        f"/en/pledges/{slug}/feed/",
        f"/en/pledges/{slug}/feed/json/",
        f"/api/pledges/{slug}.json",
    ]


def test_a_conditional_get_of_an_unchanged_page_is_a_304_for_one_query(
    client, record, django_assert_max_num_queries
):
    about_one = one_pledge_urls(record.aid) + one_pledge_urls(record.dialogue)
    for url in all_urls(record) + about_one:
        etag = client.get(url)["ETag"]
        # The revision; for a page about one pledge, that pledge's own version too.
        with django_assert_max_num_queries(2 if url in about_one else 1):
            response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 304, url
        assert response["ETag"] == etag
        assert "HX-Request" in response["Vary"]
        assert "must-revalidate" in response["Cache-Control"]


def test_if_modified_since_alone_also_gets_a_304(client, record):
    last_modified = client.get("/en/pledges/")["Last-Modified"]
    response = client.get("/en/pledges/", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304


def update_the_centre(record):
    record.centre.record_update(
        status=Status.IN_PROGRESS,
        as_of=timezone.localdate(),
        public_note="The centre's lease was signed.",
        author=None,
    )


def test_a_status_update_changes_the_etag_of_every_page_that_can_show_it(client, record):
    others = one_pledge_urls(record.aid) + one_pledge_urls(record.dialogue)
    showing = one_pledge_urls(record.centre) + [u for u in all_urls(record) if u not in others]
    # Export files (and /data/, which describes them) change once their background build
    # is done (tests/test_export_files.py).
    files = [u for u in showing if u == "/pledges.csv" or "/data/" in u]
    showing = [u for u in showing if u not in files]
    before = {u: client.get(u)["ETag"] for u in showing + others + files}
    update_the_centre(record)
    for u in showing:
        response = client.get(u, headers={"If-None-Match": before[u]})
        assert response.status_code == 200, u
        assert response["ETag"] != before[u], u
    for u in others:  # the pages about other pledges alone are still current
        response = client.get(u, headers={"If-None-Match": before[u]})
        assert response.status_code == 304, u
    tasks.build_exports.call()
    for u in files:
        response = client.get(u, headers={"If-None-Match": before[u]})
        assert response.status_code == 200, u
        assert response["ETag"] != before[u], u
    assert "The centre&#x27;s lease was signed." in body(
        client.get(one_pledge_urls(record.centre)[0])
    )


def shown_status(page, slug):
    """The status badge that follows the pledge's first link on a page."""
    html = body(page)
    return re.search(r"badge--([a-z_]+)", html[html.index(f'href="/en/pledges/{slug}/') :])[1]


def test_a_status_update_shows_at_once_wherever_the_pledge_is_listed(client, record):
    slug = record.centre.slug
    listing = [
        "/en/pledges/",
        "/en/counterparts/asean/",
        f"/en/topics/{record.trade.slug}/",
        f"/en/statements/{record.forum.slug}/",
    ]
    assert {shown_status(client.get(u), slug) for u in listing} == {"not_yet_rated"}
    assert f'href="/en/pledges/{slug}/' not in body(client.get("/en/"))  # never updated
    update_the_centre(record)
    for url in [*listing, "/en/"]:  # the home page lists it among the recently updated now
        assert shown_status(client.get(url), slug) == "in_progress", url
    assert "In progress" in body(client.get(f"/pledges/{slug}/badge.svg"))
    assert '"status": "in_progress"' in body(client.get(f"/api/pledges/{slug}.json"))


def test_a_status_update_leaves_other_pledges_pages_cached_and_current(
    client, record, django_assert_max_num_queries
):
    url = f"/en/pledges/{record.aid.slug}/"
    cached = body(client.get(url))
    update_the_centre(record)
    with django_assert_max_num_queries(2):  # the revision and the pledge's own version
        assert body(client.get(url)) == cached
    cache.clear()
    assert body(client.get(url)) == cached  # rendered afresh, it reads the same


def test_a_status_update_renders_again_only_the_list_rows_of_its_pledge(
    client, record, monkeypatch
):
    client.get("/en/pledges/")
    rendered = []
    real = caching.get_template

    def counting(name):
        template = real(name)

        def render(context):
            rendered.append(context["pledge"].slug)
            return template.render(context)

        return SimpleNamespace(render=render)

    update_the_centre(record)
    monkeypatch.setattr(caching, "get_template", counting)
    assert shown_status(client.get("/en/pledges/"), record.centre.slug) == "in_progress"
    assert rendered == [record.centre.slug]


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
