"""Unpublished is invisible: no page, search, feed, CSV or JSON shows what the public may not."""

import pytest

from tests.public_record import LEAK_MARKERS, body, data_urls, public_urls

pytestmark = pytest.mark.django_db


def assert_no_leak(url, text):
    found = [marker for marker in LEAK_MARKERS if marker.lower() in text.lower()]
    assert not found, f"{url} shows {found}"


def test_no_public_page_shows_anything_unpublished_or_internal(client, record):
    for url in public_urls(record):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_leak(url, body(response))


def test_no_htmx_fragment_shows_anything_unpublished(client, record):
    for url in ["/en/pledges/", "/en/pledges/?counterpart=japan", "/en/pledges/?q=build"]:
        response = client.get(url, headers={"HX-Request": "true"})
        assert_no_leak(url, body(response))


def test_no_feed_csv_or_json_shows_anything_unpublished_or_internal(client, record):
    for url in data_urls(record) + ["/en/counterparts/asean/feed/", "/api/pledges.json?page=1"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_leak(url, body(response))


@pytest.mark.parametrize(
    "url",
    [
        "/en/pledges/draft-pledge/",  # unpublished pledge in a published statement
        "/en/pledges/pledge-of-hidden-statement/",  # published pledge, unpublished statement
        "/en/statements/hidden-statement/",
        "/en/counterparts/hidden-counterpart/",  # known only through hidden pledges
        "/en/counterparts/hidden-counterpart/feed/",
        "/en/counterparts/hidden-counterpart/feed/json/",
        "/en/topics/hidden-topic/feed/",
        "/en/topics/hidden-topic/feed/json/",
        "/en/pledges/draft-pledge/feed/json/",
        "/en/pledges/pledge-of-hidden-statement/feed/json/",
        "/en/topics/hidden-topic/",
    ],
)
def test_unpublished_is_indistinguishable_from_missing(client, record, url):
    hidden = client.get(url)
    missing = client.get(url.replace("hidden", "nosuch").replace("draft", "nosuch"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert_no_leak(url, hidden.content.decode())


def test_search_never_finds_unpublished_pledges(client, record):
    for words in ["HIDDENBRIDGE", "DRAFT PLEDGE", "neighbours"]:
        response = client.get("/en/pledges/", {"q": words})
        assert "0 pledges found" in body(response), words
        data = client.get("/api/pledges.json", {"q": words}).json()
        assert data["count"] == 0, words


def test_filters_offer_nothing_known_only_through_hidden_pledges(client, record):
    html = body(client.get("/en/pledges/"))
    form = html[: html.index('id="results"')]
    assert 'value="asean"' in form and 'value="cho-hyun-minister-of-foreign-affairs"' in form
    assert "ASEAN (2)" in form  # the unpublished pledge is not counted
    assert_no_leak("/en/pledges/ form", form)


def test_filtering_by_a_hidden_statement_reads_like_a_missing_one(client, record):
    hidden = body(client.get("/en/pledges/", {"statement": "hidden-statement"}))
    missing = body(client.get("/en/pledges/", {"statement": "nosuch-statement"}))
    assert "There is no published statement “hidden-statement”." in hidden
    assert hidden.replace("hidden-statement", "X") == missing.replace("nosuch-statement", "X")
    api_hidden = client.get("/api/pledges.json", {"statement": "hidden-statement"})
    api_missing = client.get("/api/pledges.json", {"statement": "nosuch-statement"})
    assert api_hidden.status_code == api_missing.status_code == 400


def test_statement_text_does_not_mark_unpublished_pledges(client, record):
    html = body(client.get(f"/en/statements/{record.forum.slug}/"))
    # The words are part of the published text; the unpublished pledge is not marked.
    assert "Opening: we meet as neighbours" in html
    assert 'id="draft-pledge"' not in html


def test_an_unpublished_source_statement_is_not_named_in_the_timeline(client, record):
    html = body(client.get(f"/en/pledges/{record.aid.slug}/"))
    assert "Aid to ASEAN doubled" in html
    assert "Reported in" not in html


def test_a_restatement_in_an_unpublished_statement_is_not_listed(client, record):
    html = body(client.get(f"/en/pledges/{record.trees.slug}/"))
    assert 'id="restated-heading"' not in html


def test_unpublishing_a_statement_hides_its_pledges_everywhere_at_once(client, record):
    record.unknown_date.is_published = False
    record.unknown_date.save()
    for url in [
        "/en/",
        "/en/pledges/",
        "/en/feed/",
        "/pledges.csv",
        "/api/pledges.json",
        "/en/counterparts/",
    ]:
        text = body(client.get(url))
        assert record.dialogue.slug not in text, url
    assert client.get(f"/en/pledges/{record.dialogue.slug}/").status_code == 404
    # The restatement of a published pledge in it disappears from that pledge's page.
    html = body(client.get(f"/en/pledges/{record.aid.slug}/"))
    assert record.unknown_date.slug not in html
