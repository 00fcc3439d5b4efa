"""Sentence and clause spans, and the date resolver."""

import datetime

import pytest

from tracker.ingest import dates, sentences

TEXT = (
    "The U.S. delegation arrived on Monday. Korea will host the APEC meeting.\n\n"
    "He announced that the channels will be restored, and that close cooperation "
    "with Japan will continue; the ministry plans to hold a dialogue."
)


def test_sentences_are_offsets_into_the_text():
    spans = sentences.sentences(TEXT)
    assert [span.of(TEXT) for span in spans] == [
        "The U.S. delegation arrived on Monday.",
        "Korea will host the APEC meeting.",
        "He announced that the channels will be restored, and that close cooperation "
        "with Japan will continue; the ministry plans to hold a dialogue.",
    ]
    assert all(TEXT[s.start : s.end] == s.of(TEXT) for s in spans)


def test_a_sentence_never_crosses_a_paragraph():
    text = "A heading without a full stop\n\nWe will act."
    assert [s.of(text) for s in sentences.sentences(text)] == [
        "A heading without a full stop",
        "We will act.",
    ]


def test_clauses_split_at_semicolons_and_coordinated_that_clauses():
    third = sentences.sentences(TEXT)[2]
    assert [c.of(TEXT) for c in sentences.clauses(TEXT, third)] == [
        "He announced that the channels will be restored",
        "close cooperation with Japan will continue",
        "the ministry plans to hold a dialogue.",
    ]


def test_a_list_of_actions_stays_one_clause():
    text = "With Russia, we will take a prudent approach, explore cooperation, and engage."
    (sentence,) = sentences.sentences(text)
    assert [c.of(text) for c in sentences.clauses(text, sentence)] == [text]


SPEECH = datetime.date(2025, 9, 1)


@pytest.mark.parametrize(
    ("expression", "expected", "precision"),
    [
        ("This October, Korea will host", datetime.date(2025, 10, 1), "month"),
        ("we will do it next year", datetime.date(2026, 1, 1), "year"),
        ("by 2030", datetime.date(2030, 1, 1), "year"),
        ("the upcoming 2026 Korea–Africa meeting", datetime.date(2026, 1, 1), "year"),
        ("next month", datetime.date(2025, 10, 1), "month"),
        ("by the end of this year", datetime.date(2025, 1, 1), "year"),
        ("within two years", datetime.date(2027, 1, 1), "year"),
        ("in March 2027", datetime.date(2027, 3, 1), "month"),
        ("next March", datetime.date(2026, 3, 1), "month"),
        ("in the first half of next year", datetime.date(2026, 6, 1), "month"),
        ("on 15 December 2025", datetime.date(2025, 12, 15), "day"),
    ],
)
def test_time_expressions_resolve_against_the_statement_date(expression, expected, precision):
    target = dates.find_target(expression, SPEECH)
    assert (target.date, target.precision) == (expected, precision)


@pytest.mark.parametrize(
    "text",
    ["the 1953 Mutual Defense Treaty", "the 1950-53 Korean War", "for the next 60 years", "soon"],
)
def test_past_years_ranges_and_durations_are_not_targets(text):
    assert dates.find_target(text, SPEECH) is None


def test_without_a_statement_date_only_absolute_dates_count():
    assert dates.find_target("next year", None) is None
    assert dates.find_target("by 2030", None).date == datetime.date(2030, 1, 1)


@pytest.mark.parametrize(
    ("typed", "expected", "precision"),
    [
        ("1 September 2025", datetime.date(2025, 9, 1), "day"),
        ("September 16, 2025", datetime.date(2025, 9, 16), "day"),
        ("2025-09-01", datetime.date(2025, 9, 1), "day"),
        ("September 2025", datetime.date(2025, 9, 1), "month"),
        ("2025", datetime.date(2025, 1, 1), "year"),
    ],
)
def test_typed_dates_keep_their_precision(typed, expected, precision):
    parsed = dates.parse_date(typed)
    assert (parsed.date, parsed.precision) == (expected, precision)


@pytest.mark.parametrize("typed", ["soon", "May 20", "31 February 2025", "x" * 100, ""])
def test_unreadable_dates_get_a_message(typed):
    with pytest.raises(dates.UnreadableDate) as error:
        dates.parse_date(typed)
    assert str(error.value)


def test_dates_a_document_gives_for_itself():
    found = dates.dates_in("Speech(September 1, 2025) 작성일 2025-09-01 Posted : 16 September 2025")
    assert [d.date for d in found] == [
        datetime.date(2025, 9, 1),
        datetime.date(2025, 9, 1),
        datetime.date(2025, 9, 16),
    ]
