"""Who made each pledge, where each date and name comes from, and grouping membership
(issue 10): what a reader sees on every page that shows a pledge, a date or a name."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    BodyFactory,
    CounterpartFactory,
    PersonFactory,
    PledgeFactory,
    SpeakerFactory,
    StatementFactory,
)
from tests.public_record import body
from tests.test_public_pages import text_of
from tracker import export_files
from tracker.models import Basis, CounterpartKind, DatePrecision, Pledge, Status

pytestmark = pytest.mark.django_db

DOUBT = "He no longer held the office that month."


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return body(response)


@pytest.fixture
def forum():
    """A 2025 statement with two speakers: a minister whose title we doubt, and a mayor
    who made no pledge; plus a 2024 statement where the same minister's title is right."""
    minister = PersonFactory(name="Cho Tae-yul", slug="cho-tae-yul")
    statement_2024 = StatementFactory(
        title="Forum of 2024",
        slug="forum-2024",
        date=datetime.date(2024, 5, 20),
        text="Opening.\n\nWe will hold the 2024 dialogue every year.\n\nThank you.",
    )
    made_2024 = PledgeFactory(
        statement=statement_2024,
        slug="yearly-dialogue",
        title="Hold the dialogue every year",
        maker=SpeakerFactory(statement=statement_2024, person=minister, office="Foreign Minister"),
    )
    statement_2025 = StatementFactory(
        title="Cabinet briefing of 2025",
        slug="briefing-2025",
        kind="news_report",
        date=datetime.date(2025, 9, 1),
        date_basis=Basis.INFERRED,
        date_basis_note="The year comes from the anniversary the article mentions.",
        text="Opening.\n\nWe will open regular high-level talks with four capitals.\n\nBye.",
    )
    doubted = SpeakerFactory(
        statement=statement_2025, person=minister, office="Foreign Minister", doubt=DOUBT
    )
    mayor = SpeakerFactory(
        statement=statement_2025,
        person=PersonFactory(name="Oh Se-hoon"),
        office="Seoul Mayor",
        order=1,
    )
    made_2025 = PledgeFactory(
        statement=statement_2025, slug="regular-talks", title="Open regular talks", maker=doubted
    )
    return {
        "made_2024": made_2024,
        "made_2025": made_2025,
        "doubted": doubted,
        "mayor": mayor,
        "statement_2025": statement_2025,
    }


# Who made each pledge


def test_pledge_page_credits_its_maker_and_keeps_others_as_participants(client, forum):
    html = get(client, forum["made_2025"].get_absolute_url())
    caption = text_of(html[html.index("<figcaption>") : html.index("</figcaption>")])
    assert "Cho Tae-yul" in caption and "Oh Se-hoon" not in caption
    words = text_of(html)
    assert "Made by Cho Tae-yul , Foreign Minister" in words
    assert "Also speaking Oh Se-hoon , Seoul Mayor" in words
    assert "this pledge is not theirs" in words


def test_pledge_list_names_the_maker_not_every_speaker(client, forum):
    html = get(client, "/en/pledges/")
    item = html[html.index('href="/en/pledges/regular-talks/"') :]
    item = item[: item.index("</li>")]
    assert "Cho Tae-yul" in item and "Oh Se-hoon" not in item


def test_statement_page_names_the_maker_of_each_pledge(client, forum):
    html = get(client, forum["statement_2025"].get_absolute_url())
    table = html[html.index("<table>") : html.index("</table>")]
    assert "Made by" in table and "Cho Tae-yul" in table and "Oh Se-hoon" not in table


def test_a_pledge_with_no_named_person_is_credited_to_the_issuing_body(client):
    division = BodyFactory(name="Foreign Policy Planning Division", slug="planning-division")
    statement = StatementFactory(issuing_body=division)
    pledge = PledgeFactory(statement=statement, maker=None)
    words = text_of(get(client, pledge.get_absolute_url()))
    assert "Made by Foreign Policy Planning Division (the issuing body" in words
    assert pledge.made_by.key == "body-planning-division"


def test_the_maker_must_speak_in_the_pledges_own_statement(forum):
    pledge = forum["made_2024"]
    pledge.maker = forum["doubted"]  # a speaker of the 2025 statement
    with pytest.raises(ValidationError) as error:
        pledge.full_clean()
    assert "maker" in error.value.message_dict


def test_speaker_filter_keeps_a_doubted_attribution_apart_from_the_same_persons_other(
    client, forum
):
    html = get(client, "/en/pledges/")
    form = html[: html.index('id="results"')]
    assert '<option value="cho-tae-yul-foreign-minister">' in form
    assert '<option value="cho-tae-yul-foreign-minister-doubtful">' in form
    assert "Oh Se-hoon" not in form  # a participant, not a maker
    only_2024 = get(client, "/en/pledges/", speaker="cho-tae-yul-foreign-minister")
    assert (
        "/en/pledges/yearly-dialogue/" in only_2024
        and "/en/pledges/regular-talks/" not in only_2024
    )
    only_2025 = get(client, "/en/pledges/", speaker="cho-tae-yul-foreign-minister-doubtful")
    assert (
        "/en/pledges/regular-talks/" in only_2025
        and "/en/pledges/yearly-dialogue/" not in only_2025
    )


def test_speaker_filter_keeps_one_persons_offices_apart():
    person = PersonFactory(name="Kim Min-seok")
    as_pm = SpeakerFactory(person=person, office="Prime Minister")
    as_mp = SpeakerFactory(person=person, office="Member of the National Assembly")
    PledgeFactory(statement=as_pm.statement, maker=as_pm)
    PledgeFactory(statement=as_mp.statement, maker=as_mp)
    keys = [key for key, _ in Pledge.objects.public().maker_choices()]
    assert keys == [
        "kim-min-seok-member-of-the-national-assembly",
        "kim-min-seok-prime-minister",
    ]
    assert Pledge.objects.made_by("kim-min-seok-prime-minister").get().maker == as_pm


def test_feed_and_exports_carry_the_maker(client, forum):
    made = forum["made_2025"]
    made.record_update(
        status=Status.IN_PROGRESS,
        as_of=datetime.date(2025, 10, 1),
        public_note="Begun.",
        author=None,
    )
    feed = body(client.get("/en/feed/"))
    assert "<name>Cho Tae-yul, Foreign Minister (doubtful)</name>" in feed
    data = client.get("/api/pledges.json", {"speaker": made.maker.attribution}).json()
    [row] = data["results"]
    assert row["made_by"]["attribution"]["doubt"] == DOUBT
    rows = list(csv.DictReader(io.StringIO(body(client.get("/pledges.csv")).lstrip("\ufeff"))))
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["regular-talks"]["made_by"] == "Cho Tae-yul, Foreign Minister (doubtful)"
    assert by_slug["regular-talks"]["made_by_doubt"] == DOUBT
    assert by_slug["yearly-dialogue"]["made_by_doubt"] == ""


# Where each date and name comes from, and doubt


@pytest.mark.parametrize(
    "url",
    [
        "/en/pledges/regular-talks/",
        "/en/pledges/",
        "/en/statements/",
        "/en/statements/briefing-2025/",
    ],
)
def test_a_doubted_attribution_is_marked_wherever_it_appears(client, forum, url):
    html = get(client, url)
    assert 'class="doubt"' in html
    assert DOUBT in html  # the reason travels with the mark


def test_a_sound_attribution_carries_no_doubt_mark(client, forum):
    html = get(client, "/en/pledges/yearly-dialogue/")
    assert 'class="doubt"' not in html
    assert "stated in the source" in text_of(html)


@pytest.mark.parametrize("url", ["/en/pledges/regular-talks/", "/en/pledges/", "/en/statements/"])
def test_an_inferred_date_says_so_where_it_is_shown(client, forum, url):
    html = get(client, url)
    assert 'class="basis basis--inferred" title="The year comes from the anniversary' in html


def test_pledge_timeline_shows_the_date_basis_and_maker(client, forum):
    html = get(client, "/en/pledges/regular-talks/")
    origin = html[html.index("timeline__item--origin") :]
    origin = origin[: origin.index("</li>")]
    assert "basis--inferred" in origin and "Cho Tae-yul" in origin and 'class="doubt"' in origin


def test_statement_page_gives_the_reasoning_and_the_citation(client, forum):
    statement = forum["statement_2025"]
    statement.date_basis = Basis.OTHER_SOURCE
    statement.date_source_url = "https://news.example.org/meeting"
    statement.date_source_title = "Ministry held the meeting on the 23rd"
    statement.save()
    html = get(client, statement.get_absolute_url())
    assert (
        '<a href="https://news.example.org/meeting" rel="external noopener">'
        "Ministry held the meeting on the 23rd</a>"
    ) in html
    assert "From another source:" in text_of(html)


def test_a_basis_must_be_checkable():
    statement = StatementFactory.build(date_basis=Basis.INFERRED, date_basis_note="")
    with pytest.raises(ValidationError) as error:
        statement.clean()
    assert "date_basis_note" in error.value.message_dict
    statement = StatementFactory.build(date_basis=Basis.OTHER_SOURCE)
    with pytest.raises(ValidationError) as error:
        statement.clean()
    assert {"date_source_url", "date_source_title"} <= set(error.value.message_dict)


def test_an_unknown_date_carries_no_basis_mark(client):
    statement = StatementFactory(date=None, date_precision=DatePrecision.UNKNOWN, date_note="x")
    PledgeFactory(statement=statement)
    html = get(client, statement.get_absolute_url())
    assert "basis--stated" not in html[html.index("<dt>Date</dt>") : html.index("<dt>Speaker")]


# Groupings have members


@pytest.fixture
def ip4():
    japan = CounterpartFactory(name="Japan", slug="japan")
    grouping = CounterpartFactory(
        name="Indo-Pacific Four (IP4)", slug="indo-pacific-four", kind=CounterpartKind.GROUPING
    )
    grouping.members.add(japan, CounterpartFactory(name="Australia", slug="australia"))
    with_ip4 = PledgeFactory(slug="ip4-cooperation", counterparts=[grouping])
    with_japan = PledgeFactory(slug="japan-partnership", counterparts=[japan])
    with_both = PledgeFactory(slug="japan-and-ip4", counterparts=[japan, grouping])
    elsewhere = PledgeFactory(slug="elsewhere", counterparts=[CounterpartFactory()])
    return {"with_ip4": with_ip4, "with_japan": with_japan, "with_both": with_both, "x": elsewhere}


def test_a_members_page_lists_the_groupings_pledges_marked_via_the_grouping(client, ip4):
    html = get(client, "/en/counterparts/japan/")
    assert "3 pledges tracked" in text_of(html)
    for slug in ("ip4-cooperation", "japan-partnership", "japan-and-ip4"):
        assert f'href="/en/pledges/{slug}/"' in html
    assert "/en/pledges/elsewhere/" not in html
    items = html.split('class="pledge-item"')
    marked = [item for item in items if "Via the grouping" in item]
    assert len(marked) == 1 and 'href="/en/pledges/ip4-cooperation/"' in marked[0]


def test_the_member_filter_includes_the_groupings_pledges_once(client, ip4):
    html = get(client, "/en/pledges/", counterpart="australia")
    assert "2 pledges found" in text_of(html)  # ip4-cooperation and japan-and-ip4, once each
    data = client.get("/api/pledges.json", {"counterpart": "japan"}).json()
    assert sorted(p["slug"] for p in data["results"]) == [
        "ip4-cooperation",
        "japan-and-ip4",
        "japan-partnership",
    ]


def test_a_grouping_page_names_its_members(client, ip4):
    words = text_of(get(client, "/en/counterparts/indo-pacific-four/"))
    assert "Members: Australia , Japan" in words or "Members: Australia, Japan" in words


def test_a_members_feed_carries_the_groupings_updates(client, ip4):
    ip4["with_ip4"].record_update(
        status=Status.IN_PROGRESS, as_of=datetime.date(2025, 10, 1), public_note="Met.", author=None
    )
    assert "/en/pledges/ip4-cooperation/" in body(client.get("/en/counterparts/japan/feed/"))


# Fixed query counts, whatever the number of makers and grouping pledges


def count_queries(client, url):
    export_files.build()  # as the background task does after a write
    with CaptureQueriesContext(connection) as queries:
        body(client.get(url))
    return len(queries)


URLS = [
    "/en/",
    "/en/counterparts/",
    "/en/pledges/",
    "/en/pledges/?counterpart=japan",
    "/en/pledges/?speaker=cho-tae-yul-foreign-minister-doubtful",
    "/en/counterparts/japan/",
    "/en/statements/",
    "/en/statements/briefing-2025/",
    "/en/pledges/regular-talks/",
    "/api/pledges.json",
    "/pledges.csv",
    "/en/feed/",
]


def test_makers_and_groupings_do_not_add_queries_per_row(client, forum, ip4):
    small = {url: count_queries(client, url) for url in URLS}
    grouping = ip4["with_ip4"].counterparts.get()
    statement = forum["statement_2025"]
    for n in range(12):
        speaker = SpeakerFactory(statement=statement, doubt=DOUBT if n % 2 else "", order=n + 2)
        statement.text += f"\n\nWe will hold meeting number {n} with the four partners."
        statement.save()
        PledgeFactory(
            statement=statement,
            quote=f"We will hold meeting number {n} with the four partners.",
            maker=speaker,
            counterparts=[grouping],
        )
    large = {url: count_queries(client, url) for url in URLS}
    assert large == small


def test_the_counterpart_list_counts_a_groupings_pledges_for_its_members_once(client, ip4):
    words = text_of(get(client, "/en/counterparts/"))
    # Japan: its own pledge, the IP4 pledge, and the one naming both (once).
    assert " Japan 3 " in words
    assert " Australia 2 " in words
