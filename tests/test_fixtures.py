"""The curated seed fixture: loadable, valid, verbatim and honest about its sources."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tracker.models import (
    Basis,
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
    attribution_key,
    end_of_period,
)

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "tracker.json"
FOLLOWUP = Path(settings.BASE_DIR) / "fixtures" / "followup.json"
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


def test_unpublished_pledges_are_withdrawn_ones_that_say_why():
    """A pledge that stopped being one keeps its number (follow-up refers to it) but says
    why it was withdrawn and which rule took it out."""
    problems = [
        p.slug
        for p in Pledge.objects.filter(is_published=False)
        if not p.description.startswith("Withdrawn from the public record")
    ]
    assert not problems, f"unpublished pledges that do not say why: {problems}"


def test_no_two_public_pledges_share_a_quote_or_overlap():
    """The splitting rule on /about/: each pledge quotes only its own words."""
    problems = []
    for statement in Statement.objects.all():
        spans = []
        for p in Pledge.objects.public().filter(statement=statement):
            start = statement.text.find(p.quote)
            spans.append((start, start + len(p.quote), p.slug))
        spans.sort()
        for (_, end, first), (start, _, second) in zip(spans, spans[1:], strict=False):
            if start < end:
                problems.append(f"{first} and {second} overlap in {statement.slug}")
    assert not problems, problems


def test_every_maker_is_a_speaker_of_the_pledges_own_statement():
    problems = [
        f"pledge {p.pk} {p.slug}: maker from statement {p.maker.statement_id}"
        for p in Pledge.objects.select_related("maker").exclude(maker=None)
        if p.maker.statement_id != p.statement_id
    ]
    assert not problems, problems


def test_every_public_pledge_names_who_made_it():
    """A speaker of its statement, or the issuing body where the source names no person."""
    problems = [
        p.slug
        for p in Pledge.objects.public().select_related("statement__issuing_body", "maker")
        if p.made_by is None
    ]
    assert not problems, f"public pledges with no maker: {problems}"


def test_statements_with_speakers_credit_a_speaker():
    """Where the source names who spoke, a pledge is credited to one of them, not to the
    ministry, unless the statement says the ministry plans it (a press release)."""
    problems = [
        p.slug
        for p in Pledge.objects.public().filter(maker=None, statement__kind="news_report")
        if p.statement.speaker_set.exists()
    ]
    assert not problems, f"news-report pledges credited to no speaker: {problems}"


def test_speaker_attribution_keys_are_current():
    """The speaker filter's key is stored; a fixture edit must keep it in step."""
    problems = [
        f"speaker {s.pk}: {s.attribution!r}, expected {expected!r}"
        for s in Speaker.objects.select_related("person")
        if s.attribution != (expected := attribution_key(s.person.name, s.office, s.doubt))
    ]
    assert not problems, problems


def test_inferred_and_borrowed_dates_and_names_say_so():
    problems = []
    for s in Statement.objects.all():
        if s.date_basis == Basis.INFERRED and not s.date_basis_note.strip():
            problems.append(f"{s.slug}: inferred date without reasoning")
        if s.date_basis == Basis.OTHER_SOURCE and not (s.date_source_url and s.date_source_title):
            problems.append(f"{s.slug}: date from another source without its citation")
    for sp in Speaker.objects.all():
        if sp.doubt and not (sp.basis_note or sp.source_url):
            problems.append(f"speaker {sp.pk}: doubted without saying what we found")
    assert not problems, problems


def test_seed_001s_foreign_minister_is_marked_doubtful():
    """The outlet names Cho Tae-yul as foreign minister in September 2025; he was not."""
    speaker = Speaker.objects.get(
        statement__source_file__startswith="001_", person__name="Cho Tae-yul"
    )
    assert speaker.doubt
    assert speaker.office == "Foreign Minister"  # recorded as the source gives it
    assert speaker.attribution.endswith("-doubtful")


def test_grouping_members_are_stated_in_a_seed():
    """The IP4's members come from the 2025 keynote, which names them."""
    ip4 = Counterpart.objects.get(slug="indo-pacific-four")
    assert set(ip4.members.values_list("name", flat=True)) == {
        "Japan",
        "Australia",
        "New Zealand",
    }
    keynote = Statement.objects.get(source_file__startswith="000_")
    assert "Together with Australia, Japan, and New Zealand—the Indo-Pacific Four" in (keynote.text)


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
    problems += [
        f"counterpart {c}"
        for c in Counterpart.objects.filter(pledges=None, groupings__pledges=None).distinct()
    ]
    problems += [f"topic {t}" for t in Topic.objects.filter(pledges=None)]
    problems += [f"person {p}" for p in Person.objects.filter(speaker_set=None)]
    problems += [
        f"body {b}" for b in Body.objects.filter(statements=None, pledges=None, children=None)
    ]
    assert not problems, f"reference rows no statement or pledge uses: {problems}"


HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_public_records_have_their_korean_text():
    """The tracker's Korean for what the public site shows: a translation dropped from the
    fixtures (a merge, a rewrite, a new pledge) fails here, instead of putting the "not yet
    translated" marker on the Korean site. The English pasted in as "Korean" fails too."""
    call_command("loaddata", str(FOLLOWUP), verbosity=0)
    public = Pledge.objects.public()
    texts = []
    for pledge in public:
        texts.append((f"pledge {pledge.pk} title", pledge.title, pledge.title_ko))
        if pledge.description.strip():
            texts.append(
                (f"pledge {pledge.pk} description", pledge.description, pledge.description_ko)
            )
    for group in Counterpart.objects.with_pledge_counts(public):
        texts.append((f"counterpart {group.slug}", group.name, group.name_ko))
    for topic in Topic.objects.filter(pledges__in=public).distinct():
        texts.append((f"topic {topic.slug}", topic.name, topic.name_ko))
    for statement in Statement.objects.public():
        texts.append((f"statement {statement.pk} title", statement.title, statement.title_ko))
    for update in StatusUpdate.objects.public():
        if update.public_note.strip():
            texts.append((f"update {update.pk} note", update.public_note, update.public_note_ko))
    assert len(texts) > 100, "the fixtures lost most of their public records"
    problems = [
        f"{label}: {korean!r} for {english!r}"
        for label, english, korean in texts
        if not HANGUL.search(korean)
    ]
    assert not problems, f"public text without its Korean: {problems}"


def test_new_rows_get_fresh_primary_keys():
    """Explicit pks must not leave the database's sequences behind (PostgreSQL)."""
    highest = Topic.objects.order_by("-pk").values_list("pk", flat=True).first()
    topic = Topic.objects.create(name="A topic added after loading")
    assert topic.pk > highest
    assert topic.slug == "a-topic-added-after-loading"


# Sentences with a commitment cue that are not pledges, each with the rule on /about/ that
# leaves it out. A new or re-cut statement whose cue sentence is neither a pledge nor here
# fails the test below, so a missed commitment cannot go unnoticed.
NOT_PLEDGES = {
    "we must reduce tensions and open a new era": "a principle, and “we” is not only Korea",
    "Korea must safeguard its own interests": "a principle, not a course of action",
    "firm where we must, flexible where we can": "a manner of statecraft",
    "We will not only deepen ties with NATO": "a summary of the pledges that follow it",
    "Through these multifaceted efforts, Korea will": "a summary of the pledges before it",
    "Korea will stand with the international community": "a general wish",
    'South Korea will pursue "practical diplomacy': "the reporter's summary of a quoted pledge",
    "South Korea must navigate its diplomacy": "a principle, not a course of action",
    "the two countries must seek a path": "an exhortation to both countries",
    # Seed 002 is an article interpreting a speech: these are the writer's words.
    "he is effectively arguing": "the writer's commentary",
    "it must communicate that ambition": "the writer's commentary",
    "it will be a sign that Seoul": "the writer's commentary",
}
COMMITMENT_CUE = re.compile(
    r"\b(we will|will we|Korea will|it will|will be|plans to|must)\b", re.IGNORECASE
)


def test_every_sentence_with_a_commitment_cue_is_a_pledge_or_ruled_out():
    problems = []
    for statement in Statement.objects.all():
        quotes = list(Pledge.objects.public().filter(statement=statement).values_list("quote"))
        for sentence in re.split(r"(?<=[.!?])\s+", statement.text):
            if not COMMITMENT_CUE.search(sentence):
                continue
            covered = any(quote in sentence or sentence in quote for (quote,) in quotes)
            excluded = any(fragment in sentence for fragment in NOT_PLEDGES)
            if not covered and not excluded:
                problems.append(f"{statement.source_file}: {sentence[:120]!r}")
    assert not problems, f"commitments neither tracked nor ruled out: {problems}"
