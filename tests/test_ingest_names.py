"""The gazetteer (counterparts and topics) and restatement matching."""

import pytest

from tests.factories import CounterpartFactory, PledgeFactory, StatementFactory, TopicFactory
from tracker.ingest.gazetteer import Gazetteer
from tracker.ingest.restatements import Candidate, RestatementIndex, index_from_db
from tracker.models import CounterpartAlias, TopicKeyword


@pytest.fixture
def gazetteer():
    return Gazetteer.build(
        counterparts=[
            (1, "United States", ["Washington", "U.S.", "US"]),
            (2, "Japan", ["Tokyo"]),
            (5, "North Korea (DPRK)", ["Pyongyang"]),
            (7, "Indo-Pacific Four (IP4)", ["the Indo-Pacific Four"]),
        ],
        topics=[(1, "Supply chains", ["supply chain", "supply-chain"]), (2, "Energy", [])],
    )


def names(entries):
    return [entry.name for entry in entries]


def test_aliases_find_their_counterpart_in_order_of_mention(gazetteer):
    text = "Talks with Tokyo, then Washington and Pyongyang."
    assert names(gazetteer.counterparts_in(text)) == [
        "Japan",
        "United States",
        "North Korea (DPRK)",
    ]


def test_a_name_counts_without_its_parenthesis_and_by_its_abbreviation(gazetteer):
    assert names(gazetteer.counterparts_in("resume U.S.–DPRK talks")) == [
        "United States",
        "North Korea (DPRK)",
    ]
    assert names(gazetteer.counterparts_in("with the IP4 partners")) == ["Indo-Pacific Four (IP4)"]
    assert names(gazetteer.counterparts_in("North Korea's missiles")) == ["North Korea (DPRK)"]


def test_short_abbreviations_match_only_in_capitals_and_whole_words(gazetteer):
    assert gazetteer.counterparts_in("Let us build a future for Japanese-speaking users.") == []
    assert names(gazetteer.counterparts_in("The US will act.")) == ["United States"]


def test_topic_keywords_and_names_find_topics(gazetteer):
    assert names(gazetteer.topics_in("strengthen supply-chain resilience and energy")) == [
        "Supply chains",
        "Energy",
    ]


@pytest.mark.django_db
def test_the_gazetteer_uses_what_curators_edit_in_the_admin():
    mongolia = CounterpartFactory(name="Mongolia")
    CounterpartAlias.objects.create(counterpart=mongolia, alias="Ulaanbaatar")
    mining = TopicFactory(name="Mining")
    TopicKeyword.objects.create(topic=mining, keyword="rare earths")
    gazetteer = Gazetteer.from_db()
    assert names(gazetteer.counterparts_in("a consulate in Ulaanbaatar")) == ["Mongolia"]
    assert names(gazetteer.topics_in("deals on rare earths")) == ["Mining"]


PLEDGES = [
    Candidate(1, "Resume talks", "Korea will work with the US to resume U.S.–DPRK talks.", "A"),
    Candidate(2, "Host APEC", "This October, Korea will host the APEC Leaders' Meeting.", "A"),
    Candidate(3, "Aid", "We will evolve as a responsible donor with UNDP and WFP.", "B"),
]


def test_a_restated_commitment_is_found_with_its_similarity():
    index = RestatementIndex(PLEDGES)
    (match,) = index.matches("We will resume U.S.–DPRK talks, working with the US.")
    assert match.candidate.pk == 1
    assert 0.6 <= match.similarity <= 1


def test_a_pledge_inside_a_longer_sentence_scores_as_a_restatement():
    index = RestatementIndex(PLEDGES)
    matches = index.matches(
        "At the same time, we will evolve as a responsible donor with UNDP and WFP, linking "
        "relief and recovery."
    )
    assert matches[0].candidate.pk == 3
    assert matches[0].similarity == 1.0


def test_an_unrelated_commitment_has_no_restatement():
    assert RestatementIndex(PLEDGES).matches("We will cut tariffs on Mongolian cashmere.") == []


@pytest.mark.django_db
def test_the_index_of_existing_pledges_follows_the_record():
    statement = StatementFactory(text="Intro.\n\nWe will open a consulate in Ulaanbaatar.\n\nEnd.")
    PledgeFactory(statement=statement, title="Consulate")
    assert [m.candidate.title for m in index_from_db().matches("open a consulate in Ulaanbaatar")]
    second = StatementFactory(text="Intro.\n\nWe will double scholarships for Mongolian students.")
    PledgeFactory(statement=second, title="Scholarships")
    matches = index_from_db().matches("double scholarships for Mongolian students")
    assert [m.candidate.title for m in matches] == ["Scholarships"]
