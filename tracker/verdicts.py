"""Our verdicts in others' words: the crosswalk to published rating scales, the schema.org
ClaimReview each pledge page embeds, and the embeddable status badge.

One table (CROSSWALK) says how each of our statuses reads on the PolitiFact promise meter,
the OGP Independent Reporting Mechanism's completion scale and the G7 Research Group's
compliance score; /about/ publishes it and the ClaimReview rates by it.
"""

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext, gettext_lazy, pgettext, pgettext_lazy

from tracker.i18n import shown
from tracker.models import DatePrecision, Status, absolute_url

SITE_NAME = gettext_lazy("Korea Pledge Tracker")


@dataclass(frozen=True)
class Crosswalk:
    politifact: str
    irm: str | None  # None: the IRM completion scale has no equivalent
    note: str = ""


# The ratings of other organisations' scales, in the reader's language: in Korean the page
# shows each beside its own English name (tracker_tags.scale_name).
POLITIFACT_NOT_YET_RATED = pgettext_lazy("PolitiFact rating", "Not Yet Rated")
IRM_LIMITED = pgettext_lazy("OGP IRM completion", "Limited")

CROSSWALK = {
    Status.NOT_YET_RATED: Crosswalk(
        POLITIFACT_NOT_YET_RATED,
        None,
        gettext_lazy("Not assessed yet: nothing to place on the IRM’s scale."),
    ),
    Status.NOT_STARTED: Crosswalk(
        POLITIFACT_NOT_YET_RATED,
        pgettext_lazy("OGP IRM completion", "Not started"),
        gettext_lazy(
            "PolitiFact keeps a promise at Not Yet Rated until it sees progress or a setback."
        ),
    ),
    Status.IN_PROGRESS: Crosswalk(
        pgettext_lazy("PolitiFact rating", "In the Works"),
        IRM_LIMITED,
        gettext_lazy(
            "Under way but not yet substantial: the IRM’s Substantial is our partly achieved."
        ),
    ),
    Status.STALLED: Crosswalk(
        pgettext_lazy("PolitiFact rating", "Stalled"),
        IRM_LIMITED,
        gettext_lazy("Some action before it stopped."),
    ),
    Status.PARTIALLY_ACHIEVED: Crosswalk(
        pgettext_lazy("PolitiFact rating", "Compromise"),
        pgettext_lazy("OGP IRM completion", "Substantial"),
    ),
    Status.ACHIEVED: Crosswalk(
        pgettext_lazy("PolitiFact rating", "Promise Kept"),
        pgettext_lazy("OGP IRM completion", "Complete"),
    ),
    Status.BROKEN: Crosswalk(
        pgettext_lazy("PolitiFact rating", "Promise Broken"),
        None,
        gettext_lazy(
            "The IRM scale measures completion only; it has no rating for an abandoned commitment."
        ),
    ),
}

# The badge's fill per status: the site's own status colours (site.css --st-*), each with
# white text at a contrast ratio of at least 4.5:1.
BADGE_COLOURS = {
    Status.NOT_YET_RATED: "#5f6b77",
    Status.NOT_STARTED: "#7a4b00",
    Status.IN_PROGRESS: "#0b5cad",
    Status.STALLED: "#8a5a00",
    Status.PARTIALLY_ACHIEVED: "#5b3f99",
    Status.ACHIEVED: "#1d6b35",
    Status.BROKEN: "#a11d1d",
}


def _text_width(text):
    # Sans-serif at 11px averages about 6.5px a Latin character; a Hangul syllable (or any
    # wide character) is a full 11px square. The badge pads 6px each side.
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF")
    return round(6.5 * (len(text) - wide) + 11 * wide) + 12


def badge(pledge):
    """What public/badge.svg draws for a pledge (with `is_overdue`), in the active
    language: its words, colour and the width of each half."""
    status = pledge.status_enum
    text = str(status.label)
    if pledge.is_overdue:
        text = gettext("%(status)s, overdue") % {"status": text}
    label = pgettext("the badge's left half", "pledge")
    left, right = _text_width(label), _text_width(text)
    return {
        "title": gettext("Status of the pledge “%(title)s” on the Korea Pledge Tracker: %(status)s")
        % {"title": shown(pledge, "title").marked, "status": text},
        "label": label,
        "text": text,
        "colour": BADGE_COLOURS[status],
        "left": left,
        "right": right,
        "width": left + right,
        "left_middle": left / 2,
        "right_middle": left + right / 2,
    }


def crosswalk_rows():
    return [
        {"status": status, "score": status.score, **CROSSWALK[status].__dict__} for status in Status
    ]


def schema_date(date, precision):
    """An ISO 8601 date only as precise as the source: '2025', '2025-09' or '2025-09-01'."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.YEAR:
        return f"{date.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{date:%Y-%m}"
    return date.isoformat()


def _maker(pledge):
    maker = pledge.made_by
    if maker is None:
        return None
    if maker.is_body:
        return {"@type": "Organization", "name": maker.name}
    return {"@type": "Person", "name": maker.name, "jobTitle": maker.office}


def rating_explanation(pledge, updates):
    """The public history in a sentence or two, oldest first: what changed and when."""
    if not updates:
        return gettext("Not yet assessed: no status update has been published for this pledge.")
    steps = "; ".join(
        gettext("%(status)s as of %(date)s")
        % {"status": u.get_status_display(), "date": date_format(u.as_of, "DATE_FORMAT")}
        for u in reversed(updates)
    )
    latest = updates[0]
    text = gettext("%(status)s. History: %(steps)s.") % {
        "status": pledge.status_enum.label,
        "steps": steps,
    }
    if note := shown(latest, "public_note"):
        text += " " + gettext("Latest: %(note)s") % {"note": note.marked}
    return text


def claim_review(pledge, updates):
    """The schema.org ClaimReview for a public pledge, as a dict for json_script.

    `updates` are the pledge's public updates, newest first (the page's timeline). The
    review is written in the page's language (`inLanguage`); the claim, a verbatim quote,
    in its statement's."""
    statement = pledge.statement
    status = pledge.status_enum
    page = absolute_url(pledge.get_absolute_url())
    rating = {
        "@type": "Rating",
        "alternateName": str(CROSSWALK[status].politifact),
        "name": str(status.label),
        "ratingExplanation": rating_explanation(pledge, updates),
    }
    if status.score is not None:
        # The G7 Research Group's compliance scale: -1 no compliance, 0 partial, +1 full.
        rating |= {"ratingValue": status.score, "worstRating": -1, "bestRating": 1}
    appearance = {
        "@type": "CreativeWork",
        "url": absolute_url(statement.get_absolute_url()),
        "name": statement.title,
    }
    claim = {
        "@type": "Claim",
        "text": pledge.quote,
        "inLanguage": statement.language,
        "appearance": appearance,
        "firstAppearance": appearance,
    }
    if maker := _maker(pledge):
        claim["author"] = maker
    if date := schema_date(statement.date, statement.date_precision):
        claim["datePublished"] = date
        appearance["datePublished"] = date
    if statement.source_url:
        appearance["isBasedOn"] = statement.source_url
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": page,
        "name": shown(pledge, "title").marked,
        "inLanguage": get_language(),
        "claimReviewed": pledge.quote,
        "author": {
            "@type": "Organization",
            "name": str(SITE_NAME),
            "url": settings.TRACKER_ORIGIN,
        },
        "itemReviewed": claim,
        "reviewRating": rating,
    }
    if updates:
        # The day in the site's time zone (Seoul), as every date on the page is.
        review["datePublished"] = timezone.localdate(max(u.created_at for u in updates)).isoformat()
    return review
