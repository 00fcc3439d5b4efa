"""A small record for the public-site tests: what must show, and what must never show.

`build_record()` makes published statements and pledges with status updates, evidence,
a restatement, an overdue pledge, an unknown date and Korean and curly-quoted text,
next to everything the public must not see: an unpublished statement and its pledge,
an unpublished pledge in a published statement, internal notes, a source statement that
is unpublished, and a counterpart, topic and speaker known only through hidden pledges;
corrections to public records and to hidden ones. Every hidden thing carries one of
LEAK_MARKERS, so a test can search any output for them.
"""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from tests.factories import (
    BodyFactory,
    CounterpartFactory,
    PersonFactory,
    PledgeFactory,
    SpeakerFactory,
    StatementFactory,
    TopicFactory,
    published_update,
)
from tracker.models import (
    Correction,
    CounterpartKind,
    DatePrecision,
    Restatement,
    Specificity,
    Status,
)

LEAK_MARKERS = [
    "HIDDEN STATEMENT TITLE",
    "hidden-statement",
    "HIDDENBRIDGE",
    "PLEDGE OF HIDDEN STATEMENT",
    "pledge-of-hidden-statement",
    "DRAFT PLEDGE TITLE",
    "draft-pledge",
    "DRAFT UPDATE NOTE",
    "HIDDEN STATEMENT UPDATE NOTE",
    "SECRET INTERNAL NOTE",
    "HIDDEN COUNTERPART",
    "hidden-counterpart",
    "HIDDEN TOPIC",
    "hidden-topic",
    "HIDDEN SPEAKER",
    "hidden-speaker",
    "HIDDEN RESTATEMENT QUOTE",
    "HIDDEN CORRECTION REASON",
]

FORUM_TEXT = (
    "Opening: we meet as neighbours & partners, <friends> of long standing.\n\n"
    "We will double our aid to ASEAN by 2027, and open a “Korea–ASEAN centre” in Seoul.\n\n"
    "We will plant a million trees by 2020.\n\n"
    "=SUM(A1) we will keep our word.\n\n"
    "한국은 약속을 지킵니다. Thank you."
)


def build_record():
    today = timezone.localdate()
    editor = None  # who wrote an update is never shown publicly; no user (hashing is slow)
    asean = CounterpartFactory(name="ASEAN", slug="asean", kind=CounterpartKind.ORGANISATION)
    japan = CounterpartFactory(name="Japan", slug="japan")
    hidden_counterpart = CounterpartFactory(name="HIDDEN COUNTERPART", slug="hidden-counterpart")
    trade = TopicFactory(name="Development aid", slug="development-aid")
    climate = TopicFactory(name="Climate", slug="climate")
    hidden_topic = TopicFactory(name="HIDDEN TOPIC", slug="hidden-topic")
    mofa = BodyFactory(name="Ministry of Foreign Affairs")
    minister = PersonFactory(name="Cho Hyun", slug="cho-hyun")
    hidden_speaker = PersonFactory(name="HIDDEN SPEAKER", slug="hidden-speaker")

    forum = StatementFactory(
        title="Keynote at the Korea–ASEAN forum",
        slug="korea-asean-forum",
        date=datetime.date(2025, 9, 1),
        issuing_body=mofa,
        event="Korea–ASEAN forum",
        source_url="https://www.mofa.go.kr/eng/example",
        publisher="Ministry of Foreign Affairs",
        text=FORUM_TEXT,
        notes="The page gives the venue only as “Seoul”.",
    )
    minister_speaking = SpeakerFactory(
        statement=forum, person=minister, office="Minister of Foreign Affairs"
    )
    aid = PledgeFactory(
        statement=forum,
        maker=minister_speaking,
        slug="double-aid-to-asean",
        title="Double aid to ASEAN by 2027",
        quote="We will double our aid to ASEAN by 2027",
        description="Official development assistance to ASEAN members.",
        target_date=datetime.date(2027, 1, 1),
        target_precision=DatePrecision.YEAR,
        responsible_body=mofa,
        counterparts=[asean],
        topics=[trade],
    )
    centre = PledgeFactory(
        statement=forum,
        maker=minister_speaking,
        slug="korea-asean-centre",
        title="Open a “Korea–ASEAN centre” in Seoul, 경제 협력",
        quote="open a “Korea–ASEAN centre” in Seoul",
        counterparts=[asean],
        topics=[trade],
    )
    trees = PledgeFactory(
        statement=forum,
        slug="a-million-trees",
        title="Plant a million trees by 2020",
        quote="We will plant a million trees by 2020.",
        target_date=datetime.date(2020, 1, 1),
        target_precision=DatePrecision.YEAR,
        specificity=Specificity.CONCRETE,
        counterparts=[japan],
        topics=[climate],
    )
    formula = PledgeFactory(
        statement=forum,
        slug="keep-our-word",
        title="=SUM(A1) keep our word",
        quote="=SUM(A1) we will keep our word.",
        specificity=Specificity.ASPIRATIONAL,
    )
    draft = PledgeFactory(
        statement=forum,
        slug="draft-pledge",
        title="DRAFT PLEDGE TITLE",
        quote="Opening: we meet as neighbours",
        is_published=False,
        counterparts=[hidden_counterpart, asean],
        topics=[hidden_topic],
    )

    unknown_date = StatementFactory(
        title="Economic security talks with Japan",
        slug="economic-security-talks",
        kind="news_report",
        date=None,
        date_precision=DatePrecision.UNKNOWN,
        date_note="The article gives only “On the 23rd”, with no month or year.",
        text=(
            "On the 23rd the ministry met Japanese officials.\n\n"
            "Efforts will be made to hold a new ‘Korea-Japan Economic Security Dialogue’.\n\n"
            "We will double our aid to ASEAN by 2027, the director repeated."
        ),
    )
    director = SpeakerFactory(
        statement=unknown_date,
        person=PersonFactory(name="Lee Mi-yeon", slug="lee-mi-yeon"),
        office="Director General of the Bilateral Economic Diplomacy Bureau",
    )
    dialogue = PledgeFactory(
        statement=unknown_date,
        maker=director,
        slug="korea-japan-economic-security-dialogue",
        title="Hold a Korea–Japan economic security dialogue",
        quote="hold a new ‘Korea-Japan Economic Security Dialogue’",
        counterparts=[japan],
    )
    Restatement.objects.create(
        pledge=aid,
        statement=unknown_date,
        quote="We will double our aid to ASEAN by 2027",
        note="Repeated by the director.",
    )

    hidden_statement = StatementFactory(
        title="HIDDEN STATEMENT TITLE",
        slug="hidden-statement",
        date=datetime.date(2025, 10, 1),
        text="We will build the HIDDENBRIDGE by 2026.\n\nHIDDEN RESTATEMENT QUOTE.",
        is_published=False,
    )
    SpeakerFactory(statement=hidden_statement, person=hidden_speaker, office="HIDDEN SPEAKER")
    of_hidden = PledgeFactory(
        statement=hidden_statement,
        slug="pledge-of-hidden-statement",
        title="PLEDGE OF HIDDEN STATEMENT",
        quote="We will build the HIDDENBRIDGE by 2026.",
        counterparts=[hidden_counterpart, japan],
        topics=[hidden_topic, climate],
    )
    Restatement.objects.create(
        pledge=trees, statement=hidden_statement, quote="HIDDEN RESTATEMENT QUOTE."
    )

    def update(pledge, status, days_ago, note, **kwargs):
        published_update(
            pledge,
            status=status,
            as_of=today - datetime.timedelta(days=days_ago),
            public_note=note,
            author=editor,
            **kwargs,
        )

    update(
        aid,
        Status.IN_PROGRESS,
        60,
        "A budget line for ASEAN aid was created.",
        internal_note="SECRET INTERNAL NOTE: the desk officer doubts it.",
        evidence=[("https://example.org/budget-2026", "2026 budget, ODA annex")],
    )
    update(
        aid,
        Status.ACHIEVED,
        10,
        "Aid to ASEAN doubled, per the ministry’s annual report.",
        evidence=[("https://www.example.org/report", "Annual ODA report")],
        source_statement=hidden_statement,
    )
    update(trees, Status.IN_PROGRESS, 30, "Planting began in 2019 but is far from a million.")
    update(dialogue, Status.BROKEN, 5, "The dialogue was cancelled.")
    update(formula, Status.NOT_STARTED, 5, "Nothing yet.")
    update(draft, Status.IN_PROGRESS, 3, "DRAFT UPDATE NOTE")
    update(of_hidden, Status.IN_PROGRESS, 3, "HIDDEN STATEMENT UPDATE NOTE")

    # Corrections: to a public pledge and a public statement, and to two hidden pledges.
    Correction.record(
        aid,
        {"Title": ["Double aid to ASEAN", "Double aid to ASEAN by 2027"]},
        reason="The title left out the year the pledge names.",
        author=editor,
    )
    Correction.record(
        forum,
        {"Issuing body": ["", "Ministry of Foreign Affairs"]},
        reason="The ministry issued the keynote.",
        author=editor,
    )
    for hidden in (draft, of_hidden):
        changes = {"Title": ["OLD", hidden.title]}
        Correction.record(hidden, changes, reason="HIDDEN CORRECTION REASON", author=editor)

    for obj in (aid, centre, trees, formula, dialogue):
        obj.refresh_from_db()
    return SimpleNamespace(
        editor=editor,
        asean=asean,
        japan=japan,
        hidden_counterpart=hidden_counterpart,
        trade=trade,
        climate=climate,
        hidden_topic=hidden_topic,
        minister=minister,
        hidden_speaker=hidden_speaker,
        forum=forum,
        unknown_date=unknown_date,
        hidden_statement=hidden_statement,
        aid=aid,
        centre=centre,
        trees=trees,
        formula=formula,
        dialogue=dialogue,
        draft=draft,
        of_hidden=of_hidden,
        public_pledges=[aid, centre, trees, formula, dialogue],
    )


def public_urls(record):
    """Every public HTML page type, with a real object where the page needs one."""
    return [
        "/en/",
        "/en/pledges/",
        "/en/pledges/?q=aid",
        "/en/pledges/?counterpart=japan&status=in_progress&overdue=1",
        f"/en/pledges/{record.aid.slug}/",
        f"/en/pledges/{record.dialogue.slug}/",
        "/en/statements/",
        f"/en/statements/{record.forum.slug}/",
        f"/en/statements/{record.unknown_date.slug}/",
        "/en/counterparts/",
        "/en/counterparts/asean/",
        "/en/topics/",
        "/en/topics/climate/",
        "/en/about/",
        "/en/data/",
        "/en/corrections/",
        "/en/api/",
    ]


def data_urls(record):
    """Every feed, the JSON API and the export files."""
    return [
        "/en/feed/",
        "/en/feed/json/",
        "/en/counterparts/japan/feed/",
        "/en/counterparts/japan/feed/json/",
        "/en/topics/climate/feed/",
        "/en/topics/climate/feed/json/",
        f"/en/pledges/{record.aid.slug}/feed/",
        f"/en/pledges/{record.aid.slug}/feed/json/",
        "/en/corrections/feed/",
        "/en/corrections/feed/json/",
        "/pledges.csv",
        "/api/pledges.json",
        f"/api/pledges/{record.aid.slug}.json",
        "/api/statements.json",
        "/api/counterparts.json",
        "/api/topics.json",
        # The package's files that link to pages; tests/test_datapackage.py reads every file.
        "/data/datapackage.json",
        "/data/statements.csv",
        "/data/pledges.csv",
    ]


def body(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")
