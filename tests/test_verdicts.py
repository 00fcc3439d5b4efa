"""Verdicts others can read: ClaimReview on each pledge page, the crosswalk on /about/ and the
embeddable status badge."""

import colorsys
import datetime
import json
import re
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from tests.factories import PledgeFactory, published_update
from tests.public_record import LEAK_MARKERS, body
from tracker.models import Status
from tracker.verdicts import BADGE_COLOURS, CROSSWALK

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


class ScriptBlocks(HTMLParser):
    """The text of every <script> element with the given type, as a browser splits them."""

    def __init__(self, kind):
        super().__init__()
        self.kind, self.blocks, self._inside = kind, [], False

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("type") == self.kind:
            self._inside = True
            self.blocks.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.blocks[-1] += data


def claim_reviews(client, url):
    parser = ScriptBlocks("application/ld+json")
    parser.feed(body(client.get(url)))
    return [json.loads(block) for block in parser.blocks]


def test_pledge_page_carries_a_claim_review_of_the_pledge(client, record):
    aid = record.aid
    [review] = claim_reviews(client, aid.get_absolute_url())
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["url"] == f"http://testserver/en/pledges/{aid.slug}/"
    assert review["claimReviewed"] == aid.quote
    claim = review["itemReviewed"]
    assert claim["@type"] == "Claim"
    assert claim["text"] == aid.quote
    assert claim["author"] == {
        "@type": "Person",
        "name": "Cho Hyun",
        "jobTitle": "Minister of Foreign Affairs",
    }
    assert claim["datePublished"] == "2025-09-01"
    assert claim["appearance"]["url"] == "http://testserver/en/statements/korea-asean-forum/"
    assert claim["appearance"]["name"] == "Keynote at the Korea–ASEAN forum"
    rating = review["reviewRating"]
    assert aid.status == Status.ACHIEVED
    assert rating["alternateName"] == "Promise Kept"
    assert (rating["ratingValue"], rating["worstRating"], rating["bestRating"]) == (1, -1, 1)
    # The history, oldest first, with the latest public note: never the internal one.
    explanation = rating["ratingExplanation"]
    assert explanation.index("In progress as of") < explanation.index("Achieved as of")
    assert "Aid to ASEAN doubled" in explanation
    assert "SECRET" not in json.dumps(review)


def test_claim_review_credits_the_issuing_body_and_keeps_an_unknown_date_out(client, record):
    [review] = claim_reviews(client, record.trees.get_absolute_url())
    assert review["itemReviewed"]["author"] == {
        "@type": "Organization",
        "name": "Ministry of Foreign Affairs",
    }
    [review] = claim_reviews(client, record.dialogue.get_absolute_url())
    assert "datePublished" not in review["itemReviewed"]  # the source gives no date
    assert review["reviewRating"]["alternateName"] == "Promise Broken"
    assert review["reviewRating"]["ratingValue"] == -1


def test_an_unrated_pledge_has_a_rating_name_but_no_value(client, record):
    [review] = claim_reviews(client, record.centre.get_absolute_url())
    rating = review["reviewRating"]
    assert rating["alternateName"] == "Not Yet Rated"
    assert "ratingValue" not in rating
    assert rating["ratingExplanation"].startswith("Not yet assessed")


def test_a_quote_cannot_break_out_of_the_json_ld_block(client):
    pledge = PledgeFactory(
        statement__text="We will </script><script>alert(1)</script> <!-- keep it.",
        quote="We will </script><script>alert(1)</script> <!-- keep it.",
        title="</script> title & more",
    )
    page = body(client.get(pledge.get_absolute_url()))
    block = page[page.index('<script type="application/ld+json">') :]
    block = block[: block.index("</script>")]
    assert "<script>alert" not in block and "<!--" not in block
    [review] = claim_reviews(client, pledge.get_absolute_url())
    assert review["claimReviewed"] == pledge.quote
    assert review["name"] == pledge.title


def test_the_csp_lets_the_data_block_stand_without_allowing_inline_script(client, record):
    """A JSON-LD block is data: the policy need not (and does not) allow inline script."""
    response = client.get(record.aid.get_absolute_url())
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in script_src and "nonce-" not in script_src
    assert '<script type="application/ld+json">' in body(response)


def test_about_publishes_the_crosswalk_for_every_status(client):
    page = body(client.get("/en/about/"))
    table = page[page.index('<table class="crosswalk">') : page.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == len(Status)
    for status, row in zip(Status, rows, strict=True):
        assert f"badge--{status.value}" in row
        assert str(CROSSWALK[status].politifact) in row
        assert str(CROSSWALK[status].irm or "No equivalent") in row
    achieved = rows[list(Status).index(Status.ACHIEVED)]
    assert "Promise Kept" in achieved and "Complete" in achieved and "+1" in achieved


# The badge ------------------------------------------------------------------------------------


def badge(client, pledge):
    response = client.get(f"/pledges/{pledge.slug}/badge.svg")
    assert response.status_code == 200
    return response, ET.fromstring(response.content)  # noqa: S314 - our own response


@pytest.mark.parametrize("status", list(Status))
def test_badge_is_well_formed_svg_in_the_status_colour_with_a_title(client, status):
    pledge = PledgeFactory(title="Aid & <trade>")
    if status != Status.NOT_YET_RATED:
        published_update(
            pledge, status=status, as_of=pledge.statement.date, public_note="x", author=None
        )
    response, svg = badge(client, pledge)
    assert response["Content-Type"] == "image/svg+xml"
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    assert title.text == (
        f"Status of the pledge “Aid & <trade>” on the Korea Pledge Tracker: {status.label}"
    )
    assert svg.get("aria-labelledby") == title.get("id")
    fills = [rect.get("fill") for rect in svg.iter(f"{SVG}rect")]
    assert fills[-1] == BADGE_COLOURS[status]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts == ["pledge", status.label]


def test_badge_colours_differ_per_status():
    assert len(set(BADGE_COLOURS.values())) == len(Status)


def site_status_colours():
    """Each status's colour as the site's own badges show it (site.css custom properties)."""
    css = (settings.BASE_DIR / "tracker" / "static" / "tracker" / "site.css").read_text()
    return dict(re.findall(r"--st-(\w+):\s*(#[0-9a-fA-F]{6});", css))


def luminance(colour):
    def channel(c):
        c = int(c, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def hue(colour):
    return colorsys.rgb_to_hls(*(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)))[0] * 360


@pytest.mark.parametrize("status", list(Status))
def test_a_badge_has_the_sites_colour_for_its_status_and_readable_white_text(client, status):
    pledge = PledgeFactory()
    if status != Status.NOT_YET_RATED:
        published_update(
            pledge, status=status, as_of=pledge.statement.date, public_note="x", author=None
        )
    _, svg = badge(client, pledge)
    fill = [rect.get("fill") for rect in svg.iter(f"{SVG}rect")][-1]
    assert fill.lower() == site_status_colours()[status.value].lower()
    assert svg.find(f"{SVG}g").get("fill") == "#ffffff"
    # WCAG AA for small text: white on the status colour at 4.5:1 or more.
    assert (1.05) / (luminance(fill) + 0.05) >= 4.5, (status, fill)


def test_achieved_reads_green_and_broken_reads_red():
    colours = site_status_colours()
    assert 90 <= hue(colours["achieved"]) <= 160
    assert hue(colours["broken"]) <= 15 or hue(colours["broken"]) >= 345


def test_badge_is_safe_to_embed_cross_site(client, record):
    response, svg = badge(client, record.aid)
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert not [el for el in svg.iter() if el.tag in (f"{SVG}script", f"{SVG}foreignObject")]
    assert not [k for el in svg.iter() for k in el.attrib if k.lower().startswith("on")]


def test_badge_says_overdue(client, record):
    _, svg = badge(client, record.trees)  # in progress, due by the end of 2020
    assert [t.text for t in svg.iter(f"{SVG}text")][-1] == "In progress, overdue"


def test_badge_is_cached_by_revision(client, record):
    first = client.get(f"/pledges/{record.aid.slug}/badge.svg")
    again = client.get(f"/pledges/{record.aid.slug}/badge.svg", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    published_update(
        record.aid,
        status=Status.BROKEN,
        as_of=timezone.localdate(),
        public_note="Cut.",
        author=None,
    )
    changed = client.get(f"/pledges/{record.aid.slug}/badge.svg", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert b"Broken or abandoned" in changed.content


@pytest.mark.parametrize("slug", ["draft-pledge", "pledge-of-hidden-statement"])
def test_badge_of_an_unpublished_pledge_is_missing(client, record, slug):
    hidden = client.get(f"/pledges/{slug}/badge.svg")
    missing = client.get("/pledges/nosuch-pledge/badge.svg")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    for marker in LEAK_MARKERS:
        assert marker not in hidden.content.decode()


def test_pledge_page_offers_a_copyable_embed_snippet(client, record):
    page = body(client.get(record.centre.get_absolute_url()))
    snippet = re.search(
        r'<textarea id="embed-snippet"[^>]*readonly[^>]*>(.*?)</textarea>', page, re.S
    )
    text = unescape(snippet.group(1))  # what the reader sees and copies
    assert text == (
        '<a href="http://testserver/en/pledges/korea-asean-centre/">'
        '<img src="http://testserver/pledges/korea-asean-centre/badge.svg" '
        'alt="Open a “Korea–ASEAN centre” in Seoul, 경제 협력: Not yet rated '
        '(Korea Pledge Tracker)" height="20"></a>'
    )


def test_the_embed_snippet_names_the_pledge_in_the_pages_language(client, record):
    """A Korean blogger copies a snippet whose alt text is Korean: the pledge's Korean
    title where it has one, and the English one marked where it has not."""
    pledge = record.centre
    pledge.title_ko = "서울에 한-아세안 센터 개설"
    pledge.save()

    def snippet(url):
        page = body(client.get(url))
        found = re.search(r'<textarea id="embed-snippet"[^>]*>(.*?)</textarea>', page, re.S)
        return unescape(found.group(1))

    korean = snippet(f"/ko/pledges/{pledge.slug}/")
    assert 'alt="서울에 한-아세안 센터 개설: ' in korean
    assert "badge.svg?lang=ko" in korean
    assert "Open a" not in korean
    pledge.title_ko = ""
    pledge.save()
    assert "미번역" in snippet(f"/ko/pledges/{pledge.slug}/")


def test_the_review_is_dated_by_seouls_calendar_as_the_page_is(client, record):
    """An update recorded at 00:30 in Seoul (15:30 UTC the day before) was published on
    the Seoul day the page shows, not on the UTC one."""
    seoul_half_past_midnight = datetime.datetime(2026, 3, 10, 15, 30, tzinfo=datetime.UTC)
    # The record's own updates were all recorded before it.
    record.aid.updates.update(created_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    with time_machine.travel(seoul_half_past_midnight, tick=False):
        published_update(
            record.aid,
            status=Status.ACHIEVED,
            as_of=timezone.localdate(),
            public_note="Done.",
            author=None,
        )
    [review] = claim_reviews(client, record.aid.get_absolute_url())
    assert review["datePublished"] == "2026-03-11"
