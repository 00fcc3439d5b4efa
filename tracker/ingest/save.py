"""Save a reviewed statement: the statement, its accepted pledges, restatements and the
record of every decision, in one transaction. Nothing is published here."""

import re

from django.db import transaction
from django.utils.translation import override

from tracker.models import (
    DatePrecision,
    Pledge,
    Restatement,
    ReviewDecision,
    Speaker,
    SuggestionReview,
)


def office_before(text, name):
    """The title the text puts before a name: "Foreign Minister" in "Foreign Minister Cho"."""
    words = re.split(r"[\s-]+", name)
    pattern = r"[\s-]+".join(map(re.escape, words))
    match = re.search(rf"((?:[A-Z][\w-]*\s+){{1,4}}){pattern}", text)
    return match[1].strip() if match else ""


def _target_fields(target):
    if target is None:
        return {"target_date": None, "target_precision": DatePrecision.UNKNOWN}
    return {"target_date": target.date, "target_precision": target.precision}


def _pks(objects):
    return {getattr(obj, "pk", obj) for obj in objects}


def _same(form_data, suggestion):
    """True when the curator kept the suggestion as it was."""
    target = form_data["target"]
    suggested = suggestion.target
    return (
        form_data["title"].strip() == suggestion.title
        and (form_data["start"], form_data["end"]) == (suggestion.start, suggestion.end)
        and _pks(form_data["counterparts"]) == {e.pk for e in suggestion.counterparts}
        and _pks(form_data["topics"]) == {e.pk for e in suggestion.topics}
        and (target and (target.date, target.precision))
        == (suggested and (suggested.date, suggested.precision))
        and form_data["specificity"] == suggestion.specificity
    )


@transaction.atomic
def save_reviewed(statement, speakers, reviewed, added, user, *, record=True):
    """statement: unsaved Statement; speakers: Person list; reviewed: (form data, Suggestion)
    pairs; added: form data of hand-made pledges. Raises ValidationError (and saves
    nothing) if any record is invalid. With record=False (the command line, where nobody
    reviewed anything) no SuggestionReview is written."""
    statement.full_clean()
    statement.save()
    for order, person in enumerate(speakers):
        office = office_before(statement.text, person.name) or "Office not stated"
        Speaker.objects.create(statement=statement, person=person, office=office, order=order)
    text = statement.text
    for data, suggestion in reviewed:
        if data["decision"] == "reject":
            decision, pledge = ReviewDecision.REJECTED, None
        elif data["decision"] == "restatement":
            decision, pledge = ReviewDecision.RESTATEMENT, data["restates"]
            restatement = Restatement(
                pledge=pledge, statement=statement, quote=text[data["start"] : data["end"]]
            )
            restatement.full_clean()
            restatement.save()
        else:
            same = _same(data, suggestion)
            decision = ReviewDecision.ACCEPTED if same else ReviewDecision.EDITED
            pledge = _pledge(statement, data)
        if record:
            _review(statement, decision, data, suggestion, pledge, user)
    for data in added:
        pledge = _pledge(statement, data)
        if record:
            _review(statement, ReviewDecision.ADDED, data, None, pledge, user)
    return statement


def _pledge(statement, data):
    pledge = Pledge(
        statement=statement,
        quote=statement.text[data["start"] : data["end"]],
        title=data["title"].strip(),
        specificity=data["specificity"],
        **_target_fields(data["target"]),
    )
    if data["target"] is not None:
        pledge.target_note = f"“{data['target'].text}” in a statement of {statement.display_date}"
    pledge.full_clean(exclude=["slug"])
    pledge.save()
    pledge.counterparts.set(data["counterparts"])
    pledge.topics.set(data["topics"])
    return pledge


def _stored(reasons):
    """The reasons as the record keeps them: in English, whatever the curator's language."""
    with override("en"):
        return [str(reason) for reason in reasons]


def _review(statement, decision, data, suggestion, pledge, user):
    SuggestionReview.objects.create(
        statement=statement,
        decision=decision,
        start=data["start"],
        end=data["end"],
        quote=statement.text[data["start"] : data["end"]],
        confidence=suggestion.confidence if suggestion else None,
        reasons=_stored(suggestion.reasons) if suggestion else [],
        pledge=pledge,
        reviewer=user,
    )
