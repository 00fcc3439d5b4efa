"""Issue 12 on the server: saved filters, "My day", more evidence rows, bulk status."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from tests.factories import PledgeFactory, UserFactory, published_update
from tracker.models import Pledge, SavedFilters, Status, StatusUpdate

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
WORKLIST = reverse_lazy("staff:worklist")


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
    published_update(
        done, status=Status.ACHIEVED, as_of=today, public_note="Delivered.", author=editor
    )
    other = UserFactory(username="other", groups=["Editors"])
    published_update(late, status=Status.STALLED, as_of=today, public_note="Stuck.", author=other)
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


# Bulk status -------------------------------------------------------------------------------

BULK = reverse_lazy("staff:bulk_update")


def bulk_data(pledges, versions=None, evidence=(), **fields):
    versions = versions or {}
    data = {
        "pledge": [p.pk for p in pledges],
        "status": Status.ACHIEVED,
        "as_of": timezone.localdate().isoformat(),
        "public_note": "Settled by the summit declaration.",
        "internal_note": "",
        "evidence-TOTAL_FORMS": max(3, len(evidence)),
        "evidence-INITIAL_FORMS": 0,
        "evidence-MIN_NUM_FORMS": 0,
        "evidence-MAX_NUM_FORMS": 20,
        **{f"version-{p.pk}": versions.get(p.pk, p.version) for p in pledges},
    }
    for i, (url, title) in enumerate(evidence):
        data[f"evidence-{i}-url"] = url
        data[f"evidence-{i}-title"] = title
    data.update(fields)
    return data


@pytest.fixture
def five(db):
    return [PledgeFactory(title=f"Summit pledge {n}") for n in range(5)]


def test_bulk_page_lists_the_selected_pledges(editor_client, five):
    response = editor_client.get(BULK, {"pledge": [five[0].pk, five[2].pk, "x"]})
    assert response.status_code == 200
    page = text(response)
    assert "One update for 2 pledges" in page
    assert "Summit pledge 0" in page and "Summit pledge 2" in page
    assert "Summit pledge 1" not in page
    assert f'name="version-{five[0].pk}" value="0"' in page


def test_bulk_page_without_a_selection_says_what_to_do(editor_client):
    response = editor_client.get(BULK)
    assert response.status_code == 400
    assert "Select at least one pledge in the worklist." in text(response)


def test_one_evidenced_update_for_five_pledges(editor_client, editor, five):
    data = bulk_data(five, evidence=[("https://example.org/declaration", "Joint declaration")])
    response = editor_client.post(BULK, {**data, "next": "/en/staff/?q=summit"})
    assert response.status_code == 302
    assert response["Location"] == "/en/staff/?q=summit"
    for pledge in five:
        pledge.refresh_from_db()
        # Achieved needs a second person: each is proposed, none public yet.
        assert (pledge.status, pledge.version) == (Status.NOT_YET_RATED, 0)
        update = pledge.updates.get()  # its own history row
        assert (update.author, update.is_proposed) == (editor, True)
        assert [e.title for e in update.evidence.all()] == ["Joint declaration"]
    assert StatusUpdate.objects.count() == 5
    followed = editor_client.get(response["Location"])
    assert "Proposed: 5 pledges as Achieved" in text(followed)


def test_a_bulk_change_that_needs_no_review_goes_straight_out(editor_client, five):
    data = bulk_data(five, status=Status.IN_PROGRESS)
    assert editor_client.post(BULK, data).status_code == 302
    assert Pledge.objects.filter(status=Status.IN_PROGRESS, version=1).count() == 5


def test_a_conflict_on_one_pledge_does_not_block_the_others(editor_client, editor, five):
    data = bulk_data(five)
    published_update(
        five[3],
        status=Status.STALLED,
        as_of=timezone.localdate(),
        public_note="Vetoed.",
        author=UserFactory(username="editor2", groups=["Editors"]),
    )
    response = editor_client.post(BULK, data)
    assert response.status_code == 409
    page = text(response)
    assert "Saved for 4 pledges" in page
    assert "Not saved for 1 pledge" in page and "Vetoed." in page
    assert "Settled by the summit declaration." in page  # the text is kept
    assert response.context["rows"] == [(five[3], 1)]  # its new version
    assert StatusUpdate.objects.awaiting_review().count() == 4
    assert Pledge.objects.get(pk=five[3].pk).status == Status.STALLED

    # Saving again on purpose records it after the other editor's update.
    retry = bulk_data([five[3]], versions={five[3].pk: 1})
    assert editor_client.post(BULK, retry).status_code == 302
    assert five[3].updates.awaiting_review().get().previous_status == Status.STALLED


def test_bulk_bad_input_saves_nothing_and_keeps_the_text(editor_client, five):
    data = bulk_data(five, public_note="", as_of="2999-01-01", internal_note="keep me")
    response = editor_client.post(BULK, data)
    assert response.status_code == 422
    page = text(response)
    assert "The as-of date cannot be in the future." in page
    assert "The status changes for 5 of these pledges: explain why" in page
    assert "keep me" in page
    assert not StatusUpdate.objects.exists()


def test_bulk_add_another_link_without_javascript(editor_client, five):
    data = bulk_data(five[:2], evidence=[("https://example.org/a", "A")] * 3, add_link="1")
    response = editor_client.post(BULK, data)
    assert response.status_code == 200
    assert response.context["evidence"].total_form_count() == 4
    assert "errorlist" not in text(response)
    assert not StatusUpdate.objects.exists()


def test_bulk_is_for_editors_only(reader_client, five):
    assert reader_client.get(BULK, {"pledge": five[0].pk}).status_code == 403
    assert reader_client.post(BULK, bulk_data(five)).status_code == 403
    assert not StatusUpdate.objects.exists()


def test_too_many_pledges_at_once_are_refused(editor_client):
    many = [PledgeFactory() for _ in range(51)]
    response = editor_client.post(BULK, bulk_data(many))
    assert response.status_code == 422
    assert "At most 50 pledges at once; this has 51." in text(response)


def test_worklist_rows_can_be_selected_for_bulk(editor_client, five):
    page = text(editor_client.get(WORKLIST))
    assert f'<form id="bulk-select" class="bulk-bar" method="get" action="{BULK}">' in page
    assert f'name="pledge" value="{five[0].pk}" form="bulk-select"' in page


def test_bulk_page_query_count_does_not_grow_with_the_selection(editor_client):
    pledges = [PledgeFactory() for _ in range(12)]
    counts = []
    for selected in (pledges[:2], pledges):
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.get(BULK, {"pledge": [p.pk for p in selected]})
        assert len(response.context["rows"]) == len(selected)
        counts.append(len(queries))
    assert counts[0] == counts[1]


# Staff errors in the staff layout ----------------------------------------------------------


def test_staff_403_and_404_keep_the_staff_navigation(reader_client, five):
    for url, status in [
        (reverse("staff:record_update", args=[five[0].pk]), 403),
        (reverse("staff:pledge_detail", args=[999_999]), 404),
    ]:
        response = reader_client.get(url)
        assert response.status_code == status
        page = text(response)
        assert "Log out reader" in page and "Back to the worklist" in page
        assert "staff.css" in page


def test_public_404_keeps_the_public_layout(reader_client):
    response = reader_client.get("/en/pledges/no-such-pledge/")
    assert response.status_code == 404
    assert "Back to the worklist" not in text(response)
