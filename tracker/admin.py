"""The curators' workspace: add and correct statements and pledges."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop, ngettext, ngettext_lazy, override
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from tracker import models

# Django 6.1's own Korean catalogue leaves these admin and form messages untranslated;
# naming them here puts them in ours, which Django reads first (LOCALE_PATHS).
DJANGO_GAPS = [
    gettext_noop("- Select an option -"),
    ngettext_lazy("…and %(count)d more object.", "…and %(count)d more objects.", "count"),
]

# One reason per save, on the statement's or the pledge's own form; inline pledges and
# speakers read it from the same POST.
REASON = "public_reason"
REASON_REQUIRED = _(
    "This changes the published record (%(fields)s): give the public reason for the correction."
)


def _field_list(corrections, record):
    """The corrected fields, as the curator's language names them: "quote, title".

    Corrections keep their field labels in English (tracker.models.corrected_fields)."""
    fields = [record._meta.get_field(name) for name in record.CORRECTED_FIELDS]
    with override("en"):
        by_label = {str(field.verbose_name).capitalize(): field for field in fields}
    return ", ".join(
        str(by_label[label].verbose_name) if label in by_label else label.lower()
        for label in corrections
    )


def public_reason(data):
    return data.get(REASON, "").strip()


class CorrectionForm(forms.ModelForm):
    """A change to the cited fields of a published record needs a public reason.

    Compared with what is stored, not with the form's initial values, so a revert from
    the history (whose form starts from the old version) is held to the same rule.
    `corrections` holds the changes for the admin to log once saved.
    """

    public_reason = forms.CharField(
        label=_("Public reason for a correction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when a published quote, title, date, attribution or target changes: "
            "shown, dated, on the pledge page, on /corrections/ and in its feed. "
            "Not needed for drafts."
        ),
    )

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the new values
        self.corrections = {}
        if self.instance.pk is None or self.errors:
            return
        self.corrections = models.corrected_fields(self.instance)
        if self.corrections and not public_reason(self.data):
            message = REASON_REQUIRED % {"fields": _field_list(self.corrections, self.instance)}
            self.add_error(REASON if REASON in self.fields else None, message)


class InlineCorrectionForm(CorrectionForm):
    """A pledge inline on the statement form: the reason is the statement form's."""

    public_reason = None


def _log_corrections(request, form, obj):
    if getattr(form, "corrections", None):
        models.Correction.record(
            obj, form.corrections, reason=public_reason(form.data), author=request.user
        )


class HistoryAdmin(SimpleHistoryAdmin):
    """Every change recorded with who, when and the field diff; curators revert from it."""

    def save_model(self, request, obj, form, change):
        obj._change_reason = public_reason(form.data) or None
        super().save_model(request, obj, form, change)
        _log_corrections(request, form, obj)


@admin.action(description=_("Publish the selected records"))
def publish(modeladmin, request, queryset):
    _set_published(modeladmin, request, queryset, True)


@admin.action(description=_("Unpublish the selected records"))
def unpublish(modeladmin, request, queryset):
    _set_published(modeladmin, request, queryset, False)


def _set_published(modeladmin, request, queryset, value):
    changed = queryset.exclude(is_published=value).update(is_published=value)
    if changed:
        models.Revision.bump(withdraws=not value)  # queryset.update() sends no signals
    if value:
        message = ngettext("%(n)d record published.", "%(n)d records published.", changed)
    else:
        message = ngettext("%(n)d record unpublished.", "%(n)d records unpublished.", changed)
    modeladmin.message_user(request, message % {"n": changed}, messages.SUCCESS)


class StatementChildFormSet(BaseInlineFormSet):
    """Validate each quote against the statement text being saved, not the stored one.

    Without this a new statement's pledges would be checked against nothing, and an
    edit to the text in the same submission would be checked against the old text.
    """

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.statement = self.instance
        return form


class SpeakerFormSet(BaseInlineFormSet):
    """Who said it is attribution: changing a published statement's speakers needs a reason."""

    def clean(self):
        super().clean()
        self.corrections = {}
        statement = self.instance
        if not (statement.pk and statement.is_published and self.has_changed()):
            return
        before = [str(s) for s in statement.speaker_set.select_related("person")]
        after = [
            str(form.instance)
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if before == after:
            return
        self.corrections = {"Speakers": ["; ".join(before), "; ".join(after)]}
        if not public_reason(self.data):
            raise forms.ValidationError(REASON_REQUIRED % {"fields": gettext("speakers")})


class SpeakerInline(admin.StackedInline):
    model = models.Speaker
    formset = SpeakerFormSet
    extra = 0
    autocomplete_fields = ["person"]
    fields = [
        ("person", "office", "role", "order"),
        ("basis", "doubt"),
        "basis_note",
        ("source_url", "source_title"),
    ]


def limit_maker_to_speakers(form, statement):
    """A pledge's maker is chosen among its statement's speakers only."""
    if "maker" in form.base_fields:
        speakers = models.Speaker.objects.select_related("person")
        form.base_fields["maker"].queryset = (
            speakers.filter(statement=statement) if statement else speakers.none()
        )


class PledgeInline(admin.StackedInline):
    model = models.Pledge
    form = InlineCorrectionForm
    formset = StatementChildFormSet
    extra = 0
    show_change_link = True
    autocomplete_fields = ["counterparts", "topics", "responsible_body"]
    fields = [
        "quote",
        ("title", "title_ko"),
        "slug",
        ("counterparts", "topics"),
        ("maker", "responsible_body"),
        ("target_date", "target_precision", "target_basis", "target_note"),
        "specificity",
        "is_published",
    ]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        limit_maker_to_speakers(formset.form, obj)
        return formset


class RestatementInline(admin.StackedInline):
    model = models.Restatement
    fk_name = "pledge"
    extra = 0
    autocomplete_fields = ["statement"]
    fields = ["statement", "quote", "note"]


class StatusUpdateInline(admin.TabularInline):
    """The history, read-only: updates are recorded in the staff workspace, never edited."""

    model = models.StatusUpdate
    fk_name = "pledge"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [
        "as_of",
        "status",
        "previous_status",
        "public_note",
        "public_note_ko",
        "internal_note",
        "author",
        "source_statement",
        "created_at",
    ]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Statement)
class StatementAdmin(HistoryAdmin):
    form = CorrectionForm
    list_display = ["title", "kind", "display_date", "issuing_body", "pledge_count", "is_published"]
    list_filter = [
        "is_published",
        "kind",
        ("date", admin.DateFieldListFilter),
        "date_precision",
        "pledges__counterparts",
        "pledges__topics",
        "pledges__status",
    ]
    search_fields = [
        "title",
        "title_ko",
        "text",
        "event",
        "venue",
        "publisher",
        "speakers__name",
        "speakers__name_ko",
    ]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["issuing_body", "translation_of"]
    readonly_fields = ["translations_listed"]
    actions = [publish, unpublish]
    inlines = [SpeakerInline, PledgeInline]
    fieldsets = [
        (None, {"fields": [("title", "title_ko"), "slug", "kind", "issuing_body", "is_published"]}),
        (
            _("Occasion"),
            {
                "fields": [
                    "event",
                    "venue",
                    ("date", "date_precision"),
                    "date_note",
                    ("date_basis", "date_doubt"),
                    "date_basis_note",
                    ("date_source_url", "date_source_title"),
                ]
            },
        ),
        (_("Source"), {"fields": ["publisher", "source_url", "source_file"]}),
        (
            _("Language"),
            {"fields": ["language", "translation_of", "translations_listed"]},
        ),
        (_("Text"), {"fields": ["text", "notes"]}),
        (_("Correction"), {"fields": [REASON]}),
    ]

    def save_formset(self, request, form, formset, change):
        reason = public_reason(request.POST) or None
        for child in formset.forms:
            child.instance._change_reason = reason
        super().save_formset(request, form, formset, change)
        for child in formset.forms:
            if child.instance.pk:
                _log_corrections(request, child, child.instance)
        if getattr(formset, "corrections", None):  # the speakers
            _log_corrections(request, formset, form.instance)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("issuing_body")
            .annotate(pledge_total=Count("pledges", distinct=True))
        )

    @admin.display(description=_("Date"), ordering="date")
    def display_date(self, obj):
        return obj.display_date

    @admin.display(description=_("Pledges"), ordering="pledge_total")
    def pledge_count(self, obj):
        return obj.pledge_total

    @admin.display(description=_("Its translations"))
    def translations_listed(self, obj):
        """The other way of `translation_of`: the versions of this statement in other
        languages, each a link to its own form."""
        versions = obj.translations.all() if obj.pk else []
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> ({})',
            (
                (
                    reverse("admin:tracker_statement_change", args=[v.pk]),
                    v,
                    v.get_language_display(),
                )
                for v in versions
            ),
        ) or gettext("None: no statement names this one as its original.")


@admin.register(models.Pledge)
class PledgeAdmin(HistoryAdmin):
    form = CorrectionForm
    list_display = ["title", "statement", "status", "display_target", "specificity", "is_published"]
    list_filter = [
        "is_published",
        "status",
        "specificity",
        "target_precision",
        "counterparts",
        "topics",
        "statement__kind",
    ]
    list_select_related = ["statement"]
    search_fields = [
        "title",
        "title_ko",
        "quote",
        "description",
        "description_ko",
        "statement__title",
    ]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["statement", "counterparts", "topics", "responsible_body"]
    readonly_fields = [
        "status",
        "version",
        "latest_update",
        "target_deadline",
        "created_at",
        "updated_at",
    ]
    actions = [publish, unpublish]
    inlines = [RestatementInline, StatusUpdateInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "statement",
                    "maker",
                    "quote",
                    ("title", "title_ko"),
                    "slug",
                    ("description", "description_ko"),
                    "is_published",
                ]
            },
        ),
        (
            _("Classification"),
            {"fields": ["counterparts", "topics", "responsible_body", "specificity"]},
        ),
        (
            _("Target"),
            {
                "fields": [
                    ("target_date", "target_precision", "target_basis"),
                    "target_note",
                    "target_deadline",
                ]
            },
        ),
        (
            _("Status (recorded in the staff workspace)"),
            {
                "fields": ["status", "version", "latest_update", "created_at", "updated_at"],
            },
        ),
        (_("Correction"), {"fields": [REASON]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            limit_maker_to_speakers(form, obj.statement)
        return form

    @admin.display(description=_("Target"), ordering="target_deadline")
    def display_target(self, obj):
        return obj.display_target


@admin.register(models.StatusUpdate)
class StatusUpdateAdmin(SimpleHistoryAdmin):
    """Read-only: the history is append-only, so a correction is a new update. Its edit
    history lists the versions of its note's translation (StatusUpdate.translate_note)."""

    list_display = ["pledge", "status", "as_of", "author", "created_at"]
    # No date_hierarchy: its drill-down runs a DISTINCT date_trunc over every update
    # (200,000 at scale L: 240 ms on PostgreSQL, 1.2 s on SQLite) on each page view; the
    # recorded-on filter's fixed ranges cost nothing. No full count either, for the same
    # reason.
    list_filter = [
        "status",
        ("as_of", admin.DateFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["pledge", "author"]
    search_fields = [
        "pledge__title",
        "pledge__title_ko",
        "public_note",
        "public_note_ko",
        "internal_note",
    ]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NamedAdmin(HistoryAdmin):
    search_fields = ["name", "name_ko"]
    prepopulated_fields = {"slug": ["name"]}

    def get_fields(self, request, obj=None):
        """The name and its Korean side by side, then the rest as Django orders them."""
        fields = [f for f in super().get_fields(request, obj) if f not in ("name", "name_ko")]
        return [("name", "name_ko"), *fields]


class CounterpartAliasInline(admin.TabularInline):
    """Other names the pledge suggester's gazetteer finds: "Washington", "Tokyo"."""

    model = models.CounterpartAlias
    extra = 1


class TopicKeywordInline(admin.TabularInline):
    """Words that make the pledge suggester propose this topic."""

    model = models.TopicKeyword
    extra = 1


@admin.register(models.Counterpart)
class CounterpartAdmin(NamedAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    autocomplete_fields = ["members"]
    inlines = [CounterpartAliasInline]


@admin.register(models.Topic)
class TopicAdmin(NamedAdmin):
    list_display = ["name"]
    inlines = [TopicKeywordInline]


@admin.register(models.SuggestionReview)
class SuggestionReviewAdmin(admin.ModelAdmin):
    """What curators did with suggested pledges: read-only, the suggester's record."""

    list_display = ["quote_start", "decision", "confidence", "statement", "reviewer", "created_at"]
    list_filter = ["decision"]
    list_select_related = ["statement", "reviewer"]
    search_fields = ["quote"]

    @admin.display(description=_("Quote"))
    def quote_start(self, obj):
        return obj.quote[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Body)
class BodyAdmin(NamedAdmin):
    list_display = ["name", "parent"]
    autocomplete_fields = ["parent"]


@admin.register(models.Person)
class PersonAdmin(NamedAdmin):
    list_display = ["name"]


@admin.register(models.Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """The public corrections log: written by saving a correction, never edited here."""

    list_display = ["created_at", "subject", "changed_fields", "reason", "author"]
    list_select_related = ["pledge", "statement", "author"]
    search_fields = ["reason", "pledge__title", "statement__title"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.site_header = _("Korea Pledge Tracker: curation")
admin.site.site_title = _("Pledge Tracker admin")
admin.site.index_title = _("Statements, pledges and their sources")
