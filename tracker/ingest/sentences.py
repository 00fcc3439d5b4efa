"""Paragraph, sentence and clause spans as character offsets into the text.

Offsets, never copies: a quote is always `text[start:end]`, so it is verbatim by
construction.
"""

import re
import warnings
from dataclasses import dataclass
from functools import cache

with warnings.catch_warnings():
    # pysbd 0.3.4 has regular expressions that newer Pythons warn about when compiling.
    warnings.simplefilter("ignore", SyntaxWarning)
    import pysbd

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Span:
    start: int
    end: int

    def of(self, text):
        return text[self.start : self.end]


@cache
def _segmenter():
    return pysbd.Segmenter(language="en", clean=False)


def paragraphs(text):
    """Spans of the blank-line separated paragraphs, whitespace trimmed."""
    spans, start = [], 0
    for match in PARAGRAPH_BREAK.finditer(text):
        spans.append(_trimmed(text, start, match.start()))
        start = match.end()
    spans.append(_trimmed(text, start, len(text)))
    return [span for span in spans if span.end > span.start]


def sentences(text):
    """Sentence spans, found paragraph by paragraph so a sentence never crosses one."""
    spans = []
    for paragraph in paragraphs(text):
        body = paragraph.of(text)
        cursor = 0
        # The segmenter's processor alone: segment() would also map every sentence back to
        # the text by compiling a regular expression for it, most of the time spent here.
        for piece in _segmenter().processor(body).process():
            piece = piece.strip()
            start = body.find(piece, cursor)
            if not piece or start < 0:
                continue
            cursor = start + len(piece)
            spans.append(Span(paragraph.start + start, paragraph.start + cursor))
    return spans


def _trimmed(text, start, end):
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


# Where one commitment ends and the next may begin inside a sentence: a semicolon, or a
# coordinated clause (", and that …", ", and it will …", ". In addition, …").
CLAUSE_BREAK = re.compile(
    r";\s+|,?\s+and\s+that\s+|,\s+and\s+(?=(?:it|we|they|he|she|the\s+\w+)\s+(?:will|shall|plans?)\b)"
    r"|,\s+while\s+(?=(?:it|we|they|he|she)\b)",
    re.IGNORECASE,
)


def clauses(text, sentence):
    """The sentence cut at clause boundaries: spans that together cover it."""
    body = sentence.of(text)
    spans, start = [], 0
    for match in CLAUSE_BREAK.finditer(body):
        spans.append(_trimmed(text, sentence.start + start, sentence.start + match.start()))
        start = match.end()
    spans.append(_trimmed(text, sentence.start + start, sentence.end))
    return [span for span in spans if span.end > span.start]
