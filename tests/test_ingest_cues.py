"""Each commitment cue, and each negative cue, on sentences written for the purpose."""

import pytest

from tracker.ingest.cues import THRESHOLD, score


def confidence(clause, sentence="", speakers=()):
    return score(clause, sentence, speakers)[0]


def cue_name(clause):
    return score(clause)[2].name


@pytest.mark.parametrize(
    ("clause", "cue"),
    [
        ("We will open a consulate in Ulaanbaatar.", "future"),
        ("Korea shall provide humanitarian assistance to the region.", "future"),
        ("The existing channels will be promptly restored.", "future passive"),
        ("The ministry plans to hold a new dialogue with Mongolia.", "intent"),
        ("The government is committed to doubling its aid budget.", "intent"),
        ("Seoul intends to join the initiative.", "intent"),
        ("The ministry's plan to advance this task includes regular talks.", "plan"),
        ("He said the government would expand scholarships for students.", "reported future"),
        ("We are intensifying dialogue with Central Asia.", "ongoing effort"),
    ],
)
def test_commitment_cues_fire_and_pass_the_threshold(clause, cue):
    assert cue_name(clause) == cue
    assert confidence(clause) >= THRESHOLD


def test_the_reasons_say_which_cue_fired_and_who_acts():
    _, reasons, _ = score("We will open a consulate in Ulaanbaatar.")
    assert "“will open”" in reasons[0]
    assert any("government" in reason for reason in reasons)


def test_a_named_speaker_counts_as_the_government():
    clause = "Minister Cho will visit Tokyo."
    assert confidence(clause, speakers=["Minister Cho"]) > confidence(clause)


@pytest.mark.parametrize(
    "clause",
    [
        "The ministry held a forum on the future of relations.",  # past-tense report
        "Cooperation has grown steadily over the past decade.",  # description
        "That will depend on what follows.",  # stative future
        "It will be a sign that Seoul is changing course.",  # stative future
        "We hope to see more exchanges.",  # hope, not a promise
        "The two countries must seek a better path.",  # exhortation
        "Observers will watch for several markers.",  # what others do
        "The members urged that the government will act quickly.",  # others' request
        "They built a relationship that will never falter.",  # relative clause
        "This does not mean that we intend to disregard the past.",  # negated
        "Will Korea join the pact?",  # question
        "Seoul is trying to present the alliance as a national asset.",  # a journalist's view
    ],
)
def test_negative_cues_keep_non_commitments_below_the_threshold(clause):
    assert confidence(clause, clause) < THRESHOLD


def test_a_hedge_lowers_confidence():
    assert confidence("We will possibly open a consulate.") < confidence(
        "We will open a consulate."
    )


def test_a_condition_lowers_confidence():
    assert confidence("If talks resume, we will send envoys.") < confidence("We will send envoys.")


def test_will_not_is_still_a_commitment():
    assert confidence("We will never tolerate provocations.") >= THRESHOLD


def test_announced_future_of_a_thing_is_a_commitment_in_reported_speech():
    sentence = "He also announced that close cooperation with Japan will continue."
    clause = "close cooperation with Japan will continue."
    assert confidence(clause, sentence) >= THRESHOLD
    assert confidence(clause, clause) < THRESHOLD
