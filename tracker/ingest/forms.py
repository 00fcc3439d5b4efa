"""The three forms of the ingest screen: the source, the statement, the review of pledges.

The screen keeps no state on the server between steps: the cleaned text and the metadata
travel in the form, and the suggestions are computed again from them (deterministically)
when the curator saves.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tracker.ingest import clean, dates
from tracker.models import (
    Counterpart,
    DatePrecision,
    Person,
    Pledge,
    Specificity,
    Statement,
    StatementKind,
    Topic,
)

NO_DATE_HELP = _(
    "As precise as the document: “1 September 2025”, “September 2025” or “2025”. "
    "Leave empty if the document gives no date."
)


def _partial_date(value):
    """A typed date as a PartialDate, None when left empty."""
    if not value.strip():
        return None
    try:
        return dates.parse_date(value)
    except dates.UnreadableDate as error:
        raise ValidationError(str(error)) from error


class SourceForm(forms.Form):
    text = forms.CharField(
        label=_("Paste the text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=_("Text copied from a web page is fine: menus and footers are removed."),
    )
    file = forms.FileField(
        label=_("or upload a file"),
        required=False,
        help_text=_("HTML, plain text or PDF, up to 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".html,.htm,.txt,.pdf,text/*"}),
    )
    source_url = forms.URLField(label=_("Source address"), required=False, assume_scheme="https")

    def __init__(self, *args, **kwargs):
        # Ids of its own: htmx settles elements that keep their id across a swap, and the
        # next step has fields of the same names.
        kwargs.setdefault("auto_id", "source_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        text, upload = data.get("text") or "", data.get("file")
        if upload and text.strip():
            raise ValidationError(_("Paste the text or upload a file, not both."))
        try:
            if upload:
                clean.check_size(upload.size)
                data["cleaned"] = clean.from_upload(upload.name, upload.read())
                data["raw"] = data["cleaned"].text
            else:
                data["cleaned"] = clean.from_paste(text)
                data["raw"] = text
        except clean.SourceError as error:
            raise ValidationError(str(error)) from error
        return data


class StatementForm(forms.Form):
    """The document's metadata, as suggested and then confirmed, and its cleaned text."""

    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=StatementKind.choices)
    date = forms.CharField(label=_("Date"), required=False, max_length=60, help_text=NO_DATE_HELP)
    publisher = forms.CharField(label=_("Outlet"), required=False, max_length=200)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("en", _("English")), ("ko", _("Korean"))]
    )
    speakers = forms.ModelMultipleChoiceField(
        queryset=Person.objects.all(),
        required=False,
        label=_("Speakers"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("People named in the text who are known to the tracker."),
    )
    source_url = forms.URLField(
        label=_("Source address"), required=False, max_length=500, assume_scheme="https"
    )
    text = forms.CharField(
        label=_("Text"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Correct the cleaned text here before going on: pledges are quoted from it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate = None

    def clean_date(self):
        return _partial_date(self.cleaned_data["date"])

    def clean_text(self):
        # Paragraphs are separated by blank lines; a textarea sends \r\n.
        text = self.cleaned_data["text"].replace("\r\n", "\n").strip()
        try:
            clean.check_text(text)
        except clean.SourceError as error:
            raise ValidationError(str(error)) from error
        self.duplicate = Statement.objects.with_text(text).first()
        if self.duplicate is not None:
            raise ValidationError(
                _(
                    "This text is already in the tracker (same content, ignoring spacing and "
                    "case): “%(title)s”."
                ),
                code="duplicate",
                params={"title": self.duplicate.title},
            )
        return text

    def statement(self):
        """An unsaved Statement from the confirmed fields."""
        data = self.cleaned_data
        date = data["date"]
        return Statement(
            title=data["title"],
            kind=data["kind"],
            date=date.date if date else None,
            date_precision=date.precision if date else DatePrecision.UNKNOWN,
            publisher=data["publisher"],
            language=data["language"],
            source_url=data["source_url"],
            text=data["text"],
        )


class PledgeFields(forms.Form):
    """What a pledge needs besides its span: shared by suggestions and hand-made pledges."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    counterparts = forms.ModelMultipleChoiceField(
        label=_("Counterparts"),
        queryset=Counterpart.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    target = forms.CharField(label=_("Target"), required=False, max_length=60)
    specificity = forms.ChoiceField(label=_("Specificity"), choices=Specificity.choices)

    def __init__(self, *args, text="", choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.text = text
        for name, values in (choices or {}).items():
            self.fields[name].choices = values  # read once for all the forms on a page

    def clean_target(self):
        return _partial_date(self.cleaned_data["target"])

    def _span(self, start, end):
        if start is None or end is None or not 0 <= start < end <= len(self.text):
            raise ValidationError(
                _("The quote must be a passage of the text: check its start and end.")
            )
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end


class SuggestionForm(PledgeFields):
    DECISIONS = [
        ("accept", pgettext_lazy("suggested pledge", "Accept")),
        ("reject", pgettext_lazy("suggested pledge", "Reject")),
        ("restatement", _("Restatement of an existing pledge")),
    ]

    decision = forms.ChoiceField(
        label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect, required=False
    )
    start = forms.IntegerField(label=_("Start"), min_value=0)
    end = forms.IntegerField(label=_("End"), min_value=1)
    restates = forms.ModelChoiceField(
        label=_("Restates"), queryset=Pledge.objects.all(), required=False
    )

    def clean(self):
        data = super().clean()
        if not data.get("decision"):
            raise ValidationError(_("Accept, reject or mark this suggestion as a restatement."))
        if "start" in data and "end" in data:
            data["start"], data["end"] = self._span(data["start"], data["end"])
        if data["decision"] == "restatement" and not data.get("restates"):
            self.add_error("restates", _("Choose the pledge this restates."))
        if data["decision"] == "accept" and not (data.get("title") or "").strip():
            self.add_error("title", _("Give the pledge a title."))
        return data


class AddedForm(PledgeFields):
    """A passage the suggester missed, selected by the curator (or typed: the quote)."""

    quote = forms.CharField(
        label=_("Quote"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    start = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        quote = data.get("quote") or ""
        if not quote.strip():
            return data  # an empty spare form
        start = data.get("start")
        if start is None or self.text[start : start + len(quote)] != quote:
            start = self.text.find(quote)
        if start < 0:
            raise ValidationError(
                _(
                    "This quote is not word for word in the text. Select it in the text, or "
                    "copy it exactly (quotation marks, dashes and spaces included)."
                )
            )
        data["start"], data["end"] = self._span(start, start + len(quote))
        if not (data.get("title") or "").strip():
            self.add_error("title", _("Give the pledge a title."))
        return data


SuggestionFormSet = formset_factory(SuggestionForm, extra=0)
AddedFormSet = formset_factory(AddedForm, extra=1)
