"""Content in both languages: paired fields, their display with the "not yet translated"
marker, entry in the admin and the staff forms, and the data that goes out (README
"Content in both languages")."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.factories import (
    PledgeFactory,
    StatementFactory,
    UserFactory,
    published_update,
)
from tracker.models import Pledge, ReviewState, Status, StatusUpdate

pytestmark = pytest.mark.django_db


# The model: a statement's translation, a note's translation ---------------------------


def test_a_statement_links_to_the_original_it_translates():
    original = StatementFactory(language="ko", title="한미 정상회담 공동 기자회견")
    english = StatementFactory(language="en", translation_of=original)
    english.full_clean()
    assert list(original.translations.all()) == [english]


@pytest.mark.parametrize(
    "case, message",
    [
        ("same language", "another language"),
        ("itself", "translation of itself"),
        ("a translation", "itself a translation"),
    ],
)
def test_a_statement_cannot_translate_what_is_not_an_original(case, message):
    korean = StatementFactory(language="ko")
    english = StatementFactory(language="en", translation_of=korean)
    statement = StatementFactory(language="en")
    if case == "same language":
        statement.translation_of = english
        statement.translation_of_id = english.pk
        english.translation_of = None  # not itself a translation here
        english.save()
    elif case == "itself":
        statement.translation_of = statement
    else:
        statement.language = "ko"
        statement.translation_of = english
    with pytest.raises(ValidationError) as raised:
        statement.full_clean()
    assert message in str(raised.value.message_dict["translation_of"])


def test_a_statement_language_is_korean_or_english():
    statement = StatementFactory.build(language="fr")
    with pytest.raises(ValidationError) as raised:
        statement.full_clean(exclude=["slug"])
    assert "language" in raised.value.message_dict


@pytest.fixture
def published_note(editor):
    pledge = PledgeFactory()
    update = published_update(
        pledge,
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 10, 1),
        public_note="The bill went to the Assembly.",
        author=editor,
    )
    pledge.refresh_from_db()
    return update


def test_translating_a_published_note_keeps_it_published_and_the_status(published_note, editor):
    pledge = published_note.pledge
    version = pledge.version
    translator = UserFactory(username="translator", groups=["Editors"])

    assert published_note.translate_note("법안이 국회에 제출되었습니다.", author=translator)

    update = StatusUpdate.objects.get(pk=published_note.pk)
    assert update.public_note_ko == "법안이 국회에 제출되었습니다."
    assert update.public_note == "The bill went to the Assembly."
    assert update.review_state == ReviewState.APPROVED
    pledge.refresh_from_db()
    assert (pledge.status, pledge.version) == (Status.IN_PROGRESS, version)
    assert not StatusUpdate.objects.awaiting_review().exists()


def test_a_translation_is_a_version_in_the_edit_history(published_note):
    translator = UserFactory(username="translator", groups=["Editors"])
    published_note.translate_note("법안이 국회에 제출되었습니다.", author=translator)
    published_note.translate_note("법안이 국회에 제출됐습니다.", author=translator)

    versions = list(published_note.history.order_by("history_date"))
    assert [v.public_note_ko for v in versions] == [
        "",
        "법안이 국회에 제출되었습니다.",
        "법안이 국회에 제출됐습니다.",
    ]
    assert versions[-1].history_user == translator
    assert versions[-1].history_change_reason == "translation"
    assert {v.public_note for v in versions} == {"The bill went to the Assembly."}


def test_the_note_as_written_is_never_edited(published_note):
    published_note.public_note = "Something else was said."
    with pytest.raises(ValueError, match="append-only"):
        published_note.save(update_fields=["public_note"])
    with pytest.raises(ValueError, match="append-only"):
        published_note.save()


def test_a_note_written_in_korean_takes_its_english_translation_later(editor):
    pledge = PledgeFactory()
    update = published_update(
        pledge,
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 10, 1),
        public_note="",
        public_note_ko="법안이 국회에 제출되었습니다.",
        author=editor,
    )
    assert update.note_language == "ko"
    update.translate_note("The bill went to the Assembly.", author=editor)
    update.refresh_from_db()
    assert update.public_note == "The bill went to the Assembly."
    assert update.public_note_ko == "법안이 국회에 제출되었습니다."


def test_a_translation_needs_a_note_and_fits_the_limit(editor):
    pledge = PledgeFactory()
    noted = published_update(
        pledge,
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 10, 1),
        public_note="Noted.",
        author=editor,
    )
    silent = published_update(
        pledge,
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 10, 2),
        public_note="",
        author=editor,
    )
    with pytest.raises(ValidationError, match="no public note to translate"):
        silent.translate_note("번역", author=editor)
    with pytest.raises(ValidationError, match="Too long"):
        noted.translate_note("가" * 5001, author=editor)
    assert StatusUpdate.objects.get(pk=noted.pk).public_note_ko == ""


def test_pledge_title_in_korean_is_in_its_edit_history():
    pledge = PledgeFactory(title="Build a bridge")
    pledge.title_ko = "다리 건설"
    pledge.save()
    assert [v.title_ko for v in pledge.history.order_by("history_date")] == ["", "다리 건설"]
    assert Pledge.objects.get(pk=pledge.pk).title_ko == "다리 건설"
