"""The suggester end to end, and its accuracy on the curated seed statements."""

import datetime
import io

import pytest
from django.core.management import call_command

from tracker.ingest.evaluate import Score, overlaps
from tracker.ingest.gazetteer import Gazetteer
from tracker.ingest.suggest import suggest

TEXT = (
    "1. The ministry held its annual forum on Monday.\n\n"
    "2. Minister Cho said that the ministry will hold regular talks with Tokyo next year.\n\n"
    "3. Observers will watch what follows. We will pursue a stable relationship with China."
)
GAZETTEER = Gazetteer.build(
    [(2, "Japan", ["Tokyo"]), (3, "China", [])], [(1, "Diplomatic dialogue", ["talks"])]
)


def test_each_suggestion_is_a_verbatim_span_without_its_reporting_frame():
    found = suggest(TEXT, statement_date=datetime.date(2025, 9, 1), gazetteer=GAZETTEER)
    assert [s.quote for s in found] == [
        "the ministry will hold regular talks with Tokyo next year.",
        "We will pursue a stable relationship with China.",
    ]
    assert all(TEXT[s.start : s.end] == s.quote for s in found)


def test_a_suggestion_carries_title_names_target_specificity_and_reasons():
    talks, china = suggest(TEXT, statement_date=datetime.date(2025, 9, 1), gazetteer=GAZETTEER)
    assert talks.title == "Hold regular talks with Tokyo next year"
    assert [c.name for c in talks.counterparts] == ["Japan"]
    assert [t.name for t in talks.topics] == ["Diplomatic dialogue"]
    assert (talks.target.date, talks.target.precision) == (datetime.date(2026, 1, 1), "year")
    assert talks.specificity == "concrete"
    assert china.specificity == "aspirational"
    assert china.target is None
    assert any("will pursue" in reason for reason in china.reasons)
    assert 0 < china.confidence <= 1


def test_a_list_marker_is_not_part_of_the_quote():
    text = "9. The Ministry plans to prepare for the anniversary."
    (found,) = suggest(text)
    assert found.quote == "The Ministry plans to prepare for the anniversary."


def test_suggestions_serialise_with_the_documented_fields():
    (found,) = suggest("We will open a consulate by 2030.")
    assert set(found.to_dict()) >= {
        "quote",
        "start",
        "end",
        "title",
        "counterparts",
        "topics",
        "target",
        "specificity",
        "confidence",
        "reasons",
        "restates",
    }


def test_span_overlap_scoring():
    assert overlaps((0, 10), (5, 30))  # half of the shorter span
    assert not overlaps((0, 10), (8, 30))
    score = Score()

    class S:
        def __init__(self, start, end):
            self.start, self.end, self.quote, self.confidence = start, end, "", 1

    score.add("doc", "x" * 100, [(0, 10), (50, 60)], [S(0, 12), S(70, 80)])
    assert (score.recall, score.precision) == (0.5, 0.5)


def test_the_suggester_meets_its_targets_on_the_curated_seeds():
    out = io.StringIO()
    call_command("suggest_eval", "--candidates", "100", stdout=out)
    lines = out.getvalue().splitlines()
    recall = float(next(line for line in lines if "recall" in line).split()[1])
    precision = float(next(line for line in lines if "precision" in line).split()[1])
    assert recall >= 0.9, out.getvalue()
    assert precision >= 0.6, out.getvalue()
    assert any(line.strip().startswith("5,0") for line in lines)  # the speed figure


@pytest.mark.parametrize("text", ["", "Thank you.", "한국어 문장입니다."])
def test_text_without_commitments_gives_no_suggestions(text):
    assert suggest(text) == []
