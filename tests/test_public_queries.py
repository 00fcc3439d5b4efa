"""Each public page runs a fixed number of queries, whatever the size of the record."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.public_record import body, build_record
from tracker import export_files
from tracker.models import Pledge

pytestmark = pytest.mark.django_db

# The most queries each page may run rendered afresh, with nothing cached (not even the
# per-revision tallies and filter choices): the revision read, then the page's own queries.
BUDGETS = {
    "/en/": 9,
    "/en/pledges/": 13,
    "/en/pledges/?q=aid&counterpart=asean&status=achieved&overdue=1": 9,
    "/en/pledges/?statement=economic-security-talks": 14,
    "/en/pledges/?q=경제협력을": 13,  # Korean words, as the pledge list alone
    "/en/pledges/?q=korea+경제+-trees": 13,  # mixed, with an exclusion
    # + the corrections to the pledge and its statement, and the pledge's own version
    "/en/pledges/double-aid-to-asean/": 11,
    "/en/statements/": 4,
    # + its versions in other languages (translation_of, both ways)
    "/en/statements/korea-asean-forum/": 6,
    "/en/counterparts/": 5,
    "/en/counterparts/asean/": 11,
    "/en/topics/": 3,
    "/en/topics/development-aid/": 9,
    "/en/about/": 1,
    "/en/feed/": 3,
    "/en/counterparts/asean/feed/": 5,
    "/en/feed/json/": 3,
    "/en/counterparts/asean/feed/json/": 5,
    "/en/topics/development-aid/feed/": 5,
    "/en/topics/development-aid/feed/json/": 5,
    "/en/pledges/double-aid-to-asean/feed/": 5,
    "/en/pledges/double-aid-to-asean/feed/json/": 5,
    "/pledges/double-aid-to-asean/badge.svg": 3,  # the revision, its version, the pledge
    "/en/corrections/": 4,
    "/en/corrections/feed/": 3,
    "/en/corrections/feed/json/": 3,
    "/en/api/": 1,
    "/api/openapi.json": 1,
    "/pledges.csv": 3,
    "/api/pledges.json": 13,
    "/api/pledges.json?counterpart=asean&page=1": 13,
    "/api/pledges.json?q=경제": 13,
}
# Each page in Korean keeps the budget of its English twin.
BUDGETS |= {
    url.replace("/en/", "/ko/", 1): budget for url, budget in BUDGETS.items() if "/en/" in url
}


def count_queries(client, url, headers=None):
    """Queries for the page rendered afresh: list rows another page rendered would be
    read from the cache instead of loaded (fewer queries), so nothing is kept. The export
    files are built first, as the background task does after a write (their build's own
    queries: tests/test_export_files.py)."""
    export_files.build()
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, url
        body(response)  # a streamed response runs its query while it is read
    return len(queries)


def test_query_counts_do_not_grow_with_the_record(client, django_assert_max_num_queries):
    build_record()
    small = {url: count_queries(client, url) for url in BUDGETS}
    # seed_bulk at its small scale: 20 statements, 200 pledges, ~2,000 updates with evidence.
    call_command("seed_bulk", scale="S", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Pledge.objects.public().count() > 150
    large = {url: count_queries(client, url) for url in BUDGETS}
    assert large == small
    for url, budget in BUDGETS.items():
        cache.clear()  # a fresh render: no cached page, no tallies or choices kept
        with django_assert_max_num_queries(budget, info=url):
            body(client.get(url))


def test_a_busy_pledge_page_costs_no_more_than_a_quiet_one(client, django_assert_max_num_queries):
    call_command("seed_bulk", scale="S", stdout=open("/dev/null", "w"))  # noqa: SIM115
    busy = (
        Pledge.objects.public().filter(updates__evidence__isnull=False).order_by("-version").first()
    )
    assert busy.updates.count() >= 10
    with django_assert_max_num_queries(BUDGETS["/en/pledges/double-aid-to-asean/"]):
        assert busy.title in body(client.get(busy.get_absolute_url()))


def test_htmx_fragment_runs_no_more_queries_than_the_page(client):
    build_record()
    page = count_queries(client, "/en/pledges/?counterpart=asean")
    fragment = count_queries(client, "/en/pledges/?counterpart=asean", {"HX-Request": "true"})
    assert fragment <= page
