"""The linguistic cues that make a clause look like a commitment, or not.

Each cue is a general rule of English, not a phrase from any one document:
- commitment cues: a future modal with an action verb ("we will pursue"), a future passive
  ("channels will be restored"), verbs and nouns of intent ("plans to", "is committed to",
  "the ministry's plan to"), reported future ("said it would"), and a government actor's
  ongoing effort ("we are intensifying");
- negative cues: hedges ("may", "could", "hopes to"), conditions and questions,
  exhortations ("must", "should", "urged"), stative futures ("will depend", "will be a
  sign"), relative clauses ("a relationship that will never falter") and descriptions of
  what others do or say.

`score(clause)` returns the confidence and the reasons, which the screen shows: lazy
translations, in the curator's language on the screen and in English where they are stored.
"""

import re
from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

THRESHOLD = 0.5

ADVERB = (
    r"(?:(?:not|never|also|further|still|then|now|soon|therefore|thus|jointly|together|"
    r"continue\s+to|\w+ly)\s+)"
)

# Verbs after "will" that describe rather than commit.
STATIVE = {
    "be",
    "depend",
    "remain",
    "become",
    "mean",
    "seem",
    "need",
    "have",
    "face",
    "feel",
    "know",
    "see",
    "tell",
    "find",
    "matter",
    "require",
    "likely",
    "probably",
    "determine",
    "reads",
    "look",
    "sound",
    "appear",
}
# Past participles of verbs often used in the passive of a commitment.
IRREGULAR_PARTICIPLES = {
    "made",
    "held",
    "built",
    "set",
    "kept",
    "done",
    "sent",
    "given",
    "taken",
    "put",
    "led",
    "met",
    "paid",
    "spent",
    "sought",
    "laid",
    "brought",
    "run",
    "begun",
    "undertaken",
    "shown",
    "drawn",
    "won",
}
# Ongoing verbs that report perception, talk or attempt rather than an effort under way.
NOT_EFFORT = {
    "seeing",
    "facing",
    "witnessing",
    "living",
    "experiencing",
    "saying",
    "talking",
    "trying",
    "attempting",
    "arguing",
    "telling",
    "suggesting",
    "hoping",
    "asking",
    "wondering",
    "going",
    "looking",
    "watching",
    "thinking",
}

FUTURE = re.compile(
    rf"\b(?:will|shall)\s+(?:(?:we|i|korea)\s*(?:,[^,.;]{{1,40}},\s*)?)?{ADVERB}{{0,3}}"
    r"(?P<verb>[a-z]+)\b",
    re.I,
)
# "So too will we, in the years ahead, work …": the subject comes after the modal.
INVERTED = re.compile(
    r"(?:will|shall)\s+(?P<subject>we|i|korea|the\s+government|the\s+ministry)\b", re.I
)
FUTURE_PASSIVE = re.compile(
    rf"\b(?:will|shall)\s+{ADVERB}{{0,2}}be\s+{ADVERB}{{0,2}}(?P<verb>[a-z]+)\b", re.I
)
INTENT_STRONG = re.compile(
    r"\b(?:(?<!'s\s)(?<!’s\s)(?<!the\s)(?<!its\s)(?<!our\s)(?<!their\s)plans?|planning|intends?|intending|(?:is|are|remains?|stays?)\s+committed|commits?|"
    r"pledged?|pledges|vow(?:s|ed)?|promised?|promises|(?:is|are)\s+determined|decided|agreed|"
    r"(?:is|are)\s+going|(?:is|are)\s+set|resolved)\s+to\s+(?:\w+ly\s+)?(?P<verb>[a-z]+)\b",
    re.I,
)
INTENT_WEAK = re.compile(
    r"\b(?:aims?|aiming|seeks?|seeking|strives?|striving|(?:is|are)\s+working|"
    r"(?:is|are)\s+ready|(?:is|are)\s+willing|(?:is|are)\s+prepared)\s+to\s+(?:\w+ly\s+)?(?P<verb>[a-z]+)\b",
    re.I,
)
INTENT_NOUN = re.compile(
    r"\b(?:plans?|pledges?|commitments?|promises?|roadmap|decision)\s+(?:is\s+)?to\s+"
    r"(?:\w+ly\s+)?(?P<verb>[a-z]+)\b",
    re.I,
)
HOPE = re.compile(
    r"\b(?:hopes?|hoping|wishes|expects?|expecting)\s+to\s+(?:\w+ly\s+)?(?P<verb>[a-z]+)\b", re.I
)
REPORTED_FUTURE = re.compile(
    r"\b(?:said|announced|stated|added|noted|pledged|vowed|promised|stressed|explained|"
    r"told|confirmed)\b[^.;]*?\bwould\s+(?:\w+ly\s+)?(?P<verb>[a-z]+)\b",
    re.I,
)
# Only in the first person: a journalist's "Seoul is trying to …" is a description.
PROGRESSIVE = re.compile(
    r"\b(?:we)\s+(?:are|'re)\s+"
    r"(?:now\s+|also\s+|actively\s+)?(?P<verb>[a-z]+ing)\b",
    re.I,
)
OBLIGATION = re.compile(
    r"\b(?:must|should|ought\s+to|needs?\s+to|ha(?:ve|s)\s+to)\s+(?:\w+ly\s+)?(?P<verb>[a-z]+)\b",
    re.I,
)

# Who acts. A commitment is made by the government speaking (we, Korea, the ministry),
# by a speaker reported (he, she), or jointly (the two countries).
GOVERNMENT = re.compile(
    r"\b(?:we|i|our\s+(?:government|country|nation|ministry)|the\s+(?:government|ministry|"
    r"administration|president|minister|two\s+countries|two\s+sides|two\s+governments)|"
    r"both\s+(?:countries|sides|governments)|(?:south\s+)?korea|the\s+republic\s+of\s+korea|"
    r"rok|seoul|ministry\s+of\s+[a-z ]+)\b",
    re.I,
)
REPORTED_PERSON = re.compile(r"\b(?:he|she|it|they)\b", re.I)
OTHERS = re.compile(
    r"\b(?:observers|analysts|experts|critics|members|readers|americans|audiences|companies|"
    r"businesses|participants|officials\s+in\s+\w+|scholars|commentators|investors|"
    r"many|some|others|people)\b",
    re.I,
)
EXHORTATION_BY_OTHERS = re.compile(
    r"\b(?:urged|requested|proposed|suggested|recommended|called\s+for|demanded|asked|"
    r"insisted|advised|argued)\b",
    re.I,
)
# A negation ahead of the cue ("This does not mean that we intend to …"); "will not" and
# "will never" after the modal are commitments too, and "not only" negates nothing.
NEGATION_BEFORE = re.compile(r"\b(?:not(?!\s+only)|never|no\s+longer|n't)\b", re.I)
HEDGE = re.compile(r"\b(?:may|might|could|would|perhaps|possibly|likely|unlikely)\b", re.I)
CONDITION = re.compile(r"(?:^|,\s*|\b(?:that|and)\s+)(?:if|whether|unless)\b", re.I)
RELATIVE = re.compile(r"\b(?:[a-z]+)\s+(?:that|which|who)\s+(?:\w+ly\s+)?(?:will|shall)\b", re.I)
REPORTING_VERB = re.compile(
    r"\b(?:said|says|announced|stated|added|noted|explained|emphasi[sz]ed|stressed|"
    r"confirmed|declared|pledged|vowed|promised|told|mentioned|affirmed|reaffirmed|"
    r"highlighted|underlined)(?:\s+(?:on\s+)?\w+day|\s+\w+ly|\s+(?:him|her|them|us|reporters))?"
    r"\s+(?:that\s+)?",
    re.I,
)
REPORTING_THAT = re.compile(
    r"\b(?:said|says|announced|stated|added|noted|explained|emphasi[sz]ed|stressed|"
    r"confirmed|declared|pledged|vowed|promised|told\s+\w+|mentioned|affirmed|reaffirmed|"
    r"highlighted|underlined|stresses|believes?)\s+that\b",
    re.I,
)


@dataclass(frozen=True)
class Cue:
    name: str
    weight: float
    start: int  # where the cue starts in the clause
    end: int
    verb: str
    verb_start: int
    explanation: str


def _is_participle(word):
    word = word.lower()
    return word in IRREGULAR_PARTICIPLES or word.endswith(("ed", "en"))


def find_cues(clause):
    """Every commitment cue in the clause, strongest first."""
    cues = []
    passive_at = set()
    for match in FUTURE_PASSIVE.finditer(clause):
        if _is_participle(match["verb"]):
            passive_at.add(match.start())
            cues.append(
                Cue(
                    "future passive",
                    0.6,
                    match.start(),
                    match.end(),
                    match["verb"],
                    match.start("verb"),
                    format_lazy(
                        _("future passive “{cue}”: an action is promised"), cue=match.group(0)
                    ),
                )
            )
    for match in FUTURE.finditer(clause):
        verb = match["verb"].lower()
        if match.start() in passive_at or verb in STATIVE:
            continue
        cues.append(
            Cue(
                "future",
                0.7,
                match.start(),
                match.end(),
                verb,
                match.start("verb"),
                format_lazy(_("future with an action verb “{cue}”"), cue=match.group(0)),
            )
        )
    for pattern, name, weight, what in (
        (INTENT_STRONG, "intent", 0.75, _("a verb of intent: “{cue}”")),
        (INTENT_NOUN, "plan", 0.7, _("a noun of intent: “{cue}”")),
        (INTENT_WEAK, "aim", 0.55, _("a verb of aim or effort: “{cue}”")),
        (REPORTED_FUTURE, "reported future", 0.6, _("reported speech in the future: “{cue}”")),
        (PROGRESSIVE, "ongoing effort", 0.5, _("the government's ongoing effort: “{cue}”")),
        (HOPE, "hope", 0.3, _("a hope or expectation, weaker than a commitment: “{cue}”")),
        (OBLIGATION, "obligation", 0.3, _("an obligation or exhortation, not a promise: “{cue}”")),
    ):
        for match in pattern.finditer(clause):
            verb = match["verb"].lower()
            if name == "ongoing effort" and verb in NOT_EFFORT:
                continue
            cues.append(
                Cue(
                    name,
                    weight,
                    match.start(),
                    match.end(),
                    verb,
                    match.start("verb"),
                    format_lazy(what, cue=match.group(0)),
                )
            )
    return sorted(cues, key=lambda cue: (-cue.weight, cue.start))


def subject_before(clause, at):
    """The words before position `at` that likely hold the subject: the last comma-,
    dash- or "that"-separated chunk."""
    before = clause[:at]
    chunk = re.split(r",|—|–|:|\bthat\b|\bwhere\b|\band\b|\bwhile\b", before)[-1]
    return chunk.strip()


def score(clause, sentence="", speakers=()):
    """(confidence 0..1, reasons, best cue or None) for one clause.

    `sentence` is the whole sentence the clause sits in (a reporting frame or a condition
    often sits outside the clause); `speakers` are names of people speaking for the
    government in this statement.
    """
    sentence = sentence or clause
    cues = find_cues(clause)
    if not cues:
        return 0.0, [_("no commitment cue")], None
    cue = cues[0]
    confidence = cue.weight
    reasons = [cue.explanation]
    subject = subject_before(clause, cue.start)
    if inverted := INVERTED.match(clause, cue.start):  # "so too will we … work"
        subject = inverted["subject"]
    speaker_names = [re.escape(name) for name in speakers if name]
    by_speaker = bool(speaker_names) and re.search("|".join(speaker_names), subject, re.I)

    if cue.name in ("future", "reported future", "intent", "aim", "obligation", "hope"):
        if GOVERNMENT.search(subject) or by_speaker:
            confidence += 0.15
            reasons.append(
                format_lazy(
                    _("the actor is the government or its speaker (“{subject}”)"),
                    subject=subject[-40:],
                )
            )
        elif OTHERS.search(subject):
            confidence -= 0.35
            reasons.append(
                format_lazy(_("describes what others do (“{subject}”)"), subject=subject[-40:])
            )
        elif REPORTED_PERSON.fullmatch(subject.split()[-1] if subject.split() else ""):
            confidence += 0.05
            reasons.append(_("the actor is a person or body reported"))
        elif cue.name == "future" and REPORTING_THAT.search(sentence[: sentence.find(subject)]):
            confidence += 0.05
            reasons.append(_("announced in reported speech (“… said that …”)"))
        elif cue.name == "future":
            confidence -= 0.25
            reasons.append(
                format_lazy(
                    _("the subject is a thing, not an actor (“{subject}”)"), subject=subject[-40:]
                )
            )
    if cue.name == "obligation" and GOVERNMENT.search(subject):
        at = sentence.find(clause)
        before = sentence[: (at if at >= 0 else 0) + cue.start]
        frame = REPORTING_VERB.search(before)
        if frame and not OTHERS.search(before[: frame.start()]):
            confidence += 0.1
            reasons.append(
                _("an obligation the government states for itself (“… said Korea must”)")
            )
    if cue.name == "future passive" and GOVERNMENT.search(sentence):
        confidence += 0.1
        reasons.append(_("a government actor is named in the sentence"))

    if RELATIVE.search(clause[max(0, cue.start - 40) : cue.end]) and not REPORTING_THAT.search(
        clause[max(0, cue.start - 60) : cue.start + 6]
    ):
        confidence -= 0.3
        reasons.append(_("the cue sits in a relative clause that describes a thing"))
    if CONDITION.search(clause[: cue.start]) or clause.lstrip().lower().startswith(
        ("if ", "when ")
    ):
        confidence -= 0.35
        reasons.append(_("a condition (“if”, “whether”)"))
    if NEGATION_BEFORE.search(" ".join(clause[: cue.start].split()[-6:])):
        confidence -= 0.5
        reasons.append(_("negated (“not”, “never”) before the cue"))
    if sentence.rstrip().endswith("?"):
        confidence -= 0.4
        reasons.append(_("a question"))
    if (hedge := HEDGE.search(clause)) and cue.name not in ("reported future",):
        confidence -= 0.15
        reasons.append(format_lazy(_("hedged (“{hedge}”)"), hedge=hedge.group(0)))
    frame = sentence[: max(0, sentence.find(clause[:30]))] if clause[:30] in sentence else ""
    if EXHORTATION_BY_OTHERS.search(frame + clause[: cue.start]) and OTHERS.search(
        frame + clause[: cue.start]
    ):
        confidence -= 0.5
        reasons.append(_("others' request or proposal, not the government's commitment"))
    return max(0.0, min(1.0, round(confidence, 2))), reasons, cue
