"""The public pages show what was pledged, in its words and context, and what became of it."""

import re

import pytest
from django.urls import reverse

from tests.factories import PledgeFactory, StatementFactory
from tests.public_record import body, public_urls
from tracker.models import Pledge

pytestmark = pytest.mark.django_db


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return body(response)


def text_of(html):
    """The visible words of some HTML, spaces collapsed, for asserting on sentences."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# Every page


def test_every_page_has_a_title_and_a_meta_description(client, record):
    for url in public_urls(record):
        html = get(client, url)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert title.strip() and "Korea Pledge Tracker" in title, url
        description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
        assert len(description) > 30, url


def test_every_page_loads_only_local_styles_and_scripts(client, record):
    for url in public_urls(record):
        html = get(client, url)
        assets = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(
            r'<link rel="(?:stylesheet|icon)" href="([^"]+)"', html
        )
        assert len(assets) >= 3
        for ref in assets:
            assert ref.startswith("/") and not ref.startswith("//"), (url, ref)
        assert not re.search(r"\sstyle=", html), url
        # A JSON-LD block is data, not script: a browser never runs it.
        inline = r'<script(?![^>]*\b(?:src=|type="application/ld\+json"))[^>]*>'
        assert not re.search(inline, html), f"inline script on {url}"
        assert not re.search(r"\son[a-z]+=", html), f"inline handler on {url}"
        assert "hx-on" not in html, url


def test_the_current_section_is_marked_in_the_navigation(client, record):
    html = get(client, "/en/statements/")
    assert '<a href="/en/statements/" aria-current="page">Statements</a>' in html
    assert 'aria-current="page">Pledges' not in html


def test_a_write_method_is_refused(client, record):
    for url in [
        "/en/",
        "/en/pledges/",
        f"/en/pledges/{record.aid.slug}/",
        "/pledges.csv",
        "/en/feed/",
    ]:
        assert client.post(url).status_code == 405, url


def test_head_is_answered(client, record):
    response = client.head("/en/pledges/")
    assert response.status_code == 200
    assert response["ETag"]


# The dashboard


def test_dashboard_gives_the_tallies_in_counts_and_percentages(client, record):
    html = get(client, "/en/")
    words = text_of(html)
    # 5 public pledges: achieved 1, in progress 1 (trees, overdue), broken 1, not started 1,
    # not yet rated 1 (the centre).
    assert "We track 5 pledges" in words
    assert "1 has been achieved, 1 broken or abandoned, and 1 is overdue" in words
    assert "Achieved 1 (20%)" in words
    assert "Not yet rated 1 (20%)" in words
    assert "Partially achieved 0 (0%)" in words


def test_dashboard_draws_one_stacked_bar_with_a_text_alternative(client, record):
    html = get(client, "/en/")
    bar = re.search(r'<svg class="bar"[^>]*aria-label="Status of the pledges: ([^"]+)"', html)
    assert bar and "1 achieved (20%)" in bar.group(1)
    # One segment per status that has pledges, widths summing to the whole bar.
    main_bar = html[bar.start() : html.index("</svg>", bar.start())]
    widths = [float(w) for w in re.findall(r'width="([\d.]+)"', main_bar)]
    assert len(widths) == 5 and sum(widths) == pytest.approx(100, abs=0.01)


def test_dashboard_score_is_the_g7_average_over_rated_pledges(client, record):
    # Rated: achieved +1, in progress 0, broken -1, not started -1 -> -1/4 = -0.25.
    words = text_of(get(client, "/en/"))
    assert "−0.25 compliance score" in words
    rule = "achieved +1; partially achieved, in progress or stalled 0; not started or broken −1"
    assert rule in words


def test_dashboard_lists_overdue_and_recent_pledges_linking_to_them(client, record):
    html = get(client, "/en/")
    overdue = html[html.index('id="overdue-heading"') : html.index('id="recent-heading"')]
    assert record.trees.title in overdue and record.aid.title not in overdue
    recent = html[html.index('id="recent-heading"') : html.index('id="counterpart-heading"')]
    assert f'href="/en/pledges/{record.aid.slug}/#update-{record.aid.latest_update_id}"' in recent


def test_dashboard_summarises_each_counterpart_with_its_score(client, record):
    html = get(client, "/en/")
    table = html[html.index('id="counterpart-heading"') :]
    row = re.search(
        r'<th scope="row"><a href="/en/counterparts/asean/">ASEAN</a></th>(.*?)</tr>', table, re.S
    )
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row.group(1))
    # ASEAN: aid (achieved) and centre (not yet rated): 2 pledges, 1 achieved, score +1.
    assert cells == ["2", "1", "0", "0", "+1.00"]


def test_dashboard_of_an_empty_record_does_not_divide_by_zero(client, db):
    words = text_of(get(client, "/en/"))
    assert "We track 0 pledges" in words
    assert "– compliance score" in words


# The pledge list


def test_pledge_list_shows_every_public_pledge(client, record):
    html = get(client, "/en/pledges/")
    assert "5 pledges" in text_of(html)
    for pledge in record.public_pledges:
        assert f'href="/en/pledges/{pledge.slug}/"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=achieved", ["aid"]),
        ("counterpart=japan", ["trees", "dialogue"]),
        ("topic=development-aid", ["aid", "centre"]),
        ("statement=economic-security-talks", ["dialogue", "aid"]),
        (
            "speaker=lee-mi-yeon-director-general-of-the-bilateral-economic-diplomacy-bureau",
            ["dialogue"],
        ),
        ("speaker=cho-hyun-minister-of-foreign-affairs", ["aid", "centre"]),
        ("speaker=body-ministry-of-foreign-affairs", ["trees", "formula"]),
        ("year=2025", ["aid", "centre", "trees", "formula"]),
        ("overdue=1", ["trees"]),
        ("q=trees", ["trees"]),
        ("q=million+trees&counterpart=japan", ["trees"]),
        ("counterpart=asean&status=not_yet_rated", ["centre"]),
    ],
)
def test_pledge_list_filters(client, record, query, expected):
    html = get(client, f"/en/pledges/?{query}")
    shown = {
        name
        for name in ["aid", "centre", "trees", "formula", "dialogue"]
        if f'href="/en/pledges/{getattr(record, name).slug}/"' in html
    }
    assert shown == set(expected)
    assert f"{len(expected)} pledge" in text_of(html)


def test_pledge_list_form_keeps_the_filters(client, record):
    html = get(client, "/en/pledges/?counterpart=japan&overdue=1&q=trees")
    assert '<option value="japan" selected>' in html
    overdue = re.search(r'<input[^>]*name="overdue"[^>]*>', html).group(0)
    assert " checked" in overdue
    assert 'value="trees"' in html


def test_statement_filter_is_named_and_can_be_removed(client, record):
    html = get(client, f"/en/pledges/?statement={record.unknown_date.slug}")
    assert f'Made or restated in <a href="/en/statements/{record.unknown_date.slug}/">' in html
    assert f'<input type="hidden" name="statement" value="{record.unknown_date.slug}"' in html
    assert "Show pledges from all statements" in html


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "counterpart=nowhere",
        "year=abc",
        "year=99999999999999999999",
        "statement=../../etc",
        "speaker=" + "x" * 5000,
        "q=" + "x" * 5000,
        "page=abc",
        "page=-1",
        "page=99999999999999999999",
        "overdue=maybe",
        "q=%22unbalanced&q=or+-",
    ],
)
def test_pledge_list_ignores_bad_parameters_visibly_and_never_fails(client, record, query):
    response = client.get(f"/en/pledges/?{query}")
    assert response.status_code == 200
    html = body(response)
    count = re.search(r"data-results-count>(.*?)</h2>", html, re.S).group(1)
    assert re.search(r"\b\d+ pledges?\b", text_of(count)), count  # the results, counted
    if not query.startswith(("page=", "overdue=", "q=")):
        assert "We ignored a filter we could not use" in html


def test_pledge_list_keeps_the_good_filters_when_one_is_bad(client, record):
    html = get(client, "/en/pledges/?status=bogus&counterpart=japan")
    assert "We ignored a filter" in html
    assert "2 pledges found" in text_of(html)


def test_pledge_list_paginates_and_keeps_filters_in_page_links(client, record):
    statement = StatementFactory()
    for _ in range(30):
        PledgeFactory(statement=statement, counterparts=[record.japan])
    html = get(client, "/en/pledges/?counterpart=japan")
    assert "32 pledges found" in text_of(html)
    assert "Page 1 of 2" in html
    assert 'href="?counterpart=japan&amp;page=2"' in html
    html = get(client, "/en/pledges/?counterpart=japan&page=2")
    assert "Page 2 of 2" in html and html.count('class="pledge-item"') == 7
    # A page past the end shows the last page rather than failing.
    assert "Page 2 of 2" in get(client, "/en/pledges/?counterpart=japan&page=999")


def test_htmx_request_gets_only_the_results_fragment(client, record):
    html = get(client, "/en/pledges/?status=achieved", HX_Request="true")
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html and "<form" not in html
    assert record.aid.title in html and record.trees.title not in html


def test_htmx_history_restore_gets_the_full_page(client, record):
    html = get(
        client, "/en/pledges/?status=achieved", HX_Request="true", HX_History_Restore_Request="true"
    )
    assert "<html" in html and '<form class="filters"' in html


def test_the_filter_form_works_without_javascript_and_enhances_with_htmx(client, record):
    html = get(client, "/en/pledges/")
    form = re.search(r'<form class="filters"[^>]*>', html).group(0)
    assert 'method="get"' in form and 'action="/en/pledges/"' in form
    assert 'hx-get="/en/pledges/"' in form and 'hx-target="#results"' in form
    assert 'hx-push-url="true"' in form
    assert '<button type="submit">' in html


# The pledge page


def test_pledge_page_shows_status_target_and_overdue(client, record):
    words = text_of(get(client, f"/en/pledges/{record.trees.slug}/"))
    assert "Plant a million trees by 2020" in words
    assert "In progress Overdue" in words
    assert "Target 2020" in words and "it was due by 31 December 2020" in words


def test_pledge_page_highlights_the_quote_inside_its_paragraph(client, record):
    html = get(client, f"/en/pledges/{record.aid.slug}/")
    quote = html[html.index('<figure class="source-quote">') : html.index("</figure>")]
    assert (
        '<p><mark class="pledge-mark">We will double our aid to ASEAN by 2027</mark>'
        ", and open a “Korea–ASEAN centre” in Seoul.</p>"
    ) in quote
    # Only the paragraph that holds the quote, not the whole statement.
    assert "Opening" not in quote and "million trees" not in quote
    assert f'href="/en/statements/{record.forum.slug}/#{record.aid.slug}"' in quote


def test_pledge_page_names_speaker_office_date_and_context(client, record):
    words = text_of(get(client, f"/en/pledges/{record.aid.slug}/"))
    assert "Cho Hyun , Minister of Foreign Affairs" in words
    assert "1 September 2025" in words
    assert "Counterparts ASEAN" in words and "Topics Development aid" in words
    assert "Responsible body Ministry of Foreign Affairs" in words
    assert "Target 2027" in words


def test_pledge_page_shows_an_unknown_date_with_the_sources_words(client, record):
    html = get(client, f"/en/pledges/{record.dialogue.slug}/")
    assert (
        '<span class="date-unknown">Date not stated</span> <span class="date-note">'
        "(The article gives only “On the 23rd”, with no month or year.)</span>"
    ) in html


def test_pledge_page_marks_dates_with_their_precision_for_machines(client, record):
    html = get(client, f"/en/pledges/{record.aid.slug}/")
    assert '<time datetime="2025-09-01">1 September 2025</time>' in html
    assert '<time datetime="2027">2027</time>' in html


def test_pledge_page_shows_the_timeline_with_evidence(client, record):
    html = get(client, f"/en/pledges/{record.aid.slug}/")
    timeline = html[html.index('id="timeline-heading"') :]
    ids = re.findall(r'<li id="update-(\d+)"', timeline)
    assert len(ids) == 2 and int(ids[0]) > int(ids[1])  # newest first
    assert "Aid to ASEAN doubled" in timeline and "A budget line" in timeline
    link = '<a href="https://www.example.org/report" rel="external noopener">Annual ODA report</a>'
    assert link in timeline
    assert "(example.org)" in timeline
    assert "Changed from in progress." in timeline
    assert "Pledge made" in timeline


def test_pledge_page_gives_the_reason_for_its_status_at_the_top(client, record):
    html = get(client, f"/en/pledges/{record.aid.slug}/")
    latest = html[html.index('<div class="latest-update">') : html.index('id="quote-heading"')]
    assert "Aid to ASEAN doubled, per the ministry’s annual report." in latest
    assert 'href="https://www.example.org/report"' in latest
    assert "All 2 updates" in latest
    html = get(client, f"/en/pledges/{record.centre.slug}/")
    assert "Not yet assessed" in html


def test_pledge_page_lists_the_statements_that_restate_it(client, record):
    html = get(client, f"/en/pledges/{record.aid.slug}/")
    restated = html[html.index('id="restated-heading"') :]
    assert f'href="/en/statements/{record.unknown_date.slug}/#{record.aid.slug}"' in restated
    assert "Repeated by the director." in restated


def test_pledge_page_has_open_graph_tags(client, record):
    html = get(client, f"/en/pledges/{record.aid.slug}/")
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Double aid to ASEAN by 2027: Achieved">' in html
    url = f"http://testserver/en/pledges/{record.aid.slug}/"
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:description" content="“We will double our aid' in html


def test_pledge_page_escapes_text(client, record):
    html = get(client, f"/en/statements/{record.forum.slug}/")
    assert "&lt;friends&gt;" in html and "<friends>" not in html
    assert "neighbours &amp; partners" in html


def test_unknown_pledge_is_404(client, record):
    assert client.get("/en/pledges/no-such-pledge/").status_code == 404


# Statements


def test_statement_list_gives_date_speaker_and_pledge_count(client, record):
    html = get(client, "/en/statements/")
    words = text_of(html)
    assert "Keynote at the Korea–ASEAN forum" in words
    assert "1 September 2025 stated in the source · Speech · Cho Hyun" in words
    assert f'href="/en/pledges/?statement={record.forum.slug}">4 pledges</a>' in html
    assert "Date not stated (The article gives only “On the 23rd”" in words


def test_statement_page_highlights_and_anchors_every_pledge(client, record):
    html = get(client, f"/en/statements/{record.forum.slug}/")
    text = html[html.index('<div class="source-text"') :]
    for pledge in [record.aid, record.centre, record.trees, record.formula]:
        mark = f'<mark id="{pledge.slug}" class="pledge-mark"><a href="/en/pledges/{pledge.slug}/">'
        assert mark in text
    assert text.count("<mark") == 4
    assert '<span class="badge badge--achieved badge--small">Achieved</span>' in text
    # Curly quotes survive, the ampersand is escaped once.
    assert "open a “Korea–ASEAN centre” in Seoul</a></mark>" in text


def test_statement_page_highlights_restated_pledges_too(client, record):
    html = get(client, f"/en/statements/{record.unknown_date.slug}/")
    assert f'<mark id="{record.aid.slug}" class="pledge-mark">' in html
    assert f'<mark id="{record.dialogue.slug}" class="pledge-mark">' in html
    assert "restated; first made in" in html


def test_statement_page_lists_its_pledges_with_statuses(client, record):
    html = get(client, f"/en/statements/{record.forum.slug}/")
    table = html[html.index('id="pledges-heading"') : html.index('id="text-heading"')]
    assert table.count('<th scope="row">') == 4
    assert "badge--achieved" in table and "badge--overdue" in table
    assert f'href="#{record.trees.slug}"' in table


def test_statement_page_shows_its_public_notes(client, record):
    assert "The page gives the venue only as “Seoul”." in get(
        client, f"/en/statements/{record.forum.slug}/"
    )


# Counterparts and topics


def test_counterpart_list_and_topic_list_summarise_each(client, record):
    words = text_of(get(client, "/en/counterparts/"))
    assert "ASEAN 2" in words and "Japan 2" in words
    words = text_of(get(client, "/en/topics/"))
    assert "Development aid 2" in words and "Climate 1" in words


def test_counterpart_page_tallies_and_lists_its_pledges(client, record):
    html = get(client, "/en/counterparts/japan/")
    words = text_of(html)
    assert "2 pledges tracked: 0 achieved, 1 broken, 1 overdue" in words
    assert "Compliance score −0.50 over 2 rated pledges" in words
    assert f'href="/en/pledges/{record.trees.slug}/"' in html
    assert 'href="/en/counterparts/japan/feed/"' in html


def test_topic_page_tallies_and_lists_its_pledges(client, record):
    html = get(client, "/en/topics/development-aid/")
    assert "2 pledges tracked" in text_of(html)
    assert f'href="/en/pledges/{record.centre.slug}/"' in html


def test_unknown_counterpart_or_topic_is_404(client, record):
    assert client.get("/en/counterparts/atlantis/").status_code == 404
    assert client.get("/en/topics/nothing/").status_code == 404


# About


def test_about_explains_statuses_overdue_score_sources_corrections_and_api(client, record):
    html = get(client, reverse("about"))
    words = text_of(html)
    for heading in [
        "What counts as a pledge",
        "What each status means",
        "Overdue",
        "The compliance score",
        "Where the data comes from",
        "Corrections",
        "Data and API",
    ]:
        assert heading in words
    assert "Delivered as pledged, with evidence." in words
    assert "Broken or abandoned" in words and "−1" in words
    for field in ["slug", "status", "overdue", "target", "statement", "counterparts"]:
        assert f"<code>{field}</code>" in html


# The highlighting helper itself


def test_highlight_handles_overlapping_quotes():
    from tracker.templatetags.tracker_tags import highlight

    text = "We will build a bridge and a tunnel by 2030."
    html = highlight(
        text,
        [
            ("build a bridge and a tunnel", "/p/a/", "a", ""),
            ("a tunnel by 2030", "/p/b/", "b", ""),
        ],
    )
    # The shared words link to the earlier quote; the later quote's anchor starts there.
    assert html == (
        '<p>We will <mark id="a" class="pledge-mark"><a href="/p/a/">build a bridge and </a></mark>'
        '<mark id="b" class="pledge-mark pledge-mark--overlap"><a href="/p/a/">a tunnel</a></mark>'
        '<mark class="pledge-mark"><a href="/p/b/"> by 2030</a></mark>.</p>'
    )


def test_highlight_handles_a_quote_across_paragraphs_and_escapes_everything():
    from tracker.templatetags.tracker_tags import highlight

    text = "One <b>&\n\nTwo & three.\n\nFour."
    html = highlight(text, [("<b>&\n\nTwo", "/p/x/?a=1&b=2", "x", "")])
    assert html == (
        '<p>One <mark id="x" class="pledge-mark">'
        '<a href="/p/x/?a=1&amp;b=2">&lt;b&gt;&amp;</a></mark></p>\n'
        '<p><mark class="pledge-mark"><a href="/p/x/?a=1&amp;b=2">Two</a></mark> &amp; three.</p>\n'
        "<p>Four.</p>"
    )


def test_highlight_keeps_single_line_breaks_and_marks_repeated_quotes_once_with_an_id():
    from tracker.templatetags.tracker_tags import highlight

    html = highlight("Go.\nGo again.", [("Go", "", "go", "")])
    assert html.count("<mark") == 2 and html.count('id="go"') == 1
    assert "<br>" in html


def test_quote_missing_from_the_text_is_simply_not_highlighted(db):
    from tracker.templatetags.tracker_tags import statement_text

    statement = StatementFactory()
    pledge = PledgeFactory(statement=statement)
    Pledge.objects.filter(pk=pledge.pk).update(quote="not in the text at all")
    pledge.refresh_from_db()
    html = statement_text(statement, [(pledge, pledge.quote)])
    assert "<mark" not in html and html.count("<p>") == 3


@pytest.mark.django_db
def test_a_pledge_from_a_news_report_says_the_words_are_the_reporters(client):
    report = StatementFactory(kind="news_report", publisher="AJP")
    speech = StatementFactory(kind="speech")
    reported = client.get(PledgeFactory(statement=report).get_absolute_url()).content.decode()
    spoken = client.get(PledgeFactory(statement=speech).get_absolute_url()).content.decode()
    assert "reporter’s account of what was said" in reported and "(AJP)" in reported
    assert "reporter’s account" not in spoken
