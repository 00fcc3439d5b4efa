"""Suggested pledges for a statement's text: spans, titles, names, targets, confidence.

The pipeline: sentences (pysbd) → clauses (at semicolons and coordinated clauses) →
commitment cues scored with their reasons (cues.py) → the span trimmed of its reporting
frame ("He said that …") → counterparts and topics (gazetteer.py) → a target date relative
to the statement's date (dates.py) → a specificity by rule → similar existing pledges
(restatements.py). Spans are character offsets, so every quote is verbatim.
"""

import re
from dataclasses import dataclass, field

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tracker.ingest import cues, dates, sentences
from tracker.ingest.gazetteer import Gazetteer
from tracker.ingest.restatements import RestatementIndex, index_from_db

TITLE_WORDS = 12
# Words a shortened title must not end on.
DANGLING = frozenset(
    re.findall(
        r"\w+",
        "a an and or but of to the in for with on by as at from "
        "into through towards toward between about across than that which its their our",
    )
)
# Discourse connectives that open a sentence but not the commitment.
CONNECTIVE = re.compile(
    r"(?:in\s+addition|furthermore|moreover|additionally|also|meanwhile|at\s+the\s+same\s+"
    r"time|finally|lastly|first|second|third|in\s+particular),\s+",
    re.IGNORECASE,
)
LIST_MARKER = re.compile(r"(?:\d{1,2}[.)]|\([a-z0-9]\)|[-–•※*])\s+")

# Verbs that name a checkable act: something happens or exists, or it does not.
CONCRETE_VERBS = {
    "hold",
    "host",
    "establish",
    "sign",
    "launch",
    "propose",
    "open",
    "resume",
    "restore",
    "deliver",
    "build",
    "provide",
    "allocate",
    "create",
    "set",
    "appoint",
    "send",
    "adopt",
    "introduce",
    "conclude",
    "ratify",
    "complete",
    "publish",
    "fund",
    "invest",
    "dispatch",
    "convene",
    "organise",
    "organize",
    "visit",
    "submit",
    "release",
    "pass",
    "enact",
    "prepare",
    "hire",
    "deploy",
    "donate",
    "double",
    "halve",
    "reduce",
    "raise",
    "increase",
    "cut",
    "made",
    "held",
    "established",
    "signed",
    "launched",
    "restored",
    "opened",
    "resumed",
    "holding",
}
NUMBER = re.compile(
    r"(?<![\w-])(?:\$\s?)?\d[\d,.]*(?:\s*(?:%|percent|per\s+cent|billion|"
    r"million|trillion|won|dollars))?(?![\w-])",
    re.I,
)
PROPER_NAME = re.compile(
    r"(?:[A-Z][\w–-]+\s+){2,}(?:Initiative|Dialogue|Summit|Meeting|Fund|"
    r"Programme|Program|Agreement|Forum|Centre|Center|Partnership)\b"
)


@dataclass
class Suggestion:
    start: int
    end: int
    quote: str
    title: str
    confidence: float
    reasons: list
    counterparts: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    target: dates.PartialDate | None = None
    specificity: str = "aspirational"
    restates: list = field(default_factory=list)

    def to_dict(self):
        return {
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "title": self.title,
            "counterparts": [entry.name for entry in self.counterparts],
            "topics": [entry.name for entry in self.topics],
            "target": (
                {
                    "date": self.target.date.isoformat(),
                    "precision": self.target.precision,
                    "text": self.target.text,
                }
                if self.target
                else None
            ),
            "specificity": self.specificity,
            "confidence": self.confidence,
            "reasons": [str(reason) for reason in self.reasons],
            "restates": [
                {
                    "pledge": m.candidate.pk,
                    "title": m.candidate.title,
                    "quote": m.candidate.quote,
                    "similarity": m.similarity,
                }
                for m in self.restates
            ],
        }


def suggest(
    text,
    *,
    statement_date=None,
    gazetteer=None,
    speakers=(),
    restatements=None,
    threshold=cues.THRESHOLD,
):
    """Suggested pledges in `text`, in reading order."""
    gazetteer = gazetteer or Gazetteer()
    restatements = restatements or RestatementIndex([])
    found = []
    for sentence in sentences.sentences(text):
        sentence_text = sentence.of(text)
        for clause in sentences.clauses(text, sentence):
            confidence, reasons, cue = cues.score(clause.of(text), sentence_text, speakers)
            if confidence < threshold:
                continue
            span = _without_frame(text, clause, cue)
            quote = span.of(text)
            target = dates.find_target(quote, statement_date) or dates.find_target(
                sentence_text, statement_date
            )
            suggestion = Suggestion(
                start=span.start,
                end=span.end,
                quote=quote,
                title=draft_title(quote, cue.verb_start - (span.start - clause.start), cue),
                confidence=confidence,
                reasons=reasons,
                counterparts=gazetteer.counterparts_in(quote),
                topics=gazetteer.topics_in(quote),
                target=target,
                restates=restatements.matches(quote),
            )
            suggestion.specificity, why = specificity(quote, target, cue)
            suggestion.reasons = [*reasons, why]
            found.append(suggestion)
    return found


def _without_frame(text, clause, cue):
    """The clause without a leading reporting frame ("Minister Cho said that") and
    connective punctuation: the quote starts where the commitment does."""
    body = clause.of(text)
    start = 0
    for match in cues.REPORTING_VERB.finditer(body[: cue.start]):
        start = match.end()
    while start < cue.start and body[start] in " ,;:—–-":
        start += 1
    # A list marker ("9. ", "- ", "※ ", "(a) ") is layout, not part of the quote.
    if start == 0 and (marker := LIST_MARKER.match(body)) and marker.end() < cue.start:
        start = marker.end()
    if (connective := CONNECTIVE.match(body, start)) and connective.end() < cue.start:
        start = connective.end()
    return sentences.Span(clause.start + start, clause.end)


def draft_title(quote, verb_at, cue):
    """A plain-words title: the verb phrase of the commitment, up to its first pause."""
    if cue.name == "future passive" or verb_at < 0 or verb_at >= len(quote):
        phrase = quote
    else:
        phrase = quote[verb_at:]
    phrase = re.split(r",\s|;|—|–\s|\s-\s|:\s|\.\s*$", phrase, maxsplit=1)[0]
    words = phrase.split()
    if len(words) > TITLE_WORDS:
        words = words[:TITLE_WORDS]
        while words and words[-1].lower() in DANGLING:
            words.pop()
    title = " ".join(words).strip(" .,;\"“”'")
    return title[:1].upper() + title[1:200]


def specificity(quote, target, cue):
    """Concrete when progress can be checked: a date, a number, a named programme or a
    verb naming a checkable act. Otherwise aspirational: a direction."""
    if target is not None:
        return "concrete", format_lazy(_("concrete: names a time ({time})"), time=target.text)
    if number := NUMBER.search(quote):
        quantity = number.group(0).strip()
        return "concrete", format_lazy(
            _("concrete: names a quantity ({quantity})"), quantity=quantity
        )
    if cue.verb.lower() in CONCRETE_VERBS:
        return "concrete", format_lazy(_("concrete: a checkable act (“{verb}”)"), verb=cue.verb)
    if name := PROPER_NAME.search(quote):
        return "concrete", format_lazy(
            _("concrete: a named programme ({programme})"), programme=name.group(0)
        )
    return "aspirational", _("aspirational: a direction without a checkable act, date or number")


def suggest_from_record(text, *, statement_date=None, speakers=()):
    """Suggestions with the tracker's own names, topics and pledges to compare against."""
    return suggest(
        text,
        statement_date=statement_date,
        gazetteer=Gazetteer.from_db(),
        speakers=speakers,
        restatements=index_from_db(),
    )
