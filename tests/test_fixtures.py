"""The curated seed fixture: loadable, valid, verbatim and honest about its sources."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tracker.models import (
    Body,
    Counterpart,
    Evidence,
    Person,
    Pledge,
    Restatement,
    Speaker,
    Statement,
    Status,
    StatusUpdate,
    Topic,
    end_of_period,
)

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "tracker.json"
SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"

# Site chrome that must never reach a cleaned statement text.
JUNK = [
    "바로가기",
    "만족도",
    "누리집",
    "부서명",
    "조회수",
    "광고",
    "기사 이미지",
    "Join us on social",
    "Post a Comment",
    "0 Comments",
    "All rights reserved",
    "©",
    "bar_progress",
    "Text Size",
    "[Image source=",
]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loaded(db):
    # Loaded by path: FIXTURE_DIRS may not name the fixtures folder.
    call_command("loaddata", str(FIXTURE), verbosity=0)


def seed_files():
    if not SEEDS.is_dir():
        pytest.skip(f"the seed documents are not here: {SEEDS} does not exist")
    files = sorted(p for p in SEEDS.glob("*.txt") if p.is_file())
    if not files:
        pytest.skip(f"no seed documents (*.txt) in {SEEDS}")
    return files


def squash(text):
    """Whitespace-insensitive form, for comparing a cleaned paragraph with its source."""
    return re.sub(r"\s+", " ", text).strip()


def test_fixture_loads_something():
    assert Statement.objects.exists(), f"{FIXTURE} loaded no statements"
    assert Pledge.objects.exists(), f"{FIXTURE} loaded no pledges"


def test_every_seed_has_exactly_one_statement():
    problems = []
    for path in seed_files():
        count = Statement.objects.filter(source_file=path.name).count()
        if count != 1:
            problems.append(f"{path.name}: {count} statements")
    assert not problems, f"each seed file needs exactly one statement: {problems}"


def test_every_statement_comes_from_a_seed_and_is_published():
    names = {path.name for path in seed_files()}
    problems = [
        f"{s.slug}: source_file {s.source_file!r}, published={s.is_published}"
        for s in Statement.objects.all()
        if s.source_file not in names or not s.is_published
    ]
    assert not problems, f"statements not tied to a seed file or unpublished: {problems}"


def test_every_seed_statement_has_a_pledge():
    problems = [
        path.name
        for path in seed_files()
        if not Pledge.objects.filter(statement__source_file=path.name).exists()
    ]
    assert not problems, f"seed statements with no pledge: {problems}"


def test_pledge_quotes_are_verbatim():
    problems = [
        f"pledge {p.pk} {p.slug!r}: {p.quote[:80]!r}"
        for p in Pledge.objects.select_related("statement")
        if not p.quote or p.quote not in p.statement.text
    ]
    assert not problems, f"pledge quotes not found verbatim in their statement: {problems}"


def test_restatement_quotes_are_verbatim_and_in_a_later_other_statement():
    problems = []
    for r in Restatement.objects.select_related("statement", "pledge__statement"):
        label = f"restatement {r.pk} of {r.pledge.slug!r} in {r.statement.slug!r}"
        if not r.quote or r.quote not in r.statement.text:
            problems.append(f"{label}: quote not verbatim: {r.quote[:80]!r}")
        if r.statement_id == r.pledge.statement_id:
            problems.append(f"{label}: restated in the statement it was first made in")
        first, again = r.pledge.statement.date, r.statement.date
        if first and again and again < first:
            problems.append(f"{label}: the pledge should be filed under the earlier statement")
    assert not problems, problems


@pytest.mark.parametrize(
    "model", [Statement, Pledge, Restatement, Speaker, Person, Body, Counterpart, Topic]
)
def test_full_clean_passes(model):
    problems = []
    for obj in model.objects.all():
        try:
            obj.full_clean()
        except ValidationError as exc:
            problems.append(f"{model.__name__} {obj.pk} {obj}: {exc}")
    assert not problems, problems


def test_texts_have_no_site_chrome():
    problems = [
        f"{s.source_file}: contains {junk!r}"
        for s in Statement.objects.all()
        for junk in JUNK
        if junk in s.text
    ]
    assert not problems, f"menu/footer junk left in cleaned text: {problems}"


def test_texts_are_clean_paragraphs():
    problems = []
    for s in Statement.objects.all():
        if "\n\n\n" in s.text or s.text != s.text.strip():
            problems.append(f"{s.source_file}: extra blank lines or surrounding whitespace")
        for i, para in enumerate(s.text.split("\n\n")):
            if not para.strip():
                problems.append(f"{s.source_file} paragraph {i}: empty")
            elif "\n" in para:
                problems.append(f"{s.source_file} paragraph {i}: line break inside a paragraph")
            elif para != para.strip():
                problems.append(f"{s.source_file} paragraph {i}: leading/trailing spaces")
    assert not problems, problems


def test_text_paragraphs_come_from_the_seed_unchanged():
    """Apart from line breaks and spacing, every paragraph is in the source as written."""
    problems = []
    for path in seed_files():
        source = squash(path.read_text(encoding="utf-8"))
        for s in Statement.objects.filter(source_file=path.name):
            for i, para in enumerate(s.paragraphs):
                if squash(para) not in source:
                    problems.append(f"{path.name} paragraph {i}: {para[:60]!r}")
    assert not problems, f"paragraphs not found in their seed file: {problems}"


def test_source_urls_are_only_those_the_document_states():
    problems = []
    for path in seed_files():
        source = path.read_text(encoding="utf-8")
        for s in Statement.objects.filter(source_file=path.name).exclude(source_url=""):
            if s.source_url not in source:
                problems.append(f"{s.slug}: {s.source_url}")
    assert not problems, f"source URLs not stated in the seed document: {problems}"


def test_undated_statements_explain_why():
    problems = [
        s.slug
        for s in Statement.objects.all()
        if (s.date is None or s.date_precision != "day") and not s.date_note.strip()
    ]
    assert not problems, f"statements with a partial or missing date but no date note: {problems}"


def test_pledge_count_is_plausible():
    count = Pledge.objects.count()
    assert 25 <= count <= 40, f"expected 25..40 pledges, the fixture has {count}"


def test_pledges_are_published():
    problems = [p.slug for p in Pledge.objects.all() if not p.is_published]
    assert not problems, f"unpublished pledges: {problems}"


def test_target_deadline_is_end_of_target_period():
    problems = []
    for p in Pledge.objects.all():
        expected = end_of_period(p.target_date, p.target_precision)
        if p.target_deadline != expected:
            problems.append(
                f"pledge {p.pk} {p.slug!r}: target_deadline {p.target_deadline}, "
                f"expected {expected} ({p.target_date}, {p.target_precision})"
            )
    assert not problems, problems


def test_status_matches_history():
    statement_ids = set(Statement.objects.values_list("pk", flat=True))
    problems = []
    for p in Pledge.objects.all():
        updates = list(p.updates.order_by("-created_at", "-pk"))
        label = f"pledge {p.pk} {p.slug!r}"
        if p.version != len(updates):
            problems.append(f"{label}: version {p.version} but {len(updates)} status updates")
        if not updates:
            if p.status != Status.NOT_YET_RATED or p.latest_update_id is not None:
                problems.append(f"{label}: status {p.status} with no status update")
            continue
        latest = updates[0]
        if p.latest_update_id != latest.pk:
            problems.append(f"{label}: latest_update {p.latest_update_id}, newest is {latest.pk}")
        if p.status != latest.status:
            problems.append(f"{label}: status {p.status}, latest update says {latest.status}")
        if p.status != Status.NOT_YET_RATED and not any(
            u.source_statement_id in statement_ids for u in updates
        ):
            problems.append(f"{label}: no status update cites a statement in the fixture")
    assert not problems, problems


def test_status_updates_cite_a_later_statement():
    problems = []
    for u in StatusUpdate.objects.select_related("pledge__statement", "source_statement"):
        label = f"update {u.pk} on {u.pledge.slug!r}"
        if u.source_statement is None:
            problems.append(f"{label}: no source statement")
            continue
        if u.source_statement_id == u.pledge.statement_id:
            problems.append(f"{label}: cites the statement the pledge was made in")
        if u.source_statement.date and u.as_of < u.source_statement.date:
            problems.append(f"{label}: as_of {u.as_of} before its source statement")
        if not u.public_note.strip():
            problems.append(f"{label}: no public note")
    for e in Evidence.objects.all():
        if not e.url.startswith(("http://", "https://")) or not e.title.strip():
            problems.append(f"evidence {e.pk}: {e.url!r} {e.title!r}")
    assert not problems, problems


def test_no_unused_reference_rows():
    problems = []
    problems += [f"counterpart {c}" for c in Counterpart.objects.filter(pledges=None)]
    problems += [f"topic {t}" for t in Topic.objects.filter(pledges=None)]
    problems += [f"person {p}" for p in Person.objects.filter(speaker_set=None)]
    problems += [
        f"body {b}" for b in Body.objects.filter(statements=None, pledges=None, children=None)
    ]
    assert not problems, f"reference rows no statement or pledge uses: {problems}"


def test_new_rows_get_fresh_primary_keys():
    """Explicit pks must not leave the database's sequences behind (PostgreSQL)."""
    highest = Topic.objects.order_by("-pk").values_list("pk", flat=True).first()
    topic = Topic.objects.create(name="A topic added after loading")
    assert topic.pk > highest
    assert topic.slug == "a-topic-added-after-loading"
