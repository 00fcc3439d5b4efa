"""Possible restatements: existing pledges that make a similar commitment.

Similarity is rapidfuzz's token-set ratio on the content words of the two quotes, so a
pledge restated inside a longer sentence, or with its clauses in another order, still
scores high; words such as "we", "will" and "the" do not count.
"""

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from tracker.models import Pledge

CUTOFF = 0.6
STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        """a an the and or but of to in on at for with by from as is are be been being was were
    will shall would should must can could may might we our us it its they their them he she
    his her this that these those which who whom whose what also such more most very into
    through between both each other all any some not no nor than then so too own same over
    under again further once here there when where why how about against during before after
    above below up down out off just now""",
    )
)
WORD = re.compile(r"[\w’'-]+")


def content_words(text):
    return " ".join(w for w in WORD.findall(text.lower()) if w not in STOPWORDS)


@dataclass(frozen=True)
class Candidate:
    pk: int
    title: str
    quote: str
    statement: str
    url: str = ""


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    similarity: float


class RestatementIndex:
    """Existing pledges, prepared once, matched against many new quotes."""

    def __init__(self, candidates):
        self.candidates = list(candidates)
        self.choices = [content_words(c.quote) for c in self.candidates]

    def matches(self, quote, limit=3, cutoff=CUTOFF):
        query = content_words(quote)
        if not query or not self.choices:
            return []
        found = process.extract(
            query,
            self.choices,
            scorer=fuzz.token_set_ratio,
            limit=limit,
            score_cutoff=cutoff * 100,
        )
        return [Match(self.candidates[i], round(score / 100, 2)) for _, score, i in found]


def index_from_db(exclude_statement=None):
    """Every existing pledge (published or not: a draft restated is still a restatement)."""
    pledges = Pledge.objects.select_related("statement").only(
        "pk", "title", "quote", "slug", "statement__title"
    )
    if exclude_statement is not None:
        pledges = pledges.exclude(statement=exclude_statement)
    return RestatementIndex(
        Candidate(p.pk, p.title, p.quote, p.statement.title, p.get_absolute_url()) for p in pledges
    )
