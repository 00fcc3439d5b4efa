"""Two-key review: a status change an editor records reaches the public only once a
second person, an editor or curator who is not its author, approves it."""

import datetime
import html

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PledgeFactory, UserFactory
from tracker.models import (
    Pledge,
    Review,
    ReviewState,
    StaleVersion,
    Status,
    StatusUpdate,
    UpdateDecision,
    update_published,
)


@pytest.fixture
def pledge(db):
    return PledgeFactory(title="Open a consulate in Ulaanbaatar", slug="consulate")


@pytest.fixture
def editor2(db):
    return UserFactory(username="editor2", groups=["Editors"])


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def text(response):
    return html.unescape(response.content.decode())


def propose(pledge, author, status=Status.ACHIEVED, note="The consulate opened on 3 May."):
    return pledge.record_update(
        status=status, as_of=timezone.localdate(), public_note=note, author=author
    )


def review_url(update):
    return reverse("staff:review_update", args=[update.pk])


def decide(client, update, decision, comment="", version=None):
    version = update.pledge.version if version is None else version
    data = {"decision": decision, "comment": comment, "version": version}
    return client.post(review_url(update), data)


# The model ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [Status.ACHIEVED, Status.PARTIALLY_ACHIEVED, Status.BROKEN, Status.STALLED]
)
def test_a_change_to_a_verdict_is_proposed_and_not_public(pledge, editor, status):
    update = propose(pledge, editor, status)
    pledge.refresh_from_db()
    assert update.review_state == ReviewState.PROPOSED
    assert (pledge.status, pledge.latest_update, pledge.version) == (
        Status.NOT_YET_RATED,
        None,
        0,
    )
    assert not StatusUpdate.objects.public().exists()
    assert list(Pledge.objects.awaiting_review()) == [pledge]


def test_a_note_only_update_and_in_progress_go_straight_out(pledge, editor):
    begun = propose(pledge, editor, Status.IN_PROGRESS, "Lease signed.")
    note = propose(pledge, editor, Status.IN_PROGRESS, "Staff hired.")
    pledge.refresh_from_db()
    assert {begun.review_state, note.review_state} == {ReviewState.APPROVED}
    assert (pledge.status, pledge.latest_update, pledge.version) == (Status.IN_PROGRESS, note, 2)


def test_which_changes_need_review_is_a_setting(pledge, editor, settings):
    settings.TRACKER_REVIEW_STATUSES = ["in_progress"]
    settings.TRACKER_REVIEW_NOTE_ONLY = True
    assert propose(pledge, editor, Status.IN_PROGRESS).is_proposed
    assert not propose(pledge, editor, Status.NOT_STARTED).is_proposed
    assert propose(pledge, editor, Status.NOT_STARTED, "Still nothing.").is_proposed


def test_approval_publishes_moves_the_status_and_says_so_once(
    pledge, editor, editor2, django_capture_on_commit_callbacks
):
    update = propose(pledge, editor)
    heard = []

    def listener(sender, update, **kwargs):
        heard.append(update.pk)

    update_published.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(PermissionDenied):
                update.approve(editor)  # its own author
            assert heard == []
            update.approve(editor2, comment="Checked the embassy's notice.")
    finally:
        update_published.disconnect(listener)
    pledge.refresh_from_db()
    update.refresh_from_db()
    assert (pledge.status, pledge.latest_update, pledge.version) == (Status.ACHIEVED, update, 1)
    assert (update.review_state, update.reviewed_by, update.reviewer_role) == (
        ReviewState.APPROVED,
        editor2,
        "editor",
    )
    assert update.reviewed_at is not None
    assert heard == [update.pk]
    review = Review.objects.get()
    assert (review.decision, review.reviewer, review.comment) == (
        UpdateDecision.APPROVE,
        editor2,
        "Checked the embassy's notice.",
    )


def test_nobody_is_told_of_an_update_that_is_not_published(
    pledge, editor, editor2, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, update, **kwargs):
        heard.append(update.pk)

    update_published.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            update = propose(pledge, editor)
            update.disagree(editor2, comment="The notice says it opens next year.")
            update.return_to_author(UserFactory(groups=["Curators"]), comment="Needs evidence.")
            note = propose(pledge, editor, Status.IN_PROGRESS, "Lease signed.")
    finally:
        update_published.disconnect(listener)
    assert heard == [note.pk]  # the straight-out update only


def test_a_reader_cannot_review(pledge, editor, reader):
    update = propose(pledge, editor)
    with pytest.raises(PermissionDenied):
        update.approve(reader)


def test_return_and_disagree_need_a_comment(pledge, editor, editor2):
    update = propose(pledge, editor)
    with pytest.raises(ValidationError):
        update.return_to_author(editor2, comment=" ")
    with pytest.raises(ValidationError):
        update.disagree(editor2, comment="")
    assert not Review.objects.exists()


def test_a_returned_update_can_no_longer_be_approved(pledge, editor, editor2, curator):
    update = propose(pledge, editor)
    update.return_to_author(editor2, comment="Which notice?")
    with pytest.raises(ValidationError, match="no longer awaiting review"):
        update.approve(curator)
    pledge.refresh_from_db()
    assert pledge.status == Status.NOT_YET_RATED


def test_a_stale_proposal_cannot_be_approved(pledge, editor, editor2, curator):
    achieved = propose(pledge, editor)
    stalled = propose(pledge, editor2, Status.STALLED, "Funding frozen.")
    achieved.approve(curator)
    with pytest.raises(StaleVersion) as refused:
        stalled.approve(editor)
    assert refused.value.pledge.status == Status.ACHIEVED
    pledge.refresh_from_db()
    assert (pledge.status, pledge.version) == (Status.ACHIEVED, 1)
    assert StatusUpdate.objects.get(pk=stalled.pk).review_state == ReviewState.PROPOSED


def test_an_approved_backfilled_update_does_not_take_over(pledge, editor, editor2):
    propose(pledge, editor, Status.IN_PROGRESS, "Lease signed.")
    old = pledge.record_update(
        status=Status.STALLED,
        as_of=timezone.localdate() - datetime.timedelta(days=400),
        public_note="An earlier pause.",
        author=editor,
    )
    old.approve(editor2)
    pledge.refresh_from_db()
    assert (pledge.status, pledge.version) == (Status.IN_PROGRESS, 2)


def test_loaded_and_refreshed_history_counts_only_approved_updates(pledge, editor):
    StatusUpdate.objects.create(pledge=pledge, status=Status.ACHIEVED, as_of=timezone.localdate())
    StatusUpdate.objects.create(
        pledge=pledge,
        status=Status.BROKEN,
        as_of=timezone.localdate(),
        review_state=ReviewState.PROPOSED,
    )
    Pledge.objects.filter(pk=pledge.pk).refresh_status()
    pledge.refresh_from_db()
    assert (pledge.status, pledge.version) == (Status.ACHIEVED, 1)


# The review screen ---------------------------------------------------------------------------


def test_review_screen_shows_the_update_its_evidence_and_the_quote(pledge, editor, editor2):
    update = pledge.record_update(
        status=Status.ACHIEVED,
        as_of=timezone.localdate(),
        public_note="The consulate opened.",
        internal_note="Ask Kim for photos.",
        evidence=[("https://example.org/opening", "Opening notice")],
        author=editor,
    )
    page = text(client_for(editor2).get(review_url(update)))
    assert pledge.quote in page
    assert "The consulate opened." in page and "Ask Kim for photos." in page
    assert 'href="https://example.org/opening"' in page and "Opening notice" in page
    assert 'value="approve"' in page and 'value="return"' in page and 'value="disagree"' in page


def test_the_author_sees_no_review_buttons(pledge, editor, editor_client):
    update = propose(pledge, editor)
    page = text(editor_client.get(review_url(update)))
    assert "another editor or curator must review it" in page
    assert 'value="approve"' not in page


def test_self_approval_is_refused_with_403(pledge, editor, editor_client):
    update = propose(pledge, editor)
    response = decide(editor_client, update, UpdateDecision.APPROVE)
    assert response.status_code == 403
    pledge.refresh_from_db()
    assert pledge.status == Status.NOT_YET_RATED


def test_readers_and_strangers_cannot_review(pledge, editor, reader_client):
    update = propose(pledge, editor)
    assert reader_client.get(review_url(update)).status_code == 403
    assert decide(reader_client, update, UpdateDecision.APPROVE).status_code == 403
    anonymous = Client().get(review_url(update))
    assert anonymous.status_code == 302 and "/en/accounts/login/" in anonymous["Location"]


def test_wrong_method_is_405(pledge, editor, editor2):
    update = propose(pledge, editor)
    assert client_for(editor2).delete(review_url(update)).status_code == 405


def test_return_without_a_comment_is_422_with_the_message(pledge, editor, editor2):
    update = propose(pledge, editor)
    response = decide(client_for(editor2), update, UpdateDecision.RETURN)
    assert response.status_code == 422
    assert "Say why" in text(response)
    assert not Review.objects.exists()


def test_an_unknown_decision_is_422(pledge, editor, editor2):
    update = propose(pledge, editor)
    assert decide(client_for(editor2), update, "publish-everything").status_code == 422


def test_stale_approval_is_409_with_the_newer_state(pledge, editor, editor2, curator):
    stale = propose(pledge, editor, Status.STALLED, "Funding frozen.")
    reviewer = client_for(editor2)
    seen = pledge.version
    newer = propose(pledge, UserFactory(groups=["Editors"]), note="Opened on 3 May.")
    newer.approve(curator)
    response = decide(reviewer, stale, UpdateDecision.APPROVE, version=seen)
    page = text(response)
    assert response.status_code == 409
    assert "the pledge changed after this was proposed" in page
    assert "Opened on 3 May." in page  # the newer state, shown
    pledge.refresh_from_db()
    assert pledge.status == Status.ACHIEVED


def test_approving_after_another_reviewer_returned_it_is_409(pledge, editor, editor2, curator):
    update = propose(pledge, editor)
    update.return_to_author(curator, comment="Which notice?")
    response = decide(client_for(editor2), update, UpdateDecision.APPROVE)
    assert response.status_code == 409
    assert "no longer awaiting review" in text(response)


# End to end --------------------------------------------------------------------------------


def test_propose_review_approve_public(client, pledge, editor, editor_client, editor2):
    url = reverse("staff:record_update", args=[pledge.pk])
    p = f"p{pledge.pk}"
    response = editor_client.post(
        url,
        {
            f"{p}-status": Status.ACHIEVED,
            f"{p}-as_of": timezone.localdate().isoformat(),
            f"{p}-public_note": "PROPOSED NOTE: the consulate opened.",
            f"{p}-internal_note": "",
            f"{p}-version": 0,
            f"{p}-evidence-TOTAL_FORMS": 0,
            f"{p}-evidence-INITIAL_FORMS": 0,
        },
        follow=True,
    )
    assert "It goes public once another editor or curator approves it" in text(response)
    public_page = text(client.get(pledge.get_absolute_url()))
    assert "PROPOSED NOTE" not in public_page and "Not yet assessed" in public_page
    assert "PROPOSED NOTE" not in text(client.get("/en/feed/"))
    assert '"status": "not_yet_rated"' in text(client.get("/api/pledges.json"))

    reviewer = client_for(editor2)
    worklist = text(reviewer.get(reverse("staff:worklist"), {"awaiting_review": "on"}))
    assert pledge.title in worklist and "Awaiting review" in worklist
    assert 'class="nav-count">1<' in worklist
    update = StatusUpdate.objects.get()
    response = decide(reviewer, update, UpdateDecision.APPROVE)
    assert response.status_code == 302
    assert 'class="nav-count">0<' in text(reviewer.get(response["Location"]))

    public_page = text(client.get(pledge.get_absolute_url()))
    assert "PROPOSED NOTE" in public_page
    assert "reviewed by an editor on" in public_page and "editor2" not in public_page
    assert "PROPOSED NOTE" in text(client.get("/en/feed/"))
    assert '"status": "achieved"' in text(client.get("/api/pledges.json"))
    assert "1 achieved" in text(client.get("/en/"))


def test_staff_names_are_public_only_by_setting(client, pledge, editor, editor2, settings):
    update = propose(pledge, editor)
    editor2.first_name, editor2.last_name = "Min-ji", "Park"
    editor2.save()
    update.approve(editor2)
    assert "reviewed by an editor" in text(client.get(pledge.get_absolute_url()))
    settings.TRACKER_PUBLIC_STAFF_NAMES = True
    cache.clear()  # a change of settings comes with a restart, which empties the page cache
    assert "reviewed by Min-ji Park" in text(client.get(pledge.get_absolute_url()))


def test_return_and_disagreement_stay_in_the_staff_history(pledge, editor, editor2, curator):
    update = propose(pledge, editor)
    response = decide(
        client_for(editor2), update, UpdateDecision.DISAGREE, "DISPUTE: the notice says 2027."
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.review_state == ReviewState.PROPOSED  # still awaiting a third person
    decide(client_for(curator), update, UpdateDecision.RETURN, "RETURN: find the opening notice.")
    update.refresh_from_db()
    assert update.review_state == ReviewState.RETURNED

    history = text(client_for(editor).get(reverse("staff:pledge_detail", args=[pledge.pk])))
    assert "Disagreement recorded" in history and "DISPUTE: the notice says 2027." in history
    assert "Returned with a comment" in history and "RETURN: find the opening notice." in history
    assert "Returned to its author" in history
    public_page = text(Client().get(pledge.get_absolute_url()))
    assert "DISPUTE" not in public_page and "RETURN:" not in public_page


def test_review_screen_runs_a_fixed_number_of_queries(
    pledge, editor, editor2, django_assert_max_num_queries
):
    update = pledge.record_update(
        status=Status.ACHIEVED,
        as_of=timezone.localdate(),
        public_note="Opened.",
        evidence=[(f"https://example.org/{i}", f"Link {i}") for i in range(8)],
        author=editor,
    )
    for i in range(5):
        update.disagree(UserFactory(groups=["Editors"]), comment=f"No {i}")
    reviewer = client_for(editor2)
    with django_assert_max_num_queries(12):
        assert reviewer.get(review_url(update)).status_code == 200
