"""The Atom feeds of status updates, read as a feed reader would read them."""

import datetime

import feedparser
import pytest
from django.utils import timezone

from tests.factories import PledgeFactory
from tests.public_record import LEAK_MARKERS, body
from tracker.models import Status

pytestmark = pytest.mark.django_db


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(body(response))
    assert not feed.bozo, feed.bozo_exception
    return feed


def test_feed_is_valid_atom_with_every_public_update_newest_first(client, record):
    feed = parse(client, "/en/feed/")
    assert feed.version == "atom10"
    assert feed.feed.title == "Korea Pledge Tracker: status updates"
    assert feed.feed.link == "http://testserver/en/"
    # aid twice, trees, dialogue, formula: hidden pledges' updates are left out.
    assert len(feed.entries) == 5
    published = [entry.published_parsed for entry in feed.entries]
    assert published == sorted(published, reverse=True)


def test_feed_entry_names_the_change_and_links_to_the_update(client, record):
    feed = parse(client, "/en/feed/")
    update = record.aid.updates.first()
    entry = next(e for e in feed.entries if e.link.endswith(f"#update-{update.pk}"))
    assert entry.title == "Double aid to ASEAN by 2027: In progress → Achieved"
    assert entry.link == f"http://testserver/en/pledges/{record.aid.slug}/#update-{update.pk}"
    assert "Aid to ASEAN doubled, per the ministry’s annual report." in entry.summary
    assert 'href="https://www.example.org/report"' in entry.summary
    assert entry.updated_parsed and entry.published_parsed


def test_feed_never_carries_internal_notes_or_hidden_pledges(client, record):
    xml = body(client.get("/en/feed/"))
    for marker in LEAK_MARKERS:
        assert marker not in xml


def test_feed_escapes_the_public_note(client, record):
    pledge = PledgeFactory()
    pledge.record_update(
        status=Status.IN_PROGRESS,
        as_of=timezone.localdate(),
        public_note="<script>alert(1)</script> & more",
        author=None,
    )
    xml = body(client.get("/en/feed/"))
    assert "<script>" not in xml
    entry = feedparser.parse(xml).entries[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in entry.summary


def test_feed_keeps_only_the_latest_fifty(client, db):
    pledge = PledgeFactory()
    for day in range(55):
        pledge.record_update(
            status=Status.IN_PROGRESS,
            as_of=timezone.localdate() - datetime.timedelta(days=day),
            public_note=f"Step {day}.",
            author=None,
        )
    assert len(parse(client, "/en/feed/").entries) == 50


def test_counterpart_feed_has_only_its_pledges(client, record):
    feed = parse(client, "/en/counterparts/japan/feed/")
    assert feed.feed.title.endswith("concerning Japan")
    assert feed.feed.link == "http://testserver/en/counterparts/japan/"
    titles = sorted(entry.title.split(":")[0] for entry in feed.entries)
    assert titles == [
        "Hold a Korea–Japan economic security dialogue",
        "Plant a million trees by 2020",
    ]


def test_counterpart_feed_of_an_unknown_counterpart_is_404(client, record):
    assert client.get("/en/counterparts/atlantis/feed/").status_code == 404


def test_feeds_are_linked_for_discovery(client, record):
    assert 'type="application/atom+xml"' in body(client.get("/en/"))
    html = body(client.get("/en/counterparts/japan/"))
    assert 'href="/en/counterparts/japan/feed/"' in html
