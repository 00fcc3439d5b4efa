"""The researched follow-up (fixtures/followup.json): evidenced, dated, consistent, public."""

import datetime
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from tests.factories import PledgeFactory, StatusUpdateFactory
from tracker.models import Evidence, Pledge, Status, StatusUpdate

FOLLOWUP = Path(settings.BASE_DIR) / "fixtures" / "followup.json"
RESEARCHED_ON = datetime.date(2026, 11, 25)

# Which pledge each researched update is about, by words of its title or verbatim quote. The fixture
# refers to pledges by primary key: if the documents' fixture renumbers or rewrites a pledge,
# these stop matching and the follow-up must be re-pointed, not silently misattributed.
RESEARCHED = {
    1: "future-oriented comprehensive strategic alliance",
    2: "relationship with China",
    3: "strengthening supply-chain resilience and diversification",
    4: "With Russia, we will take a prudent approach",
    5: "halt Russia–North Korea military cooperation",
    6: "work with NATO to deliver tangible outcomes",
    9: "Chair of the Minerals Security Partnership",
    11: "propose an AI Initiative",
    12: "Korea–ASEAN Solidarity Initiative",
    13: "With Central Asia",
    14: "Korea–Africa Foreign Ministers’ Meeting",
    16: "resume U.S.–DPRK and inter-Korean talks",
    17: "pursue denuclearization alongside a lasting peace regime",
    18: "advancing cooperation with the four major powers",
    19: "regular high-level talks with Washington, Beijing, Tokyo, and Moscow",
    22: "economic diplomacy cooperation channels",
    23: "Korea-Japan Economic Security Dialogue",
    24: "IPEF, and the Minerals Security Partnership (MSP)",
    28: "60th anniversary of the normalization",
    30: "we will pursue a mature partnership",
    31: "modernize our alliance",
    35: "expand practical cooperation where interests align",
    36: "strengthen overseas networks",
    37: "counter hybrid threats",
    38: "strengthen relations with each of the four powers",
    39: "touch upon our sovereignty",
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    """The database as `manage.py demo` leaves it: documents, then follow-up."""
    settings.DEBUG = True
    call_command("demo", "--no-serve", verbosity=0)


def followup_updates():
    rows = json.loads(FOLLOWUP.read_text(encoding="utf-8"))
    pks = [row["pk"] for row in rows if row["model"] == "tracker.statusupdate"]
    return StatusUpdate.objects.filter(pk__in=pks).select_related("pledge__statement")


def test_demo_loads_the_follow_up(demo):
    updates = followup_updates()
    assert updates.count() >= 20
    assert {u.pledge_id for u in updates} == set(RESEARCHED)


def test_the_follow_up_is_published_record(demo):
    """Written for the record, not proposed in the workspace: every row is approved."""
    updates = followup_updates()
    assert updates.count() == updates.published().count()


def test_each_update_is_about_the_pledge_it_was_researched_for(demo):
    problems = [
        f"update {u.pk} on pledge {u.pledge_id}: title and quote lack {RESEARCHED[u.pledge_id]!r}"
        for u in followup_updates()
        if RESEARCHED[u.pledge_id] not in f"{u.pledge.title}\n{u.pledge.quote}"
    ]
    assert not problems, problems


def test_every_follow_up_update_has_evidence_and_notes(demo):
    problems = []
    for update in followup_updates().prefetch_related("evidence"):
        label = f"update {update.pk} on pledge {update.pledge_id}"
        evidence = list(update.evidence.all())
        if not evidence:
            problems.append(f"{label}: no evidence")
        for item in evidence:
            if not item.url.startswith(("https://", "http://")):
                problems.append(f"{label}: evidence URL {item.url!r}")
            if not item.title.strip() or item.title.startswith("http"):
                problems.append(f"{label}: evidence title {item.title!r}")
        if len({item.url for item in evidence}) != len(evidence):
            problems.append(f"{label}: the same link twice")
        if not update.public_note.strip():
            problems.append(f"{label}: no public note")
        for row in [update, *evidence]:
            try:
                row.full_clean()
            except ValidationError as exc:
                problems.append(f"{label}: {exc}")
        if "2026-11-25" not in update.internal_note or "Quer" not in update.internal_note:
            problems.append(f"{label}: internal note does not say what was searched and when")
    assert not problems, problems


def test_follow_up_is_dated_by_the_event_within_the_pledge_life(demo):
    problems = []
    for update in followup_updates():
        label = f"update {update.pk} on pledge {update.pledge_id}"
        made = update.pledge.statement.date
        if update.as_of > RESEARCHED_ON:
            problems.append(f"{label}: as_of {update.as_of} after the research date")
        if made and update.as_of < made:
            problems.append(f"{label}: as_of {update.as_of} before the statement ({made})")
        if update.created_at.date() != RESEARCHED_ON:
            problems.append(f"{label}: recorded {update.created_at}, not when researched")
    assert not problems, problems


def test_each_history_is_a_chain_in_date_order(demo):
    problems = []
    for pledge in Pledge.objects.filter(pk__in=RESEARCHED).prefetch_related("updates"):
        history = sorted(pledge.updates.all(), key=lambda u: (u.created_at, u.pk))
        previous, previous_as_of = Status.NOT_YET_RATED, None
        for update in history:
            if update.previous_status != previous:
                problems.append(
                    f"pledge {pledge.pk} update {update.pk}: previous_status "
                    f"{update.previous_status}, the update before says {previous}"
                )
            if previous_as_of and update.as_of < previous_as_of:
                problems.append(f"pledge {pledge.pk} update {update.pk}: recorded out of order")
            previous, previous_as_of = update.status, update.as_of
    assert not problems, problems


def test_pledge_status_agrees_with_its_latest_update(demo):
    """The latest update is the latest event (as-of date, then when recorded): /about/#backfill."""
    problems = []
    for pledge in Pledge.objects.prefetch_related("updates"):
        history = sorted(pledge.updates.all(), key=lambda u: (u.as_of, u.created_at, u.pk))
        latest = history[-1] if history else None
        expected = (
            latest.status if latest else Status.NOT_YET_RATED,
            latest.pk if latest else None,
            len(history),
        )
        actual = (pledge.status, pledge.latest_update_id, pledge.version)
        if actual != expected:
            problems.append(f"pledge {pledge.pk}: (status, latest, version) {actual} != {expected}")
    assert not problems, problems


def test_pledges_past_their_target_were_looked_at(demo):
    """A passed deadline gets a rating from the evidence, or stays overdue in plain view."""
    past = Pledge.objects.filter(target_deadline__lt=RESEARCHED_ON)
    assert past.exists()
    unexamined = [p.pk for p in past if p.pk not in RESEARCHED]
    assert not unexamined, f"past their target with no follow-up researched: {unexamined}"


def test_closed_statuses_rest_on_the_record(demo):
    """Achieved, partly achieved or broken: the note says what happened, with its date."""
    closed = [u for u in followup_updates() if not Status(u.status).is_open]
    assert closed
    for update in closed:
        year = str(update.as_of.year)
        assert year in update.public_note, (update.pk, "the note should date the event")


def test_pledge_page_shows_the_history_and_its_evidence(demo, client):
    pledge = Pledge.objects.get(pk=11)
    evidence = Evidence.objects.filter(update__pledge=pledge).first()
    response = client.get(pledge.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert str(Status.ACHIEVED.label) in page  # a lazy translation, read in English
    assert evidence.url.replace("&", "&amp;") in page
    assert "Gyeongju" in page  # from the public note


def test_feed_carries_the_follow_up(demo, client):
    response = client.get(reverse("feed"))
    assert response.status_code == 200
    assert "APEC" in response.content.decode() or "Achieved" in response.content.decode()


def test_refresh_status_follows_the_history(django_assert_max_num_queries):
    rated, unrated = PledgeFactory(), PledgeFactory()

    def recorded(month):
        return datetime.datetime(2026, month, 1, tzinfo=datetime.UTC)

    StatusUpdateFactory(
        pledge=rated,
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 10, 1),
        created_at=recorded(1),
    )
    latest = StatusUpdateFactory(
        pledge=rated,
        status=Status.ACHIEVED,
        previous_status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 12, 1),
        created_at=recorded(2),
    )
    StatusUpdateFactory(  # backfilled: recorded last, about an earlier event
        pledge=rated,
        status=Status.STALLED,
        previous_status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 11, 1),
        created_at=recorded(3),
    )
    Pledge.objects.filter(pk=unrated.pk).update(status=Status.STALLED, version=3)

    with django_assert_max_num_queries(4):  # one UPDATE, whatever the number of pledges,
        # plus moving the revision that public caches key on
        assert Pledge.objects.filter(pk__in=[rated.pk, unrated.pk]).refresh_status() == 2

    rated.refresh_from_db()
    unrated.refresh_from_db()
    assert (rated.status, rated.latest_update_id, rated.version) == (Status.ACHIEVED, latest.pk, 3)
    assert (unrated.status, unrated.latest_update_id, unrated.version) == (
        Status.NOT_YET_RATED,
        None,
        0,
    )
