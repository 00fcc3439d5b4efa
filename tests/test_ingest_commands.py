"""manage.py ingest and manage.py suggest_eval."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import CounterpartFactory
from tracker.ingest import clean
from tracker.models import CounterpartAlias, Pledge, Statement, SuggestionReview

SEEDS = Path(__file__).parent / "data" / "seeds"
SEED_000 = SEEDS / "000_949190ef975bc5d8.txt"
SEED_004 = SEEDS / "004_73bb6c3186199ea4.txt"

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("ingest", *map(str, args), stdout=out)
    return out.getvalue()


def test_it_prints_a_table_of_suggestions_and_saves_nothing():
    CounterpartAlias.objects.create(counterpart=CounterpartFactory(name="Japan"), alias="Tokyo")
    output = run(SEED_004)
    assert "Outcome of ROK-Japan New Cooperation Vision Forum" in output
    assert "The Ministry of Foreign Affairs plans to thoroughly prepare" in output
    assert "with: Japan" in output
    assert Statement.objects.count() == 0


def test_json_lists_every_field_with_verbatim_offsets():
    rows = json.loads(run("--json", SEED_000))
    assert len(rows) >= 15
    text = clean.from_upload(SEED_000.name, SEED_000.read_bytes()).text
    for row in rows:  # the full list of fields: test_ingest_suggest
        assert row["quote"] == text[row["start"] : row["end"]]
    apec = next(row for row in rows if "APEC Leaders" in row["quote"])
    assert apec["target"] == {"date": "2025-10-01", "precision": "month", "text": "This October"}


def test_save_stores_the_statement_and_pledges_unpublished_without_review_records():
    suggested = len(json.loads(run("--json", SEED_004)))
    output = run("--save", SEED_004)
    statement = Statement.objects.get()
    assert "Saved statement" in output
    assert not statement.is_published and statement.source_file == SEED_004.name
    assert statement.pledges.count() == suggested >= 2
    assert not Pledge.objects.filter(is_published=True).exists()
    assert SuggestionReview.objects.count() == 0  # nobody reviewed them


def test_saving_the_same_document_twice_is_refused():
    run("--save", SEED_004)
    with pytest.raises(CommandError, match="already in the tracker"):
        run("--save", SEED_004)
    assert Statement.objects.count() == 1


def test_a_bad_file_is_an_error_with_its_reason(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(CommandError, match="binary"):
        run(junk)
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "missing.txt")


def test_an_unreadable_date_option_is_an_error():
    with pytest.raises(CommandError, match="not a date we can read"):
        run("--date", "someday", SEED_004)


def test_suggest_eval_reports_misses_and_real_use():
    out = io.StringIO()
    call_command("suggest_eval", "--candidates", "100", "--reviews", "--seeds", SEEDS, stdout=out)
    output = out.getvalue()
    assert "raw seed files, cleaned" in output
    assert "MISS" in output  # the suggester is not perfect, and says where
    assert "No reviewed suggestions yet." in output
