"""Issue 16's security review: each finding, as the request that found it.

Every test here failed before its fix. The NUL-byte ones fail only on PostgreSQL, which
refuses NUL in text (SQLite stores it), so CI's PostgreSQL pass is the one that guards them.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PledgeFactory
from tests.test_staff import form_data
from tracker.models import Pledge, Status

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
        "/staff/?statement=%00",
        "/pledges/?q=%00",
        "/admin/tracker/statement/?kind__exact=%00",
        "/admin/tracker/statusupdate/?status__exact=%00",
        "/admin/tracker/pledge/?status__exact=%00",
    ],
)
def test_a_nul_byte_in_the_query_string_is_a_400(curator_client, url):
    response = curator_client.get(url)
    assert response.status_code == 400
