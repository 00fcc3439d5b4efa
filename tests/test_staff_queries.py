"""The worklist runs a fixed number of queries per page, whatever the data size."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CounterpartFactory, PledgeFactory, TopicFactory
from tracker.models import Pledge, Status

pytestmark = pytest.mark.django_db

# session, user, the user's and the groups' permissions; the saved filters; "My day" (the
# revision its pledge counts are kept for, the counts when not yet kept, my updates this
# week); counterparts, topics and recent statements for the filter options; the count, the
# page, its counterparts; the count of updates awaiting review in the navigation.
WORKLIST_QUERIES = 15
# A fragment has no "My day"; with filters, looking up a chosen counterpart and topic to
# validate them, and remembering the filters when they changed (one write).
FILTERED_QUERIES = 13


def make_pledges(n, author):
    counterparts = CounterpartFactory.create_batch(3)
    topic = TopicFactory()
    for i in range(n):
        pledge = PledgeFactory(counterparts=counterparts[: 1 + i % 3], topics=[topic])
        if i % 4:
            pledge.record_update(
                status=Status.IN_PROGRESS,
                as_of=datetime.date(2025, 1, 1),
                public_note="Begun.",
                author=author,
                evidence=[("https://example.org/a", "A")],
            )


def worklist_queries(client, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("staff:worklist"), params or {})
    assert response.status_code == 200
    return len(queries), response


def test_query_count_does_not_grow_with_the_data(editor_client, editor):
    make_pledges(5, editor)
    few, response = worklist_queries(editor_client)
    assert len(response.context["page_obj"]) == 5
    make_pledges(55, editor)
    many, response = worklist_queries(editor_client)
    assert len(response.context["page_obj"]) == 50
    assert few == many == WORKLIST_QUERIES


def test_query_count_with_every_filter_is_fixed(
    editor_client, editor, django_assert_max_num_queries
):
    make_pledges(12, editor)
    pledge = Pledge.objects.filter(status=Status.IN_PROGRESS).first()
    params = {
        "q": "bridge",
        "status": "in_progress",
        "sort": "updated",
        "counterpart": pledge.counterparts.first().slug,
        "topic": pledge.topics.first().slug,
        "statement": pledge.statement.slug,
    }
    with django_assert_max_num_queries(FILTERED_QUERIES):
        response = editor_client.get(reverse("staff:worklist"), params, HTTP_HX_REQUEST="true")
    assert list(response.context["page_obj"]) == [pledge]


def test_seed_bulk_worklist_runs_a_fixed_number_of_queries(
    editor_client, django_assert_max_num_queries
):
    call_command("seed_bulk", "--scale", "S", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Pledge.objects.count() >= 200
    for params in [{}, {"page": 3, "sort": "target"}, {"quiet": "on"}, {"overdue": "on"}]:
        with django_assert_max_num_queries(WORKLIST_QUERIES + 1):  # + remembering filters
            response = editor_client.get(reverse("staff:worklist"), params)
        assert response.status_code == 200


def test_pledge_page_query_count_is_fixed(editor_client, editor, django_assert_max_num_queries):
    make_pledges(1, editor)
    pledge = Pledge.objects.get()
    for day in range(1, 25):
        pledge.record_update(
            status=Status.STALLED,
            as_of=datetime.date(2025, 2, day),
            public_note=f"Step {day}",
            author=editor,
            evidence=[("https://example.org/x", "X")],
        )
    # session, user, permissions (2), pledge, counterparts, topics, history count, page, evidence
    # + the awaiting-review count in the navigation, the reviews of the updates shown
    # + the later translations of their notes (their edit history)
    with django_assert_max_num_queries(13):
        response = editor_client.get(reverse("staff:pledge_detail", args=[pledge.pk]))
    assert len(response.context["updates"]) == 10
