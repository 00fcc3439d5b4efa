"""Content in both languages: paired fields, their display with the "not yet translated"
marker, entry in the admin and the staff forms, and the data that goes out (README
"Content in both languages")."""

import csv
import datetime
import io
import json
import re
from types import SimpleNamespace

import feedparser
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import (
    CounterpartFactory,
    PledgeFactory,
    StatementFactory,
    TopicFactory,
    UserFactory,
    published_update,
)
from tests.public_record import body
from tests.test_history import change_url, edit
from tracker import follow
from tracker.models import Correction, Follow, Pledge, ReviewState, Status, StatusUpdate

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


# Display: the page's language, else the other's with the marker --------------------


def _element(html, pattern):
    """The first match of `pattern` (a regular expression) in the page, for a look at the
    element's attributes."""
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return found.group(0)


@pytest.fixture
def pledges(editor):
    """One pledge translated into Korean, one not; a Korean-only note on the second."""
    counterpart = CounterpartFactory(name="Japan", name_ko="일본")
    topic = TopicFactory(name="Trade")
    translated = PledgeFactory(
        title="Build a bridge",
        title_ko="다리 건설",
        description="A bridge over the river.",
        description_ko="강을 건너는 다리입니다.",
        counterparts=[counterpart],
        topics=[topic],
    )
    untranslated = PledgeFactory(title="Plant trees", counterparts=[counterpart])
    published_update(
        untranslated,
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 10, 1),
        public_note="",
        public_note_ko="식수 사업이 시작되었습니다.",
        author=editor,
    )
    return SimpleNamespace(
        translated=translated, untranslated=untranslated, counterpart=counterpart, topic=topic
    )


def test_a_korean_page_shows_the_korean_title_unmarked(client, pledges):
    html = body(client.get(f"/ko/pledges/{pledges.translated.slug}/"))
    assert "<h1>다리 건설</h1>" in html
    assert "<title>다리 건설" in html
    assert "강을 건너는 다리입니다." in html
    assert "미번역" not in _element(html, r"<h1>.*?</h1>")


def test_an_untranslated_title_shows_in_english_marked_on_the_korean_page(client, pledges):
    html = body(client.get(f"/ko/pledges/{pledges.untranslated.slug}/"))
    heading = _element(html, r"<h1>.*?</h1>")
    assert '<span lang="en">Plant trees</span>' in heading
    assert '<span class="untranslated">미번역</span>' in heading
    assert "<title>Plant trees (미번역)" in html


def test_a_korean_only_note_shows_in_korean_marked_on_the_english_page(client, pledges):
    html = body(client.get(f"/en/pledges/{pledges.untranslated.slug}/"))
    note = _element(html, r'<div class="timeline__note"[^>]*>.*?</div>')
    assert note.startswith('<div class="timeline__note" lang="ko">')
    assert "식수 사업이 시작되었습니다." in note
    assert '<span class="untranslated">not yet translated</span>' in html


def test_the_english_page_shows_english_where_both_exist(client, pledges):
    html = body(client.get(f"/en/pledges/{pledges.translated.slug}/"))
    assert "<h1>Build a bridge</h1>" in html
    assert "다리 건설" not in html
    assert "not yet translated" not in html


def test_lists_and_group_pages_show_names_and_titles_in_the_page_language(client, pledges):
    listing = body(client.get("/ko/pledges/"))
    assert ">다리 건설</a>" in listing
    assert '<span lang="en">Plant trees</span> <span class="untranslated">미번역</span>' in listing
    assert ">일본</a>" in listing
    assert '<span lang="en">Trade</span>' in listing  # the topic has no Korean name yet

    group = body(client.get(f"/ko/counterparts/{pledges.counterpart.slug}/"))
    assert "<h1>일본</h1>" in group
    assert "<title>일본" in group
    topics = body(client.get("/ko/topics/"))
    assert '<span lang="en">Trade</span> <span class="untranslated">미번역</span>' in topics


def test_the_korean_pledge_page_says_its_korean_is_the_trackers_translation(client, pledges):
    html = body(client.get(f"/ko/pledges/{pledges.translated.slug}/"))
    assert "트래커가 직접 번역" in html
    english = body(client.get(f"/en/pledges/{pledges.translated.slug}/"))
    assert "own translation" not in english


def test_the_method_page_says_the_korean_is_the_trackers_own_translation(client):
    assert "own translation" in body(client.get("/en/about/"))
    assert "기계 번역" in body(client.get("/ko/about/"))


def test_quotes_keep_their_statements_language(client):
    statement = StatementFactory(
        language="ko", text="머리말입니다.\n\n우리는 다리를 건설하겠습니다."
    )
    pledge = PledgeFactory(statement=statement, title="Build a bridge", title_ko="다리 건설")
    html = body(client.get(f"/en/pledges/{pledge.slug}/"))
    assert _element(html, r"<blockquote[^>]*>").endswith('lang="ko">')
    assert "우리는 다리를 건설하겠습니다." in html


def test_feeds_and_claimreview_show_the_title_in_the_feeds_language(client, pledges):
    korean = feedparser.parse(body(client.get("/ko/feed/")))
    titles = [entry.title for entry in korean.entries]
    assert any(title.startswith("Plant trees (미번역)") for title in titles)
    english = feedparser.parse(body(client.get("/en/feed/")))
    entry = english.entries[0]
    assert "식수 사업이 시작되었습니다." in entry.summary
    assert 'lang="ko"' in entry.summary
    assert "not yet translated" in entry.summary

    html = body(client.get(f"/ko/pledges/{pledges.translated.slug}/"))
    claim = json.loads(
        _element(html, r'<script type="application/ld\+json">(.*?)</script>')
        .split(">", 1)[1]
        .rsplit("<", 1)[0]
    )
    assert claim["name"] == "다리 건설"


# Statements and their translations -------------------------------------------------


def test_a_statement_page_links_its_original_and_its_translations(client):
    original = StatementFactory(language="ko", title="한일 정상회담 결과", title_ko="")
    english = StatementFactory(
        language="en", title="Korea-Japan summit outcome", translation_of=original
    )
    hidden = StatementFactory(
        language="en", title="Draft English version", translation_of=original, is_published=False
    )

    page = body(client.get(f"/en/statements/{original.slug}/"))
    assert f'href="/en/statements/{english.slug}/" hreflang="en"' in page
    assert hidden.title not in page
    # A Korean title on the English page is the source's own, in its language, marked.
    assert '<h1><span lang="ko">한일 정상회담 결과</span>' in page

    translation = body(client.get(f"/ko/statements/{english.slug}/"))
    assert f'href="/ko/statements/{original.slug}/" hreflang="ko"' in translation
    assert "<h1>한일 정상회담 결과</h1>" not in translation  # its own page shows its own title


# Entry: curators in the admin, editors in the staff workspace ------------------------


def test_a_curator_adds_the_korean_title_later_without_a_correction(curator_client, curator):
    pledge = PledgeFactory(title="Open a consulate", slug="consulate")
    url = change_url(pledge)
    page = curator_client.get(url).content.decode()
    # Side by side: the English and the Korean on one row of the form.
    row = _element(page, r'<div class="form-row [^"]*field-title field-title_ko">.*?</fieldset>')
    assert 'name="title"' in row and 'name="title_ko"' in row

    response = edit(
        curator_client, pledge, title_ko="영사관 개설", description_ko="몽골에 영사관을 엽니다."
    )
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert (pledge.title_ko, pledge.description_ko) == ("영사관 개설", "몽골에 영사관을 엽니다.")
    assert not Correction.objects.exists()  # a translation is not a correction of the record
    newest = pledge.history.first()
    assert (newest.history_user, newest.title_ko) == (curator, "영사관 개설")


def test_the_admin_links_a_statement_and_its_translation_both_ways(curator_client):
    original = StatementFactory(language="ko", title="한일 정상회담 결과")
    english = StatementFactory(language="en", title="Korea-Japan summit outcome")
    response = edit(curator_client, english, translation_of=str(original.pk))
    assert response.status_code == 302
    english.refresh_from_db()
    assert english.translation_of == original
    page = curator_client.get(change_url(original)).content.decode()
    assert f'href="{change_url(english)}"' in page


def test_the_admin_refuses_a_translation_in_the_same_language(curator_client):
    one = StatementFactory(language="en")
    other = StatementFactory(language="en")
    response = edit(curator_client, other, translation_of=str(one.pk))
    assert response.status_code == 200
    assert "another language" in response.content.decode()
    other.refresh_from_db()
    assert other.translation_of is None


def test_the_admin_edits_names_side_by_side(curator_client):
    counterpart = CounterpartFactory(name="Mongolia")
    page = curator_client.get(change_url(counterpart)).content.decode()
    assert "field-name field-name_ko" in page
    assert edit(curator_client, counterpart, name_ko="몽골").status_code == 302
    counterpart.refresh_from_db()
    assert counterpart.name_ko == "몽골"


def _update_form(client, pledge, **fields):
    prefix = f"p{pledge.pk}"
    data = {
        f"{prefix}-status": Status.IN_PROGRESS,
        f"{prefix}-as_of": "2025-10-01",
        f"{prefix}-public_note": "",
        f"{prefix}-public_note_ko": "",
        f"{prefix}-internal_note": "",
        f"{prefix}-version": pledge.version,
        f"{prefix}-evidence-TOTAL_FORMS": "0",
        f"{prefix}-evidence-INITIAL_FORMS": "0",
    }
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return client.post(reverse("staff:record_update", args=[pledge.pk]), data)


def test_an_editor_writes_the_note_in_korean_first_and_english_later(editor_client):
    pledge = PledgeFactory()
    response = _update_form(editor_client, pledge, public_note_ko="착공했습니다.")
    assert response.status_code == 302
    update = pledge.updates.get()
    assert (update.public_note, update.public_note_ko, update.note_language) == (
        "",
        "착공했습니다.",
        "ko",
    )
    pledge.refresh_from_db()
    status, version = pledge.status, pledge.version

    staff_page = editor_client.get(reverse("staff:pledge_detail", args=[pledge.pk]))
    translate_url = reverse("staff:translate_note", args=[update.pk])
    assert translate_url in staff_page.content.decode()
    form = editor_client.get(translate_url)
    assert form.status_code == 200
    assert 'lang="en"' in _element(form.content.decode(), r"<textarea[^>]*>")

    response = editor_client.post(translate_url, {"translation": "Construction began."})
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.public_note == "Construction began."
    pledge.refresh_from_db()
    assert (pledge.status, pledge.version) == (status, version)
    assert update.history.first().history_change_reason == "translation"
    page = editor_client.get(reverse("staff:pledge_detail", args=[pledge.pk])).content.decode()
    assert "translation edited" in page


def test_a_status_change_takes_its_reason_in_either_language(editor_client):
    pledge = PledgeFactory()
    response = _update_form(editor_client, pledge)
    assert response.status_code == 422
    assert "explain why in a public note" in response.content.decode()
    assert not pledge.updates.exists()
    assert _update_form(editor_client, pledge, public_note_ko="착공했습니다.").status_code == 302


def test_translating_a_proposed_update_keeps_it_awaiting_review(editor_client, settings):
    settings.TRACKER_REVIEW_STATUSES = [Status.ACHIEVED]
    pledge = PledgeFactory()
    _update_form(editor_client, pledge, status=Status.ACHIEVED, public_note="Done.")
    update = pledge.updates.get()
    assert update.is_proposed
    translate_url = reverse("staff:translate_note", args=[update.pk])
    assert editor_client.post(translate_url, {"translation": "완료했습니다."}).status_code == 302
    update.refresh_from_db()
    assert update.is_proposed and update.public_note_ko == "완료했습니다."
    assert body(Client().get(f"/ko/pledges/{pledge.slug}/")).count("완료했습니다.") == 0


@pytest.mark.parametrize(
    "data, message",
    [
        ({"translation": "가" * 5001}, "Too long to save"),
        ({}, "arrived incomplete"),
    ],
)
def test_a_bad_translation_is_refused_with_a_422_and_nothing_saved(
    editor_client, published_note, data, message
):
    url = reverse("staff:translate_note", args=[published_note.pk])
    response = editor_client.post(url, data)
    assert response.status_code == 422
    assert message in response.content.decode()
    published_note.refresh_from_db()
    assert published_note.public_note_ko == ""
    assert published_note.history.count() == 1


def test_the_translation_form_needs_an_editor(reader_client, published_note):
    url = reverse("staff:translate_note", args=[published_note.pk])
    assert Client().get(url).status_code == 302  # to the login page
    assert reader_client.get(url).status_code == 403
    assert reader_client.post(url, {"translation": "x"}).status_code == 403
    published_note.refresh_from_db()
    assert published_note.public_note_ko == ""


def test_the_translation_form_answers_404_and_405(editor_client, published_note):
    assert editor_client.get(reverse("staff:translate_note", args=[99999])).status_code == 404
    url = reverse("staff:translate_note", args=[published_note.pk])
    assert editor_client.put(url).status_code == 405


# Data out -------------------------------------------------------------------------------


def test_the_api_carries_each_translated_field_with_its_korean_sibling(client, pledges):
    data = client.get("/api/pledges.json").json()
    by_slug = {p["slug"]: p for p in data["results"]}
    translated = by_slug[pledges.translated.slug]
    assert translated["title_ko"] == "다리 건설"
    assert translated["description_ko"] == "강을 건너는 다리입니다."
    assert translated["counterparts"] == [
        {"slug": pledges.counterpart.slug, "name": "Japan", "name_ko": "일본"}
    ]
    untranslated = by_slug[pledges.untranslated.slug]
    assert untranslated["title_ko"] is None and untranslated["description_ko"] is None
    assert untranslated["last_update"]["note"] == ""
    assert untranslated["last_update"]["note_ko"] == "식수 사업이 시작되었습니다."

    detail = client.get(f"/api/pledges/{pledges.untranslated.slug}.json").json()
    assert detail["history"][0]["note_ko"] == "식수 사업이 시작되었습니다."
    counterparts = client.get("/api/counterparts.json").json()["results"]
    assert counterparts[0]["name_ko"] == "일본"


def test_the_api_names_a_statements_public_original_only(client):
    original = StatementFactory(language="ko", title="한일 정상회담 결과")
    english = StatementFactory(language="en", translation_of=original)
    PledgeFactory(statement=english)
    hidden = StatementFactory(language="ko", is_published=False)
    orphan = StatementFactory(language="en", translation_of=hidden)
    PledgeFactory(statement=orphan)
    rows = {s["slug"]: s for s in client.get("/api/statements.json").json()["results"]}
    assert rows[english.slug]["translation_of"]["slug"] == original.slug
    assert rows[english.slug]["language"] == "en"
    assert rows[orphan.slug]["translation_of"] is None
    assert hidden.slug not in str(rows)


def test_the_openapi_document_describes_the_korean_siblings(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    pledge = schemas["Pledge"]["properties"]
    assert pledge["title_ko"]["type"] == ["string", "null"]
    assert "translation" in pledge["title_ko"]["description"]
    assert "name_ko" in schemas["Named"]["required"]
    assert "translation_of" in schemas["Statement"]["properties"]


def _csv(client, query=""):
    response = client.get(f"/pledges.csv{query}")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["slug"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


def test_the_korean_csv_gives_korean_text_and_names_what_is_not_translated(client, pledges):
    korean = _csv(client, "?lang=ko")
    translated = korean[pledges.translated.slug]
    assert translated["title"] == "다리 건설"
    assert translated["counterparts"] == "일본"
    assert translated["topics"] == "Trade"  # no Korean name yet: English, and named below
    # Named: what fell back to English (its statement has no Korean title either).
    assert translated["untranslated"] == "statement_title; topics"
    untranslated = korean[pledges.untranslated.slug]
    assert untranslated["title"] == "Plant trees"
    assert untranslated["untranslated"].split("; ")[0] == "title"

    english = _csv(client)
    assert english[pledges.translated.slug]["title"] == "Build a bridge"
    assert english[pledges.translated.slug]["counterparts"] == "Japan"
    assert english[pledges.translated.slug]["untranslated"] == ""
    assert list(english[pledges.translated.slug]) == list(translated)  # one header


def test_each_csv_language_has_its_own_etag(client, pledges):
    english = client.get("/pledges.csv")
    korean = client.get("/pledges.csv?lang=ko")
    assert english["ETag"] != korean["ETag"]
    assert (
        client.get("/pledges.csv?lang=ko", headers={"If-None-Match": english["ETag"]}).status_code
        == 200
    )
    assert (
        client.get("/pledges.csv?lang=ko", headers={"If-None-Match": korean["ETag"]}).status_code
        == 304
    )


def test_the_data_package_has_the_korean_columns_described(client, pledges):
    response = client.get("/data/datapackage.json")
    package = json.loads(b"".join(response.streaming_content))
    fields = {
        resource["name"]: {f["name"]: f for f in resource["schema"]["fields"]}
        for resource in package["resources"]
    }
    for table, column in [
        ("pledges", "title_ko"),
        ("pledges", "description_ko"),
        ("statements", "title_ko"),
        ("statements", "translation_of"),
        ("status_updates", "note_ko"),
        ("counterparts", "name_ko"),
        ("topics", "name_ko"),
    ]:
        assert fields[table][column]["description"], (table, column)
    rows = client.get("/data/pledges.csv")
    assert rows.status_code == 200
    text = b"".join(rows.streaming_content).decode("utf-8-sig")
    by_slug = {r["slug"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert by_slug[pledges.translated.slug]["title_ko"] == "다리 건설"


def test_unpublished_pledges_stay_out_of_every_korean_output(client, pledges):
    hidden = PledgeFactory(title="Secret plan", title_ko="비밀 계획", is_published=False)
    assert "비밀 계획" not in client.get("/api/pledges.json").content.decode()
    assert hidden.slug not in _csv(client, "?lang=ko")
    assert "비밀 계획" not in body(client.get("/ko/pledges/"))
    assert "비밀 계획" not in body(client.get("/ko/feed/"))


# Search ---------------------------------------------------------------------------------


def test_a_korean_query_finds_a_pledge_by_its_korean_title(client, pledges):
    found = Pledge.objects.public().search("다리")
    assert list(found) == [pledges.translated]
    html = body(client.get("/ko/pledges/?q=다리를"))
    assert ">다리 건설</a>" in html
    assert "Plant trees" not in html


def test_search_follows_a_korean_title_and_a_translated_note(editor, pledges):
    pledge = pledges.untranslated
    assert not Pledge.objects.public().search("나무심기").exists()
    pledge.title_ko = "나무심기"
    pledge.save()
    assert list(Pledge.objects.public().search("나무심기")) == [pledge]
    update = pledge.updates.get()
    update.translate_note("Planting has started.", author=editor)
    assert list(Pledge.objects.public().search("planting")) == [pledge]


# The page cache: a Korean edit shows at once on the Korean page -------------------------


def test_a_korean_title_edit_updates_the_cached_korean_page(client, pledges):
    url = f"/ko/pledges/{pledges.translated.slug}/"
    first = client.get(url)
    etag = first["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    pledge = Pledge.objects.get(pk=pledges.translated.pk)
    pledge.title_ko = "새 다리 건설"
    pledge.save()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert "<h1>새 다리 건설</h1>" in body(again)
    listing = body(client.get("/ko/pledges/"))
    assert ">새 다리 건설</a>" in listing


def test_a_korean_follower_hears_the_korean_title_and_note(client, editor):
    pledge = PledgeFactory(title="Open the bridge", title_ko="다리 개통")
    client.post(f"/ko/pledges/{pledge.slug}/follow/", {"email": "reader@example.org"})
    [confirmation] = mail.outbox
    assert "“다리 개통”" in confirmation.subject
    update = published_update(
        pledge,
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 10, 1),
        public_note="Work began.",
        author=editor,
    )
    news = follow._status_message(Follow.objects.get(), pledge, update)
    assert news.subject.startswith("다리 개통")
    assert "Work began. (미번역)" in news.body


def test_one_language_curator_text_carries_its_own_lang(client):
    """Offices, notes on a source or a date and evidence titles have no translation
    field: on a page in the other language they are tagged with their own, so a screen
    reader reads them in it; text already in the page's language is left plain."""
    statement = StatementFactory(
        is_published=True, notes="The ministry's English version.", date_note="a Saturday"
    )
    pledge = PledgeFactory(statement=statement, is_published=True)
    published_update(
        pledge,
        status=Status.IN_PROGRESS,
        as_of=statement.date,
        public_note="Moved.",
        author=None,
        evidence=[("https://example.org/a", "외교부 보도자료")],
    )
    korean = body(client.get(f"/ko/pledges/{pledge.slug}/"))
    assert '<span lang="en">a Saturday</span>' in korean
    assert '<div lang="en">' in body(client.get(f"/ko/statements/{statement.slug}/"))
    english = body(client.get(f"/en/pledges/{pledge.slug}/"))
    assert '<span lang="ko">외교부 보도자료</span>' in english
    assert '<span lang="en">a Saturday</span>' not in english
    assert '<div lang="en">' in body(client.get(f"/en/statements/{statement.slug}/"))
