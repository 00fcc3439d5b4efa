"""Names in a text: counterparts (with curators' aliases) and topics (with their keywords).

Built from the Counterpart and Topic records plus the aliases and keywords curators edit in
the admin. A counterpart's name also counts without its parenthesis, and the abbreviation
inside it counts too: "North Korea (DPRK)" is found as "North Korea" and as "DPRK".
"""

import re
from dataclasses import dataclass, field

from tracker.models import Counterpart, Topic

PARENTHESIS = re.compile(r"^(?P<name>.*?)\s*\((?P<inner>[^)]*)\)\s*$")


@dataclass(frozen=True)
class Entry:
    pk: int
    name: str


def _variants(name):
    names = {name}
    if match := PARENTHESIS.match(name):
        names.add(match["name"])
        names.add(match["inner"])
    return {variant.strip() for variant in names if len(variant.strip()) > 1}


def _pattern(term):
    """Whole words; short all-capital abbreviations (US, IP4) match case-sensitively."""
    words = [re.escape(word) for word in re.split(r"[\s\-–]+", term.strip())]
    body = r"[\s\-–]+".join(words)
    flags = 0 if (len(term) <= 5 and term.upper() == term) else re.IGNORECASE
    return re.compile(rf"(?<![\w.]){body}(?![\w])", flags)


@dataclass
class Gazetteer:
    """terms: (pattern, entry) pairs for counterparts and for topics."""

    counterpart_terms: list = field(default_factory=list)
    topic_terms: list = field(default_factory=list)

    @classmethod
    def build(cls, counterparts=(), topics=()):
        """counterparts and topics: (pk, name, [aliases or keywords]) triples."""
        gazetteer = cls()
        for pk, name, aliases in counterparts:
            entry = Entry(pk, name)
            for term in _variants(name) | set(aliases):
                gazetteer.counterpart_terms.append((_pattern(term), entry))
        for pk, name, keywords in topics:
            entry = Entry(pk, name)
            for term in {name, *keywords}:
                gazetteer.topic_terms.append((_pattern(term), entry))
        return gazetteer

    @classmethod
    def from_db(cls):
        counterparts = [
            (c.pk, c.name, [a.alias for a in c.aliases.all()])
            for c in Counterpart.objects.prefetch_related("aliases")
        ]
        topics = [
            (t.pk, t.name, [k.keyword for k in t.keywords.all()])
            for t in Topic.objects.prefetch_related("keywords")
        ]
        return cls.build(counterparts, topics)

    def counterparts_in(self, text):
        return self._find(self.counterpart_terms, text)

    def topics_in(self, text):
        return self._find(self.topic_terms, text)

    @staticmethod
    def _find(terms, text):
        """Entries named in the text, in order of first mention."""
        first = {}
        for pattern, entry in terms:
            if match := pattern.search(text):
                first[entry] = min(first.get(entry, match.start()), match.start())
        return sorted(first, key=lambda entry: (first[entry], entry.name))
