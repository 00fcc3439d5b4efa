"""Who may do what: every staff and admin URL for every role, and login throttling."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PledgeFactory, UserFactory
from tracker.models import StatusUpdate

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "editor", "curator"]


@pytest.fixture
def pledge():
    return PledgeFactory()


def client_for(client, role):
    if role != "anonymous":
        groups = {"reader": "Readers", "editor": "Editors", "curator": "Curators"}
        user = UserFactory(username=role, groups=[groups[role]], is_staff=role == "curator")
        client.force_login(user)
    return client


def staff_reads(pledge):
    return [
        reverse("staff:worklist"),
        reverse("staff:pledge_detail", args=[pledge.pk]),
        reverse("staff:history", args=[pledge.pk]),
    ]


# What each role gets: "ok" (200), "login" (redirect to the login page), "denied" (403).
EXPECTED_STAFF_READ = {"anonymous": "login", "reader": "ok", "editor": "ok", "curator": "ok"}
EXPECTED_UPDATE = {"anonymous": "login", "reader": "denied", "editor": "ok", "curator": "ok"}
EXPECTED_ADMIN = {"anonymous": "login", "reader": "login", "editor": "login", "curator": "ok"}


def check(response, expected, login_path):
    if expected == "ok":
        assert response.status_code == 200
    elif expected == "denied":
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(login_path)


@pytest.mark.parametrize("role", ROLES)
def test_staff_pages_by_role(client, pledge, role):
    client = client_for(client, role)
    for url in staff_reads(pledge):
        check(client.get(url), EXPECTED_STAFF_READ[role], reverse("login"))
    # The worklist row is an htmx fragment (without htmx it sends you to the pledge page).
    row = client.get(reverse("staff:pledge_row", args=[pledge.pk]), headers={"HX-Request": "true"})
    if role == "anonymous":
        # htmx is told to send the whole window to the login page, not swap it into the row.
        assert row["HX-Redirect"].startswith(reverse("login"))
        assert b"<tr" not in row.content
    else:
        check(row, EXPECTED_STAFF_READ[role], reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_staff_slug_link_by_role(client, pledge, role):
    client = client_for(client, role)
    response = client.get(reverse("staff:pledge_by_slug", args=[pledge.slug]))
    if EXPECTED_STAFF_READ[role] == "ok":
        assert response.status_code == 302
        assert response["Location"] == reverse("staff:pledge_detail", args=[pledge.pk])
    else:
        check(response, EXPECTED_STAFF_READ[role], reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_update_form_by_role(client, pledge, role):
    client = client_for(client, role)
    check(
        client.get(reverse("staff:record_update", args=[pledge.pk])),
        EXPECTED_UPDATE[role],
        reverse("login"),
    )


@pytest.mark.parametrize("role", ROLES)
def test_posting_an_update_by_role(client, pledge, role):
    client = client_for(client, role)
    prefix = f"p{pledge.pk}"
    data = {
        f"{prefix}-status": "in_progress",
        f"{prefix}-as_of": timezone.localdate().isoformat(),
        f"{prefix}-public_note": "Work began.",
        f"{prefix}-version": "0",
        f"{prefix}-evidence-TOTAL_FORMS": "0",
        f"{prefix}-evidence-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("staff:record_update", args=[pledge.pk]), data)
    if EXPECTED_UPDATE[role] == "ok":
        assert response.status_code == 302  # saved, then back to the pledge page
        assert StatusUpdate.objects.count() == 1
    else:
        check(response, EXPECTED_UPDATE[role], reverse("login"))
        assert not StatusUpdate.objects.exists()


ADMIN_URLS = [
    "admin:index",
    "admin:tracker_statement_changelist",
    "admin:tracker_statement_add",
    "admin:tracker_pledge_changelist",
    "admin:tracker_pledge_add",
    "admin:tracker_statusupdate_changelist",
    "admin:tracker_counterpart_changelist",
    "admin:tracker_topic_changelist",
    "admin:tracker_body_changelist",
    "admin:tracker_person_changelist",
]


@pytest.mark.parametrize("role", ROLES)
def test_admin_by_role(client, pledge, role):
    client = client_for(client, role)
    for name in ADMIN_URLS:
        check(client.get(reverse(name)), EXPECTED_ADMIN[role], reverse("admin:login"))
    change = reverse("admin:tracker_pledge_change", args=[pledge.pk])
    check(client.get(change), EXPECTED_ADMIN[role], reverse("admin:login"))


def test_curators_cannot_edit_or_delete_history(client, pledge):
    client = client_for(client, "curator")
    update = StatusUpdate.objects.create(
        pledge=pledge, status="in_progress", as_of=timezone.localdate(), public_note="x"
    )
    assert client.get(reverse("admin:tracker_statusupdate_add")).status_code == 403
    delete = reverse("admin:tracker_statusupdate_delete", args=[update.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert StatusUpdate.objects.filter(pk=update.pk).exists()


def test_repeated_failed_logins_lock_the_account_out(client, settings):
    UserFactory(username="editor", groups=["Editors"])
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "editor", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    assert client.post(url, {"username": "editor", "password": "wrong"}).status_code == 429
    # Locked: even the right password is refused until the cool-off ends.
    locked = client.post(url, {"username": "editor", "password": "correct horse battery staple"})
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_good_login_works_and_resets_the_count(client):
    UserFactory(username="editor", groups=["Editors"])
    url = reverse("login")
    client.post(url, {"username": "editor", "password": "wrong"})
    response = client.post(url, {"username": "editor", "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:worklist")
