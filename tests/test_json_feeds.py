"""JSON Feed 1.1 beside each Atom feed, per-topic feeds, and their autodiscovery links."""

import json
import re
from pathlib import Path

import feedparser
import jsonschema
import pytest

from tests.factories import PledgeFactory
from tests.public_record import LEAK_MARKERS, body
from tracker.models import Status

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parent / "data" / "jsonfeed-1.1.schema.json").read_text())

# Each JSON feed and the Atom feed it stands beside.
PAIRS = [
    ("/en/feed/json/", "/en/feed/"),
    ("/en/counterparts/asean/feed/json/", "/en/counterparts/asean/feed/"),
    ("/en/counterparts/japan/feed/json/", "/en/counterparts/japan/feed/"),
    ("/en/topics/climate/feed/json/", "/en/topics/climate/feed/"),
    ("/en/topics/development-aid/feed/json/", "/en/topics/development-aid/feed/"),
    ("/en/pledges/double-aid-to-asean/feed/json/", "/en/pledges/double-aid-to-asean/feed/"),
    ("/en/corrections/feed/json/", "/en/corrections/feed/"),
]


def json_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/feed+json; charset=utf-8"
    feed = json.loads(body(response))
    jsonschema.validate(feed, SCHEMA, cls=jsonschema.Draft202012Validator)
    return feed


def test_the_schema_rejects_what_the_spec_forbids():
    """The schema is a real check: it fails feeds the specification calls invalid."""
    good = {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []}
    jsonschema.validate(good, SCHEMA)
    item = {"id": "1", "content_html": "<p>x</p>", "date_published": "2026-01-02T03:04:05Z"}
    jsonschema.validate({**good, "items": [item]}, SCHEMA)
    bad = [
        {**good, "version": "https://jsonfeed.org/version/1"},
        {k: v for k, v in good.items() if k != "title"},
        {**good, "items": [{"id": "1"}]},  # no content
        {**good, "items": [{**item, "date_published": "2 January 2026"}]},
        {**good, "items": [{**item, "url": "/relative/"}]},
        {**good, "authors": [{}]},
    ]
    for feed in bad:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(feed, SCHEMA)


@pytest.mark.parametrize(("json_url", "atom_url"), PAIRS)
def test_each_json_feed_is_valid_and_carries_what_its_atom_feed_does(
    client, record, json_url, atom_url
):
    feed = json_feed(client, json_url)
    atom = feedparser.parse(body(client.get(atom_url)))
    assert not atom.bozo
    assert feed["feed_url"] == f"http://testserver{json_url}"
    assert feed["title"] == atom.feed.title
    assert feed["home_page_url"] == atom.feed.link
    assert feed["items"], json_url
    assert [i["url"] for i in feed["items"]] == [e.link for e in atom.entries]
    assert [i["title"] for i in feed["items"]] == [e.title for e in atom.entries]


def test_json_feed_item_holds_the_update(client, record):
    feed = json_feed(client, "/en/pledges/double-aid-to-asean/feed/json/")
    update = record.aid.updates.order_by("-created_at").first()
    [latest, first] = feed["items"]
    assert latest["id"] == f"http://testserver/en/pledges/double-aid-to-asean/#update-{update.pk}"
    assert latest["title"] == "Double aid to ASEAN by 2027: In progress → Achieved"
    assert "Aid to ASEAN doubled" in latest["content_html"]
    assert 'href="https://www.example.org/report"' in latest["content_html"]
    assert latest["authors"] == [{"name": "Cho Hyun, Minister of Foreign Affairs"}]
    assert latest["date_published"] >= first["date_published"]


def test_topic_feed_holds_only_that_topics_pledges(client, record):
    feed = json_feed(client, "/en/topics/climate/feed/json/")
    # Climate: the trees (public) and the hidden statement's pledge (never shown).
    assert [i["title"] for i in feed["items"]] == [
        "Plant a million trees by 2020: Not yet rated → In progress"
    ]


def test_the_corrections_json_feed_gives_each_public_correction_and_its_reason(client, record):
    feed = json_feed(client, "/en/corrections/feed/json/")
    items = {i["title"]: i for i in feed["items"]}
    assert set(items) == {
        "Correction to “Double aid to ASEAN by 2027”: title",
        "Correction to “Keynote at the Korea–ASEAN forum”: issuing body",
    }
    pledge = items["Correction to “Double aid to ASEAN by 2027”: title"]
    assert pledge["url"].startswith("http://testserver/en/pledges/double-aid-to-asean/#correction-")
    assert "The title left out the year the pledge names." in pledge["content_html"]
    assert (
        "Title: previously “Double aid to ASEAN”, now “Double aid to ASEAN by 2027”"
        in (pledge["content_html"])
    )
    # The tracker corrects its record: no item claims the pledge's maker as its author.
    assert not any("authors" in i for i in feed["items"])
    assert feed["authors"] == [{"name": "Korea Pledge Tracker"}]


def test_the_korean_corrections_json_feed_speaks_korean(client, record):
    feed = json_feed(client, "/ko/corrections/feed/json/")
    assert feed["language"] == "ko"
    assert feed["title"] == "한국 외교 공약 추적: 정정 내역"
    assert all(i["url"].startswith("http://testserver/ko/") for i in feed["items"])


def test_a_json_feed_escapes_markup_in_strings(client):
    pledge = PledgeFactory(title="</script><b>bold</b> & co")
    pledge.record_update(
        status=Status.IN_PROGRESS,
        as_of=pledge.statement.date,
        public_note="<img src=x onerror=alert(1)>",
        author=None,
    )
    raw = body(client.get(f"/en/pledges/{pledge.slug}/feed/json/"))
    assert "<" not in raw and ">" not in raw
    feed = json.loads(raw)
    assert feed["items"][0]["title"].startswith("</script><b>bold</b> & co")
    assert "&lt;img src=x onerror=alert(1)&gt;" in feed["items"][0]["content_html"]


def test_json_feeds_never_carry_anything_unpublished(client, record):
    for json_url, _ in PAIRS:
        text = body(client.get(json_url))
        found = [m for m in LEAK_MARKERS if m.lower() in text.lower()]
        assert not found, (json_url, found)


def alternates(html):
    return re.findall(r'<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)">', html)


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("/en/", "/en/feed/"),
        ("/en/pledges/double-aid-to-asean/", "/en/pledges/double-aid-to-asean/feed/"),
        ("/en/counterparts/asean/", "/en/counterparts/asean/feed/"),
        ("/en/topics/climate/", "/en/topics/climate/feed/"),
        ("/en/corrections/", "/en/corrections/feed/"),
    ],
)
def test_pages_announce_their_feeds_in_both_formats(client, record, page, feed):
    links = alternates(body(client.get(page)))
    assert ("application/atom+xml", feed) in links
    assert ("application/feed+json", f"{feed}json/") in links
    for _kind, url in links:
        assert client.get(url).status_code == 200, url
