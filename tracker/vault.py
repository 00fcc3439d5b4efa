"""The evidence vault: an archived copy of every evidence link, and its health.

`check(evidence)` fetches the address (tracker.fetch), stores what came back as an
EvidenceCapture and sets the evidence's health:
- live: it answers, and with the same body as the archived copy (or it is the first copy);
- changed: it answers with a body whose SHA-256 differs from the archived copy's;
- dead: an HTTP error status, or no answer at all;
- refused: the fetcher's safety rules forbid the address or the answer.
The first successful fetch is the archived copy, shown on public pages; a later copy
keeps its text only when the body changed, so re-checks cost little room.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tracker.fetch import FetchFailed, Refused, extract, fetch
from tracker.models import Evidence, EvidenceCapture, EvidenceHealth

Health = EvidenceHealth


def check(evidence):
    """Fetch one evidence address now and record the result; returns the capture."""
    capture = EvidenceCapture(evidence=evidence, fetched_at=timezone.now())
    try:
        page = fetch(evidence.url)
    except Refused as refusal:
        capture.health, capture.error = Health.REFUSED, str(refusal)[:300]
    except FetchFailed as failure:
        capture.health, capture.error = Health.DEAD, str(failure)[:300]
    else:
        capture.http_status = page.status
        capture.final_url = page.final_url[:2000]
        capture.content_type = page.content_type
        capture.sha256 = page.sha256
        capture.size = len(page.body)
        if not page.ok:
            capture.health, capture.error = Health.DEAD, f"The server answered HTTP {page.status}."
        else:
            capture.title, capture.text = extract(page)
            archive = evidence.archive
            if archive is None or archive.sha256 != capture.sha256:
                capture.health = Health.LIVE if archive is None else Health.CHANGED
            else:
                capture.health, capture.text = Health.LIVE, ""  # the archive already has it
    with transaction.atomic():
        capture.save()
        evidence.health, evidence.checked_at = capture.health, capture.fetched_at
        fields = ["health", "checked_at"]
        if evidence.archive is None and capture.health == Health.LIVE:
            evidence.archive = capture
            fields.append("archive")
        evidence.save(update_fields=fields)
    return capture


def check_many(evidence_ids):
    """Check each evidence row that still exists; returns how many ended in each health."""
    counts = dict.fromkeys(Health.values, 0)
    for evidence in Evidence.objects.filter(pk__in=evidence_ids).select_related("archive"):
        counts[check(evidence).health] += 1
    return counts


def due_for_check(older_than=datetime.timedelta(days=7), now=None):
    """Evidence never checked, or last checked longer ago than `older_than`."""
    now = now or timezone.now()
    return Evidence.objects.filter(Q(checked_at__isnull=True) | Q(checked_at__lt=now - older_than))
