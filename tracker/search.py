"""Search in English and Korean: what a pledge is found by, and how a query is read.

Each pledge has a row in PledgeSearch with two derived columns, written by `Pledge.save()`,
by a status update going public or being withdrawn (`PledgeQuerySet.refresh_search()`), and
by the loaders that bypass both:

- `text`: everything a reader can find it by, one text per line: its title and
  description in each language, its quote, and the public notes of its published status
  updates. English words are matched here, as before: PostgreSQL's `english` text-search
  configuration (stems and stop words), or a case-insensitive substring on SQLite.
- `tokens`: the Korean in the same texts as overlapping two- and three-syllable
  pieces: "반도체를" is "반도 도체 체를 반도체 도체를 를". Korean words carry particles and
  are written with or without spaces ("경제안보", "경제 안보"), and PostgreSQL's
  configurations do not split Hangul; n-grams make a Korean word findable inside any longer
  word or phrase, on both databases, with no model to load. README "Search in Korean"
  compares them with morphemes from a Korean analyser (kiwipiepy), measured by
  `manage.py search_eval`.

A query is read word by word, every word required (`parse`). A Korean word loses a trailing
particle ("반도체를" finds "반도체"), then is found by its pieces: a two-syllable word is one
bigram, a longer one all of its trigrams ("경제안보": "경제안" and "제안보"), a single
syllable any piece that starts with it. Requiring overlapping trigrams rather than a phrase
of bigrams keeps each word's letters in order without PostgreSQL rechecking every row.
English words, quoted phrases, `-word` and `or` go to `websearch_to_tsquery` as before.

On SQLite the same parsed query is matched in an FTS5 index of the same two columns
(`tracker_pledgesearch_fts`, migration 0018): `Query.fts5_groups()` writes it as FTS5
expressions that find what PostgreSQL's tsquery finds, word for word: English words stemmed
(FTS5's Porter stemmer, PostgreSQL's is Snowball's) with PostgreSQL's English stop words
dropped from the query, `or` and `-word` as websearch reads them, Korean words by the same
pieces in `tokens`. Every word of the query reaches FTS5 inside a quoted string of letters
and digits, so no input is read as FTS5 syntax.
"""

import re
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

# Precomposed Hangul syllables: what Korean text is written in.
HANGUL = "\uac00-\ud7a3"
HANGUL_RUN = re.compile(f"[{HANGUL}]+")
# Korean read as one stretch: syllables joined by spaces, middle dots or hyphens, so
# "경제 안보", "경제안보" and "한·일"/"한-일"/"한일" give the same pieces.
KOREAN_STRETCH = re.compile(f"[{HANGUL}]+(?:[\\s·‧・\\-–]+[{HANGUL}]+)*")
# Where Latin letters or digits meet Hangul ("AI기본법", "APEC에서"): a word break for
# English matching, which would otherwise read "ai기본법" as one word.
SCRIPT_BOUNDARY = re.compile(f"(?<=[A-Za-z0-9])(?=[{HANGUL}])|(?<=[{HANGUL}])(?=[A-Za-z0-9])")

# What is dropped from the end of a Korean query word, longest first, when at least two
# syllables remain: a particle ("협력을" -> "협력") or an ending of 하다, the verb that makes
# most pledge verbs from a noun ("강화한다", "확대할" -> "강화", "확대"). The pieces left are
# among the full word's, so a cut too many only makes the word less specific
# ("정상회의" -> "정상회" still finds every "정상회의"). Other verbs' forms are not undone:
# "높일" does not find "높이기" (README "Search in Korean").
_PARTICLES = """
    에서부터 으로부터 에서는 에서도 에서의 으로는 으로도 으로서 으로써 에게서 에게는 이라는
    에서 에게 한테 으로 까지 부터 마다 조차 처럼 보다 과의 와의 에는 에도 이나 이며 이고 이다
    라는 께서 들이 들을 들의 들은 을 를 은 는 이 가 의 에 와 과 도 로 만 들
"""
_HADA_ENDINGS = """
    하겠습니다 했습니다 하였으며 하기로 하겠다 했으며 하였다 하도록 합니다 한다 했다 하고 하여
    하는 하며 하기 하게 해서 해야 했던 하던 하면 해 한 할 함
"""
PARTICLES = sorted((_PARTICLES + _HADA_ENDINGS).split(), key=len, reverse=True)

# PostgreSQL's English stop words (tsearch_data/english.stop), which its `english`
# configuration leaves out of a query: SQLite's FTS5 drops them from a query the same way.
_STOP_WORDS = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against
    between into through during before after above below to from up down in out on off over
    under again further then once here there when where why how all any both each few more
    most other some such no nor not only own same so than too very s t can will just don
    should now
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
# A word as FTS5's unicode61 tokenizer reads one: letters and digits, anything else a break.
FTS_WORD = re.compile(r"[^\W_]+")

SEARCHED_FIELDS = ("title", "description", "quote")
NOTE_FIELDS = ("public_note",)


def translated_fields(model, names):
    """`names` and their translations that `model` has (title_ko, title_en, ... as
    django-modeltranslation adds them), for a model class or a migration's model."""
    have = {field.name for field in model._meta.concrete_fields}
    languages = [code.replace("-", "_") for code, _ in settings.LANGUAGES]
    wanted = [n for name in names for n in (name, *(f"{name}_{code}" for code in languages))]
    return [name for name in wanted if name in have]


def ngrams(syllables, n):
    return [syllables[i : i + n] for i in range(len(syllables) - n + 1)]


def korean_pieces(text):
    """The pieces a text's Korean is indexed by: each stretch's bigrams and trigrams, and
    its last syllable alone, so that every syllable starts some piece (a one-syllable query
    finds it by prefix, wherever it stands)."""
    pieces = []
    for stretch in KOREAN_STRETCH.findall(text):
        syllables = "".join(HANGUL_RUN.findall(stretch))
        pieces += [*ngrams(syllables, 2), *ngrams(syllables, 3), syllables[-1]]
    return pieces


def word_pieces(syllables):
    """What a query word must all find: itself up to two syllables, else its trigrams."""
    return (syllables,) if len(syllables) <= 2 else tuple(ngrams(syllables, 3))


def search_columns(texts):
    """(text, tokens) for a pledge's searchable texts, in order."""
    texts = list(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
    text = "\n".join(SCRIPT_BOUNDARY.sub(" ", t) for t in texts)
    pieces = dict.fromkeys(piece for t in texts for piece in korean_pieces(t))
    # Spaces around every piece: on SQLite a piece is a plain substring match on " 반도체 ",
    # which cannot start or end inside another piece.
    return text, f" {' '.join(pieces)} " if pieces else ""


def columns_by_pledge(pledges, updates):
    """[(pk, text, tokens)] for each of `pledges`, with the notes of `updates`
    (the published ones): two queries. Takes the models' querysets or a migration's."""
    return [(pk, *search_columns(texts)) for pk, texts in texts_by_pledge(pledges, updates)]


def texts_by_pledge(pledges, updates):
    """[(pk, texts)]: each pledge's searched fields, then its notes oldest event first."""
    note_fields = translated_fields(updates.model, NOTE_FIELDS)
    notes = defaultdict(list)
    rows = updates.filter(pledge__in=pledges.values("pk")).order_by(
        "pledge", "as_of", "created_at", "pk"
    )
    for pledge_id, *texts in rows.values_list("pledge", *note_fields).iterator():
        notes[pledge_id] += texts
    fields = translated_fields(pledges.model, SEARCHED_FIELDS)
    return [(pk, texts + notes[pk]) for pk, *texts in pledges.values_list("pk", *fields).iterator()]


@dataclass(frozen=True)
class KoreanTerm:
    """A Korean word of the query: the pieces it must all find (word_pieces)."""

    pieces: tuple
    negated: bool = False

    @property
    def is_syllable(self):
        return len(self.pieces[0]) == 1

    def tsquery(self):
        """For to_tsquery('simple', ...): pieces are Hangul only, so quoting is safe.
        No phrase operator: GIN answers it alone, with no recheck of each row."""
        if self.is_syllable:
            match = f"'{self.pieces[0]}':*"
        else:
            match = " & ".join(f"'{piece}'" for piece in self.pieces)
        return f"!({match})" if self.negated else f"({match})"

    def substrings(self):
        """For LIKEs on the tokens, all required: a syllable starts a piece."""
        if self.is_syllable:
            return [f" {self.pieces[0]}"]
        return [f" {piece} " for piece in self.pieces]

    def fts5(self):
        """For FTS5 on SQLite, as tsquery() on PostgreSQL (pieces are Hangul only)."""
        if self.is_syllable:
            return f'tokens : "{self.pieces[0]}" *'
        return "tokens : (" + " AND ".join(f'"{piece}"' for piece in self.pieces) + ")"


@dataclass(frozen=True)
class EnglishTerm:
    """A word or quoted phrase with no Korean in it."""

    text: str
    negated: bool = False
    quoted: bool = False

    def fts5(self):
        """For FTS5 on SQLite: the term's words as one quoted phrase in `text`, or None
        when PostgreSQL would ignore it. As `english` does, a stop word is left out of a
        word ("korea's" is "korea"), and a phrase of nothing else is ignored; inside a
        phrase the stop words stay, to be matched as written."""
        words = FTS_WORD.findall(self.text.lower())
        if all(word in STOP_WORDS for word in words):
            return None
        if not self.quoted:
            words = [word for word in words if word not in STOP_WORDS]
        return f'text : "{" ".join(words)}"'


@dataclass(frozen=True)
class Query:
    english: str  # what PostgreSQL's websearch_to_tsquery reads: the query less its Korean
    english_terms: tuple  # the same, each word or phrase
    korean_terms: tuple
    english_groups: tuple = ()  # english_terms split at each `or`, as websearch reads them

    def __bool__(self):
        return bool(self.english_terms or self.korean_terms)

    def fts5_groups(self):
        """The query for FTS5, as [(required, excluded)]: a pledge is found when, for some
        group, it matches every expression of `required` and none of `excluded`.

        websearch_to_tsquery reads `a b or c -d` as (a & b) | (c & !d); the Korean terms are
        required with it, so they join every group. A group left with nothing (only stop
        words) is dropped, as PostgreSQL drops it; English of nothing but stop words with no
        Korean finds nothing, as an empty tsquery does.
        """
        korean = ([], [])
        for term in self.korean_terms:
            korean[term.negated].append(term.fts5())
        groups = []
        for group in self.english_groups:
            required, excluded = [], []
            for term in group:
                if (expression := term.fts5()) is not None:
                    (excluded if term.negated else required).append(expression)
            if required or excluded:
                groups.append((required, excluded))
        if not groups:
            if not self.korean_terms:
                return []
            groups = [([], [])]
        return [(required + korean[0], excluded + korean[1]) for required, excluded in groups]


# A quoted phrase (closed or not), or a run of anything but spaces; either may start with
# a minus, which excludes it.
QUERY_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
LETTER_OR_DIGIT = re.compile(f"[^\\W{HANGUL}_]")


def parse(query):
    """Read a reader's query: see the module's docstring."""
    english, english_terms, korean_terms, groups = [], [], [], [[]]
    for match in QUERY_TERM.finditer(query):
        sign, phrase, word = match.groups()
        quoted = phrase is not None
        text = phrase if quoted else word.removeprefix("-")
        negated = bool(sign) if quoted else word.startswith("-")
        latin = " ".join(HANGUL_RUN.sub(" ", text).split())
        if LETTER_OR_DIGIT.search(latin):
            english.append(f'{sign}"{latin}"' if quoted else f"{'-' * negated}{latin}")
            if quoted or latin.lower() != "or":  # "or" is PostgreSQL's operator, not a word
                english_terms.append(EnglishTerm(latin, negated, quoted))
                groups[-1].append(english_terms[-1])
            elif not negated:
                groups.append([])
        for pieces in _korean_pieces(text, quoted=quoted):
            korean_terms.append(KoreanTerm(tuple(pieces), negated))
    return Query(
        " ".join(english),
        tuple(english_terms),
        tuple(korean_terms),
        tuple(tuple(group) for group in groups if group),
    )


def _korean_pieces(text, *, quoted):
    """The pieces of each Korean stretch of one query word or quoted phrase."""
    for match in KOREAN_STRETCH.finditer(text):
        syllables = "".join(HANGUL_RUN.findall(match.group()))
        if not quoted:
            glued = match.start() > 0 and LETTER_OR_DIGIT.match(text[match.start() - 1])
            if glued and syllables in PARTICLES:
                continue  # "APEC에서": the particle of an English word
            syllables = strip_particle(syllables)
        yield word_pieces(syllables)


def strip_particle(word):
    """`word` less one trailing particle, if at least two syllables remain."""
    for particle in PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            return word[: -len(particle)]
    return word
