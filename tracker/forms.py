"""Staff forms: the worklist filters and the status update with its evidence links.

Forms only validate. The state change is Pledge.record_update().
"""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator, URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tracker.models import (
    Pledge,
    Status,
    UpdateDecision,
)


class LoginForm(AuthenticationForm):
    """Django's login form, with the username's length checked before authenticate().

    AuthenticationForm sets max_length after the field is built, so nothing enforces it,
    and axes then records the overlong name in a 255-character column: a 500 on PostgreSQL.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class WebURLField(forms.URLField):
    """Only http and https: a javascript: or data: link must never reach a page."""

    default_error_messages = {
        "invalid": _("Enter a web link: the address must start with http:// or https://.")
    }
    default_validators = [URLValidator(schemes=["http", "https"])]


class EvidenceForm(forms.Form):
    url = WebURLField(label=_("Link"), max_length=1000, assume_scheme="https")
    title = forms.CharField(label=pgettext_lazy("evidence link", "Title"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No maxlength: the browser would silently cut pasted text; the server says
        # what is too long and keeps every character.
        for field in self.fields.values():
            field.widget.attrs.pop("maxlength", None)
        self.fields["url"].widget.attrs["placeholder"] = "https://"

    def clean(self):
        data = super().clean()
        # Say which half is missing rather than "This field is required." twice.
        if "url" in self.errors and not self.data.get(self.add_prefix("url"), "").strip():
            self.errors["url"] = self.error_class([_("Add the link for this title, or clear it.")])
        if "title" in self.errors and not self.data.get(self.add_prefix("title"), "").strip():
            self.errors["title"] = self.error_class([_("Give this link a title.")])
        return data


class BaseEvidenceFormSet(forms.BaseFormSet):
    def links(self):
        """The (url, title) pairs to record, in the order given."""
        return [
            (form.cleaned_data["url"], form.cleaned_data["title"])
            for form in self.forms
            if form.has_changed() and form.cleaned_data
        ]


# Three rows to start; "add another link" adds more, up to twenty.
EvidenceFormSet = forms.formset_factory(
    EvidenceForm, formset=BaseEvidenceFormSet, extra=3, max_num=20, validate_max=True
)


class UpdateFieldsForm(forms.Form):
    """What an editor writes for an update: shared by one pledge's form and the bulk form."""

    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    as_of = forms.DateField(
        label=_("As of"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When the reported event happened. Not in the future."),
    )
    public_note = forms.CharField(
        label=_("Public note in English"),
        widget=forms.Textarea(attrs={"rows": 3, "lang": "en"}),
        required=False,
        help_text=_(
            "Published with the update. Required when the status changes, in English or Korean."
        ),
    )
    public_note_ko = forms.CharField(
        label=_("Public note in Korean"),
        widget=forms.Textarea(attrs={"rows": 3, "lang": "ko"}),
        required=False,
        help_text=_(
            "Either language may be written first: the other can be added later, without "
            "a new review, from the update in the history."
        ),
    )
    internal_note = forms.CharField(
        label=_("Internal note (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Staff only, never published."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # No maxlength on the notes: the browser would cut a paste; Pledge.update_errors()
        # says what is too long.
        self.fields["as_of"].widget.attrs["max"] = timezone.localdate().isoformat()

    def written(self):
        """What the editor wrote, as Pledge.record_update() arguments."""
        return {name: self.cleaned_data[name] for name in UpdateFieldsForm.base_fields}

    def check_rules(self, pledges):
        """Pledge.update_errors() for each pledge: the model's rules, in the model's words."""
        data = self.cleaned_data
        written = {
            "status": data.get("status"),
            "as_of": data.get("as_of"),
            "public_note": data.get("public_note", ""),
            "public_note_ko": data.get("public_note_ko", ""),
            "internal_note": data.get("internal_note", ""),
        }
        errors = {}
        for pledge in pledges:
            for field, message in pledge.update_errors(**written).items():
                errors.setdefault(field, message)
        either_note = written["public_note"] + written["public_note_ko"]
        changed = [p for p in pledges if p.needs_public_note(written["status"], either_note)]
        if len(pledges) > 1 and changed:
            errors["public_note"] = _(
                "The status changes for %(count)d of these pledges: explain why in a public note."
            ) % {"count": len(changed)}
        for field, message in errors.items():
            self.add_error(field, message)


class StatusUpdateForm(UpdateFieldsForm):
    """A new step in a pledge's history. `version` is the pledge's version the form was based on."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, pledge, **kwargs):
        self.pledge = pledge
        kwargs.setdefault(
            "initial",
            {"status": pledge.status, "as_of": timezone.localdate(), "version": pledge.version},
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        self.check_rules([self.pledge])
        return data


class BulkUpdateForm(UpdateFieldsForm):
    """One evidenced update for several pledges. Each selected pledge comes with the version
    the editor saw (`version-<pk>`), so each is checked on its own when saved."""

    MAX_PLEDGES = 50  # a worklist page

    pledge = forms.ModelMultipleChoiceField(
        queryset=Pledge.objects.all(),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Select at least one pledge in the worklist.")},
    )

    def __init__(self, *args, pledges=(), **kwargs):
        kwargs.setdefault("initial", {"as_of": timezone.localdate(), "pledge": pledges})
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Choose a status")), *Status.choices]

    def clean_pledge(self):
        pledges = self.cleaned_data["pledge"]
        if len(pledges) > self.MAX_PLEDGES:
            raise forms.ValidationError(
                _("At most %(max)d pledges at once; this has %(count)d.")
                % {"max": self.MAX_PLEDGES, "count": len(pledges)}
            )
        return pledges

    def clean(self):
        data = super().clean()
        pledges = list(data.get("pledge") or ())
        self.versions = {}
        for pledge in pledges:
            version = self.data.get(f"version-{pledge.pk}", "")
            if not version.isdigit():
                lost = _("The form lost track of “%(pledge)s”: reopen it.")
                self.add_error("pledge", lost % {"pledge": pledge})
            else:
                self.versions[pledge] = int(version)
        self.check_rules(pledges)
        return data


class ReviewForm(forms.Form):
    """The second key: approve a proposed update, return it, or record a disagreement.

    `version` is the pledge's version the reviewer saw; the decision is the button pressed.
    """

    decision = forms.ChoiceField(choices=UpdateDecision.choices)
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Staff only. Required to return an update or to record a disagreement."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("decision") in (UpdateDecision.RETURN, UpdateDecision.DISAGREE) and not (
            data.get("comment", "").strip()
        ):
            self.add_error("comment", _("Say why, for the author and the history."))
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Public reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown, dated, on the pledge page, on /corrections/ and in its feed."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class TranslateNoteForm(forms.Form):
    """The translation of an update's public note, added or corrected after the update was
    recorded: StatusUpdate.translate_note() saves it."""

    translation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_(
            "The tracker's own translation of the note above, not a machine's. Leave empty "
            "to show the note in its written language, marked “not yet translated”."
        ),
    )

    def __init__(self, *args, update, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {"translation": getattr(update, update.translation_field)})
        super().__init__(*args, **kwargs)
        self.update = update
        field = self.fields["translation"]
        if update.translation_field == "public_note_ko":
            field.label = _("Public note in Korean")
            field.widget.attrs["lang"] = "ko"
        else:
            field.label = _("Public note in English")
            field.widget.attrs["lang"] = "en"

    def clean(self):
        # A post without the field (not the page's form) must not clear the translation.
        if self.add_prefix("translation") not in self.data:
            raise forms.ValidationError(_("The form arrived incomplete: nothing was saved."))
        return super().clean()
