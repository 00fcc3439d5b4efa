"""What a document says about itself: title, date, outlet, language, speakers, URL, kind.

Every value is a suggestion for the curator to confirm or correct on the ingest screen.
"""

import contextlib
import re
from dataclasses import dataclass, field

from tracker.ingest import dates
from tracker.ingest.clean import language_of

URL = re.compile(r"https?://[^\s<>\"')\]]+")
COPYRIGHT = re.compile(r"©\s*(?P<name>[^(\n]+?)\s*(?:\(|\.\s|All rights|$)", re.I | re.M)
DATELINE = re.compile(r"^[A-Z][A-Z .]+,\s+\w+\s+\d{1,2}\s+\((?P<name>[^)]+)\)", re.M)
CREDIT = re.compile(r"^Source:\s*(?:Original\s+\w+\s+article\s*[-–]\s*)?(?P<name>.+)$", re.I | re.M)


@dataclass
class Metadata:
    title: str = ""
    date: dates.PartialDate | None = None
    outlet: str = ""
    language: str = "en"
    speakers: list = field(default_factory=list)  # (pk, name) of known people named
    source_url: str = ""
    kind: str = "speech"


def _squash(name):
    return re.sub(r"[\W_]+", "", name).casefold()


def speakers_in(text, people):
    """Known people named in the text; "Lee Jae Myung" also matches "Lee Jae-myung"."""
    squashed = _squash(text)
    return [(pk, name) for pk, name in people if _squash(name) and _squash(name) in squashed]


def guess(raw, cleaned, people=()):
    """Metadata from the raw source (menus and bylines hold dates) and its cleaned text."""
    meta = Metadata(title=cleaned.title, language=language_of(cleaned.text))
    html = cleaned.metadata
    if html.get("date"):
        with contextlib.suppress(dates.UnreadableDate):
            meta.date = dates.parse_date(html["date"])
    if meta.date is None:
        found = dates.dates_in(raw[:5000]) or dates.dates_in(cleaned.title)
        if found:
            meta.date = found[0]
    if html.get("sitename"):
        meta.outlet = html["sitename"]
    else:
        for pattern in (COPYRIGHT, DATELINE, CREDIT):
            if match := pattern.search(raw):
                meta.outlet = match["name"].strip(" .")
                break
    if html.get("url"):
        meta.source_url = html["url"]
    elif match := URL.search(raw[:3000]):
        meta.source_url = match.group(0).rstrip(".,")
    meta.speakers = speakers_in(cleaned.text, people)
    meta.kind = guess_kind(raw, cleaned.title)
    return meta


def guess_kind(raw, title):
    head = (title + "\n" + raw[:1500]).lower()
    if "press release" in head:
        return "press_release"
    if re.search(r"\b(?:speech|keynote|address|remarks)\b", title.lower()):
        return "speech"
    if re.search(r"\breadout\b|\bheld talks\b", head):
        return "readout"
    if re.search(r"\bcabinet\s+meeting\b", title.lower()):
        return "cabinet_remarks"
    if (
        COPYRIGHT.search(raw)
        or DATELINE.search(raw)
        or CREDIT.search(raw)
        or re.search(r"^By\s+\w", raw, re.M)
    ):
        return "news_report"
    return "speech"
