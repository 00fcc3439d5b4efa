"""Korean and English: every page has an address in each language, a first visit goes to the
reader's, each page links its twin, dates read as each language writes them, and the cache
never hands one language's page to a reader of the other."""

import csv
import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.template import Context, Template
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.public_record import body
from tests.test_staff_queries import WORKLIST_QUERIES
from tracker.i18n import output_language
from tracker.models import DatePrecision, format_partial_date

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"


def page_paths(record):
    """A representative set of public pages: path after the language prefix."""
    return {
        "home": "/",
        "pledge list": "/pledges/?status=in_progress",
        "pledge page": f"/pledges/{record.aid.slug}/",
        "statement page": f"/statements/{record.forum.slug}/",
        "topic page": "/topics/climate/",
    }


def head_links(html):
    """{(rel, hreflang): href} of the page's canonical and alternate links."""
    found = {}
    for tag in re.findall(r"<link [^>]*>", html):
        rel = re.search(r'rel="([^"]+)"', tag).group(1)
        if rel not in ("canonical", "alternate") or "type=" in tag:
            continue
        lang = re.search(r'hreflang="([^"]+)"', tag)
        found[(rel, lang.group(1) if lang else None)] = re.search(r'href="([^"]+)"', tag).group(1)
    return found


def switcher(html):
    """(href, hreflang, text) of each language switcher link."""
    return re.findall(
        r'<a class="language-switch" href="([^"]+)" hreflang="([^"]+)" lang="[^"]+" '
        r'data-language-switch="[^"]+">([^<]+)</a>',
        html,
    )


def html_lang(html):
    return re.search(r"<html lang=\"([^\"]+)\"", html).group(1)


# First visits and old addresses


@pytest.mark.parametrize(
    "accept, language",
    [
        ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.8,ko;q=0.5", "en"),  # the first one the site has
        ("ja", "ko"),  # neither: the site's default
        (None, "ko"),  # a crawler or a script
    ],
)
def test_a_first_visit_goes_to_the_language_the_browser_asks_for(client, record, accept, language):
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get("/pledges/?status=achieved", headers=headers)
    # 302, not 301: the same address sends other readers elsewhere, so a browser must not
    # remember it, and any cache must key it on the header.
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/pledges/?status=achieved"
    vary = {v.strip() for v in response["Vary"].split(",")}
    assert "Accept-Language" in vary


def test_an_old_link_to_any_html_page_reaches_it_in_the_readers_language(client, record):
    for name, path in page_paths(record).items():
        response = client.get(path, headers={"Accept-Language": "ko"}, follow=True)
        assert response.status_code == 200, name
        assert response.redirect_chain[0] == (f"/ko{path}", 302), name
        assert html_lang(body(response)) == "ko", name


def test_the_staff_workspace_login_and_admin_have_language_addresses(client, editor):
    assert client.get("/staff/", headers={"Accept-Language": "en"})["Location"] == "/en/staff/"
    assert client.get("/admin/", headers={"Accept-Language": "ko"})["Location"] == "/ko/admin/"
    response = client.get("/ko/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/ko/accounts/login/?next=/ko/staff/"
    client.force_login(editor)
    assert html_lang(body(client.get("/ko/staff/"))) == "ko"


def test_old_feed_addresses_move_to_the_english_feed_for_good(client, record):
    """A feed reader subscribed before the feeds were per language was reading English."""
    for old in ["/feed/", "/feed/json/", "/counterparts/asean/feed/", "/corrections/feed/"]:
        response = client.get(old, headers={"Accept-Language": "ko"})
        assert response.status_code == 301, old
        assert response["Location"] == f"/en{old}", old
    assert client.get("/feed/?page=2")["Location"] == "/en/feed/?page=2"


def test_feeds_exist_in_each_language_and_say_which(client, record):
    for language in ["ko", "en"]:
        atom = client.get(f"/{language}/feed/")
        assert atom.status_code == 200
        assert f'xml:lang="{language}"' in body(atom)
        assert f'href="{ORIGIN}/{language}/' in body(atom)
        assert client.get(f"/{language}/feed/json/").json()["language"] == language


def test_machine_outputs_keep_one_address_without_a_language(client, record):
    for path in [
        "/api/pledges.json",
        f"/api/pledges/{record.aid.slug}.json",
        "/api/openapi.json",
        "/pledges.csv",
        f"/pledges/{record.aid.slug}/badge.svg",
        "/healthz",
    ]:
        assert client.get(path).status_code == 200, path
        assert client.get(f"/ko{path}").status_code == 404, path


# Every page names its language and links its twin


@pytest.mark.parametrize("language, other", [("ko", "en"), ("en", "ko")])
def test_each_page_names_its_language_and_links_its_twin(client, record, language, other):
    for name, path in page_paths(record).items():
        response = client.get(f"/{language}{path}")
        html = body(response)
        assert response.status_code == 200, name
        assert html_lang(html) == language, name
        assert response["Content-Language"] == language, name
        links = head_links(html)
        assert html.count('rel="canonical"') == 1, name
        assert links[("canonical", None)] == f"{ORIGIN}/{language}{path}", name
        assert links[("alternate", "ko")] == f"{ORIGIN}/ko{path}", name
        assert links[("alternate", "en")] == f"{ORIGIN}/en{path}", name
        assert links[("alternate", "x-default")] == f"{ORIGIN}{path}", name
        # The switcher: a plain link to the same page, query string kept, in the other language.
        name_of = {"ko": "한국어", "en": "English"}
        assert switcher(html) == [(f"/{other}{path}", other, name_of[other])], name


@override_settings(TRACKER_ORIGIN="https://pledges.example.org")
def test_alternates_are_absolute_on_the_configured_origin_never_the_host(client, record):
    html = body(client.get("/ko/pledges/", headers={"Host": "localhost"}))
    links = head_links(html)
    assert links[("alternate", "en")] == "https://pledges.example.org/en/pledges/"
    assert links[("alternate", "x-default")] == "https://pledges.example.org/pledges/"


def test_the_interface_is_in_the_pages_language(client, record):
    korean = body(client.get("/ko/"))
    english = body(client.get("/en/"))
    assert '<a class="skip-link" href="#main">본문 바로가기</a>' in korean
    assert '<a class="skip-link" href="#main">Skip to main content</a>' in english
    assert f'<a href="{reverse("pledge_list")}">Pledges</a>' in english
    with translation.override("ko"):
        assert f'<a href="{reverse("pledge_list")}">공약</a>' in korean


def test_a_page_that_does_not_exist_says_so_in_its_language_with_a_way_to_the_other(client):
    response = client.get("/ko/no-such-page/")
    html = body(response)
    assert response.status_code == 404
    assert html_lang(html) == "ko"
    assert head_links(html) == {}  # no canonical, no twin of a page that is not there
    assert switcher(html) == [("/en/", "en", "English")]


def test_an_unpublished_page_reads_exactly_like_a_missing_one_in_each_language(client, record):
    for language in ["ko", "en"]:
        hidden = body(client.get(f"/{language}/pledges/draft-pledge/"))
        missing = body(client.get(f"/{language}/pledges/no-such-pledge/"))
        assert hidden == missing


def test_a_staff_page_has_the_switcher_too_keeping_the_filters(editor_client, record):
    html = body(editor_client.get("/ko/staff/?counterpart=japan"))
    assert html_lang(html) == "ko"
    assert switcher(html) == [("/en/staff/?counterpart=japan", "en", "English")]


# Dates


@pytest.mark.parametrize(
    "precision, korean, english",
    [
        (DatePrecision.DAY, "2025년 9월 1일", "1 September 2025"),
        (DatePrecision.MONTH, "2025년 9월", "September 2025"),
        (DatePrecision.YEAR, "2025년", "2025"),
        (DatePrecision.UNKNOWN, "날짜 미기재", "Date not stated"),
    ],
)
def test_a_partial_date_reads_as_each_language_writes_it(precision, korean, english):
    date = datetime.date(2025, 9, 1)
    with translation.override("ko"):
        assert format_partial_date(date, precision) == korean
    with translation.override("en"):
        assert format_partial_date(date, precision) == english


@pytest.mark.parametrize("language", ["ko", "en"])
def test_counts_group_their_digits_and_years_do_not(language):
    template = Template("{% load humanize %}{{ n|intcomma }} {{ year }}")
    with translation.override(language):
        assert template.render(Context({"n": 20000, "year": 2025})) == "20,000 2025"


def test_pages_show_dates_in_their_language(client, record):
    """The statement of 1 September 2025, and a target of the year 2027."""
    korean = body(client.get(f"/ko/pledges/{record.aid.slug}/"))
    english = body(client.get(f"/en/pledges/{record.aid.slug}/"))
    assert '<time datetime="2025-09-01">2025년 9월 1일</time>' in korean
    assert '<time datetime="2027">2027년</time>' in korean
    assert '<time datetime="2025-09-01">1 September 2025</time>' in english
    assert '<time datetime="2027">2027</time>' in english


# The page cache and ETags, per language


@pytest.mark.parametrize("first, second", [("ko", "en"), ("en", "ko")])
def test_the_cache_never_hands_one_language_to_a_reader_of_the_other(client, record, first, second):
    path = f"/pledges/{record.aid.slug}/"
    earlier = client.get(f"/{first}{path}")
    later = client.get(f"/{second}{path}")
    assert html_lang(body(earlier)) == first
    assert html_lang(body(later)) == second
    assert earlier["ETag"] != later["ETag"]
    # The other language's tag is not this page's: a full answer, not a 304.
    again = client.get(f"/{second}{path}", headers={"If-None-Match": earlier["ETag"]})
    assert again.status_code == 200
    assert html_lang(body(again)) == second
    # And a cached copy is still the right one.
    assert html_lang(body(client.get(f"/{first}{path}"))) == first


@pytest.mark.parametrize("first, second", [("ko", "en"), ("en", "ko")])
def test_an_htmx_fragment_is_cached_per_language(client, record, first, second):
    """The pledge list's rows carry dates, which each language writes its own way."""
    written = {"ko": "2025년 9월 1일", "en": "1 September 2025"}
    path = f"/pledges/?statement={record.forum.slug}"
    htmx = {"HX-Request": "true"}
    earlier = body(client.get(f"/{first}{path}", headers=htmx))
    later = body(client.get(f"/{second}{path}", headers=htmx))
    assert "<html" not in earlier and "<html" not in later
    assert written[first] in earlier and written[second] not in earlier
    assert written[second] in later and written[first] not in later


def test_an_output_without_a_prefix_never_follows_accept_language(client, record):
    """One address, one file: English unless the address names another language."""
    korean = client.get("/pledges.csv", headers={"Accept-Language": "ko"})
    english = client.get("/pledges.csv", headers={"Accept-Language": "en"})
    text = body(korean)
    assert text == body(english)
    assert korean["ETag"] == english["ETag"]
    assert korean["Content-Language"] == "en"
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    assert rows[record.trees.slug]["target_display"] == "2020"


def test_the_admin_speaks_the_address_language_and_has_the_switcher(curator_client):
    html = body(curator_client.get("/ko/admin/"))
    assert html_lang(html) == "ko"
    assert "로그아웃" in html  # Django's own Korean for the admin's words
    assert switcher(html) == [("/en/admin/", "en", "English")]


def test_the_staff_worklist_runs_the_same_queries_in_each_language(editor_client, record):
    """The budget of tests/test_staff_queries.py, in Korean as in English."""
    counts = {}
    for language in ["ko", "en"]:
        cache.clear()  # each afresh: nothing the other language's request kept
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(f"/{language}/staff/").status_code == 200
        counts[language] = len(queries)
    assert counts["ko"] == counts["en"] <= WORKLIST_QUERIES


@pytest.mark.parametrize(
    "query, language", [("", "en"), ("?lang=ko", "ko"), ("?lang=en", "en"), ("?lang=fr", "en")]
)
def test_an_output_speaks_the_language_its_address_names(rf, query, language):
    """tracker.i18n.output_language: ?lang= when it names one of the site's languages,
    else English; never the Accept-Language header."""
    view = output_language(lambda request: HttpResponse(translation.get_language()))
    request = rf.get(f"/pledges.csv{query}", headers={"Accept-Language": "ko"})
    with translation.override("ko"):  # as LocaleMiddleware leaves it for that header
        assert view(request).content.decode() == language


def test_a_request_refused_before_any_view_gets_its_error_page_in_the_addresss_language(
    client,
):
    """A NUL byte is refused by a middleware (tracker.errors.reject_nul_bytes): the page
    still speaks the language of the address, not that of the request before it."""
    client.get("/ko/about/")
    response = client.get("/en/pledges/?q=%00")
    assert response.status_code == 400
    assert html_lang(body(response)) == "en"
