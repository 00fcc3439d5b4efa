"""The curators' workspace: add and correct statements and pledges."""

from django.contrib import admin, messages
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.translation import ngettext

from tracker import models


@admin.action(description="Publish the selected records")
def publish(modeladmin, request, queryset):
    _set_published(modeladmin, request, queryset, True)


@admin.action(description="Unpublish the selected records")
def unpublish(modeladmin, request, queryset):
    _set_published(modeladmin, request, queryset, False)


def _set_published(modeladmin, request, queryset, value):
    changed = queryset.exclude(is_published=value).update(is_published=value)
    if changed:
        models.Revision.bump()  # queryset.update() sends no signals
    verb = "published" if value else "unpublished"
    modeladmin.message_user(
        request,
        ngettext("%(n)d record %(verb)s.", "%(n)d records %(verb)s.", changed)
        % {"n": changed, "verb": verb},
        messages.SUCCESS,
    )


class StatementChildFormSet(BaseInlineFormSet):
    """Validate each quote against the statement text being saved, not the stored one.

    Without this a new statement's pledges would be checked against nothing, and an
    edit to the text in the same submission would be checked against the old text.
    """

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.statement = self.instance
        return form


class SpeakerInline(admin.StackedInline):
    model = models.Speaker
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
    formset = StatementChildFormSet
    extra = 0
    show_change_link = True
    autocomplete_fields = ["counterparts", "topics", "responsible_body"]
    fields = [
        "quote",
        "title",
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
class StatementAdmin(admin.ModelAdmin):
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
    search_fields = ["title", "text", "event", "venue", "publisher", "speakers__name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["issuing_body"]
    actions = [publish, unpublish]
    inlines = [SpeakerInline, PledgeInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "issuing_body", "is_published"]}),
        (
            "Occasion",
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
        ("Source", {"fields": ["publisher", "source_url", "source_file", "language"]}),
        ("Text", {"fields": ["text", "notes"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("issuing_body")
            .annotate(pledge_total=Count("pledges", distinct=True))
        )

    @admin.display(description="Date", ordering="date")
    def display_date(self, obj):
        return obj.display_date

    @admin.display(description="Pledges", ordering="pledge_total")
    def pledge_count(self, obj):
        return obj.pledge_total


@admin.register(models.Pledge)
class PledgeAdmin(admin.ModelAdmin):
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
    search_fields = ["title", "quote", "description", "statement__title"]
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
                    "title",
                    "slug",
                    "description",
                    "is_published",
                ]
            },
        ),
        (
            "Classification",
            {"fields": ["counterparts", "topics", "responsible_body", "specificity"]},
        ),
        (
            "Target",
            {
                "fields": [
                    ("target_date", "target_precision", "target_basis"),
                    "target_note",
                    "target_deadline",
                ]
            },
        ),
        (
            "Status (recorded in the staff workspace)",
            {
                "fields": ["status", "version", "latest_update", "created_at", "updated_at"],
            },
        ),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            limit_maker_to_speakers(form, obj.statement)
        return form

    @admin.display(description="Target", ordering="target_deadline")
    def display_target(self, obj):
        return obj.display_target


@admin.register(models.StatusUpdate)
class StatusUpdateAdmin(admin.ModelAdmin):
    """Read-only: the history is append-only, so a correction is a new update."""

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
    search_fields = ["pledge__title", "public_note", "internal_note"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NamedAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


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

    @admin.display(description="Quote")
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


admin.site.site_header = "Korea Pledge Tracker: curation"
admin.site.site_title = "Pledge Tracker admin"
admin.site.index_title = "Statements, pledges and their sources"
