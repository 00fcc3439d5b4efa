"""What keeps uncached public pages cheap at scale (issue 16); `manage.py bench` has figures.

These check the mechanisms, not the time: choices and tallies computed once per revision,
lists sorting narrow rows, search leaving its vector out of the SELECT list.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CounterpartFactory, PledgeFactory
from tests.public_record import body

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        body(response)  # a streamed body runs its queries as it is read
    assert response.status_code == 200, url
    return [q["sql"] for q in ctx.captured_queries]


def test_filter_choices_and_tallies_are_computed_once_per_revision(client, record):
    first = queries(client, "/en/pledges/?status=in_progress")
    again = queries(client, "/en/pledges/?status=achieved")  # another URL: the page cache misses
    assert len(again) <= len(first) - 4
    assert not any("tracker_counterpart" in sql and "COUNT" in sql for sql in again)
    queries(client, "/en/")  # tallies by counterpart, for the first time
    assert not any("GROUP BY" in sql for sql in queries(client, "/en/counterparts/"))


def test_a_write_refreshes_the_filter_choices(client, record):
    client.get("/en/pledges/")
    newcomer = CounterpartFactory(name="Newcomerland")
    PledgeFactory(counterparts=[newcomer])  # signals move the revision
    assert "Newcomerland (1)" in client.get("/en/pledges/?status=achieved").content.decode()


@pytest.mark.parametrize("url", ["/en/pledges/?page=2", "/api/pledges.json?page=1"])
def test_lists_sort_ids_only_then_load_the_page(client, url):
    PledgeFactory.create_batch(30)
    sorted_queries = [sql for sql in queries(client, url) if "ORDER BY" in sql and "LIMIT" in sql]
    assert sorted_queries
    for sql in sorted_queries:
        selected = sql.split(" FROM ", 1)[0]
        assert '"text"' not in selected and '"quote"' not in selected, sql


def test_the_update_changelist_runs_no_pass_over_every_update(curator_client, record):
    sql = queries(curator_client, "/en/admin/tracker/statusupdate/")
    assert not any("DISTINCT" in q and "created_at" in q for q in sql)
    assert sum("COUNT(" in q for q in sql) <= 1  # the filtered count, not also the full one


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")
def test_web_requests_run_with_a_statement_timeout():
    import subprocess
    import sys

    from django.conf import settings

    script = (
        "import tracker.wsgi; from django.db import connection; c = connection.cursor(); "
        "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert result.stdout.strip() == "5s", result.stderr[-2000:]
