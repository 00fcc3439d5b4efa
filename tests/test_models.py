import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import (
    PledgeFactory,
    StatementFactory,
    StatusUpdateFactory,
    published_update,
)
from tracker.models import (
    DatePrecision,
    Evidence,
    Pledge,
    Restatement,
    Revision,
    StaleVersion,
    Statement,
    Status,
    StatusUpdate,
    end_of_period,
    format_partial_date,
)

pytestmark = pytest.mark.django_db


# Quote validation


def test_quote_not_in_statement_text_is_rejected_with_a_clear_message():
    statement = StatementFactory(text="We will build a bridge.\n\nThank you.")
    pledge = PledgeFactory.build(statement=statement, quote="We will build a tunnel.")
    with pytest.raises(ValidationError) as excinfo:
        pledge.full_clean()
    message = excinfo.value.message_dict["quote"][0]
    assert "word for word" in message and statement.title in message


def test_verbatim_quote_is_accepted():
    statement = StatementFactory(text="Intro.\n\nWe will build a bridge — soon.\n\nEnd.")
    PledgeFactory.build(statement=statement, quote="We will build a bridge — soon.").full_clean()


def test_quote_differing_only_in_punctuation_is_rejected():
    statement = StatementFactory(text="Korea’s pledge stands.")
    pledge = PledgeFactory.build(statement=statement, quote="Korea's pledge stands.")
    with pytest.raises(ValidationError):
        pledge.full_clean()


def test_restatement_quote_is_validated_against_its_own_statement():
    pledge = PledgeFactory()
    later = StatementFactory(text="Later we said it again.")
    Restatement(pledge=pledge, statement=later, quote="Later we said it again.").full_clean()
    with pytest.raises(ValidationError) as excinfo:
        Restatement(pledge=pledge, statement=later, quote=pledge.quote).full_clean()
    assert "quote" in excinfo.value.message_dict


# Recording an update


def test_record_update_writes_history_and_current_status(editor):
    pledge = PledgeFactory()
    update = pledge.record_update(
        status=Status.IN_PROGRESS,
        as_of=timezone.localdate(),
        public_note="Talks opened.",
        internal_note="Source is a phone call.",
        evidence=[("https://example.org/a", "Readout")],
        author=editor,
    )
    pledge.refresh_from_db()
    assert pledge.status == Status.IN_PROGRESS
    assert pledge.latest_update == update
    assert pledge.version == 1
    assert update.previous_status == Status.NOT_YET_RATED
    assert update.internal_note == "Source is a phone call."
    assert update.public_note == "Talks opened."
    assert [(e.url, e.title) for e in update.evidence.all()] == [
        ("https://example.org/a", "Readout")
    ]


def test_status_follows_the_latest_update(editor):
    pledge = PledgeFactory()
    pledge.record_update(
        status=Status.IN_PROGRESS, as_of=timezone.localdate(), public_note="a", author=editor
    )
    published_update(
        pledge, status=Status.STALLED, as_of=timezone.localdate(), public_note="b", author=editor
    )
    pledge.refresh_from_db()
    assert pledge.status == Status.STALLED
    assert pledge.updates.count() == 2
    assert pledge.latest_update.status == Status.STALLED


def test_status_change_needs_a_public_note(editor):
    pledge = PledgeFactory()
    with pytest.raises(ValidationError) as excinfo:
        pledge.record_update(
            status=Status.ACHIEVED, as_of=timezone.localdate(), public_note=" ", author=editor
        )
    assert "public_note" in excinfo.value.message_dict
    assert not StatusUpdate.objects.exists()


def test_future_as_of_date_is_refused(editor, time_machine):
    """ "Today" is Seoul's (TIME_ZONE): at 16:00 UTC on 1 March it is already 2 March there,
    so 3 March is refused and 2 March, still the future in UTC, is accepted."""
    time_machine.move_to(datetime.datetime(2026, 3, 1, 16, 0, tzinfo=datetime.UTC), tick=False)
    pledge = PledgeFactory()
    with pytest.raises(ValidationError) as excinfo:
        pledge.record_update(
            status=Status.IN_PROGRESS,
            as_of=datetime.date(2026, 3, 3),
            public_note="x",
            author=editor,
        )
    assert excinfo.value.message_dict["as_of"] == ["The as-of date cannot be in the future."]
    assert not StatusUpdate.objects.exists()

    pledge.record_update(
        status=Status.IN_PROGRESS, as_of=datetime.date(2026, 3, 2), public_note="x", author=editor
    )
    assert pledge.updates.get().as_of == datetime.date(2026, 3, 2)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "not a url"])
def test_evidence_must_be_an_http_link(editor, url):
    pledge = PledgeFactory()
    with pytest.raises(ValidationError):
        pledge.record_update(
            status=Status.IN_PROGRESS,
            as_of=timezone.localdate(),
            public_note="x",
            author=editor,
            evidence=[(url, "Title")],
        )
    assert not StatusUpdate.objects.exists()


def test_stale_version_is_refused_and_nothing_is_saved(editor):
    pledge = PledgeFactory()
    seen_by_second_editor = Pledge.objects.get(pk=pledge.pk)
    pledge.record_update(
        status=Status.IN_PROGRESS,
        as_of=timezone.localdate(),
        public_note="first",
        author=editor,
        expected_version=0,
    )
    with pytest.raises(StaleVersion) as excinfo:
        seen_by_second_editor.record_update(
            status=Status.BROKEN,
            as_of=timezone.localdate(),
            public_note="second",
            author=editor,
            evidence=[("https://example.org/b", "B")],
            expected_version=seen_by_second_editor.version,
        )
    assert excinfo.value.pledge.version == 1
    assert list(StatusUpdate.objects.values_list("public_note", flat=True)) == ["first"]
    assert not Evidence.objects.exists()
    pledge.refresh_from_db()
    assert pledge.status == Status.IN_PROGRESS


def test_history_rows_are_never_edited_in_place():
    update = StatusUpdateFactory()
    update.public_note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        update.save()


def test_record_update_is_one_transaction(editor, monkeypatch):
    pledge = PledgeFactory()

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Evidence.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        pledge.record_update(
            status=Status.IN_PROGRESS,
            as_of=timezone.localdate(),
            public_note="x",
            author=editor,
            evidence=[("https://example.org/a", "A")],
        )
    assert not StatusUpdate.objects.exists()
    pledge.refresh_from_db()
    assert pledge.status == Status.NOT_YET_RATED and pledge.version == 0


def test_the_database_refuses_an_unknown_status():
    pledge = PledgeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Pledge.objects.filter(pk=pledge.pk).update(status="overdue")


# Overdue


@pytest.mark.parametrize(
    ("status", "deadline_offset", "expected"),
    [
        (Status.IN_PROGRESS, -1, True),
        (Status.NOT_YET_RATED, -30, True),
        (Status.IN_PROGRESS, 0, False),
        (Status.IN_PROGRESS, 10, False),
        (Status.ACHIEVED, -30, False),
        (Status.BROKEN, -30, False),
    ],
)
def test_overdue_is_computed_from_target_and_status(status, deadline_offset, expected):
    today = datetime.date(2026, 3, 2)
    pledge = PledgeFactory(
        target_date=today + datetime.timedelta(days=deadline_offset),
        target_precision=DatePrecision.DAY,
    )
    Pledge.objects.filter(pk=pledge.pk).update(status=status)
    pledge.refresh_from_db()
    assert pledge.is_overdue_on(today) is expected
    assert Pledge.objects.overdue(today).filter(pk=pledge.pk).exists() is expected
    assert Pledge.objects.with_overdue(today).get(pk=pledge.pk).is_overdue is expected


def test_a_year_target_is_due_at_the_end_of_that_year():
    pledge = PledgeFactory(target_date=datetime.date(2026, 3, 4), target_precision="year")
    assert pledge.target_deadline == datetime.date(2026, 12, 31)
    assert not pledge.is_overdue_on(datetime.date(2026, 12, 31))
    assert pledge.is_overdue_on(datetime.date(2027, 1, 1))


def test_a_pledge_without_target_is_never_overdue():
    pledge = PledgeFactory(target_date=None, target_precision=DatePrecision.UNKNOWN)
    assert not pledge.is_overdue_on(datetime.date(2100, 1, 1))


def test_partial_dates_show_only_what_the_source_gives():
    day = datetime.date(2025, 10, 31)
    assert format_partial_date(day, "day") == "31 October 2025"
    assert format_partial_date(day, "month") == "October 2025"
    assert format_partial_date(day, "year") == "2025"
    assert format_partial_date(None, "unknown") == "Date not stated"
    assert end_of_period(datetime.date(2024, 2, 3), "month") == datetime.date(2024, 2, 29)


def test_statement_date_is_stored_as_the_start_of_its_period():
    statement = StatementFactory.build(date=datetime.date(2026, 7, 4), date_precision="year")
    statement.full_clean()
    assert statement.date == datetime.date(2026, 1, 1)
    assert statement.display_date == "2026"


def test_known_precision_needs_a_date():
    with pytest.raises(ValidationError):
        StatementFactory.build(date=None, date_precision="day").full_clean()


# Slugs and visibility


def test_slugs_are_unique_even_for_the_same_title():
    first = PledgeFactory(title="Host the summit")
    second = PledgeFactory(title="Host the summit")
    assert first.slug == "host-the-summit"
    assert second.slug == "host-the-summit-2"


def test_duplicate_slug_is_refused_by_the_database():
    PledgeFactory(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        PledgeFactory(slug="same")


def test_public_hides_unpublished_pledges_and_pledges_of_unpublished_statements():
    shown = PledgeFactory()
    PledgeFactory(is_published=False)
    PledgeFactory(statement=StatementFactory(is_published=False))
    assert list(Pledge.objects.public()) == [shown]
    assert Statement.objects.public().count() == 2


def test_every_write_moves_the_revision(editor):
    before = Revision.current().number
    pledge = PledgeFactory()
    after_create = Revision.current().number
    pledge.record_update(
        status=Status.IN_PROGRESS, as_of=timezone.localdate(), public_note="x", author=editor
    )
    assert before < after_create < Revision.current().number
