"""Issue 12 on the server: saved filters, "My day", more evidence rows, bulk status."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PledgeFactory, UserFactory
from tracker.models import Pledge, SavedFilters, Status, StatusUpdate

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
WORKLIST = reverse("staff:worklist")


def text(response):
    return html.unescape(response.content.decode())


def titles(response):
    return [pledge.title for pledge in response.context["page_obj"]]


# Saved filters -----------------------------------------------------------------------------


def test_the_worklist_opens_on_the_editors_last_filters(editor_client, editor):
    editor_client.get(WORKLIST, {"status": "stalled", "q": "", "page": "2"}, **HX)
    assert SavedFilters.objects.get(user=editor).query == "status=stalled"
    response = editor_client.get(WORKLIST)
    assert response.status_code == 302
    assert response["Location"] == f"{WORKLIST}?status=stalled"


def test_saved_filters_last_across_sessions(client, editor):
    client.force_login(editor)
    client.get(WORKLIST, {"overdue": "on"})
    client.logout()
    client.force_login(editor)
    assert client.get(WORKLIST)["Location"] == f"{WORKLIST}?overdue=on"


def test_saved_filters_are_per_editor(client, editor):
    client.force_login(editor)
    client.get(WORKLIST, {"overdue": "on"})
    client.force_login(UserFactory(username="editor2", groups=["Editors"]))
    assert client.get(WORKLIST).status_code == 200


def test_clear_filters_goes_back_to_the_default_and_stays_there(editor_client, editor):
    editor_client.get(WORKLIST, {"overdue": "on"})
    response = editor_client.get(WORKLIST, {"reset": ""})
    assert response["Location"] == WORKLIST
    assert SavedFilters.objects.get(user=editor).query == ""
    assert editor_client.get(WORKLIST).status_code == 200
    assert f'href="{WORKLIST}?reset"' in text(editor_client.get(WORKLIST))


def test_clearing_every_filter_with_htmx_is_remembered(editor_client, editor):
    editor_client.get(WORKLIST, {"overdue": "on"})
    editor_client.get(WORKLIST, **HX)  # the filter form with nothing set
    assert editor_client.get(WORKLIST).status_code == 200


def test_back_button_to_the_plain_worklist_is_not_redirected(editor_client):
    editor_client.get(WORKLIST, {"overdue": "on"})
    response = editor_client.get(WORKLIST, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX)
    assert response.status_code == 200
    assert "<h1>Worklist</h1>" in text(response)


def test_only_known_filters_are_saved(editor_client, editor):
    editor_client.get(WORKLIST, {"evil": "<script>", "topic": "trade"})
    assert SavedFilters.objects.get(user=editor).query == "topic=trade"


# My day ------------------------------------------------------------------------------------


@pytest.fixture
def day(editor):
    today = timezone.localdate()
    due = PledgeFactory(title="Due soon", target_date=today, target_precision="day")
    late = PledgeFactory(
        title="Late", target_date=today - datetime.timedelta(days=400), target_precision="day"
    )
    PledgeFactory(title="Someday")
    PledgeFactory(title="Also due", target_date=today, target_precision="day")
    done = PledgeFactory(title="Done", target_date=today, target_precision="day")
    done.record_update(status=Status.ACHIEVED, as_of=today, public_note="Delivered.", author=editor)
    other = UserFactory(username="other", groups=["Editors"])
    late.record_update(status=Status.STALLED, as_of=today, public_note="Stuck.", author=other)
    return {"due": due, "late": late, "done": done}


def test_my_day_counts_link_to_the_filtered_worklist(editor_client, day):
    response = editor_client.get(WORKLIST)
    counts = {key: count for key, count, _ in response.context["my_day"]}
    assert counts == {"due_this_month": 2, "overdue": 1, "quiet": 0, "mine": 1}
    page = text(response)
    assert "My day" in page
    for key in counts:
        assert f'href="{WORKLIST}?{key}=on"' in page

    due = titles(editor_client.get(WORKLIST, {"due_this_month": "on"}))
    assert sorted(due) == ["Also due", "Due soon"]  # not "Done": achieved is not due
    assert titles(editor_client.get(WORKLIST, {"overdue": "on"})) == ["Late"]
    assert titles(editor_client.get(WORKLIST, {"mine": "on"})) == ["Done"]


def test_updates_before_this_week_are_not_mine_this_week(editor_client, editor, day):
    StatusUpdate.objects.filter(author=editor).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    response = editor_client.get(WORKLIST, {"mine": "on"})
    assert titles(response) == []
    counts = {key: count for key, count, _ in response.context["my_day"]}
    assert counts["mine"] == 0


def test_quiet_counts_open_pledges_without_a_recent_update(editor_client, day):
    PledgeFactory(title="Forgotten")
    Pledge.objects.filter(title="Forgotten").update(
        created_at=timezone.now() - datetime.timedelta(days=200)
    )
    response = editor_client.get(WORKLIST)
    counts = {key: count for key, count, _ in response.context["my_day"]}
    assert counts["quiet"] == 1


def test_a_fragment_has_no_my_day(editor_client, day):
    response = editor_client.get(WORKLIST, {"q": "Late"}, **HX)
    assert "my_day" not in response.context
    assert "My day" not in text(response)
