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
    for url in ["/pledges/", "/pledges/?counterpart=japan", "/pledges/?q=build"]:
        response = client.get(url, headers={"HX-Request": "true"})
        assert_no_leak(url, body(response))


def test_no_feed_csv_or_json_shows_anything_unpublished_or_internal(client, record):
    for url in data_urls(record) + ["/counterparts/asean/feed/", "/api/pledges.json?page=1"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_leak(url, body(response))


@pytest.mark.parametrize(
    "url",
    [
        "/pledges/draft-pledge/",  # unpublished pledge in a published statement
        "/pledges/pledge-of-hidden-statement/",  # published pledge, unpublished statement
        "/statements/hidden-statement/",
        "/counterparts/hidden-counterpart/",  # known only through hidden pledges
        "/counterparts/hidden-counterpart/feed/",
        "/counterparts/hidden-counterpart/feed/json/",
        "/topics/hidden-topic/feed/",
        "/topics/hidden-topic/feed/json/",
        "/pledges/draft-pledge/feed/json/",
        "/pledges/pledge-of-hidden-statement/feed/json/",
        "/topics/hidden-topic/",
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
        response = client.get("/pledges/", {"q": words})
        assert "0 pledges found" in body(response), words
        data = client.get("/api/pledges.json", {"q": words}).json()
        assert data["count"] == 0, words


def test_filters_offer_nothing_known_only_through_hidden_pledges(client, record):
    html = body(client.get("/pledges/"))
    form = html[: html.index('id="results"')]
    assert 'value="asean"' in form and 'value="cho-hyun-minister-of-foreign-affairs"' in form
    assert "ASEAN (2)" in form  # the unpublished pledge is not counted
    assert_no_leak("/pledges/ form", form)


def test_filtering_by_a_hidden_statement_reads_like_a_missing_one(client, record):
    hidden = body(client.get("/pledges/", {"statement": "hidden-statement"}))
    missing = body(client.get("/pledges/", {"statement": "nosuch-statement"}))
    assert "There is no published statement “hidden-statement”." in hidden
    assert hidden.replace("hidden-statement", "X") == missing.replace("nosuch-statement", "X")
    api_hidden = client.get("/api/pledges.json", {"statement": "hidden-statement"})
    api_missing = client.get("/api/pledges.json", {"statement": "nosuch-statement"})
    assert api_hidden.status_code == api_missing.status_code == 400


def test_statement_text_does_not_mark_unpublished_pledges(client, record):
    html = body(client.get(f"/statements/{record.forum.slug}/"))
    # The words are part of the published text; the unpublished pledge is not marked.
    assert "Opening: we meet as neighbours" in html
    assert 'id="draft-pledge"' not in html


def test_an_unpublished_source_statement_is_not_named_in_the_timeline(client, record):
    html = body(client.get(f"/pledges/{record.aid.slug}/"))
    assert "Aid to ASEAN doubled" in html
    assert "Reported in" not in html


def test_a_restatement_in_an_unpublished_statement_is_not_listed(client, record):
    html = body(client.get(f"/pledges/{record.trees.slug}/"))
    assert 'id="restated-heading"' not in html


def test_unpublishing_a_statement_hides_its_pledges_everywhere_at_once(client, record):
    record.unknown_date.is_published = False
    record.unknown_date.save()
    for url in ["/", "/pledges/", "/feed/", "/pledges.csv", "/api/pledges.json", "/counterparts/"]:
        text = body(client.get(url))
        assert record.dialogue.slug not in text, url
    assert client.get(f"/pledges/{record.dialogue.slug}/").status_code == 404
    # The restatement of a published pledge in it disappears from that pledge's page.
    html = body(client.get(f"/pledges/{record.aid.slug}/"))
    assert record.unknown_date.slug not in html
