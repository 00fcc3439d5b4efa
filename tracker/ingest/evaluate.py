"""Score suggestions against curated pledges by span overlap.

A suggestion and a curated quote match when they overlap by at least half of the shorter
of the two spans. Recall: the share of curated spans matched by some suggestion.
Precision: the share of suggestions that match some curated span.
"""

from dataclasses import dataclass, field

MIN_OVERLAP = 0.5


def overlaps(a, b):
    """True when spans a and b, (start, end) pairs, share half of the shorter one."""
    shared = min(a[1], b[1]) - max(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0])
    return shorter > 0 and shared >= MIN_OVERLAP * shorter


@dataclass
class Score:
    gold: int = 0
    found: int = 0
    suggested: int = 0
    correct: int = 0
    misses: list = field(default_factory=list)  # (document, quote)
    false_positives: list = field(default_factory=list)  # (document, quote, confidence)

    @property
    def recall(self):
        return self.found / self.gold if self.gold else 0.0

    @property
    def precision(self):
        return self.correct / self.suggested if self.suggested else 0.0

    def add(self, document, text, gold_spans, suggestions):
        gold_spans = sorted(set(gold_spans))
        spans = [(s.start, s.end) for s in suggestions]
        self.gold += len(gold_spans)
        self.suggested += len(spans)
        for gold in gold_spans:
            if any(overlaps(gold, span) for span in spans):
                self.found += 1
            else:
                self.misses.append((document, text[gold[0] : gold[1]]))
        for suggestion, span in zip(suggestions, spans, strict=True):
            if any(overlaps(gold, span) for gold in gold_spans):
                self.correct += 1
            else:
                self.false_positives.append((document, suggestion.quote, suggestion.confidence))
