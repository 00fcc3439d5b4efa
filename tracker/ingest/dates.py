"""Dates: the statement's own date, and pledge targets relative to it.

"This October" in a speech of 1 September 2025 means October 2025; "next year" means
2026; "by 2030" means the year 2030. Targets carry a precision (day, month or year), as
the tracker stores them.
"""

import calendar
import datetime
import re
from dataclasses import dataclass
from functools import cache

from dateparser.date import DateDataParser
from django.utils.translation import gettext as _

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
YEAR = r"(?P<year>(?:19|20)\d\d)"
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "a": 1}


@dataclass(frozen=True)
class PartialDate:
    date: datetime.date
    precision: str  # "day", "month" or "year", as tracker.models.DatePrecision
    text: str = ""

    def __str__(self):
        if self.precision == "year":
            return str(self.date.year)
        if self.precision == "month":
            return self.date.strftime("%B %Y")
        return f"{self.date.day} {self.date:%B %Y}"


class UnreadableDate(ValueError):
    pass


@cache
def _parser():
    return DateDataParser(languages=["en", "ko"], settings={"PREFER_DAY_OF_MONTH": "first"})


def parse_date(text):
    """A date a person typed ("1 September 2025", "September 2025", "2025-09-01", "2025"),
    in English or Korean ("2025년 9월 1일", "2025년 9월", "2025년").

    Raises UnreadableDate with a message fit to show, for text that is not a date or has
    no year (a year guessed from today's date would be wrong half the time).
    """
    text = (text or "").strip()
    if not text:
        raise UnreadableDate(_("Enter a date, or choose “unknown” as its precision."))
    # Not \b: a Korean "2025년" has no word boundary after the year.
    if len(text) > 60 or not re.search(r"(?<!\d)(?:1[89]|2[01])\d\d(?!\d)", text):
        raise UnreadableDate(
            _(
                "“%(text)s” is not a date we can read: give at least a year, "
                "e.g. “1 September 2025”, “September 2025” or “2025”."
            )
            % {"text": text[:60]}
        )
    # dateparser reads "2025년" alone as year 1: a year by itself is read without its 년.
    data = _parser().get_date_data(re.sub(r"^((?:19|20)\d\d)\s*년$", r"\1", text))
    if data.date_obj is None:
        raise UnreadableDate(
            _(
                "“%(text)s” is not a date we can read: try “1 September 2025”, "
                "“September 2025” or “2025”."
            )
            % {"text": text}
        )
    date = data.date_obj.date()
    if data.period == "year":
        date = date.replace(month=1, day=1)
    elif data.period == "month":
        date = date.replace(day=1)
    return PartialDate(date, data.period, text)


# Dates a document gives for itself: "September 1, 2025", "1 September 2025", "2025-09-01".
DOCUMENT_DATE = re.compile(
    rf"\b{MONTH}\s+(?P<day>\d{{1,2}}),?\s+{YEAR}\b"
    rf"|\b(?P<day2>\d{{1,2}})\s+(?P<month2>{'|'.join(MONTHS)})\.?,?\s+(?P<year2>(?:19|20)\d\d)\b"
    r"|\b(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)\b",
    re.IGNORECASE,
)


def dates_in(text):
    """Every complete (day-precise) date written in the text, in order."""
    found = []
    for match in DOCUMENT_DATE.finditer(text):
        try:
            if match["iso"]:
                date = datetime.date.fromisoformat(match["iso"])
            elif match["month"]:
                date = datetime.date(
                    int(match["year"]), MONTHS[match["month"].lower()], int(match["day"])
                )
            else:
                date = datetime.date(
                    int(match["year2"]), MONTHS[match["month2"].lower()], int(match["day2"])
                )
        except ValueError:
            continue
        found.append(PartialDate(date, "day", match.group(0)))
    return found


# Targets, most precise first. Each pattern's handler gets the match and the statement date.
def _month_of(match):
    return MONTHS[match["month"].lower().rstrip(".")]


def _this_month_name(match, base):
    return PartialDate(datetime.date(base.year, _month_of(match), 1), "month")


def _next_month_name(match, base):
    month = _month_of(match)
    year = base.year if month > base.month else base.year + 1
    return PartialDate(datetime.date(year, month, 1), "month")


def _month_year(match, base):
    return PartialDate(datetime.date(int(match["year"]), _month_of(match), 1), "month")


def _half(match, base):
    groups = match.groupdict()
    if groups.get("year"):
        year = int(groups["year"])
    else:
        year = base.year + (1 if groups.get("next") else 0)
    month = 6 if match["half"].lower() == "first" else 12
    return PartialDate(datetime.date(year, month, 1), "month")


def _year(match, base):
    year = int(match["year"])
    if base and year < base.year:
        return None  # a past year is history, not a target
    return PartialDate(datetime.date(year, 1, 1), "year")


def _relative_year(offset):
    return lambda match, base: PartialDate(datetime.date(base.year + offset, 1, 1), "year")


def _relative_month(offset):
    def resolve(match, base):
        month0 = base.month - 1 + offset
        return PartialDate(datetime.date(base.year + month0 // 12, month0 % 12 + 1, 1), "month")

    return resolve


def _within_years(match, base):
    count = match["count"].lower()
    years = NUMBER_WORDS.get(count) or int(count)
    return PartialDate(datetime.date(base.year + years, 1, 1), "year")


RELATIVE = [
    # Patterns that need the statement's date.
    (re.compile(rf"\bthis\s+{MONTH}(?!\s+\d)", re.I), _this_month_name),
    (re.compile(rf"\bnext\s+{MONTH}(?!\s+\d)", re.I), _next_month_name),
    (
        re.compile(
            r"\b(?:in|during)\s+the\s+(?P<half>first|second)\s+half\s+of\s+(?P<next>next\s+)?"
            r"(?:this\s+)?year\b",
            re.I,
        ),
        _half,
    ),
    (re.compile(r"\bnext\s+month\b", re.I), _relative_month(1)),
    (re.compile(r"\b(?:this|later\s+this)\s+month\b", re.I), _relative_month(0)),
    (
        re.compile(r"\b(?:by\s+the\s+end\s+of\s+|in\s+|within\s+|during\s+)?next\s+year\b", re.I),
        _relative_year(1),
    ),
    (
        re.compile(
            r"\b(?:by\s+the\s+end\s+of\s+(?:this|the)\s+year|by\s+year[- ]end|this\s+year"
            r"|later\s+this\s+year|within\s+the\s+year)\b",
            re.I,
        ),
        _relative_year(0),
    ),
    (
        re.compile(
            r"\bwithin\s+(?:the\s+next\s+)?(?P<count>\d{1,2}|one|two|three|four|five|ten|a)"
            r"\s+years?\b",
            re.I,
        ),
        _within_years,
    ),
]
ABSOLUTE = [
    (re.compile(rf"\b(?:in|by|until|before|from)?\s*{MONTH}\s+{YEAR}\b", re.I), _month_year),
    (
        re.compile(
            rf"\b(?:in|during)\s+the\s+(?P<half>first|second)\s+half\s+of\s+(?P<next>){YEAR}", re.I
        ),
        _half,
    ),
    (re.compile(rf"\b{YEAR}\b(?!\s*[-–]\s*\d)"), _year),
]


def find_target(text, base):
    """The first time expression in `text` as a PartialDate, resolved against `base`
    (the statement's date, or None when unknown: then only absolute dates count)."""
    for found in dates_in(text):
        if base is None or found.date >= base:
            return found
    patterns = (RELATIVE if base else []) + ABSOLUTE
    found = []
    for pattern, resolve in patterns:
        for match in pattern.finditer(text):
            if target := resolve(match, base):
                text_found = match.group(0).strip()
                found.append(
                    (match.start(), PartialDate(target.date, target.precision, text_found))
                )
                break
    # The earliest expression wins; at the same place, the longer (more precise) one.
    found.sort(key=lambda item: (item[0], -len(item[1].text)))
    return found[0][1] if found else None
