"""Search in Korean and English (tracker.search): a Korean word finds Korean titles, quotes
and public notes, with or without particles and spaces, on SQLite and PostgreSQL alike; the
public never finds what it may not see; English search works as it did.
"""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    PledgeFactory,
    StatementFactory,
    UserFactory,
    published_update,
)
from tests.public_record import body
from tracker import search
from tracker.models import Pledge, PledgeSearch, Status, StatusUpdate

# Written for these tests in the ministry's register: not a record of any real statement.
KOREAN_TEXT = (
    "외교부는 25일 한·일 경제안보대화를 서울에서 개최하였다.\n\n"
    "양국은 반도체 공급망 협력을 강화해 나가기로 하였다.\n\n"
    "정부는 핵심광물 공급망의 안정화를 위해 파트너 국가들과의 협력을 확대할 것이다.\n\n"
    "아울러 양측은 AI기본법 시행에 관한 정보를 공유하기로 하였다."
)


def korean_statement(**kwargs):
    return StatementFactory(text=KOREAN_TEXT, language="ko", **kwargs)


@pytest.fixture
def korean(db):
    """Three published pledges from a Korean statement, each findable by one kind of text."""
    statement = korean_statement(slug="korea-japan-economic-security")
    by_title = PledgeFactory(
        statement=statement,
        slug="by-title",
        title="한일 경제안보대화 정례화",
        quote="외교부는 25일 한·일 경제안보대화를 서울에서 개최하였다.",
    )
    by_quote = PledgeFactory(
        statement=statement,
        slug="by-quote",
        title="Strengthen semiconductor supply chains",
        quote="양국은 반도체 공급망 협력을 강화해 나가기로 하였다.",
    )
    by_note = PledgeFactory(
        statement=statement,
        slug="by-note",
        title="Share information on AI law",
        quote="아울러 양측은 AI기본법 시행에 관한 정보를 공유하기로 하였다.",
    )
    published_update(
        by_note,
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 11, 3),
        public_note="양측 실무진이 인공지능 규범에 관한 첫 협의를 가졌다.",
        author=UserFactory(username="note-writer", groups=["Editors"]),
    )
    return by_title, by_quote, by_note


def found(client, query, language="ko"):
    """The slugs of the pledges a query finds on the public list, in the reader's language."""
    html = body(client.get(f"/{language}/pledges/", {"q": query}))
    return {
        slug
        for slug in Pledge.objects.values_list("slug", flat=True)
        if f'href="/{language}/pledges/{slug}/"' in html
    }


# Reading a query ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "pieces"),
    [
        ("반도체", [("반도체",)]),
        ("반도체를", [("반도체",)]),  # the object particle is dropped
        ("협력을", [("협력",)]),
        ("강화한다", [("강화",)]),
        ("경제안보", [("경제안", "제안보")]),  # every trigram required
        ("경제 안보", [("경제",), ("안보",)]),  # two words, each required
        ("한·일", [("한일",)]),
        ("한-일", [("한일",)]),
        ("국가", [("국가",)]),  # two syllables: nothing is cut ("가" is also a particle)
        ("정상회의", [("정상회",)]),  # "의" cut: less specific, never a miss
        ("핵", [("핵",)]),
    ],
)
def test_a_korean_query_word_is_read_as_pieces_without_its_particle(query, pieces):
    assert [term.pieces for term in search.parse(query).korean_terms] == pieces


def test_a_mixed_query_splits_english_words_from_korean_ones():
    query = search.parse("APEC에서 반도체 AI기본법")
    assert query.english == "APEC AI"  # "에서" is APEC's particle, not a word
    assert [t.text for t in query.english_terms] == ["APEC", "AI"]
    assert [t.pieces for t in query.korean_terms] == [("반도체",), ("기본법",)]


def test_a_quoted_korean_phrase_is_matched_as_written():
    (term,) = search.parse('"협력을 강화"').korean_terms
    assert term.pieces == ("협력을", "력을강", "을강화")  # no particle cut inside quotes


def test_a_minus_excludes_a_korean_word():
    query = search.parse("공급망 -반도체")
    assert [(t.pieces, t.negated) for t in query.korean_terms] == [
        (("공급망",), False),
        (("반도체",), True),
    ]


def test_a_query_with_nothing_to_search_for_is_empty():
    assert not search.parse('"" - or ·')


def test_english_query_text_reaches_postgresql_as_typed():
    assert search.parse('"critical minerals" -russia or japan').english == (
        '"critical minerals" -russia or japan'
    )


def test_korean_text_is_indexed_as_ngrams_the_same_with_or_without_spaces():
    _, joined = search.search_columns(["경제안보"])
    _, spaced = search.search_columns(["경제 안보"])
    assert joined == spaced == " 경제 제안 안보 경제안 제안보 보 "


def test_latin_glued_to_hangul_is_its_own_english_word():
    text, _ = search.search_columns(["AI기본법과 APEC에서"])
    assert text == "AI 기본법과 APEC 에서"


# Finding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("경제안보", {"by-title"}),  # title, written without a space
        ("경제 안보", {"by-title"}),  # the same, spaced
        ("경제안보대화를", {"by-title"}),  # with a particle the title does not have
        ("한일", {"by-title"}),  # "한·일" in the quote, "한일" in the title
        ("반도체", {"by-quote"}),  # quote
        ("반도체를", {"by-quote"}),
        ("공급망 협력", {"by-quote"}),
        ('"공급망 협력을 강화"', {"by-quote"}),  # a quoted phrase, as written
        ('"협력을 공급망"', set()),  # not as written
        ("인공지능 규범", {"by-note"}),  # public note
        ("협의를", {"by-note"}),
        ("AI기본법", {"by-note"}),  # mixed: "AI" in the title, 기본법 in the quote
        ("semiconductor 반도체", {"by-quote"}),  # English title and Korean quote
        ("semiconductor 안보", set()),  # every word is required
        ("공유 -인공지능", set()),
        ("하였다 -반도체", {"by-title", "by-note"}),
        ("도체", {"by-quote"}),  # part of a word
        ("반도체 공급망 협력을 강화해", {"by-quote"}),  # a light verb ending dropped
        ("원자력", set()),
    ],
)
def test_a_korean_query_finds_titles_quotes_and_notes(client, korean, query, expected):
    assert found(client, query) == expected


def test_a_one_syllable_korean_query_finds_that_syllable_anywhere(client, korean):
    # Defined behaviour: any text with the syllable in it, wherever it stands in a word.
    # Broad, as one syllable is: 화 is the end of 대화 and 정례화, the middle of 강화해.
    assert found(client, "화") == {"by-title", "by-quote"}
    assert found(client, "정") == {"by-title", "by-note"}  # 정례화, 정보
    assert found(client, "핵") == set()


def test_the_api_and_the_staff_worklist_find_korean_too(client, korean, editor):
    data = client.get("/api/pledges.json", {"q": "반도체를"}).json()
    assert [p["slug"] for p in data["results"]] == ["by-quote"]
    client.force_login(editor)
    html = body(client.get("/ko/staff/", {"q": "경제 안보"}))
    assert "한일 경제안보대화 정례화" in html
    assert "Strengthen semiconductor supply chains" not in html


def test_english_search_finds_words_of_public_notes_too(client, korean):
    published_update(
        korean[1],
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 11, 4),
        public_note="Working group on wafers met in Tokyo.",
        author=UserFactory(username="note-writer", groups=["Editors"]),
    )
    assert found(client, "wafers tokyo", "en") == {"by-quote"}


# What the public never finds -----------------------------------------------------------


def test_search_never_finds_an_unpublished_pledge_or_statement(client, korean):
    PledgeFactory(
        statement=korean[0].statement, slug="draft", title="비공개 초안 약속", is_published=False
    )
    hidden = korean_statement(slug="hidden", is_published=False)
    PledgeFactory(statement=hidden, slug="hidden-pledge", title="비공개 성명의 약속")
    assert found(client, "비공개") == set()
    assert found(client, "약속") == set()
    assert client.get("/api/pledges.json", {"q": "비공개"}).json()["count"] == 0


def test_search_never_finds_internal_proposed_or_withdrawn_notes(client, korean, curator):
    by_title = korean[0]
    editor = UserFactory(username="proposer", groups=["Editors"])
    proposed = by_title.record_update(
        status=Status.ACHIEVED,
        as_of=datetime.date(2025, 11, 5),
        public_note="제안 단계의 달성 판정 메모",
        internal_note="내부 전용 메모 극비",
        author=editor,
    )
    assert proposed.is_proposed  # a verdict waits for a second person
    assert found(client, "달성 판정") == set()
    assert found(client, "극비") == set()
    proposed.approve(curator)
    assert found(client, "달성 판정") == {"by-title"}
    assert found(client, "극비") == set()  # internal notes never, approved or not

    proposed.refresh_from_db()
    proposed.withdraw(curator, reason="The evidence was about another dialogue.")
    assert found(client, "달성 판정") == set()


# Keeping the index up to date ----------------------------------------------------------


def test_editing_a_title_or_quote_updates_what_finds_it(client, korean):
    by_title, by_quote, _ = korean
    by_title.title = "한중 외교장관 회담 개최"
    by_title.save()
    assert found(client, "정례화") == set()
    assert found(client, "외교장관") == {"by-title"}
    by_quote.quote = KOREAN_TEXT.split("\n\n")[2]  # 정부는 핵심광물 공급망의 안정화를 ...
    by_quote.save(update_fields=["quote"])
    assert found(client, "반도체") == set()
    assert found(client, "핵심광물") == {"by-quote"}


def test_save_and_refresh_search_write_the_same_columns(korean):
    before = set(PledgeSearch.objects.values_list("pledge", "text", "tokens"))
    PledgeSearch.objects.all().delete()
    assert Pledge.objects.refresh_search() == 3
    after = set(PledgeSearch.objects.values_list("pledge", "text", "tokens"))
    assert after == before
    assert "인공지능" in PledgeSearch.objects.get(pledge=korean[2]).text  # the note is in


def test_the_demo_indexes_the_fixtures_it_loads_raw(db):
    """loaddata saves rows raw, bypassing save(): the demo refreshes the search columns."""
    from tracker.management.commands.demo import Command

    Command().load_fixtures(verbosity=0)
    assert not Pledge.objects.filter(search_index__isnull=True).exists()
    economic = Pledge.objects.search("economic security").values_list("pk", flat=True)
    assert {23, 24, 36} <= set(economic)
    # Words that only follow-up notes have.
    noted = StatusUpdate.objects.filter(public_note__contains="Kim Jong Un").values("pledge")
    assert not Pledge.objects.filter(title__contains="Kim").exists()
    assert set(Pledge.objects.search("Kim Jong Un")) == set(Pledge.objects.filter(pk__in=noted))


def test_korean_search_runs_no_more_queries_than_english(
    client, korean, django_assert_max_num_queries
):
    with django_assert_max_num_queries(count_queries(client, "/en/pledges/?q=semiconductor")):
        client.get("/ko/pledges/", {"q": "반도체 공급망"})


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


# SQLite's FTS5 index and PostgreSQL's tsquery agree -----------------------------------

ENGLISH_TEXT = (
    "The two governments met in Seoul.\n\n"
    "We will secure critical minerals supply chains with our partners.\n\n"
    "The two sides will cooperate on clean energy and critical technologies."
)


@pytest.fixture
def both(korean):
    """The three Korean pledges and three English ones, one of them with a public note."""
    statement = StatementFactory(slug="minerals-and-energy", text=ENGLISH_TEXT)
    minerals, energy, _ = (
        PledgeFactory(statement=statement, slug=slug, quote=ENGLISH_TEXT.split("\n\n")[i], **kw)
        for slug, i, kw in [
            ("minerals", 1, {"title": "Secure critical minerals supply chains"}),
            ("energy", 2, {"title": "Expand clean energy cooperation", "description": "Japan"}),
            ("cyber", 0, {"title": "Hold a cyber defence dialogue"}),
        ]
    )
    published_update(
        energy,
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 11, 6),
        public_note="Ministers of energy signed a memorandum on hydrogen.",
        author=UserFactory(username="english-note-writer", groups=["Editors"]),
    )
    return korean


KOREAN_SLUGS = {"by-title", "by-quote", "by-note"}
ENGLISH_SLUGS = {"minerals", "energy", "cyber"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("minerals", {"minerals"}),
        ("Mineral", {"minerals"}),  # stemmed, any case
        ("cooperating", {"energy"}),  # "cooperation" in the title, "cooperate" in the quote
        ("critical", {"minerals", "energy"}),
        ("critical supply", {"minerals"}),  # every word required
        ("critical -energy", {"minerals"}),
        ('"critical minerals"', {"minerals"}),  # a phrase, in order
        ('"minerals critical"', set()),
        ('"clean energy', {"energy"}),  # a phrase left open
        ("minerals or cyber", {"minerals", "cyber"}),
        ("minerals or cyber supply", {"minerals"}),  # (minerals) or (cyber and supply)
        ("the minerals", {"minerals"}),  # a stop word is no word, as on PostgreSQL
        ("the", set()),  # nothing but stop words finds nothing
        ("korea's", set()),  # "korea" ('s is a stop word's remnant)
        ("hydrogen memorandum", {"energy"}),  # a public note
        ("japan", {"energy"}),  # the description
        ("seoul", {"cyber"}),  # the quote
        ("-cyber", (KOREAN_SLUGS | ENGLISH_SLUGS) - {"cyber"}),  # nothing but an exclusion
        ("-반도체", (KOREAN_SLUGS | ENGLISH_SLUGS) - {"by-quote"}),
        ("semiconductor 반도체", {"by-quote"}),  # English title, Korean quote
        ("semiconductor -반도체", set()),
        ("semiconductor or minerals 반도체", {"by-quote"}),  # the Korean word joins both
        ("minerals -반도체", {"minerals"}),
        ("AI기본법", {"by-note"}),
        ("공급망 협력", {"by-quote"}),
        ("화", {"by-title", "by-quote"}),  # one syllable: any piece starting with it
        ("zebra", set()),
        ("zebra 반도체", set()),
    ],
)
def test_sqlite_and_postgresql_find_the_same_pledges(both, query, expected):
    """Run on both databases (the PostgreSQL suite): the same query, the same pledges."""
    assert set(Pledge.objects.public().search(query).values_list("slug", flat=True)) == expected


def test_english_words_of_what_is_not_public_are_never_found(client, both):
    minerals = Pledge.objects.get(slug="minerals")
    PledgeFactory(statement=minerals.statement, slug="draft", title="Desalination plants")
    Pledge.objects.filter(slug="draft").update(is_published=False)
    hidden = StatementFactory(slug="hidden-english", text=ENGLISH_TEXT, is_published=False)
    PledgeFactory(statement=hidden, slug="in-hidden", title="Desalination pipelines")
    proposed = minerals.record_update(
        status=Status.ACHIEVED,
        as_of=datetime.date(2025, 11, 8),
        public_note="Desalination verdict awaiting review.",
        internal_note="Internal: desalination contract terms.",
        author=UserFactory(username="proposing-editor", groups=["Editors"]),
    )
    assert proposed.is_proposed
    assert found(client, "desalination", "en") == set()
    assert found(client, '"desalination plants"', "en") == set()
    assert client.get("/api/pledges.json", {"q": "desalination"}).json()["count"] == 0
    # An exclusion finds public pledges only, too.
    assert found(client, "-desalination", "en") == KOREAN_SLUGS | ENGLISH_SLUGS


def test_an_english_edit_a_new_note_and_a_delete_reach_the_index(client, both):
    minerals = Pledge.objects.get(slug="minerals")
    minerals.title = "Stockpile lithium"
    minerals.save()
    assert found(client, "lithium", "en") == {"minerals"}
    assert found(client, "partners", "en") == {"minerals"}  # still in the quote
    assert found(client, '"critical minerals supply"', "en") == {"minerals"}
    published_update(
        minerals,
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 11, 7),
        public_note="A stockpiling agency opened in Busan.",
        author=UserFactory(username="busan-note-writer", groups=["Editors"]),
    )
    assert found(client, "busan agency", "en") == {"minerals"}
    minerals.delete()
    assert found(client, "lithium", "en") == set()
    assert not Pledge.objects.search("lithium").exists()  # staff's unrestricted search too


def test_every_searched_title_field_is_followed_by_the_index(client, korean):
    """title, and title_ko and the rest where the model has them: each edit is found."""
    by_quote = korean[1]
    for name in search.translated_fields(Pledge, ["title"]):
        setattr(by_quote, name, f"우주항공 협력 {name}")
        by_quote.save(update_fields=[name])
        assert found(client, "우주항공") == {"by-quote"}, name
        setattr(by_quote, name, "Space")
        by_quote.save(update_fields=[name])
        assert found(client, "우주항공") == set(), name


def test_a_status_update_withdrawn_leaves_the_index(client, both, curator):
    energy = Pledge.objects.get(slug="energy")
    update = StatusUpdate.objects.get(pledge=energy, public_note__contains="hydrogen")
    update.withdraw(curator, reason="Another ministry's memorandum.")
    assert found(client, "hydrogen", "en") == set()
    assert found(client, "cooperation", "en") == {"energy"}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index")
def test_the_fts5_index_holds_exactly_the_search_rows(both):
    """Triggers keep it in step; FTS5's own integrity check compares it with the rows."""
    Pledge.objects.get(slug="cyber").delete()
    PledgeSearch.objects.filter(pledge__slug="minerals").update(text="rewritten", tokens="")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tracker_pledgesearch_fts (tracker_pledgesearch_fts, rank) "
            "VALUES ('integrity-check', 1)"
        )
        cursor.execute("SELECT count(*) FROM tracker_pledgesearch_fts")
        assert cursor.fetchone()[0] == PledgeSearch.objects.count() == 5
    assert set(Pledge.objects.search("rewritten").values_list("slug", flat=True)) == {"minerals"}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_a_search_on_sqlite_reads_the_fts5_index_not_every_row(both):
    plan = Pledge.objects.public().search("minerals 반도체").explain()
    assert "VIRTUAL TABLE" in plan, plan
    assert "tracker_pledgesearch " not in plan.replace("tracker_pledgesearch_fts", ""), plan


HOSTILE_QUERIES = [
    '"',
    '""',
    '"""',
    '"unbalanced',
    'minerals"',
    "*",
    "minerals*",
    "^minerals",
    "NEAR(minerals supply",
    "NEAR(",
    "minerals AND",
    "OR",
    "or or",
    "NOT minerals",
    "-",
    "--minerals",
    "- - -",
    "text:minerals",
    "tokens:반도",
    "{text tokens}: minerals",
    "+minerals",
    "(minerals",
    "minerals)",
    "'minerals'",
    "\\",
    "&|!<->:*",
    "%_",
    "반도*",
    '"반도체',
    '-"반도체"',
    "·",
    "rowid=1",
    "tracker_pledgesearch_fts",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_a_query_of_operators_or_broken_quotes_is_never_a_server_error(client, both, query):
    response = client.get("/en/pledges/", {"q": query})
    assert response.status_code == 200
    assert client.get("/api/pledges.json", {"q": query}).status_code == 200


def test_fts5_syntax_in_a_query_is_read_as_words(both):
    search_for = lambda q: set(Pledge.objects.search(q).values_list("slug", flat=True))  # noqa: E731
    assert search_for("minerals*") == search_for("minerals") == {"minerals"}
    assert search_for("NEAR(minerals supply)") == set()  # "near" is a word no pledge has
    assert search_for("text:minerals") == set()  # "text" too: not a column filter
    # "not" is a stop word, not FTS5's operator: energy is required, not excluded.
    assert search_for("critical NOT energy") == {"energy"}


def test_a_search_page_runs_the_same_queries_however_the_query_is_built(
    client, both, django_assert_max_num_queries
):
    limit = count_queries(client, "/en/pledges/?q=minerals")
    for query in ("minerals or cyber -반도체", "-cyber", '"clean energy" 반도체', "화"):
        with django_assert_max_num_queries(limit):
            client.get("/en/pledges/", {"q": query})


# Hostile input -------------------------------------------------------------------------

korean_noise = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
        st.sampled_from(list(" \"'-·:*!&|()<>\\%_")),
        st.characters(codec="utf-8"),
    ),
    max_size=220,
)


@given(query=korean_noise)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_korean_or_operator_soup_is_searched_without_error(korean, query):
    # On PostgreSQL the Korean part is handed to to_tsquery() raw: it must always parse.
    list(Pledge.objects.search(query.replace("\x00", "")).values_list("pk", flat=True))


def test_a_korean_query_over_the_limit_is_ignored_with_a_message(client, korean):
    response = client.get("/en/pledges/", {"q": "반도체" * 70})
    assert response.status_code == 200
    assert "at most 200 characters (it has 210)" in body(response)
    assert found(client, "반도체" * 70) == {"by-title", "by-quote", "by-note"}


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN indexes are PostgreSQL's")
def test_search_uses_the_gin_index_on_postgresql(korean):
    # A table this small is cheaper to scan: take the scans away to see whether the index
    # can answer the query as search() writes it (the expression must match exactly).
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off; SET enable_indexscan = off")
        try:
            plan = Pledge.objects.search("반도체 semiconductor").explain()
        finally:
            cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    assert "Bitmap Index Scan on pledge_search_document_gin" in plan, plan


def test_seed_bulk_writes_the_search_columns_refresh_search_would(db):
    call_command("seed_bulk", scale="S", stdout=StringIO())
    pledges = Pledge.objects.filter(slug__startswith="bulk-")
    rows = PledgeSearch.objects.filter(pledge__in=pledges)
    seeded = set(rows.values_list("pledge", "text", "tokens"))
    assert len(seeded) == 200
    assert sum(1 for _, _, tokens in seeded if " 협의 " in tokens) > 50  # Korean notes
    rows.delete()
    pledges.refresh_search()
    assert set(rows.values_list("pledge", "text", "tokens")) == seeded
    assert Pledge.objects.public().search("핵심광물을").count() > 0
