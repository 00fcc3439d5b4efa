"""The public site in Korean: every page a reader can reach under /ko/ speaks Korean.

Each page is checked two ways: it carries the Korean words a reader relies on (spot checks
per page), and no English interface word is left in what a reader sees or hears (text, and
the title, alt, aria-label and placeholder attributes). The second check first strips what
is data rather than interface: every text stored in the record (titles, quotes, names,
notes, which may be English until translated), text marked as being in another language
(lang="en": quotes in their statement's language, the name of the other language in the
switcher, another scale's own name), code, file names, addresses and e-mail addresses.
Whatever English is left is an interface string nobody translated.
"""

import datetime
import json
import re
from html.parser import HTMLParser

import feedparser
import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.text import Truncator

from tests.factories import CounterpartFactory, EvidenceFactory, PledgeFactory
from tests.public_record import body
from tracker import api, datapackage
from tracker.exports import CSV_HEADER
from tracker.models import (
    Basis,
    Correction,
    CounterpartKind,
    EvidenceCapture,
    EvidenceHealth,
    Status,
)

pytestmark = pytest.mark.django_db

# Names and abbreviations a Korean government or news page writes in Latin letters too.
LATIN_IN_KOREAN = {
    "API", "JSON", "CSV", "HTML", "Atom", "OpenAPI", "UTF", "ISO", "YYYY-MM-DD", "UTC",
    "KB", "NATO", "IP", "IRM", "OGP", "pandas", "Frictionless",
}  # fmt: skip
# Not text: code, file names and addresses.
MACHINE = re.compile(
    r"\S+@\S+|https?://\S+|(?<![\w])/[\w./{}<>-]*"
    r"|[\w/-]+\.(?:csv|json|zip|svg|org|com|kr)(?![A-Za-z])"
)
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*[A-Za-z]")


class _Heard(HTMLParser):
    """The text of a page a reader sees or hears, leaving out script, style, code, the
    embed snippet and anything marked as written in another language."""

    SKIP = {"script", "style", "code", "textarea", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    SPOKEN = ("alt", "title", "aria-label", "placeholder")

    def __init__(self, language):
        super().__init__(convert_charrefs=True)
        self.language, self.stack, self.parts = language, [], []

    def _skipping(self):
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipping = (
            self._skipping()
            or tag in self.SKIP
            or (tag != "html" and attrs.get("lang") not in (None, self.language))
        )
        if not skipping:
            self.parts += [attrs[name] for name in self.SPOKEN if attrs.get(name)]
            if tag == "meta" and attrs.get("name") == "description":
                self.parts.append(attrs["content"])
        if tag not in self.VOID:
            self.stack.append((tag, skipping))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(data)


def heard(html, language="ko"):
    parser = _Heard(language)
    parser.feed(html)
    return " ¶ ".join(parser.parts)


def _squash(text):
    return re.sub(r"\s+", " ", text).strip()


def words(html):
    """The text of some HTML as a reader reads it along a line, tags left out."""
    return _squash(re.sub(r"<[^>]+>", "", html))


def stored_texts():
    """Every text the record stores (data, in whatever language it was written), with the
    shortened forms the pages show and its lines one by one (notes are shown as paragraphs)."""
    texts = set()
    for model in apps.get_app_config("tracker").get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices
        ]
        if fields:
            for row in model.objects.values_list(*fields):
                texts.update(value for value in row if value)
    for changes in Correction.objects.values_list("changes", flat=True):
        texts.update(value for pair in changes.values() for value in pair if value)
    shown = set()
    for text in texts:
        shown.add(text)
        shown.update(line for line in text.splitlines() if line.strip())
        for words in (40, 60):
            shown.add(Truncator(text).words(words))
        for chars in (180, 200, 3000):
            shown.add(Truncator(text).chars(chars))
    return sorted({_squash(t) for t in shown if _squash(t)}, key=len, reverse=True)


def machine_words():
    """The API's and the data package's own names (fields, values, parameters): the method,
    API and data pages explain them in Korean sentences, as they are."""
    names = set(CSV_HEADER) | set(Basis.values) | {"body", "doubtful", "null"}
    for table in datapackage.TABLES:
        names.add(table.name)
        for column in table.columns:
            names.add(column.name)
            names.update(column.enum or [])

    def walk(node):
        if isinstance(node, dict):
            names.update(node.get("properties", {}))
            names.update(v for v in node.get("enum", []) if isinstance(v, str))
            if "in" in node and "name" in node:
                names.add(node["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    document = api.openapi("http://testserver")
    walk(document)
    names.update(document["components"]["schemas"])
    names.add(document["info"]["license"]["name"])
    parts = {part for name in names for part in re.split(r"[_\W]+", name) if part}
    return parts | {word for name in names for word in ENGLISH_WORD.findall(name)} | names


def english_left(html, allowed=frozenset()):
    """The English words of a Korean page that are neither data nor names."""
    text = _squash(heard(html))
    for data in stored_texts():
        if data in text:  # as a whole: "en" (a language code) is no part of "Broken"
            text = re.sub(rf"(?<!\w){re.escape(data)}(?!\w)", " ¶ ", text)
    text = MACHINE.sub(" ", text)
    return sorted(
        {w for w in ENGLISH_WORD.findall(text) if w not in LATIN_IN_KOREAN and w not in allowed}
    )


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    html = body(response)
    assert '<html lang="ko">' in html, url
    return html


@pytest.fixture
def korean_record(record):
    """The public test record, with what only some pages show: an archived copy of a page
    that has changed since, a dead link never archived, corrections to a pledge and to a
    statement, and a grouping whose pledges count for a member."""
    update = record.aid.updates.first()
    changed = EvidenceFactory(update=update, url="https://example.org/moved", title="Moved page")
    capture = EvidenceCapture.objects.create(
        evidence=changed,
        health=EvidenceHealth.LIVE,
        http_status=200,
        content_type="text/html",
        title="Annual report page",
        text="The report as it stood.",
    )
    changed.archive, changed.health = capture, EvidenceHealth.CHANGED
    changed.save()
    dead = EvidenceFactory(update=update, url="https://example.org/gone", title="Gone page")
    dead.health = EvidenceHealth.DEAD
    dead.save()
    Correction.record(
        record.aid,
        {"Title": ["Double aid", "Double aid to ASEAN by 2027"]},
        reason="The title left out the year.",
        author=None,
    )
    Correction.record(
        record.forum, {"Date": ["", "2025-09-01"]}, reason="The date was missing.", author=None
    )
    grouping = CounterpartFactory(
        name="Indo-Pacific Four", slug="ip4", kind=CounterpartKind.GROUPING
    )
    grouping.members.add(record.japan)
    PledgeFactory(statement=record.forum, quote="we meet as neighbours", counterparts=[grouping])
    return record


def test_a_page_that_has_no_translation_yet_would_fail_the_check():
    """The check finds English words a translator left: it is not blind."""
    html = '<html lang="ko"><body><h1>공약</h1><p>Latest update: 3 pledges</p></body></html>'
    assert english_left(html) == ["Latest", "pledges", "update"]


def test_data_and_text_in_another_language_are_not_counted_as_untranslated(db):
    PledgeFactory(title="Build a bridge")
    html = (
        '<html lang="ko"><body><h2>Build a bridge</h2><blockquote lang="en">we will build'
        '</blockquote><a href="/en/" lang="en">English</a> <code>status_label</code>'
        " pledges.csv, /pledges/, reader@example.org</body></html>"
    )
    assert english_left(html) == []


def test_the_feeds_speak_korean_under_ko(client, korean_record):
    feed = feedparser.parse(body(client.get("/ko/feed/")))
    assert feed.feed.title == "한국 외교 공약 추적: 경과 기록"
    assert feed.feed.language == "ko"
    assert feed.feed.link == "http://testserver/ko/"
    entry = feed.entries[0]
    assert entry.link.startswith("http://testserver/ko/pledges/")
    assert "기준:" in entry.summary
    assert "As of" not in entry.summary and "Evidence:" not in entry.summary
    assert "근거 자료:" in "".join(e.summary for e in feed.entries)

    japan = feedparser.parse(body(client.get("/ko/counterparts/japan/feed/")))
    # Japan has no Korean name in this record: shown in English, marked.
    assert japan.feed.title == "한국 외교 공약 추적: Japan (미번역) 관련 공약의 경과 기록"
    climate = feedparser.parse(body(client.get("/ko/topics/climate/feed/")))
    assert climate.feed.title == "한국 외교 공약 추적: Climate (미번역) 분야 공약의 경과 기록"
    aid = feedparser.parse(body(client.get(f"/ko/pledges/{korean_record.aid.slug}/feed/")))
    assert (
        aid.feed.subtitle
        == "공약 “Double aid to ASEAN by 2027 (미번역)”의 모든 공개 경과 기록입니다."
    )


def test_the_json_feed_speaks_korean_under_ko(client, korean_record):
    document = json.loads(body(client.get("/ko/feed/json/")))
    assert document["title"] == "한국 외교 공약 추적: 경과 기록"
    assert document["language"] == "ko"
    assert document["authors"] == [{"name": "한국 외교 공약 추적"}]
    assert all(item["url"].startswith("http://testserver/ko/") for item in document["items"])


def test_the_claimreview_is_written_in_the_pages_language(client, korean_record):
    pledge = korean_record.aid
    for language, explanation, author in [
        ("ko", "경과:", "한국 외교 공약 추적"),
        ("en", "History:", "Korea Pledge Tracker"),
    ]:
        html = body(client.get(f"/{language}/pledges/{pledge.slug}/"))
        block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        review = json.loads(block.group(1))
        assert review["inLanguage"] == language
        assert review["itemReviewed"]["inLanguage"] == pledge.statement.language
        assert explanation in review["reviewRating"]["ratingExplanation"]
        assert review["author"]["name"] == author
    ko = json.loads(
        re.search(
            r'<script type="application/ld\+json">(.*?)</script>',
            body(client.get(f"/ko/pledges/{pledge.slug}/")),
            re.S,
        ).group(1)
    )
    assert ko["reviewRating"]["alternateName"] == "약속 이행"  # PolitiFact's "Promise Kept"


def test_the_badge_speaks_the_language_its_address_names(client, korean_record):
    url = f"/pledges/{korean_record.aid.slug}/badge.svg"
    english, korean = client.get(url), client.get(f"{url}?lang=ko")
    assert english.status_code == korean.status_code == 200
    assert english["ETag"] != korean["ETag"]
    svg_en, svg_ko = body(english), body(korean)
    assert ">pledge</text>" in svg_en and "Korea Pledge Tracker" in svg_en
    assert ">공약</text>" in svg_ko and "한국 외교 공약 추적" in svg_ko
    assert "Korea Pledge Tracker" not in svg_ko
    # Asked again, each comes back from the cache in its own language.
    assert body(client.get(f"{url}?lang=ko")) == svg_ko
    assert body(client.get(url)) == svg_en
    # Wide enough for its Hangul: 11px a syllable, not the 6.5px of a Latin letter.
    width = int(re.search(r'<svg[^>]* width="(\d+)"', svg_ko).group(1))
    label_and_status = "공약" + re.findall(r"<text[^>]*>([^<]*)</text>", svg_ko)[1]
    assert width >= 11 * sum(1 for c in label_and_status if "\uac00" <= c <= "\ud7a3")


def test_the_korean_pledge_page_embeds_the_korean_badge(client, korean_record):
    html = body(client.get(f"/ko/pledges/{korean_record.aid.slug}/"))
    assert f'src="/pledges/{korean_record.aid.slug}/badge.svg?lang=ko"' in html
    snippet = re.search(r'<textarea id="embed-snippet"[^>]*>(.*?)</textarea>', html, re.S)
    assert "badge.svg?lang=ko" in snippet.group(1)
    assert "(한국 외교 공약 추적)" in snippet.group(1)


def test_the_data_and_api_pages_translate_what_the_machine_documents_keep_in_english(
    client, korean_record
):
    data = body(client.get("/ko/data/"))
    assert "고유 식별자입니다. 페이지 주소는 /statements/&lt;slug&gt;/입니다." in data
    package = json.loads(body(client.get("/data/datapackage.json")))
    statements = next(r for r in package["resources"] if r["name"] == "statements")
    assert statements["schema"]["fields"][0]["description"] == (
        "Permanent identifier; the page is /statements/<slug>/."
    )
    api_page = body(client.get("/ko/api/"))
    assert "/pledges/와 같은 필터를 쓰는 공약 목록입니다." in api_page
    document = client.get("/api/openapi.json").json()
    assert document["paths"]["/api/pledges.json"]["get"]["summary"] == (
        "Pledges, with the filters of /pledges/."
    )


def test_the_about_page_is_one_message_per_paragraph(client, korean_record):
    """Every paragraph of the method is in the catalogue: none is shown in English."""
    html = get(client, "/ko/about/")
    prose = re.search(r'<div class="prose">(.*)</div>', html, re.S).group(1)
    for paragraph in re.findall(r"<(?:p|dd|li)[^>]*>(.*?)</(?:p|dd|li)>", prose, re.S):
        words = heard(f'<html lang="ko"><body>{paragraph}</body></html>')
        if len(_squash(words)) > 40:
            assert re.search(r"[\uac00-\ud7a3]", words), paragraph[:80]


def test_an_overdue_date_and_updates_read_as_korean_dates(client, korean_record):
    today = timezone.localdate()
    html = get(client, f"/ko/pledges/{korean_record.aid.slug}/")
    as_of = today - datetime.timedelta(days=10)
    assert f"{as_of.year}년 {as_of.month}월 {as_of.day}일" in words(html)
    home = get(client, "/ko/")
    assert f"{as_of.year}. {as_of.month}. {as_of.day}. 기준" in words(home)


def test_statuses_in_the_crosswalk_show_the_other_scales_own_name_beside_the_korean(
    client, korean_record
):
    html = get(client, "/ko/about/")
    assert '약속 이행 <span lang="en">(Promise Kept)</span>' in html
    english = body(client.get("/en/about/"))
    assert "<td>Promise Kept</td>" in english
    assert Status.ACHIEVED.value in english
