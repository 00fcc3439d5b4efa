"""Possible restatements: existing pledges that make a similar commitment.

Similarity is rapidfuzz's token-set ratio on the content words of the two quotes, so a
pledge restated inside a longer sentence, or with its clauses in another order, still
scores high; words such as "we", "will" and "the" do not count.
"""

import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from tracker.models import Pledge, Revision

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
    """Existing pledges, prepared once, matched against many new quotes.

    An inverted index of content words picks the candidates that share at least two
    distinctive words with the quote; only those are scored, so matching stays fast with
    tens of thousands of pledges.
    """

    def __init__(self, candidates):
        self.candidates = list(candidates)
        self.choices = [content_words(c.quote) for c in self.candidates]
        self.postings = {}
        for i, words in enumerate(self.choices):
            for word in set(words.split()):
                self.postings.setdefault(word, []).append(i)
        # Words in more than a twentieth of all pledges ("cooperation") pick out nothing.
        self.common = max(50, len(self.candidates) // 20)

    def matches(self, quote, limit=3, cutoff=CUTOFF):
        query = content_words(quote)
        if not query or not self.choices:
            return []
        shared = Counter()
        for word in set(query.split()):
            postings = self.postings.get(word, ())
            if len(postings) <= self.common:
                shared.update(postings)
        picked = [i for i, count in shared.items() if count >= 2]
        found = process.extract(
            query,
            {i: self.choices[i] for i in picked},
            scorer=fuzz.token_set_ratio,
            limit=limit,
            score_cutoff=cutoff * 100,
        )
        return [Match(self.candidates[i], round(score / 100, 2)) for _, score, i in found]


_cached = {}


def index_from_db():
    """Every existing pledge (published or not: a draft restated is still a restatement).

    Built once per revision of the record and kept, so the steps of the ingest screen
    and repeated suggestions do not rebuild it.
    """
    current = Revision.current()
    revision = (current.number, current.changed_at)  # a restored database may reuse a number
    if _cached.get("revision") != revision:
        pledges = Pledge.objects.select_related("statement").only(
            "pk", "title", "quote", "slug", "statement__title"
        )
        _cached["index"] = RestatementIndex(
            Candidate(p.pk, p.title, p.quote, p.statement.title, p.get_absolute_url())
            for p in pledges
        )
        _cached["revision"] = revision
    return _cached["index"]
